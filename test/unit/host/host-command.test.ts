import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOST_NODE_FLAGS, hostNodeArgs } from '../../../src/host-command.ts';

const root = join(import.meta.dirname, '..', '..', '..');

describe('the host command', () => {
  it('starts src/main.ts with the host flags', () => {
    expect(hostNodeArgs('/app')).toEqual([...HOST_NODE_FLAGS, join('/app', 'src', 'main.ts')]);
  });

  it('is spelled the same in `npm start` and the Dockerfile', () => {
    const start = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.start as string;
    expect(start).toBe(`node scripts/launch.mjs node ${HOST_NODE_FLAGS.join(' ')} src/main.ts`);
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1] ?? '[]';
    expect(JSON.parse(cmd)).toEqual(['node', ...HOST_NODE_FLAGS, 'src/main.ts']);
  });
});
