import { createHash } from 'node:crypto';
import pg from 'pg';
import type { SqlValue } from '../column-value.ts';
import type {
  ColumnDef,
  ConnectOptions,
  Dialect,
  SqlParam,
  SqlPool,
  SqlSession,
  TableColumn,
  TableName,
  TypedColumn,
} from '../dialect.ts';
import type { TimeZone } from '../time-zone.ts';
import { pgSsl } from '../tls.ts';

// PostgreSQL: `INSERT ... ON CONFLICT (key) DO UPDATE SET c = EXCLUDED.c`, TRUNCATE inside the
// transaction (it is transactional here), $n parameters. A batch of rows is one statement with one
// array parameter per column, `INSERT ... SELECT * FROM unnest($1::integer[], $2::text[], ...)`,
// prepared once per connection: its text does not grow with the rows, so the server parses and
// plans it once instead of a VALUES list of thousands of parameters per batch, and each value is
// still read by its column type's input function, as a bound text parameter would be.

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

/** Prepared statements' names: one per statement text (the server keeps them per connection). */
const statementNames = new Map<string, string>();

function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `onramp_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
    statementNames.set(sql, name);
  }
  return name;
}

function session(target: pg.Pool | pg.PoolClient): SqlSession {
  return {
    async run(sql, params, options) {
      const values = params as unknown[];
      const result = options?.prepare
        ? await target.query({ name: statementName(sql), text: sql, values })
        : await target.query(sql, values);
      return result.rowCount ?? 0;
    },
  };
}

/**
 * The table's columns with their types as format_type spells them, without typmods: an explicit
 * cast to varchar(8) would cut a longer value short where assigning it to the column fails, as a
 * bound parameter does. The column's typmod still applies when the value is assigned.
 */
const COLUMNS_SQL = `SELECT a.attname AS name, format_type(a.atttypid, NULL) AS type, t.typcategory = 'A' AS is_array
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid
WHERE n.nspname = COALESCE($1, current_schema()) AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped
  AND c.relkind IN ('r', 'p', 'v', 'f', 'm')
ORDER BY a.attnum`;

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
    async transaction(work, options) {
      const client = await pool.connect();
      let broken: unknown;
      try {
        // One round trip for both (simple query protocol).
        await client.query(
          options?.durable === false ? 'BEGIN; SET LOCAL synchronous_commit TO OFF' : 'BEGIN',
        );
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
      return (await pool.query(sql, params as unknown[])).rows as Array<Record<string, unknown>>;
    },
    async syncCommits() {
      // A transaction that takes an id writes a commit record, and a durable commit flushes the
      // write-ahead log up to it: every earlier commit is then on disk as well.
      await pool.query('BEGIN; SELECT txid_current(); COMMIT');
    },
    async columns(table: TableName) {
      const result = await pool.query<{ name: string; type: string; is_array: boolean }>(COLUMNS_SQL, [
        table.schema ?? null,
        table.name,
      ]);
      const columns: TableColumn[] = result.rows.map((row) => ({
        name: row.name,
        type: row.type,
        // An array column's value is an array literal: as one element of an array parameter, unnest
        // would flatten it.
        bulk: !row.is_array,
      }));
      return columns.length > 0 ? columns : undefined;
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
  bulkInsert(table, columns, rows, upsertKeys) {
    const quote = postgresDialect.quote;
    let sql = `INSERT INTO ${table} (${columns.map((column) => quote(column.name)).join(',')}) SELECT * FROM unnest(${arrayCasts(columns)})`;
    if (upsertKeys) {
      const keys = new Set(upsertKeys);
      sql += postgresDialect.upsertClause(
        upsertKeys,
        columns.map((column) => column.name).filter((name) => !keys.has(name)),
      );
    }
    return { sql, params: columnArrays(columns, rows) };
  },
  bulkDelete(table, keys, values) {
    const quote = postgresDialect.quote;
    const [only] = keys;
    const sql =
      keys.length === 1 && only
        ? `DELETE FROM ${table} WHERE ${quote(only.name)} = ANY($1::${only.type}[])`
        : `DELETE FROM ${table} WHERE (${keys.map((key) => quote(key.name)).join(',')}) IN (SELECT * FROM unnest(${arrayCasts(keys)}))`;
    return { sql, params: columnArrays(keys, values) };
  },
  connect,
};

/** `$1::t1[],$2::t2[],...`: each column's values as an array of its own type. */
function arrayCasts(columns: readonly TypedColumn[]): string {
  return columns.map((column, index) => `$${index + 1}::${column.type}[]`).join(',');
}

/**
 * Rows (values in `columns` order) as one array literal per column, `{"a","b\\"c",NULL}`: built
 * here rather than by the driver, which escapes every element with two regular expressions.
 */
function columnArrays(columns: readonly TypedColumn[], rows: readonly (readonly SqlValue[])[]): SqlParam[] {
  return columns.map((_, index) => {
    let literal = '{';
    for (let row = 0; row < rows.length; row++) {
      if (row > 0) literal += ',';
      literal += arrayElement(rows[row]?.[index] ?? null);
    }
    return `${literal}}`;
  });
}

const NEEDS_ESCAPE = /["\\]/;

/** One element of an array literal: NULL, or the value's text quoted (`"` and `\` escaped). */
export function arrayElement(value: SqlValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') return String(value);
  // As the driver sends a boolean parameter (a text column then holds the same).
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  // bytea's hex input, its backslash escaped for the array literal.
  if (Buffer.isBuffer(value)) return `"\\\\x${value.toString('hex')}"`;
  return NEEDS_ESCAPE.test(value) ? `"${value.replace(/["\\]/g, '\\$&')}"` : `"${value}"`;
}
