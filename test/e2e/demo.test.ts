import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../support/host-process.ts';

describe('npm run demo -- --once', () => {
  it('brings the host up against the stack, reports it healthy and stops it', async () => {
    const port = await freePort();
    const result = spawnSync(process.execPath, ['scripts/demo.ts', '--once'], {
      cwd: join(import.meta.dirname, '..', '..'),
      env: {
        ...process.env,
        ONRAMP_REST_PORT: String(port),
        ONRAMP_DATA_DIR: mkdtempSync(join(tmpdir(), 'onramp-demo-')),
      },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(result.stdout).toContain(`Onramp is running on http://127.0.0.1:${port}`);
    expect(result.stdout).toContain('Kafka is reachable');
    expect(result.stdout).toContain('the host answered healthy; stopping it.');
    expect(result.status).toBe(0);
    // The host process is gone: nothing answers on its port any more.
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  });
});
