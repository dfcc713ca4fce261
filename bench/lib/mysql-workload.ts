import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { benchEnv, urlParts } from './env.ts';
import { MixedChangeGenerator, type TransactionPlan } from './mixed-changes.ts';

// The MariaDB side of the benchmarks: a fresh database per run (`bench_my_*`) with three tables of
// the same width as pg-workload's in MariaDB types, the binlog position before a load, bulk rows
// for the snapshot, and the mixed-changes load (mixed-changes.ts) committed here.
//
// A transaction is one round trip: `START TRANSACTION; DELETE ...; UPDATE ...; INSERT ...; COMMIT`
// sent as one multi-statement query, so `committed_at = NOW(6)` (the statement's start) is taken
// on the server microseconds before the COMMIT, with no network round trip between them: the
// honest start of the commit-to-Kafka latency (anchors §5; the binlog's own timestamps have
// 1-second resolution). The server runs in UTC, so DATETIME(6) is UTC wall-clock time, which both
// systems emit as io.debezium.time.MicroTimestamp (µs since the epoch).

export const MY_TABLES = ['orders', 'customers', 'shipments'] as const;
export const MY_DB_PREFIX = 'bench_my_';

/** pg-workload's columns in MariaDB types; JSON is MariaDB's json_valid LONGTEXT. */
const COLUMNS = `
  id BIGINT NOT NULL PRIMARY KEY,
  version INT NOT NULL,
  status VARCHAR(32) NOT NULL,
  amount DECIMAL(12,2) NOT NULL,
  quantity INT NOT NULL,
  price DOUBLE NOT NULL,
  active BOOLEAN NOT NULL,
  created_at TIMESTAMP(6) NULL,
  committed_at DATETIME(6) NOT NULL,
  note TEXT,
  attrs JSON`;

const INSERT_COLUMNS =
  'id, version, status, amount, quantity, price, active, created_at, committed_at, note, attrs';

/** Values of one row for an id expression `i` (a literal id, or `seq` of the SEQUENCE engine). */
function rowValues(i: string): string {
  return `${i}, 1, 'new', ${i} % 100000 / 100, ${i} % 50, ${i} * 0.5, 1, NOW(6), NOW(6), REPEAT(MD5(${i}), 3),
    JSON_OBJECT('sku', ${i}, 'warehouse', ${i} % 17, 'tags', JSON_ARRAY('a', 'b'))`;
}

export function mysqlOptions(database?: string): mysql.ConnectionOptions {
  const url = urlParts(benchEnv().mysqlUrl, 3306);
  return {
    host: url.hostname,
    port: url.port,
    user: url.user,
    password: url.password,
    database: database ?? url.database,
    multipleStatements: true,
    timezone: 'Z',
    supportBigNumbers: true,
  };
}

export async function withMysql<T>(work: (connection: mysql.Connection) => Promise<T>): Promise<T> {
  const connection = await mysql.createConnection(mysqlOptions());
  try {
    return await work(connection);
  } finally {
    await connection.end().catch(() => undefined);
  }
}

export async function serverVersion(connection: mysql.Connection): Promise<string> {
  const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT VERSION() AS version');
  return String(rows[0]?.version ?? '');
}

/** Drops every `bench_my_*` database a previous (perhaps interrupted) run left behind. */
export async function dropBenchDatabases(connection: mysql.Connection): Promise<void> {
  const [rows] = await connection.query<mysql.RowDataPacket[]>(
    `SELECT schema_name AS name FROM information_schema.schemata WHERE schema_name LIKE '${MY_DB_PREFIX}%'`,
  );
  for (const row of rows) await connection.query(`DROP DATABASE IF EXISTS \`${String(row.name)}\``);
}

/** A fresh database `bench_my_<tag>` with MY_TABLES and `extra` tables of the same shape. */
export async function createBenchDatabase(
  connection: mysql.Connection,
  tag: string,
  extra: readonly string[] = [],
): Promise<string> {
  await dropBenchDatabases(connection);
  const database = `${MY_DB_PREFIX}${tag}`;
  await connection.query(`CREATE DATABASE \`${database}\``);
  for (const table of [...MY_TABLES, ...extra]) {
    await connection.query(`CREATE TABLE \`${database}\`.${table} (${COLUMNS}) ENGINE=InnoDB`);
  }
  return database;
}

export interface BinlogPosition {
  file: string;
  pos: number;
  /** The GTID position there (MariaDB: BINLOG_GTID_POS; MySQL: gtid_executed), when the server has one. */
  gtids?: string;
}

export async function binlogPosition(connection: mysql.Connection): Promise<BinlogPosition> {
  const [rows] = await connection.query<mysql.RowDataPacket[]>('SHOW MASTER STATUS');
  const row = rows[0];
  if (!row) throw new Error('SHOW MASTER STATUS returned nothing: is log_bin on?');
  const position: BinlogPosition = { file: String(row.File), pos: Number(row.Position) };
  if (/mariadb/i.test(await serverVersion(connection))) {
    const [gtid] = await connection.query<mysql.RowDataPacket[]>('SELECT BINLOG_GTID_POS(?, ?) AS gtids', [
      position.file,
      position.pos,
    ]);
    const gtids = gtid[0]?.gtids;
    if (typeof gtids === 'string') position.gtids = gtids;
  } else if (typeof row.Executed_Gtid_Set === 'string' && row.Executed_Gtid_Set !== '') {
    position.gtids = row.Executed_Gtid_Set.replaceAll('\n', '');
  }
  return position;
}

/** The binlog files from `from` to `to` (inclusive), in order. */
export async function binlogFilesBetween(
  connection: mysql.Connection,
  from: string,
  to: string,
): Promise<string[]> {
  const [rows] = await connection.query<mysql.RowDataPacket[]>('SHOW BINARY LOGS');
  const names = rows.map((row) => String(row.Log_name));
  const start = names.indexOf(from);
  const end = names.indexOf(to);
  if (start < 0 || end < start)
    throw new Error(`binlogs ${from}..${to} not on the server (${names.join(', ')})`);
  return names.slice(start, end + 1);
}

/** The MariaDB server process (all its threads: binlog dump, snapshot readers), for CPU sampling. */
export async function mariadbPid(connection: mysql.Connection): Promise<number | undefined> {
  const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT @@pid_file AS pidFile');
  try {
    const pid = Number(readFileSync(String(rows[0]?.pidFile), 'utf8').trim());
    return Number.isFinite(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Bulk rows ids 1..rows, version 1, server-side from the SEQUENCE engine, kept out of the binlog
 * (sql_log_bin=0): the snapshot reads the tables, and a 1M-row fill would only bloat the binlog.
 */
export async function fillTable(
  connection: mysql.Connection,
  database: string,
  table: string,
  rows: number,
): Promise<void> {
  await connection.query('SET SESSION sql_log_bin = 0');
  try {
    const chunk = 100_000;
    for (let from = 1; from <= rows; from += chunk) {
      const to = Math.min(rows, from + chunk - 1);
      await connection.query(
        `INSERT INTO \`${database}\`.${table} (${INSERT_COLUMNS}) SELECT ${rowValues('seq')} FROM seq_${from}_to_${to}`,
      );
    }
    await connection.query(`ANALYZE TABLE \`${database}\`.${table}`);
  } finally {
    await connection.query('SET SESSION sql_log_bin = 1');
  }
}

/**
 * pg-workload's ChangeGenerator on MariaDB: the mixed-changes load over MY_TABLES of `database`,
 * each transaction one multi-statement round trip.
 */
export class MysqlChangeGenerator extends MixedChangeGenerator {
  readonly database: string;
  private readonly connections: mysql.Connection[] = [];

  constructor(database: string, workerCount: number, txSize: number) {
    super(MY_TABLES.length, workerCount, txSize);
    this.database = database;
  }

  async open(): Promise<void> {
    for (let k = 0; k < this.workerCount; k++) {
      this.connections.push(await mysql.createConnection(mysqlOptions(this.database)));
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.connections.map((connection) => connection.end().catch(() => undefined)));
    this.connections.length = 0;
  }

  protected async commit(
    worker: number,
    { tableIndex, inserted, updated, deleted }: TransactionPlan,
  ): Promise<void> {
    const connection = this.connections[worker];
    if (!connection) throw new Error('MysqlChangeGenerator.open() first');
    const name = MY_TABLES[tableIndex] as string;
    const statements = ['START TRANSACTION'];
    if (deleted.length > 0) statements.push(`DELETE FROM ${name} WHERE id IN (${deleted.join(',')})`);
    if (updated.length > 0) {
      statements.push(
        `UPDATE ${name} SET version = version + 1, status = 'updated', amount = amount + 1,
         quantity = quantity + 1, committed_at = NOW(6) WHERE id IN (${updated.join(',')})`,
      );
    }
    if (inserted.length > 0) {
      statements.push(
        `INSERT INTO ${name} (${INSERT_COLUMNS}) VALUES ${inserted.map((id) => `(${rowValues(String(id))})`).join(',')}`,
      );
    }
    statements.push('COMMIT');
    await connection.query(statements.join(';\n'));
  }
}
