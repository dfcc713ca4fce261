import type mysql from 'mysql2/promise';
import { errorMessage, type FieldError } from '../../src/plugin/index.ts';
import { signalTableName, signalWrites } from '../shared/signals/signal-config.ts';
import { listCapturedTables } from './catalog.ts';
import type { MysqlSourceConfig } from './config.ts';
import { connect } from './connection.ts';
import { connectProblem } from './errors.ts';
import { CaptureFilters } from './filters.ts';
import { readServerSettings, type ServerSettings, serverProblems } from './server-settings.ts';
import { tlsProblem } from './tls.ts';
import { probeSignalTable } from './watermark.ts';

// The connectivity part of validation: can we log in, is the binlog row-based with full images,
// may this user read the binlog, do the configured tables exist. Every problem carries the
// statement that fixes it.

export async function probeServer(config: MysqlSourceConfig): Promise<FieldError[]> {
  const host = config['database.hostname'];
  const port = config['database.port'];
  let connection: mysql.Connection;
  try {
    connection = await connect(config);
  } catch (error) {
    return [tlsProblem(error, config) ?? connectProblem(error, host, port, config['database.user'])];
  }
  try {
    const settings = await readServerSettings(connection);
    const errors = serverProblems(settings, config);
    errors.push(...(await probePrivileges(connection, config, settings)));
    errors.push(...(await probeTables(connection, config)));
    errors.push(...(await probeSignalTable(connection, signalTableName(config), signalWrites(config))));
    return errors;
  } catch (error) {
    return [
      {
        field: 'database.hostname',
        message: `Validation query failed on ${host}:${port}: ${errorMessage(error)}`,
      },
    ];
  } finally {
    await connection.end().catch(() => {});
  }
}

async function probePrivileges(
  connection: mysql.Connection,
  config: MysqlSourceConfig,
  settings: ServerSettings,
): Promise<FieldError[]> {
  const [rows] = await connection.query<mysql.RowDataPacket[]>('SHOW GRANTS');
  const grants = rows.map((row) => String(Object.values(row)[0] ?? '')).join('\n');
  const global = grants
    .split('\n')
    .filter((grant) => / ON \*\.\* TO /i.test(grant))
    .join('\n')
    .toUpperCase();
  const all = global.includes('ALL PRIVILEGES');
  const user = config['database.user'];
  const needed = ['REPLICATION SLAVE', settings.mariadb ? 'BINLOG MONITOR' : 'REPLICATION CLIENT', 'SELECT'];
  // FLUSH TABLES WITH READ LOCK: MySQL snapshots, and parallel snapshots on either server.
  const locks = !settings.mariadb || config['snapshot.max.threads'] > 1;
  if (locks && config['snapshot.locking.mode'] !== 'none') needed.push('RELOAD');
  const missing = all
    ? []
    : needed.filter(
        (privilege) =>
          !global.includes(privilege) &&
          // MariaDB before 10.5 and MySQL call BINLOG MONITOR "REPLICATION CLIENT".
          !(privilege === 'BINLOG MONITOR' && global.includes('REPLICATION CLIENT')),
      );
  if (missing.length === 0) return [];
  return [
    {
      field: 'database.user',
      message: `User "${user}" lacks ${missing.join(', ')}: run GRANT ${missing.join(', ')} ON *.* TO '${user}'@'%'`,
    },
  ];
}

async function probeTables(connection: mysql.Connection, config: MysqlSourceConfig): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  const tables = await listCapturedTables(connection, new CaptureFilters(config));
  for (const pattern of config['table.include.list'] ?? []) {
    const regex = new RegExp(`^(?:${pattern})$`, 'i');
    if (!tables.some((table) => regex.test(`${table.database}.${table.name}`))) {
      errors.push({
        field: 'table.include.list',
        message: `No table matches "${pattern}" (entries are <database>.<table> regular expressions)`,
      });
    }
  }
  for (const pattern of config['database.include.list'] ?? []) {
    const regex = new RegExp(`^(?:${pattern})$`, 'i');
    if (!tables.some((table) => regex.test(table.database))) {
      errors.push({
        field: 'database.include.list',
        message: `No database with tables matches "${pattern}"`,
      });
    }
  }
  return errors;
}
