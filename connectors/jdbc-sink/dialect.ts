import type { ColumnKind } from './column-type.ts';
import type { SqlValue } from './column-value.ts';
import type { DialectName, JdbcUrl } from './jdbc-url.ts';
import type { TimeZone } from './time-zone.ts';

// What the engine needs of a target database: SQL spelling (quoting, parameters, upsert, types) and
// a pool that runs statements and transactions. One engine, one small file per dialect.

/** A bound parameter: a value, or an array of values (a bulk statement's column). */
export type SqlParam = SqlValue | readonly SqlValue[];

/** A column and its SQL type, for a bulk statement's array casts. */
export interface TypedColumn {
  name: string;
  type: string;
}

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

/**
 * A column as the target table has it. `type` is its SQL type where the dialect writes typed bulk
 * statements (PostgreSQL: format_type, e.g. `numeric(12,2)`); `bulk` says whether a value of it can
 * travel as one element of an array parameter (not when the column is itself an array).
 */
export interface TableColumn {
  name: string;
  type?: string;
  bulk: boolean;
}

export interface SqlSession {
  /**
   * Runs one statement with bound parameters; resolves with the rows it matched/affected. With
   * `prepare`, the statement is parsed and planned once per connection and then only executed
   * (PostgreSQL; its text must not change with the number of rows).
   */
  run(sql: string, params: readonly SqlParam[], options?: { prepare?: boolean }): Promise<number>;
}

export interface SqlPool extends SqlSession {
  /**
   * BEGIN, work, COMMIT (ROLLBACK when work rejects). `durable: false` lets COMMIT return before
   * the commit is on disk where the database allows that per transaction (PostgreSQL's
   * synchronous_commit=off); any later durable commit makes it durable too, since the log is flushed
   * in order. Elsewhere every commit is durable.
   */
  transaction<T>(work: (session: SqlSession) => Promise<T>, options?: { durable?: boolean }): Promise<T>;
  /** Makes every commit so far durable (after transactions with `durable: false`). */
  syncCommits(): Promise<void>;
  /** Runs a query; resolves with its rows (bigints as strings). */
  select(sql: string, params: readonly SqlValue[]): Promise<Array<Record<string, unknown>>>;
  /** The table's columns, or undefined when it does not exist. */
  columns(table: TableName): Promise<TableColumn[] | undefined>;
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
  /**
   * One statement writing any number of rows with one array parameter per column (PostgreSQL:
   * `INSERT ... SELECT * FROM unnest($1::t1[], ...)`), an upsert on `upsertKeys` when given; its
   * text depends on the columns only, so it is prepared once. Undefined where the dialect has no
   * such form: multi-row VALUES lists then.
   */
  bulkInsert?(
    table: string,
    columns: readonly TypedColumn[],
    rows: readonly (readonly SqlValue[])[],
    upsertKeys?: readonly string[],
  ): { sql: string; params: SqlParam[] };
  /** DELETE by key with one array parameter per key column, as bulkInsert. */
  bulkDelete?(
    table: string,
    keys: readonly TypedColumn[],
    values: readonly (readonly SqlValue[])[],
  ): { sql: string; params: SqlParam[] };
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
