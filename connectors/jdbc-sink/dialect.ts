import type { ColumnKind } from './column-type.ts';
import type { SqlValue } from './column-value.ts';
import type { DialectName, JdbcUrl } from './jdbc-url.ts';
import type { TimeZone } from './time-zone.ts';

// What the engine needs of a target database: SQL spelling (quoting, parameters, upsert, types) and
// a pool that runs statements and transactions. One engine, one small file per dialect.

/** A table, optionally qualified by schema (PostgreSQL) or database (MySQL). */
export interface TableName {
  schema?: string;
  name: string;
}

export interface ColumnDef {
  name: string;
  kind: ColumnKind;
  optional: boolean;
  isKey: boolean;
}

export interface SqlSession {
  /** Runs one statement with bound parameters; resolves with the rows it matched/affected. */
  run(sql: string, params: readonly SqlValue[]): Promise<number>;
}

export interface SqlPool extends SqlSession {
  /** BEGIN, work, COMMIT (ROLLBACK when work rejects). */
  transaction<T>(work: (session: SqlSession) => Promise<T>): Promise<T>;
  /** Runs a query; resolves with its rows (bigints as strings). */
  select(sql: string, params: readonly SqlValue[]): Promise<Array<Record<string, unknown>>>;
  /** The table's column names, or undefined when it does not exist. */
  columns(table: TableName): Promise<string[] | undefined>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  url: JdbcUrl;
  user: string | undefined;
  password: string | undefined;
  poolSize: number;
  /** database.time_zone: the session time zone, so the server reads zone-less literals in it. */
  timeZone: TimeZone;
}

export interface Dialect {
  readonly name: DialectName;
  /** Column names compare case-insensitively (MySQL) or exactly (PostgreSQL, quoted). */
  readonly caseInsensitiveColumns: boolean;
  /** Parameters one statement may bind. */
  readonly maxParams: number;
  quote(identifier: string): string;
  /** What an unquoted name would become (PostgreSQL folds to lower case). */
  fold(identifier: string): string;
  /** The placeholder of the 1-based parameter `index`. */
  param(index: number): string;
  columnType(column: ColumnDef): string;
  /** io.debezium.time.ZonedTimestamp (ISO-8601 with offset) as this dialect's timestamp column takes it. */
  zonedTimestamp(iso: string, zone: TimeZone): string;
  /** The clause after `INSERT ... VALUES (...)` that turns the insert into an upsert on `keys`. */
  upsertClause(keys: readonly string[], updates: readonly string[]): string;
  /** Empties a table inside the current transaction. */
  truncate(table: string): string;
  connect(options: ConnectOptions): SqlPool;
}

export function qualified(dialect: Dialect, table: TableName): string {
  return table.schema === undefined
    ? dialect.quote(table.name)
    : `${dialect.quote(table.schema)}.${dialect.quote(table.name)}`;
}

export function tableLabel(table: TableName): string {
  return table.schema === undefined ? table.name : `${table.schema}.${table.name}`;
}
