#!/usr/bin/env node
// Builds the web console (ui/ -> ui/dist, served by the host at /ui) when it is missing or older
// than its sources. Plain JavaScript and Node's standard library only, like launch.mjs, which calls
// it before starting the host or the tests; `npm run build:ui` runs it with --force.
//
// "Older" is decided by content, not clocks: a hash of every file under ui/ (but ui/dist) and of
// package-lock.json is written to ui/dist/.source-hash after a build, and a build runs when it
// differs. Checking costs a few milliseconds; a build (Vite) about a second.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const ui = join(root, 'ui');
const dist = join(ui, 'dist');
const stamp = join(dist, '.source-hash');

function files(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => !(dir === ui && entry.name === 'dist') && entry.name !== 'node_modules')
    .flatMap((entry) => (entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)]))
    .sort();
}

export function consoleSourceHash() {
  const hash = createHash('sha256');
  for (const file of [...files(ui), join(root, 'package-lock.json')]) {
    if (!existsSync(file)) continue;
    hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

/** Builds the console when ui/dist is missing or stale (always with force); returns whether it built. */
export function ensureConsoleBuilt({
  env = process.env,
  node = process.execPath,
  force = false,
  say = () => {},
} = {}) {
  if (!existsSync(ui)) return false;
  const wanted = consoleSourceHash();
  if (
    !force &&
    existsSync(stamp) &&
    readFileSync(stamp, 'utf8') === wanted &&
    existsSync(join(dist, 'index.html'))
  )
    return false;
  say('building the web console (ui/ -> ui/dist)...');
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  const result = spawnSync(node, [vite, 'build', '--config', join(ui, 'vite.config.ts')], {
    cwd: root,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0)
    throw new Error(`the console build failed (exit ${result.status ?? result.signal})`);
  writeFileSync(stamp, wanted);
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    ensureConsoleBuilt({
      force: process.argv.includes('--force'),
      say: (m) => process.stderr.write(`[onramp] ${m}\n`),
    });
  } catch (error) {
    process.stderr.write(`[onramp] ${error.message}\n`);
    process.exit(1);
  }
}
