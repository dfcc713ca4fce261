// MariaDB 10.11 from Debian, run as a plain background mariadbd (no systemd) with the binlog settings
// CDC needs. --no-defaults keeps Debian's /etc/mysql settings (socket in /run/mysqld, ...) out of it.
import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { aptInstall } from './apt.ts';
import { isProcessLike, spawnDaemon, stopDaemon, writePid } from './daemon.ts';
import { STACK_ENV } from './endpoints.ts';
import { ensureDir, isRoot, stackPath, userIds } from './layout.ts';
import { runCommand } from './run-command.ts';
import { say } from './say.ts';
import type { StackService } from './service.ts';
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
  await runCommand('mariadb-install-db', [
    '--no-defaults',
    `--datadir=${dataDir()}`,
    ...(isRoot() ? ['--user=mysql'] : []),
    '--auth-root-authentication-method=socket',
    '--skip-test-db',
  ]);
}

function serverArgs(): string[] {
  return [
    '--no-defaults',
    `--datadir=${dataDir()}`,
    `--socket=${socket()}`,
    `--pid-file=${serverPidFile()}`,
    `--port=${PORT}`,
    '--bind-address=127.0.0.1',
    '--skip-name-resolve',
    '--server-id=1',
    `--log-bin=${join(binlogDir(), 'mysql-bin')}`,
    '--binlog-format=ROW',
    '--binlog-row-image=FULL',
    '--binlog-row-metadata=FULL',
    '--expire-logs-days=2',
    // Debian's packaged config sets these; --no-defaults drops them, and latin1 would surprise tests.
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_unicode_ci',
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

async function admin(sql: string): Promise<string> {
  return await runCommand(
    'mariadb',
    ['--no-defaults', `--socket=${socket()}`, '-u', adminUser(), '-N', '-B'],
    {
      input: sql,
    },
  );
}

async function start(): Promise<void> {
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
  isReady,
  adopt,
  stop: () => stopDaemon(NAME, dataDir()),
};
