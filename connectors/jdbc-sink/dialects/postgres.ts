import pg from 'pg';
import type { SqlValue } from '../column-value.ts';
import type { ColumnDef, ConnectOptions, Dialect, SqlPool, SqlSession, TableName } from '../dialect.ts';
import type { TimeZone } from '../time-zone.ts';
import { pgSsl } from '../tls.ts';

// PostgreSQL: `INSERT ... ON CONFLICT (key) DO UPDATE SET c = EXCLUDED.c`, TRUNCATE inside the
// transaction (it is transactional here), $n parameters.

function columnType(column: ColumnDef): string {
  const { kind } = column;
  switch (kind.kind) {
    case 'int8':
    case 'int16':
      return 'SMALLINT';
    case 'int32':
      return 'INTEGER';
    case 'int64':
      return 'BIGINT';
    case 'float32':
      return 'REAL';
    case 'float64':
      return 'DOUBLE PRECISION';
    case 'boolean':
      return 'BOOLEAN';
    case 'string':
      return 'TEXT';
    case 'bytes':
      return 'BYTEA';
    case 'decimal':
      return kind.precision !== undefined && kind.precision <= 1000
        ? `NUMERIC(${kind.precision},${kind.scale ?? 0})`
        : 'NUMERIC';
    case 'date':
      return 'DATE';
    case 'time':
      return kind.unit === 'ms' ? 'TIME(3)' : 'TIME(6)';
    case 'timestamp':
      return kind.unit === 'ms' ? 'TIMESTAMP(3)' : 'TIMESTAMP(6)';
    case 'zoned-timestamp':
      return 'TIMESTAMPTZ(6)';
    case 'zoned-time':
      return 'TIMETZ(6)';
    case 'json':
      return kind.binary ? 'JSONB' : 'JSON';
    case 'uuid':
      return 'UUID';
    case 'structured':
      return 'JSONB';
  }
}

/** PostgreSQL's POSIX zone syntax counts offsets west-positive: '+02:00' is written as '<+02:00>-02:00'. */
function pgZone(zone: TimeZone): string {
  if (zone.isUtc) return 'UTC';
  const minutes = zone.fixedOffsetMinutes;
  if (minutes === undefined) return zone.name;
  const abs = Math.abs(minutes);
  const hhmm = `${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `<${minutes < 0 ? '-' : '+'}${hhmm}>${minutes < 0 ? '+' : '-'}${hhmm}`;
}

/**
 * `name=value` as one argument of libpq's `options`: the server splits that string at whitespace
 * and a backslash escapes the next character, so both are escaped (pgjdbc passes currentSchema as
 * the search_path value, spaces and all; an unescaped one would start another `-c` setting).
 */
export function libpqOption(name: string, value: string): string {
  // The startup packet carries it as a C string: a NUL would cut it short.
  if (value.includes('\u0000')) throw new Error(`The ${name} value may not contain a NUL character`);
  return `${name}=${value.replace(/[\\ \t\n\v\f\r]/g, (char) => `\\${char}`)}`;
}

function session(target: pg.Pool | pg.PoolClient): SqlSession {
  return {
    async run(sql, params) {
      const result = await target.query(sql, params as SqlValue[]);
      return result.rowCount ?? 0;
    },
  };
}

function connect(options: ConnectOptions): SqlPool {
  const { url } = options;
  const pool = new pg.Pool({
    host: url.host,
    port: url.port,
    database: url.database,
    user: options.user ?? url.params.user,
    password: options.password ?? url.params.password,
    max: options.poolSize,
    // TLS as the URL's sslmode, sslrootcert, sslcert, sslkey ask (see tls.ts).
    ssl: pgSsl(url),
    // The session zone reads zone-less literals written into TIMESTAMPTZ columns (see time-zone.ts).
    options: [
      ...(url.params.currentSchema ? [`-c ${libpqOption('search_path', url.params.currentSchema)}`] : []),
      `-c ${libpqOption('TimeZone', pgZone(options.timeZone))}`,
    ].join(' '),
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  // Nor may a checked-out one (the pool listens only while a client is idle): its error reaches
  // the query that is waiting on it.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return {
    ...session(pool),
    async transaction(work) {
      const client = await pool.connect();
      let broken: unknown;
      try {
        await client.query('BEGIN');
        const result = await work(session(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: unknown) => {
          broken = rollbackError;
        });
        throw error;
      } finally {
        client.release(broken instanceof Error ? broken : undefined);
      }
    },
    async select(sql, params) {
      return (await pool.query(sql, params as SqlValue[])).rows as Array<Record<string, unknown>>;
    },
    async columns(table: TableName) {
      const result = await pool.query<{ name: string }>(
        'SELECT column_name AS name FROM information_schema.columns WHERE table_schema = COALESCE($1, current_schema()) AND table_name = $2 ORDER BY ordinal_position',
        [table.schema ?? null, table.name],
      );
      const names = result.rows.map((row) => row.name);
      return names.length > 0 ? names : undefined;
    },
    close: () => pool.end(),
  };
}

export const postgresDialect: Dialect = {
  name: 'postgres',
  caseInsensitiveColumns: false,
  maxParams: 65_535,
  quote: (identifier) => `"${identifier.replaceAll('"', '""')}"`,
  fold: (identifier) => identifier.toLowerCase(),
  param: (index) => `$${index}`,
  columnType,
  zonedTimestamp: (iso) => iso,
  upsertClause(keys, updates) {
    const quote = postgresDialect.quote;
    const target = `(${keys.map(quote).join(',')})`;
    if (updates.length === 0) return ` ON CONFLICT ${target} DO NOTHING`;
    return ` ON CONFLICT ${target} DO UPDATE SET ${updates.map((column) => `${quote(column)}=EXCLUDED.${quote(column)}`).join(',')}`;
  },
  truncate: (table) => `TRUNCATE TABLE ${table}`,
  connect,
};
