import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';

// Processes the tests start (hosts, writers): each leads a process group of its own, so whatever it
// starts goes with it, and every group still running is killed when the test process exits. A start
// that fails (a health wait that times out) kills its group before throwing: an orphan would load
// the machine for the rest of the suite.

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) signalGroup(child, 'SIGKILL');
});

/** Spawns `command` as the leader of a new process group, killed at the latest when this process exits. */
export function spawnGroup(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  const child = spawn(command, args, { ...options, detached: true });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Whether the process itself has exited (its group may still hold processes it started). */
export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Sends `signal` to the child's whole process group; a group that is gone already is fine. */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** SIGKILL to the child's process group; resolves once the child has exited. */
export async function killGroup(child: ChildProcess): Promise<void> {
  const exited = hasExited(child)
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once('exit', () => resolve()));
  signalGroup(child, 'SIGKILL');
  await exited;
}
