import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { ensureCommand } from '../../scripts/stack/apt.ts';

// Fetches Kafka Connect and the Debezium connectors from Maven Central at bench time (never
// committed): bench/debezium/pom.xml, one profile per folder, copied with Maven's
// dependency:copy-dependencies. A stamp of the pom's hash skips the download when nothing changed.
// Tests use the same install (test/support/kafka-connect.ts), so on a fresh machine Java and Maven
// come from Debian when missing, and a lock keeps two processes from filling the folders at once.

export const BENCH_HOME = process.env.ONRAMP_BENCH_HOME || '/var/tmp/onramp-bench';
export const DEBEZIUM_HOME = join(BENCH_HOME, 'debezium');
const POM = join(import.meta.dirname, '..', 'debezium', 'pom.xml');

export type DebeziumPlugin = 'postgres' | 'mysql' | 'mariadb' | 'jdbc';
export const DEBEZIUM_PLUGINS: readonly DebeziumPlugin[] = ['postgres', 'mysql', 'mariadb', 'jdbc'];

export const debeziumRuntimeDir = () => join(DEBEZIUM_HOME, 'runtime');
export const debeziumPluginDir = (plugin: DebeziumPlugin) => join(DEBEZIUM_HOME, 'plugins', plugin);

/** Versions pinned in the pom, for the results' "versions" block. */
export function debeziumVersions(): Record<string, string> {
  const pom = readFileSync(POM, 'utf8');
  const versions: Record<string, string> = {};
  for (const match of pom.matchAll(/<version\.([\w.]+)>([^<]+)<\/version\./g)) {
    versions[match[1] ?? ''] = match[2] ?? '';
  }
  return versions;
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output.slice(-3000)}`)),
    );
  });
}

/**
 * Groups a plugin folder must not carry: Connect loads its API and the Kafka clients from the
 * worker's class path (Debezium 3.7 ships them in runtime scope; its copies would only shadow them),
 * and the JDBC sink's own Jackson 2.19 clashes with the 2.16 Connect hands it ("Jdk8Module not a
 * subtype" at start), so it uses Connect's.
 */
const PLUGIN_EXCLUDED_GROUPS: Record<DebeziumPlugin, string[]> = {
  postgres: ['org.apache.kafka'],
  mysql: ['org.apache.kafka'],
  mariadb: ['org.apache.kafka'],
  jdbc: ['org.apache.kafka', 'com.fasterxml.jackson.core', 'com.fasterxml.jackson.datatype'],
};

async function copyProfile(
  profile: string,
  outputDirectory: string,
  excludedGroups: string[],
): Promise<void> {
  // Copied beside the live folder and swapped in, so a Connect that another benchmark is starting
  // right now finds either the old jars or the new ones, never a half-filled folder.
  const fresh = `${outputDirectory}.new`;
  rmSync(fresh, { recursive: true, force: true });
  await run('mvn', [
    '-q',
    '-B',
    '-f',
    POM,
    '-P',
    profile,
    'dependency:copy-dependencies',
    `-DoutputDirectory=${fresh}`,
    '-DincludeScope=runtime',
    ...(excludedGroups.length > 0 ? [`-DexcludeGroupIds=${excludedGroups.join(',')}`] : []),
  ]);
  rmSync(outputDirectory, { recursive: true, force: true });
  renameSync(fresh, outputDirectory);
}

const stampFile = () => join(DEBEZIUM_HOME, '.pom-sha256');

function wantedStamp(): string {
  return createHash('sha256')
    .update(readFileSync(POM))
    .update(JSON.stringify(PLUGIN_EXCLUDED_GROUPS))
    .digest('hex');
}

/** The installed stamp (the pom's hash), or undefined while nothing or an older pom is installed. */
export function installedDebeziumStamp(): string | undefined {
  const stamp = stampFile();
  const wanted = wantedStamp();
  return existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted ? wanted : undefined;
}

function lockHolderAlive(file: string): boolean {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    if (!Number.isInteger(pid) || pid <= 0) return false;
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** One installer at a time (a benchmark and two test files may all call ensureDebezium at once). */
async function withInstallLock<T>(work: () => Promise<T>, timeoutMs = 20 * 60_000): Promise<T> {
  mkdirSync(DEBEZIUM_HOME, { recursive: true });
  const file = join(DEBEZIUM_HOME, '.install.lock');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (!lockHolderAlive(file)) {
      rmSync(file, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`another install still holds ${file} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  try {
    return await work();
  } finally {
    rmSync(file, { force: true });
  }
}

/** Makes sure Connect and every Debezium plugin are on disk; downloads only after a pom change. */
export async function ensureDebezium(log: (line: string) => void = console.log): Promise<void> {
  if (installedDebeziumStamp() !== undefined) return;
  await withInstallLock(async () => {
    // Another process may have finished the install while this one waited for the lock.
    if (installedDebeziumStamp() !== undefined) return;
    await ensureCommand('java', 'Java 17', ['openjdk-17-jre-headless']);
    await ensureCommand('mvn', 'Maven', ['maven']);
    log('debezium: fetching Kafka Connect and the Debezium connectors from Maven Central...');
    rmSync(stampFile(), { force: true });
    await copyProfile('runtime', debeziumRuntimeDir(), []);
    for (const plugin of DEBEZIUM_PLUGINS) {
      await copyProfile(plugin, debeziumPluginDir(plugin), PLUGIN_EXCLUDED_GROUPS[plugin]);
    }
    writeFileSync(stampFile(), wantedStamp());
  });
}
