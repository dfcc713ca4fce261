// Where the stack keeps its state: one folder holding installs, data, logs and pid files, so a second
// `up` finds everything in place. Services that run as their own user (postgres, mysql) need to reach
// their data folders, so the path must be traversable by everyone.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { StackError } from './stack-error.ts';

export const DEFAULT_STACK_DIR = '/var/tmp/onramp-stack';

export function stackDir(): string {
  return resolve(process.env.ONRAMP_STACK_DIR || DEFAULT_STACK_DIR);
}

export function stackPath(...parts: string[]): string {
  return join(stackDir(), ...parts);
}

export function logFile(service: string): string {
  return stackPath('logs', `${service}.log`);
}

export function pidFile(service: string): string {
  return stackPath('run', `${service}.pid`);
}

/** CI runs as root; databases then run as their Debian users, which need their own folders. */
export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

export interface UserIds {
  uid: number;
  gid: number;
}

export function userIds(user: string): UserIds {
  try {
    const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new StackError(`system user '${user}' does not exist (is its Debian package installed?)`);
  }
}

/** mkdir -p with an explicit mode (umask-proof) and, when given, an owner for the leaf folder. */
export function ensureDir(path: string, options: { mode?: number; owner?: UserIds } = {}): string {
  mkdirSync(path, { recursive: true });
  chmodSync(path, options.mode ?? 0o755);
  if (options.owner) chownSync(path, options.owner.uid, options.owner.gid);
  return path;
}

/** Creates the stack folder with logs/ and run/, checking that service users can traverse its path. */
export function ensureStackDirs(): void {
  const root = stackDir();
  ensureDir(root);
  ensureDir(join(root, 'logs'));
  ensureDir(join(root, 'run'));
  if (!isRoot()) return;
  for (let dir = dirname(root); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) {
      throw new StackError(
        `${dir} is not traversable by other users, so postgres and mysql cannot reach ${root}; ` +
          'choose another ONRAMP_STACK_DIR (default /var/tmp/onramp-stack)',
      );
    }
  }
}
