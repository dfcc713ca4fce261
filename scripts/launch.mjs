#!/usr/bin/env node
// Runs a command under Node.js 24 with the project's packages installed.
//
// This file is plain JavaScript on purpose: it is the one thing that runs under whatever Node the
// machine has (Node 20 here), so it may use nothing but Node's standard library. It installs Node 24
// from the npm registry's `node` package into .tools/ when the running Node is too old, runs `npm ci`
// when package-lock.json changed since the last install, then runs the command with Node 24 and the
// project's bin folder first on PATH, so `node`, `vitest`, `tsc` and `biome` all resolve to them.
// Before the host (dist/main.js, src/main.ts, scripts/demo.ts) or the tests start, the web console is
// built when ui/dist is missing or older than ui/ (scripts/build-ui.mjs), so a fresh clone serves it;
// before the compiled host, the demo or the benchmarks start, the host is compiled to dist/ when
// dist/ is missing or older than its sources (scripts/build.mjs).
//
// Usage: node scripts/launch.mjs <command> [args...]     e.g. node scripts/launch.mjs node dist/main.js

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureHostBuilt } from './build.mjs';
import { ensureConsoleBuilt } from './build-ui.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const MIN_NODE = [22, 18]; // type stripping of .ts files is on by default from here
const NODE_PACKAGE = 'node@24';

function say(message) {
  process.stderr.write(`[onramp] ${message}\n`);
}

function nodeIsRecentEnough(version) {
  const [major, minor] = version.split('.').map(Number);
  return major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
}

function run(command, args, env) {
  const result = spawnSync(command, args, { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) {
    say(`'${command} ${args.join(' ')}' failed (exit ${result.status ?? result.signal})`);
    process.exit(1);
  }
}

/** The folder holding a Node.js binary of at least MIN_NODE, installing Node 24 when needed. */
function nodeBinDir() {
  if (nodeIsRecentEnough(process.versions.node)) return dirname(process.execPath);
  const tools = join(root, '.tools');
  const bin = join(tools, 'node_modules', 'node', 'bin');
  if (!existsSync(join(bin, 'node'))) {
    say(`Node ${process.versions.node} is too old; installing ${NODE_PACKAGE} into .tools/ (once)...`);
    run(
      'npm',
      ['install', '--prefix', tools, NODE_PACKAGE, '--no-audit', '--no-fund', '--loglevel=error'],
      process.env,
    );
  }
  return bin;
}

function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/**
 * Runs `install` while holding a lock folder, so that launchers started at the same time (a test run
 * and a lint, say) wait for one `npm ci` instead of deleting each other's node_modules. A lock left
 * by a process that died is taken over.
 */
function withInstallLock(install) {
  const lock = join(root, '.onramp-install.lock');
  const owner = join(lock, 'pid');
  for (let waited = 0; ; waited += 250) {
    try {
      mkdirSync(lock);
      writeFileSync(owner, String(process.pid));
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      const pid = Number(existsSync(owner) ? readFileSync(owner, 'utf8') : Number.NaN);
      if (Number.isInteger(pid) && !processAlive(pid)) rmSync(lock, { recursive: true, force: true });
      if (waited === 0) say('waiting for another launcher to finish installing...');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
    }
  }
  try {
    install();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Runs `npm ci` when node_modules does not match package-lock.json. */
function ensurePackages(env) {
  const lock = join(root, 'package-lock.json');
  const stamp = join(root, 'node_modules', '.onramp-lock-hash');
  const wanted = existsSync(lock) ? createHash('sha256').update(readFileSync(lock)).digest('hex') : 'no-lock';
  const installed = () => existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted;
  if (installed()) return;
  withInstallLock(() => {
    if (installed()) return; // another launcher installed them while this one waited
    say('installing npm packages...');
    run('npm', [existsSync(lock) ? 'ci' : 'install', '--no-audit', '--no-fund', '--loglevel=error'], env);
    writeFileSync(stamp, wanted);
  });
}

const [command, ...args] = process.argv.slice(2);
if (!command) {
  say('usage: node scripts/launch.mjs <command> [args...]');
  process.exit(2);
}
const binDir = nodeBinDir();
const env = {
  ...process.env,
  PATH: [binDir, join(root, 'node_modules', '.bin'), process.env.PATH ?? ''].join(delimiter),
};
ensurePackages(env);
const startsHost = args.some((arg) => /(^|\/)(src\/main\.ts|dist\/main\.js|scripts\/demo\.ts)$/.test(arg));
const runsCompiledHost =
  command === 'node' &&
  args.some((arg) => /(^|\/)(dist\/main\.js|scripts\/demo\.ts|bench\/run\.ts)$/.test(arg));
try {
  if (command === 'vitest' || startsHost) ensureConsoleBuilt({ env, node: join(binDir, 'node'), say });
  if (runsCompiledHost) ensureHostBuilt({ env, node: join(binDir, 'node'), say });
} catch (error) {
  say(error.message);
  process.exit(1);
}

const child = spawn(command, args, { cwd: process.cwd(), env, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => child.kill(signal));
}
child.on('error', (error) => {
  say(`could not run '${command}': ${error.message}`);
  process.exit(127);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
