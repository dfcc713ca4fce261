// One `up` at a time per stack folder: several test runs (and people) may call stackUp() at once, and
// two of them starting PostgreSQL or running initdb side by side would trip over each other. The lock
// is a file holding the owner's pid; a lock whose owner died is taken over.
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { stackPath } from './layout.ts';
import { say } from './say.ts';
import { StackError } from './stack-error.ts';

function ownerAlive(file: string): boolean {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    if (!Number.isInteger(pid) || pid <= 0) return false;
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tryLock(file: string): boolean {
  try {
    const fd = openSync(file, 'wx');
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  }
}

export async function withUpLock<T>(work: () => Promise<T>, timeoutMs = 15 * 60_000): Promise<T> {
  const file = stackPath('run', 'up.lock');
  const deadline = Date.now() + timeoutMs;
  let told = false;
  while (!tryLock(file)) {
    if (!ownerAlive(file)) {
      rmSync(file, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new StackError(`another 'up' still holds ${file} after ${timeoutMs} ms`);
    if (!told) say(`waiting for another 'up' to finish (${file})...`);
    told = true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  try {
    return await work();
  } finally {
    rmSync(file, { force: true });
  }
}
