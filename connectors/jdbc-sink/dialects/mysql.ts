import { createRequire } from 'node:module';
import type { Connection as CallbackConnection } from 'mysql2';
import type mysql from 'mysql2/promise';
import type { SqlValue } from '../column-value.ts';
import { formatTimestamp } from '../column-value.ts';
import type { ColumnDef, ConnectOptions, Dialect, SqlPool, SqlSession, TableName } from '../dialect.ts';
import type { TimeZone } from '../time-zone.ts';
import { mysqlTls } from '../tls.ts';

// MySQL and MariaDB. Upserts use `ON DUPLICATE KEY UPDATE c = VALUES(c)`: MariaDB has no row alias
// (`AS new`) and MySQL 8 still accepts VALUES() (deprecated, not removed). Truncate is DELETE FROM,
// because TRUNCATE TABLE commits implicitly and would break the one-transaction-per-batch rule.

function columnType(column: ColumnDef): string {
  const { kind } = column;
  switch (kind.kind) {
    case 'int8':
      return 'TINYINT';
    case 'int16':
      return 'SMALLINT';
    case 'int32':
      return 'INT';
    case 'int64':
      return 'BIGINT';
    case 'float32':
      return 'FLOAT';
    case 'float64':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    case 'string':
      // TEXT cannot be a key without a prefix length.
      return column.isKey ? 'VARCHAR(255)' : 'LONGTEXT';
    case 'bytes':
      return column.isKey ? 'VARBINARY(255)' : 'LONGBLOB';
    case 'decimal': {
      if (kind.precision !== undefined && kind.precision <= 65)
        return `DECIMAL(${kind.precision},${Math.min(kind.scale ?? 0, 30)})`;
      return `DECIMAL(65,${Math.min(kind.scale ?? 30, 30)})`;
    }
    case 'date':
      return 'DATE';
    case 'time':
      return kind.unit === 'ms' ? 'TIME(3)' : 'TIME(6)';
    case 'timestamp':
      return kind.unit === 'ms' ? 'DATETIME(3)' : 'DATETIME(6)';
    case 'zoned-timestamp':
      return 'DATETIME(6)';
    case 'zoned-time':
      return 'VARCHAR(32)';
    case 'json':
      return 'JSON';
    case 'uuid':
      return 'CHAR(36)';
    case 'structured':
      return 'JSON';
  }
}

/** ISO-8601 with an offset -> 'YYYY-MM-DD HH:MM:SS.ffffff' in `zone` (DATETIME has no zone). */
function zonedTimestamp(iso: string, zone: TimeZone): string {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(.*)$/.exec(iso);
  const millis = Date.parse(match ? `${match[1]}${match[3]}` : iso);
  if (Number.isNaN(millis)) throw new Error(`not an ISO-8601 timestamp: ${iso}`);
  const fraction = BigInt((match?.[2] ?? '').padEnd(6, '0').slice(0, 6) || '0');
  return formatTimestamp(zone.localMicros(BigInt(millis) * 1000n + fraction), 6);
}

/**
 * The session time zone: what TIMESTAMP columns and NOW() read literals in. MariaDB knows named zones
 * only with its time zone tables loaded, so a named zone is set as its current offset.
 */
function sessionZone(zone: TimeZone): string {
  const now = BigInt(Date.now()) * 1000n;
  const minutes = zone.fixedOffsetMinutes ?? Number((zone.localMicros(now) - now) / 60_000_000n);
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function affected(result: unknown): number {
  const header = Array.isArray(result) ? result[0] : result;
  if (header && typeof header === 'object' && 'affectedRows' in header)
    return Number((header as { affectedRows: number }).affectedRows);
  return 0;
}

// mysql2 is loaded on the first connect, not at start: a host without a MySQL connector never pays
// for it (~25 MB of RSS and ~130 ms to load on a 2-core machine, issue 17). Synchronously, as the
// dialect's connect is; mysql2 is CommonJS.
const load = createRequire(import.meta.url);
let mysqlModule: typeof mysql | undefined;

function mysqlDriver(): typeof mysql {
  mysqlModule ??= load('mysql2/promise') as typeof mysql;
  return mysqlModule;
}

function session(target: mysql.Pool | mysql.PoolConnection): SqlSession {
  return {
    async run(sql, params) {
      return affected(await target.query(sql, params as SqlValue[]));
    },
  };
}

function connect(options: ConnectOptions): SqlPool {
  const { url } = options;
  const pool = mysqlDriver().createPool({
    host: url.host,
    port: url.port,
    database: url.database,
    user: options.user ?? url.params.user,
    password: options.password ?? url.params.password,
    connectionLimit: options.poolSize,
    // Matched (not only changed) rows in affectedRows: an UPDATE to identical values still counts.
    flags: ['FOUND_ROWS'],
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    timezone: 'Z',
    // TLS as the URL's sslMode (or useSSL) and certificate parameters ask (see tls.ts).
    ...mysqlTls(url),
  });
  const timeZone = sessionZone(options.timeZone);
  pool.on('connection', (connection) => {
    // The event hands over the core (callback) connection, whatever its type says. With a callback:
    // a query without one emits its failure as an 'error' nobody listens to. A connection that
    // could not take the zone is not used in the wrong one.
    const core = connection as unknown as CallbackConnection;
    // mysql2's pool hears only a connection's first 'error' (once); a later one would be unhandled.
    core.on('error', () => undefined);
    core.query(`SET time_zone = '${timeZone}'`, (error: Error | null) => {
      if (error) core.destroy();
    });
  });
  return {
    ...session(pool),
    async transaction(work) {
      const connection = await pool.getConnection();
      try {
        await connection.query('START TRANSACTION');
        const result = await work(session(connection));
        await connection.query('COMMIT');
        return result;
      } catch (error) {
        await connection.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        connection.release();
      }
    },
    // innodb_flush_log_at_trx_commit is global: every commit is as durable as the server makes it.
    async syncCommits() {},
    async select(sql, params) {
      const [rows] = await pool.query(sql, params as SqlValue[]);
      return rows as Array<Record<string, unknown>>;
    },
    async columns(table: TableName) {
      const [rows] = await pool.query(
        'SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
        [table.schema ?? null, table.name],
      );
      const columns = (rows as Array<{ name: string }>).map((row) => ({ name: row.name, bulk: false }));
      return columns.length > 0 ? columns : undefined;
    },
    close: () => pool.end(),
  };
}

export const mysqlDialect: Dialect = {
  name: 'mysql',
  caseInsensitiveColumns: true,
  maxParams: 65_535,
  quote: (identifier) => `\`${identifier.replaceAll('`', '``')}\``,
  fold: (identifier) => identifier,
  param: () => '?',
  columnType,
  zonedTimestamp,
  upsertClause(keys, updates) {
    const columns = updates.length > 0 ? updates : keys.slice(0, 1);
    const quote = mysqlDialect.quote;
    return ` ON DUPLICATE KEY UPDATE ${columns.map((column) => `${quote(column)}=VALUES(${quote(column)})`).join(',')}`;
  },
  truncate: (table) => `DELETE FROM ${table}`,
  connect,
};
