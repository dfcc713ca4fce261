// MariaDB 10.11 from Debian, run as a plain background mariadbd (no systemd) with the binlog settings
// CDC needs. --no-defaults keeps Debian's /etc/mysql settings (socket in /run/mysqld, ...) out of it.
// TLS is on offer with the stack's database CA (db-tls.ts), plaintext still allowed; the user
// onramp_cert logs in with its client certificate only. `up` restarts a server that runs without TLS.
import { type ChildProcess, spawn } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { aptInstall } from './apt.ts';
import { isProcessLike, spawnDaemon, stopDaemon, writePid } from './daemon.ts';
import { DB_CERT_USER, ensureDbTls, installServerTls, type ServerTlsFiles } from './db-tls.ts';
import { STACK_ENV } from './endpoints.ts';
import { ensureDir, isRoot, stackPath, userIds } from './layout.ts';
import { runCommand } from './run-command.ts';
import { say } from './say.ts';
import type { StackService } from './service.ts';
import { StackError } from './stack-error.ts';
import { waitUntil } from './wait-until.ts';

const MARIADBD = '/usr/sbin/mariadbd';
const PORT = 3306;
const NAME = 'mariadb';

const home = () => stackPath('mariadb');
const dataDir = () => join(home(), 'data');
const binlogDir = () => join(home(), 'binlog');
const runDir = () => join(home(), 'run');
const socket = () => join(runDir(), 'mariadbd.sock');
const serverPidFile = () => join(runDir(), 'mariadbd.pid');
/** mariadb-install-db gives root (and the --user account) unix-socket login: our bootstrap path. */
const adminUser = () => (isRoot() ? 'root' : userInfo().username);

const BOOTSTRAP_SQL = `
CREATE USER IF NOT EXISTS 'onramp'@'%' IDENTIFIED BY 'onramp';
CREATE USER IF NOT EXISTS 'onramp'@'localhost' IDENTIFIED BY 'onramp';
ALTER USER 'onramp'@'%' IDENTIFIED BY 'onramp';
ALTER USER 'onramp'@'localhost' IDENTIFIED BY 'onramp';
GRANT ALL PRIVILEGES ON *.* TO 'onramp'@'%' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO 'onramp'@'localhost' WITH GRANT OPTION;
CREATE DATABASE IF NOT EXISTS onramp;
CREATE USER IF NOT EXISTS '${DB_CERT_USER}'@'%' REQUIRE SUBJECT '/CN=${DB_CERT_USER}';
ALTER USER '${DB_CERT_USER}'@'%' IDENTIFIED BY '' REQUIRE SUBJECT '/CN=${DB_CERT_USER}';
GRANT ALL PRIVILEGES ON *.* TO '${DB_CERT_USER}'@'%';
`;

async function install(): Promise<void> {
  if (!existsSync(MARIADBD)) await aptInstall('MariaDB', ['mariadb-server']);
  const owner = isRoot() ? userIds('mysql') : undefined;
  ensureDir(home(), { owner });
  ensureDir(binlogDir(), { mode: 0o750, owner });
  ensureDir(runDir(), { owner });
  if (existsSync(join(dataDir(), 'mysql'))) return;
  say('MariaDB: creating the data folder (mariadb-install-db)...');
  ensureDir(dataDir(), { mode: 0o750, owner });
  await installDataDir(dataDir());
}

async function installDataDir(dir: string): Promise<void> {
  await runCommand('mariadb-install-db', [
    '--no-defaults',
    `--datadir=${dir}`,
    ...(isRoot() ? ['--user=mysql'] : []),
    '--auth-root-authentication-method=socket',
    '--skip-test-db',
  ]);
}

/** Where one server keeps its files: the stack's, or a scratch server's temp folder. */
interface ServerLayout {
  dataDir: string;
  binlogDir: string;
  socket: string;
  pidFile: string;
  port: number;
  /** The server's certificate, key and the CA it checks client certificates against. */
  tls?: ServerTlsFiles;
}

const tlsDir = () => join(home(), 'tls');

const stackLayout = (): ServerLayout => ({
  dataDir: dataDir(),
  binlogDir: binlogDir(),
  socket: socket(),
  pidFile: serverPidFile(),
  port: PORT,
  tls: {
    ca: join(tlsDir(), 'ca.pem'),
    cert: join(tlsDir(), 'server.pem'),
    key: join(tlsDir(), 'server.key'),
  },
});

/** The CA, certificate and key, with the server's copies in <stack>/mariadb/tls. */
async function prepareTls(): Promise<boolean> {
  await ensureDbTls();
  return installServerTls(tlsDir(), isRoot() ? userIds('mysql') : undefined).changed;
}

function serverArgs(layout: ServerLayout = stackLayout(), binlogFormat = 'ROW'): string[] {
  return [
    '--no-defaults',
    `--datadir=${layout.dataDir}`,
    `--socket=${layout.socket}`,
    `--pid-file=${layout.pidFile}`,
    `--port=${layout.port}`,
    '--bind-address=127.0.0.1',
    '--skip-name-resolve',
    '--server-id=1',
    `--log-bin=${join(layout.binlogDir, 'mysql-bin')}`,
    `--binlog-format=${binlogFormat}`,
    '--binlog-row-image=FULL',
    '--binlog-row-metadata=FULL',
    '--expire-logs-days=2',
    // Debian's packaged config sets these; --no-defaults drops them, and latin1 would surprise tests.
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_unicode_ci',
    ...(layout.tls
      ? [`--ssl-ca=${layout.tls.ca}`, `--ssl-cert=${layout.tls.cert}`, `--ssl-key=${layout.tls.key}`]
      : []),
    ...(isRoot() ? ['--user=mysql'] : []),
  ];
}

/** A mariadbd on our data folder that runs without our pid file. */
function adopt(): number | undefined {
  if (!existsSync(serverPidFile())) return undefined;
  const pid = Number.parseInt(readFileSync(serverPidFile(), 'utf8').trim(), 10);
  if (!Number.isInteger(pid) || !isProcessLike(pid, dataDir())) return undefined;
  writePid(NAME, pid);
  return pid;
}

async function admin(sql: string, socketPath = socket()): Promise<string> {
  return await runCommand(
    'mariadb',
    ['--no-defaults', `--socket=${socketPath}`, '-u', adminUser(), '-N', '-B'],
    {
      input: sql,
    },
  );
}

async function start(): Promise<void> {
  await prepareTls();
  say('MariaDB: starting...');
  const daemon = spawnDaemon(NAME, MARIADBD, serverArgs());
  await waitUntil(
    'MariaDB accepting connections on its socket',
    async () => (await admin('SELECT 1;')).trim() === '1',
    { timeoutMs: 60_000, service: NAME, daemon },
  );
  await admin(BOOTSTRAP_SQL);
  await waitUntil('MariaDB answering on MYSQL_URL', isReady, { timeoutMs: 30_000, service: NAME, daemon });
}

/**
 * A running server gets the current settings: one started without TLS (before the stack had it) is
 * restarted, once, since MariaDB cannot turn TLS on at run time; renewed files are reloaded (FLUSH SSL).
 */
async function refresh(): Promise<void> {
  const changed = await prepareTls();
  if ((await admin('SELECT @@have_ssl;')).trim() !== 'YES') {
    say('MariaDB: restarting to turn on TLS...');
    await stopDaemon(NAME, dataDir());
    await start();
    return;
  }
  if (changed) await admin('FLUSH SSL;');
  await admin(BOOTSTRAP_SQL);
}

async function isReady(): Promise<boolean> {
  let connection: mysql.Connection | undefined;
  try {
    connection = await mysql.createConnection({ uri: STACK_ENV.MYSQL_URL, connectTimeout: 2_000 });
    const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT 1 AS ok');
    return rows[0]?.ok === 1;
  } catch {
    return false;
  } finally {
    await connection?.end().catch(() => undefined);
  }
}

export const mariadb: StackService = {
  name: NAME,
  title: 'MariaDB 10.11',
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
  stop: () => stopDaemon(NAME, dataDir()),
};

/** A throwaway MariaDB for tests that need server settings the shared one must keep (binlog_format). */
export interface ScratchMariadb {
  readonly port: number;
  /** onramp/onramp over TCP, like the stack's MYSQL_URL. */
  readonly url: string;
  /** Runs SQL as the server's root over its socket (for SET GLOBAL and the like). */
  admin(sql: string): Promise<string>;
  /** Stops the server and removes its folder. */
  remove(): Promise<void>;
}

/**
 * Installs and starts a MariaDB like the stack's (same binaries, arguments and onramp user) in a temp
 * folder on `port`, with the given binlog_format. Never touches the stack's server.
 */
export async function startScratchMariadb(
  port: number,
  options: { binlogFormat?: string; tls?: ServerTlsFiles } = {},
): Promise<ScratchMariadb> {
  const home = mkdtempSync(join(tmpdir(), 'onramp-mariadb-scratch-'));
  const owner = isRoot() ? userIds('mysql') : undefined;
  const layout: ServerLayout = {
    dataDir: join(home, 'data'),
    binlogDir: join(home, 'binlog'),
    socket: join(home, 'mariadbd.sock'),
    pidFile: join(home, 'mariadbd.pid'),
    port,
    ...(options.tls && { tls: options.tls }),
  };
  ensureDir(home, { mode: 0o755, owner });
  ensureDir(layout.binlogDir, { mode: 0o750, owner });
  ensureDir(layout.dataDir, { mode: 0o750, owner });
  let child: ChildProcess | undefined;
  let exitReason: string | undefined;
  let scratchExit: () => void = () => undefined;
  const exited = new Promise<void>((resolve) => {
    scratchExit = resolve;
  });
  const remove = async () => {
    if (child && exitReason === undefined) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(home, { recursive: true, force: true });
  };
  try {
    await installDataDir(layout.dataDir);
    const log = openSync(join(home, 'mariadbd.log'), 'a');
    if (owner) chownSync(join(home, 'mariadbd.log'), owner.uid, owner.gid);
    try {
      child = spawn(MARIADBD, serverArgs(layout, options.binlogFormat ?? 'ROW'), {
        stdio: ['ignore', log, log],
      });
    } finally {
      closeSync(log);
    }
    child.on('error', (error) => {
      exitReason = error.message;
      scratchExit();
    });
    child.on('exit', (code, signal) => {
      exitReason = signal ? `killed by ${signal}` : `exit ${code}`;
      scratchExit();
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      const answer = await admin('SELECT 1;', layout.socket).catch(() => '');
      if (answer.trim() === '1') break;
      if (exitReason !== undefined || Date.now() > deadline) {
        const tail = readFileSync(join(home, 'mariadbd.log'), 'utf8').trimEnd().split('\n').slice(-20);
        throw new StackError(
          `scratch MariaDB on port ${port} did not start (${exitReason ?? 'timed out'}):\n${tail.join('\n')}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await admin(BOOTSTRAP_SQL, layout.socket);
  } catch (error) {
    await remove();
    throw error;
  }
  return {
    port,
    url: `mysql://onramp:onramp@127.0.0.1:${port}/onramp`,
    admin: (sql) => admin(sql, layout.socket),
    remove,
  };
}
