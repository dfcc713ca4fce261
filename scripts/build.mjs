#!/usr/bin/env node
// Compiles the host (src/main.ts -> dist/host.js, started by dist/main.js) and the token tool
// (scripts/token.ts -> dist/token.js) to JavaScript, when dist/ is missing or older than its
// sources. Plain JavaScript and Node's standard library in the check, like build-ui.mjs, because
// launch.mjs calls it under whatever Node the machine has; the build itself runs in a child process
// on the project's Node.
//
// Why a bundle (rolldown) and not tsc's file-per-module output, measured on this machine:
// - Running the .ts sources costs ~17-25 MB of RSS and ~0.3 s of CPU for type stripping at every
//   start. tsc's output removes that; a bundle removes that too.
// - @platformatic/kafka is 330 ES modules; resolving, loading and linking them one by one took
//   ~0.5 s of CPU at start, and at import it compiles ~40 JSON-schema validators with ajv (~0.4 s,
//   ~15 MB) that only run with its `strict` option, which Onramp never sets. Bundled into
//   dist/host.js with those validators compiled on first use (lazyValidators below): ~0.2 s.
// - Together: ~1.2 s of CPU to REST-ready instead of ~1.85 s (tsc) and ~2.6 s (type stripping),
//   on a loaded 2-core machine; idle RSS as tsc's (117 vs 117 MB, vs 145 MB stripping).
// - Only our code and @platformatic/kafka's own pure-JavaScript dependencies are bundled. The
//   CommonJS packages (fastify, pg, mysql2, zongji, pino, ...) stay in node_modules as they ship:
//   bundling all of them saved a little more CPU but cost ~15 MB of RSS (one 6 MB script's parse)
//   and risks their dynamic requires and files read next to their sources.
// The tests keep running the TypeScript sources (src/host-command.ts hostNodeArgs), and so does
// `node src/main.ts`. rolldown is the bundler Vite (a dev dependency, for the console) is built on;
// it is not a dependency of its own, so that this build added nothing to package-lock.json.
//
// "Older" is decided by content, as for the console: a hash of src/, connectors/, the token tool,
// package.json, package-lock.json and this file is written to dist/.source-hash after a build.
//
// Usage: node scripts/build.mjs [--force]      (npm run build)

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
export const DIST = join(root, 'dist');
const stamp = join(DIST, '.source-hash');

/** What gets compiled: output name -> source entry. */
const ENTRIES = { host: 'src/main.ts', token: 'scripts/token.ts' };

/**
 * dist/main.js, what `npm start` and the image run: it turns on Node's on-disk compile cache
 * (module.enableCompileCache: in the OS temp folder, or where NODE_COMPILE_CACHE says;
 * NODE_DISABLE_COMPILE_CACHE=1 turns it off) before it imports the host bundle, so that every start
 * after the first skips compiling the 2 MB bundle and the CommonJS packages it loads (fastify, pg,
 * mysql2, ...). Measured on a shared 2-core machine (bench startup, three alternating pairs of 6
 * runs, load 4.5-9): CPU to REST-ready, medians, 500-525 ms with the cache, 565-595 ms without.
 * The cache must be on before the bundle's static imports are compiled, hence a separate entry
 * file and a dynamic import.
 */
const MAIN = `// Written by scripts/build.mjs; do not edit. The host itself is dist/host.js (from src/main.ts).
import module from 'node:module';

module.enableCompileCache?.();
await import('./host.js');
`;
const SOURCES = [
  'src',
  'connectors',
  'scripts/token.ts',
  'package.json',
  'package-lock.json',
  'scripts/build.mjs',
];

/** Packages bundled into dist/ (with their relative imports); every other package stays external. */
const BUNDLED_PACKAGES = new Set([
  '@platformatic/kafka',
  '@platformatic/dynamic-buffer',
  'mnemonist',
  'obliterator',
  'scule',
  'fastq',
  'reusify',
  'debug',
  'ms',
]);

function files(path) {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? files(join(path, entry.name)) : [join(path, entry.name)]))
    .sort();
}

export function hostSourceHash() {
  const hash = createHash('sha256');
  for (const file of SOURCES.flatMap((source) => files(join(root, source)))) {
    hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

/** Whether dist/ holds a build of the current sources. */
export function hostBuildIsFresh() {
  return (
    existsSync(stamp) &&
    readFileSync(stamp, 'utf8') === hostSourceHash() &&
    [...Object.keys(ENTRIES), 'main'].every((name) => existsSync(join(DIST, `${name}.js`)))
  );
}

/**
 * Builds dist/ when it is missing or stale (always with force), in a child process on `node`;
 * returns whether it built.
 */
export function ensureHostBuilt({
  env = process.env,
  node = process.execPath,
  force = false,
  say = () => {},
} = {}) {
  if (!force && hostBuildIsFresh()) return false;
  say('compiling the host (src/ -> dist/)...');
  const result = spawnSync(node, [fileURLToPath(import.meta.url), '--force'], {
    cwd: root,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0) throw new Error(`the host build failed (exit ${result.status ?? result.signal})`);
  return true;
}

function packageOf(id) {
  const match = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(id);
  return match?.[1];
}

function bareName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Keeps every package external but BUNDLED_PACKAGES; node: built-ins are always external. */
function external(specifier, importer) {
  if (specifier.startsWith('node:')) return true;
  if (specifier.startsWith('.') || specifier.startsWith('/')) {
    const owner = importer && packageOf(importer);
    return owner !== undefined && !BUNDLED_PACKAGES.has(owner);
  }
  return !BUNDLED_PACKAGES.has(bareName(specifier));
}

/**
 * `import.meta.dirname` keeps meaning "the folder of this source file": our modules find the
 * project's files from it (config/, ui/dist, package.json, .git), and in the bundle every module
 * would otherwise see dist/.
 */
const sourceDirname = {
  name: 'onramp-source-dirname',
  transform(code, id) {
    if (packageOf(id) || !code.includes('import.meta.dirname')) return null;
    const fromDist = relative(DIST, dirname(id)).split('\\').join('/');
    return code.replaceAll(
      'import.meta.dirname',
      `(import.meta.dirname + ${JSON.stringify(`/${fromDist}`)})`,
    );
  },
};

/**
 * @platformatic/kafka compiles ~40 ajv validators when it is imported; they only run with its
 * `strict` option. Compiled on first call instead (same validator, same `errors`).
 */
const LAZY_AJV_FROM =
  'export const ajv = new Ajv2020({ allErrors: true, coerceTypes: false, strict: true });';
const LAZY_AJV_TO = `const eagerAjv = new Ajv2020({ allErrors: true, coerceTypes: false, strict: true });
// Onramp's build (scripts/build.mjs): validators are compiled on first use, not at import.
export const ajv = new Proxy(eagerAjv, {
  get(target, property, receiver) {
    if (property !== 'compile') return Reflect.get(target, property, receiver);
    return (schema) => {
      let compiled;
      const validate = (data) => {
        compiled ??= target.compile(schema);
        const valid = compiled(data);
        validate.errors = compiled.errors;
        return valid;
      };
      validate.errors = null;
      return validate;
    };
  },
});`;

function lazyValidators(warn) {
  return {
    name: 'onramp-lazy-kafka-validators',
    transform(code, id) {
      if (!/@platformatic\/kafka\/dist\/utils\.js$/.test(id)) return null;
      if (!code.includes(LAZY_AJV_FROM)) {
        warn(
          '@platformatic/kafka/dist/utils.js changed: its validators stay compiled at import (slower start)',
        );
        return null;
      }
      return code.replace(LAZY_AJV_FROM, LAZY_AJV_TO);
    },
  };
}

async function build(say) {
  const { build: rolldown } = await import('rolldown');
  mkdirSync(DIST, { recursive: true });
  const scratch = mkdtempSync(join(DIST, '.build-'));
  try {
    const wanted = hostSourceHash();
    for (const [name, entry] of Object.entries(ENTRIES)) {
      await rolldown({
        cwd: root,
        input: join(root, entry),
        platform: 'node',
        external,
        plugins: [sourceDirname, lazyValidators(say)],
        logLevel: 'warn',
        output: {
          file: join(scratch, `${name}.js`),
          format: 'esm',
          // One file per entry, so replacing it (below) never leaves a running host without a chunk.
          codeSplitting: false,
          banner: `// Built by scripts/build.mjs from ${entry}; do not edit.`,
        },
      });
    }
    // Each file is renamed into place (atomic), and the stamp last: a concurrent start sees either
    // the old build or the new one, and a failed build leaves the old one marked stale.
    writeFileSync(join(scratch, 'main.js'), MAIN);
    for (const name of [...Object.keys(ENTRIES), 'main'])
      renameSync(join(scratch, `${name}.js`), join(DIST, `${name}.js`));
    writeFileSync(join(scratch, 'stamp'), wanted);
    renameSync(join(scratch, 'stamp'), stamp);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const say = (message) => process.stderr.write(`[onramp] ${message}\n`);
  try {
    if (process.argv.includes('--force') || !hostBuildIsFresh()) {
      const started = performance.now();
      await build(say);
      say(`compiled dist/ in ${Math.round(performance.now() - started)} ms`);
    }
  } catch (error) {
    say(`the host build failed: ${error.message}`);
    process.exit(1);
  }
}
