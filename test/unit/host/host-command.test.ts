import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMPILED_HOST, HOST_NODE_FLAGS, hostNodeArgs } from '../../../src/host-command.ts';

const root = join(import.meta.dirname, '..', '..', '..');

describe('the host command', () => {
  it('starts src/main.ts with the host flags (the tests)', () => {
    expect(hostNodeArgs('/app')).toEqual([...HOST_NODE_FLAGS, join('/app', 'src', 'main.ts')]);
  });

  it('starts the compiled host when it was built, and says how to build it when not', () => {
    expect(() => hostNodeArgs('/nowhere', 'compiled')).toThrow(/npm run build/);
  });

  it('is spelled the same in `npm start` and the Dockerfile, both running the compiled host', () => {
    const start = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.start as string;
    expect(start).toBe(`node scripts/launch.mjs node ${HOST_NODE_FLAGS.join(' ')} ${COMPILED_HOST}`);
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1] ?? '[]';
    expect(JSON.parse(cmd)).toEqual(['node', ...HOST_NODE_FLAGS, COMPILED_HOST]);
    expect(dockerfile).toMatch(/^RUN node scripts\/build\.mjs --force$/m);
    const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(finalStage).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    expect(finalStage).not.toMatch(/^COPY (src|connectors) /m);
  });
});
