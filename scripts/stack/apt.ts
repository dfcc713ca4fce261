// Debian packages for what the machine lacks. Installs run one at a time (dpkg holds a lock), the
// package lists are refreshed once per run, and package scripts are kept from starting their own
// services (Debian's postgresql and mariadb would otherwise grab ports 5432 and 3306 for themselves).
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { isRoot } from './layout.ts';
import { runCommand } from './run-command.ts';
import { say } from './say.ts';
import { StackError } from './stack-error.ts';

const POLICY_RC_D = '/usr/sbin/policy-rc.d';
let queue: Promise<unknown> = Promise.resolve();
let updated = false;

/** Installs `packages` when `binary` is not on PATH. */
export async function ensureCommand(binary: string, what: string, packages: string[]): Promise<void> {
  try {
    await runCommand('sh', ['-c', `command -v ${binary}`]);
  } catch {
    await aptInstall(what, packages);
  }
}

export async function aptInstall(what: string, packages: string[]): Promise<void> {
  const next = queue.then(() => install(what, packages));
  queue = next.catch(() => undefined);
  await next;
}

async function install(what: string, packages: string[]): Promise<void> {
  if (!isRoot()) {
    throw new StackError(
      `${what} is missing; install it with: sudo apt-get install -y ${packages.join(' ')}`,
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!updated) {
    say('apt-get update...');
    await runCommand('apt-get', ['update', '-q'], { env });
    updated = true;
  }
  say(`installing ${what} from Debian (${packages.join(' ')})...`);
  const ownPolicy = !existsSync(POLICY_RC_D);
  if (ownPolicy)
    writeFileSync(POLICY_RC_D, '#!/bin/sh\n# onramp stack: no service starts during install\nexit 101\n', {
      mode: 0o755,
    });
  try {
    await runCommand('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...packages], { env });
  } finally {
    if (ownPolicy) rmSync(POLICY_RC_D, { force: true });
  }
}
