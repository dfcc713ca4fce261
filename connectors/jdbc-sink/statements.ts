import type { SqlValue } from './column-value.ts';
import { type ColumnDef, type Dialect, qualified, type SqlParam, type TableName } from './dialect.ts';

// SQL text for the engine's statements. Identifiers are always quoted by the dialect; values never
// appear in the text, only as bound parameters.

export interface Statement {
  sql: string;
  params: SqlParam[];
}

function placeholders(dialect: Dialect, rows: readonly (readonly SqlValue[])[], params: SqlValue[]): string {
  return rows
    .map((row) => {
      const marks = row.map((value) => {
        params.push(value);
        return dialect.param(params.length);
      });
      return `(${marks.join(',')})`;
    })
    .join(',');
}

/** Multi-row INSERT, or an upsert on `upsertKeys` updating every other column. */
export function insertRows(
  dialect: Dialect,
  table: TableName,
  columns: readonly string[],
  rows: readonly (readonly SqlValue[])[],
  upsertKeys?: readonly string[],
): Statement {
  const params: SqlValue[] = [];
  const values = placeholders(dialect, rows, params);
  let sql = `INSERT INTO ${qualified(dialect, table)} (${columns.map(dialect.quote).join(',')}) VALUES ${values}`;
  if (upsertKeys) {
    const keys = new Set(upsertKeys);
    sql += dialect.upsertClause(
      upsertKeys,
      columns.filter((column) => !keys.has(column)),
    );
  }
  return { sql, params };
}

/** Multi-row DELETE by key: `WHERE k IN (...)`, or `WHERE (k1,k2) IN ((...),(...))`. */
export function deleteRows(
  dialect: Dialect,
  table: TableName,
  keyColumns: readonly string[],
  keys: readonly (readonly SqlValue[])[],
): Statement {
  const params: SqlValue[] = [];
  if (keyColumns.length === 1) {
    const marks = keys.map((key) => {
      params.push(key[0] ?? null);
      return dialect.param(params.length);
    });
    return {
      sql: `DELETE FROM ${qualified(dialect, table)} WHERE ${dialect.quote(keyColumns[0] ?? '')} IN (${marks.join(',')})`,
      params,
    };
  }
  const values = placeholders(dialect, keys, params);
  return {
    sql: `DELETE FROM ${qualified(dialect, table)} WHERE (${keyColumns.map(dialect.quote).join(',')}) IN (${values})`,
    params,
  };
}

export function updateRow(
  dialect: Dialect,
  table: TableName,
  set: ReadonlyArray<{ name: string; value: SqlValue }>,
  key: ReadonlyArray<{ name: string; value: SqlValue }>,
): Statement {
  const params: SqlValue[] = [];
  const assign = (column: { name: string; value: SqlValue }) => {
    params.push(column.value);
    return `${dialect.quote(column.name)}=${dialect.param(params.length)}`;
  };
  const assignments = set.map(assign).join(',');
  const where = key.map(assign).join(' AND ');
  return { sql: `UPDATE ${qualified(dialect, table)} SET ${assignments} WHERE ${where}`, params };
}

function columnSql(dialect: Dialect, column: ColumnDef, nullable: boolean): string {
  return `${dialect.quote(column.name)} ${dialect.columnType(column)} ${nullable ? 'NULL' : 'NOT NULL'}`;
}

export function createTable(dialect: Dialect, table: TableName, columns: readonly ColumnDef[]): string {
  const keys = columns.filter((column) => column.isKey).map((column) => dialect.quote(column.name));
  const parts = columns.map((column) => columnSql(dialect, column, column.optional && !column.isKey));
  if (keys.length > 0) parts.push(`PRIMARY KEY (${keys.join(',')})`);
  return `CREATE TABLE IF NOT EXISTS ${qualified(dialect, table)} (${parts.join(', ')})`;
}

/** New columns are always nullable: rows already in the table have no value for them. */
export function addColumn(dialect: Dialect, table: TableName, column: ColumnDef): string {
  return `ALTER TABLE ${qualified(dialect, table)} ADD COLUMN ${columnSql(dialect, column, true)}`;
}
