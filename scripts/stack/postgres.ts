// PostgreSQL 15 from Debian, as a private cluster in <stack>/postgres (never Debian's own 15/main):
// logical decoding on, TCP on 127.0.0.1 only, and a unix socket in a folder only the cluster's owner
// (and root) can enter, so `trust` on that socket is the bootstrap path and nothing else is trusted.
// TLS is on offer with the stack's database CA (db-tls.ts), plaintext still allowed; the role
// onramp_cert logs in over TLS with its client certificate only. `up` turns TLS on in a cluster
// that runs without it (a reload, no restart).
import {
  chownSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { aptInstall } from './apt.ts';
import { isProcessLike, logTail, stopDaemon, writePid } from './daemon.ts';
import { DB_CERT_USER, ensureDbTls, installServerTls, type ServerTlsFiles } from './db-tls.ts';
import { STACK_ENV } from './endpoints.ts';
import { ensureDir, isRoot, logFile, stackPath, userIds } from './layout.ts';
import { asUser, runCommand } from './run-command.ts';
import { say } from './say.ts';
import type { StackService } from './service.ts';
import { StackError } from './stack-error.ts';
import { waitUntil } from './wait-until.ts';

const BIN = '/usr/lib/postgresql/15/bin';
const PORT = 5432;
const NAME = 'postgres';

const home = () => stackPath('postgres');
const dataDir = () => join(home(), 'data');
const socketDir = () => join(home(), 'socket');
const osUser = () => (isRoot() ? 'postgres' : undefined);

function settings(tls: ServerTlsFiles): string {
  return `# Written by scripts/stack/postgres.ts on every start; edit that file instead.
listen_addresses = '127.0.0.1'
port = ${PORT}
unix_socket_directories = '${socketDir()}'
wal_level = logical
max_replication_slots = 32
max_wal_senders = 32
max_connections = 200
password_encryption = 'scram-sha-256'
ssl = on
ssl_cert_file = '${tls.cert}'
ssl_key_file = '${tls.key}'
ssl_ca_file = '${tls.ca}'
`;
}

const HBA = `# Written by scripts/stack/postgres.ts on every start.
local all all trust
local replication all trust
hostssl all ${DB_CERT_USER} 127.0.0.1/32 cert
hostssl replication ${DB_CERT_USER} 127.0.0.1/32 cert
host all all 127.0.0.1/32 scram-sha-256
host replication all 127.0.0.1/32 scram-sha-256
`;

async function install(): Promise<void> {
  if (!existsSync(join(BIN, 'postgres'))) await aptInstall('PostgreSQL 15', ['postgresql-15']);
  const owner = osUser() ? userIds('postgres') : undefined;
  ensureDir(home(), { owner });
  ensureDir(socketDir(), { mode: 0o700, owner });
  if (existsSync(join(dataDir(), 'PG_VERSION'))) return;
  say('PostgreSQL: creating the cluster (initdb)...');
  ensureDir(dataDir(), { mode: 0o700, owner });
  const [command, args] = asUser(osUser(), join(BIN, 'initdb'), [
    '-D',
    dataDir(),
    '-U',
    'postgres',
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '--no-locale',
    '-E',
    'UTF8',
  ]);
  await runCommand(command, args, { cwd: home() });
}

/** The CA, certificate and key, with the server's copies in <stack>/postgres/tls. */
async function prepareTls(): Promise<ServerTlsFiles & { changed: boolean }> {
  await ensureDbTls();
  return installServerTls(join(home(), 'tls'), osUser() ? userIds('postgres') : undefined);
}

/** Writes our settings and pg_hba.conf; true when a file's content changed. */
function writeConfig(tls: ServerTlsFiles): boolean {
  const conf = join(dataDir(), 'postgresql.conf');
  const include = "include_if_exists = 'onramp.conf'";
  const current = readFileSync(conf, 'utf8');
  let changed = false;
  if (!current.includes(include)) {
    writeFileSync(conf, `${current.trimEnd()}\n${include}\n`);
    changed = true;
  }
  for (const [file, content] of [
    ['onramp.conf', settings(tls)],
    ['pg_hba.conf', HBA],
  ] as const) {
    const path = join(dataDir(), file);
    if (existsSync(path) && readFileSync(path, 'utf8') === content) continue;
    writeFileSync(path, content);
    changed = true;
  }
  const owner = osUser() ? userIds('postgres') : undefined;
  if (owner) {
    for (const file of ['postgresql.conf', 'onramp.conf', 'pg_hba.conf']) {
      chownSync(join(dataDir(), file), owner.uid, owner.gid);
    }
  }
  return changed;
}

/** The postmaster of our data folder, when it runs without our pid file (e.g. run/ was cleared). */
function adopt(): number | undefined {
  const file = join(dataDir(), 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number.parseInt(readFileSync(file, 'utf8').split('\n')[0] ?? '', 10);
  if (!Number.isInteger(pid) || !isProcessLike(pid, dataDir())) return undefined;
  writePid(NAME, pid);
  return pid;
}

async function start(): Promise<void> {
  writeConfig(await prepareTls());
  const log = logFile(NAME);
  closeSync(openSync(log, 'a'));
  const owner = osUser() ? userIds('postgres') : undefined;
  if (owner) chownSync(log, owner.uid, owner.gid);
  say('PostgreSQL: starting...');
  const [command, args] = asUser(osUser(), join(BIN, 'pg_ctl'), [
    'start',
    '-D',
    dataDir(),
    '-l',
    log,
    '-w',
    '-t',
    '60',
    '-s',
  ]);
  try {
    await runCommand(command, args, { cwd: home() });
  } catch (error) {
    throw new StackError(`PostgreSQL did not start: ${(error as Error).message}\n${logTail(NAME)}`);
  }
  if (adopt() === undefined)
    throw new StackError(`PostgreSQL started but left no postmaster.pid\n${logTail(NAME)}`);
  await bootstrap();
  await waitUntil('PostgreSQL answering on PG_URL', isReady, { timeoutMs: 30_000, service: NAME });
}

/** Role onramp and the two databases, idempotently, as the superuser over the private socket. */
async function bootstrap(): Promise<void> {
  const client = new pg.Client({ host: socketDir(), port: PORT, user: 'postgres', database: 'postgres' });
  await client.connect();
  try {
    const role = await client.query("SELECT 1 FROM pg_roles WHERE rolname = 'onramp'");
    if (role.rowCount === 0) await client.query("CREATE ROLE onramp PASSWORD 'onramp'");
    await client.query("ALTER ROLE onramp WITH SUPERUSER REPLICATION LOGIN PASSWORD 'onramp'");
    // No password: pg_hba.conf admits it over TLS with its client certificate only.
    const certRole = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [DB_CERT_USER]);
    if (certRole.rowCount === 0) await client.query(`CREATE ROLE ${DB_CERT_USER}`);
    await client.query(`ALTER ROLE ${DB_CERT_USER} WITH SUPERUSER REPLICATION LOGIN PASSWORD NULL`);
    for (const database of ['onramp', 'schema_registry']) {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (found.rowCount === 0) await client.query(`CREATE DATABASE ${database} OWNER onramp`);
    }
  } finally {
    await client.end();
  }
}

async function sslOn(): Promise<boolean> {
  const client = new pg.Client({ host: socketDir(), port: PORT, user: 'postgres', database: 'postgres' });
  await client.connect();
  try {
    return (await client.query<{ ssl: string }>('SHOW ssl')).rows[0]?.ssl === 'on';
  } finally {
    await client.end();
  }
}

/**
 * A running cluster gets the current settings: TLS files renewed or turned on (a cluster made before
 * the stack had TLS) take a reload, which keeps every connection; then the roles, as at start.
 */
async function refresh(): Promise<void> {
  const tls = await prepareTls();
  const changed = writeConfig(tls);
  if (changed || tls.changed || !(await sslOn())) {
    say('PostgreSQL: reloading its configuration (TLS)...');
    const [command, args] = asUser(osUser(), join(BIN, 'pg_ctl'), ['reload', '-D', dataDir(), '-s']);
    await runCommand(command, args, { cwd: home() });
    await waitUntil('PostgreSQL serving TLS', sslOn, { timeoutMs: 15_000, service: NAME });
  }
  await bootstrap();
}

async function isReady(): Promise<boolean> {
  const client = new pg.Client({ connectionString: STACK_ENV.PG_URL, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    const result = await client.query<{ ok: number }>('SELECT 1 AS ok');
    return result.rows[0]?.ok === 1;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export const postgres: StackService = {
  name: NAME,
  title: 'PostgreSQL 15',
  port: PORT,
  endpoint: `127.0.0.1:${PORT}`,
  get processMatch() {
    return dataDir();
  },
  install,
  start,
  refresh,
  isReady,
  adopt,
  // SIGINT is PostgreSQL's fast shutdown; SIGTERM would wait for every client (replication too) to leave.
  stop: () => stopDaemon(NAME, dataDir(), { signal: 'SIGINT' }),
};

/** A throwaway PostgreSQL cluster for tests that need settings the shared one must keep (wal_level). */
export interface ScratchPostgres {
  readonly port: number;
  /** Superuser onramp/onramp over TCP, database postgres. */
  readonly url: string;
  /** (Re)starts the server with these settings (each passed as -c name=value). */
  start(settings?: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
  /** Stops the server and removes its folder. */
  remove(): Promise<void>;
}

/**
 * initdb into a temp folder with the stack's binaries, run as the postgres user when we are root;
 * nothing is started yet. fsync is off: the cluster lives for one test file.
 */
export async function createScratchPostgres(port: number): Promise<ScratchPostgres> {
  const home = mkdtempSync(join(tmpdir(), 'onramp-pg-scratch-'));
  const data = join(home, 'data');
  const log = join(home, 'postgres.log');
  const owner = osUser() ? userIds('postgres') : undefined;
  ensureDir(home, { mode: 0o700, owner });
  const passwordFile = join(home, 'password');
  writeFileSync(passwordFile, 'onramp\n');
  closeSync(openSync(log, 'a'));
  if (owner) {
    for (const file of [passwordFile, log]) chownSync(file, owner.uid, owner.gid);
  }
  let running = false;
  const pgCtl = async (args: string[]) => {
    const [command, commandArgs] = asUser(osUser(), join(BIN, 'pg_ctl'), ['-D', data, ...args]);
    await runCommand(command, commandArgs, { cwd: home });
  };
  const stop = async () => {
    if (!running) return;
    await pgCtl(['stop', '-m', 'fast', '-w', '-s']);
    running = false;
  };
  const remove = async () => {
    await stop().catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  };
  try {
    const [command, args] = asUser(osUser(), join(BIN, 'initdb'), [
      '-D',
      data,
      '-U',
      'onramp',
      `--pwfile=${passwordFile}`,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '--no-locale',
      '-E',
      'UTF8',
      '--no-sync',
    ]);
    await runCommand(command, args, { cwd: home });
  } catch (error) {
    await remove();
    throw error;
  }
  return {
    port,
    url: `postgres://onramp:onramp@127.0.0.1:${port}/postgres`,
    async start(settings = {}) {
      await stop();
      const options = [
        `-p ${port}`,
        `-k ${home}`,
        '-c listen_addresses=127.0.0.1',
        '-c fsync=off',
        ...Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`),
      ];
      try {
        await pgCtl(['start', '-l', log, '-w', '-t', '30', '-s', '-o', options.join(' ')]);
      } catch (error) {
        const tail = readFileSync(log, 'utf8').trimEnd().split('\n').slice(-20).join('\n');
        throw new StackError(
          `scratch PostgreSQL on port ${port} did not start: ${(error as Error).message}\n${tail}`,
        );
      }
      running = true;
    },
    stop,
    remove,
  };
}
