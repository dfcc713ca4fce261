import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The version of an installed package, resolved from `from` (a folder; default: this checkout). */
export function packageVersion(name: string, from: string = import.meta.dirname): string {
  const require = createRequire(join(from, 'noop.js'));
  let folder = dirname(require.resolve(name));
  // Walk up from the entry point to the package's own package.json.
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (manifest.name === name) return manifest.version ?? 'unknown';
    } catch {}
    const parent = dirname(folder);
    if (parent === folder) return 'unknown';
    folder = parent;
  }
}
