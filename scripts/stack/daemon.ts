// Long-running service processes: started detached (own process group, output appended to
// logs/<service>.log) so they outlive the command that started them, and remembered by a pid file in
// run/<service>.pid. A pid file only counts while its process is alive and still looks like the
// service (pids get reused), so `down` never signals a stranger.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { logFile, pidFile } from './layout.ts';
import { StackError } from './stack-error.ts';

export interface Daemon {
  pid: number;
  /** Why the process is gone ("exit 1"), or undefined while it runs. */
  exited(): string | undefined;
}

export function spawnDaemon(
  service: string,
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Daemon {
  const log = openSync(logFile(service), 'a');
  let exitReason: string | undefined;
  try {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', log, log],
    });
    child.on('error', (error) => {
      exitReason = error.message;
    });
    child.on('exit', (code, signal) => {
      exitReason = signal ? `killed by ${signal}` : `exit ${code}`;
    });
    child.unref();
    if (child.pid === undefined) throw new StackError(`could not start ${command} for ${service}`);
    writePid(service, child.pid);
    return { pid: child.pid, exited: () => exitReason };
  } finally {
    closeSync(log);
  }
}

export function writePid(service: string, pid: number): void {
  writeFileSync(pidFile(service), `${pid}\n`);
}

export function readPid(service: string): number | undefined {
  const file = pidFile(service);
  if (!existsSync(file)) return undefined;
  const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** True when `pid` is a live (not zombie) process whose command line contains `match`. */
export function isProcessLike(pid: number, match: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(match);
  } catch {
    return false;
  }
}

/** The pid from the service's pid file if that process is alive and is the service; else undefined. */
export function ownedPid(service: string, match: string): number | undefined {
  const pid = readPid(service);
  return pid !== undefined && isProcessLike(pid, match) ? pid : undefined;
}

function processGroupOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  } catch {
    return undefined;
  }
}

async function waitGone(pid: number, match: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isProcessLike(pid, match)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return !isProcessLike(pid, match);
}

/**
 * Stops the service whose pid file we own: `signal` (SIGTERM unless the service shuts down faster on
 * another), wait, then SIGKILL (the whole group when the process leads one). Returns whether it ran.
 */
export async function stopDaemon(
  service: string,
  match: string,
  options: { signal?: NodeJS.Signals; timeoutMs?: number } = {},
): Promise<boolean> {
  const pid = ownedPid(service, match);
  if (pid === undefined) {
    rmSync(pidFile(service), { force: true });
    return false;
  }
  process.kill(pid, options.signal ?? 'SIGTERM');
  if (!(await waitGone(pid, match, options.timeoutMs ?? 30_000))) {
    const target = processGroupOf(pid) === pid ? -pid : pid;
    process.kill(target, 'SIGKILL');
    await waitGone(pid, match, 5_000);
  }
  rmSync(pidFile(service), { force: true });
  return true;
}

/** The last `lines` lines of the service's log, for failure messages. */
export function logTail(service: string, lines = 30): string {
  const file = logFile(service);
  if (!existsSync(file)) return `(no log at ${file})`;
  const text = readFileSync(file, 'utf8').trimEnd();
  return text.split('\n').slice(-lines).join('\n');
}
