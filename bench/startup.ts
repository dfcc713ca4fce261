import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostNodeArgs } from '../src/host-command.ts';
import { freePort } from './lib/systems.ts';

// Start-up benchmark: time from spawning `node src/main.ts` to the REST API answering GET /health,
// and the resident set size of the idle host. Target (DESIGN.md): start-up under 1 s, RSS under 100 MB.

export interface StartupRun {
  readyMs: number;
  rssMb: number;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

export async function measureStartup(): Promise<StartupRun> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'onramp-bench-'));
  const started = performance.now();
  const child = spawn(process.execPath, hostNodeArgs(), {
    env: {
      ...process.env,
      ONRAMP_REST_PORT: String(port),
      ONRAMP_DATA_DIR: dataDir,
      ONRAMP_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`host exited with ${child.exitCode} before answering`);
      try {
        const response = await fetch(`http://127.0.0.1:${port}/health`);
        await response.text();
        break;
      } catch {
        if (Date.now() > deadline) throw new Error('host did not answer /health within 15 s');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
    const readyMs = performance.now() - started;
    return { readyMs, rssMb: rssMb(child.pid ?? 0) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(dataDir, { recursive: true, force: true });
  }
}
