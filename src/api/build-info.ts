import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import packageJson from '../../package.json' with { type: 'json' };

// Version and commit for GET /: the package version, and the git commit of the checkout it runs from
// (ONRAMP_COMMIT wins, e.g. in a container image built without .git).

export interface BuildInfo {
  version: string;
  commit: string;
}

const root = join(import.meta.dirname, '..', '..');

function gitCommit(): string | undefined {
  try {
    const gitDir = join(root, '.git');
    const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return head;
    const ref = head.slice(5);
    try {
      return readFileSync(join(gitDir, ref), 'utf8').trim();
    } catch {
      const packed = readFileSync(join(gitDir, 'packed-refs'), 'utf8');
      return packed
        .split('\n')
        .find((line) => line.endsWith(` ${ref}`))
        ?.split(' ')[0];
    }
  } catch {
    return undefined;
  }
}

export function buildInfo(env: Readonly<Record<string, string | undefined>> = process.env): BuildInfo {
  return { version: packageJson.version, commit: env.ONRAMP_COMMIT ?? gitCommit() ?? 'unknown' };
}
