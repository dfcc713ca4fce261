import type mysql from 'mysql2/promise';
import { defaultText } from './default-value.ts';
import type { CaptureFilters } from './filters.ts';
import type { ColumnType } from './type-map.ts';

// What the server says about the captured tables (information_schema): names, columns in order with
// their types and nullability, and primary keys. Read at start and again for a table whose DDL
// passes through the binlog.

export interface CatalogTable {
  database: string;
  name: string;
  estimatedRows: number;
}

export interface ColumnDefinition extends ColumnType {
  name: string;
  nullable: boolean;
  /** COLUMN_COMMENT, when not empty. */
  comment?: string;
  /** The column default as Debezium reads it (before conversion), when there is one. */
  defaultValue?: string;
}

export interface TableDefinition {
  database: string;
  name: string;
  columns: ColumnDefinition[];
  primaryKey: string[];
}

export async function listCapturedTables(
  connection: mysql.Connection,
  filters: CaptureFilters,
): Promise<CatalogTable[]> {
  const [rows] = await connection.query<mysql.RowDataPacket[]>(
    "SELECT TABLE_SCHEMA AS db, TABLE_NAME AS name, TABLE_ROWS AS estimated FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_SCHEMA, TABLE_NAME",
  );
  return rows
    .map((row) => ({
      database: String(row.db),
      name: String(row.name),
      estimatedRows: Number(row.estimated ?? 0),
    }))
    .filter((table) => filters.includesTable(table.database, table.name));
}

const key = (database: string, table: string) => `${database}\u0000${table}`;

/** Definitions of the given tables (by database and name); tables that no longer exist are absent. */
export async function loadTableDefinitions(
  connection: mysql.Connection,
  tables: readonly { database: string; name: string }[],
): Promise<Map<string, TableDefinition>> {
  const result = new Map<string, TableDefinition>();
  if (tables.length === 0) return result;
  const databases = [...new Set(tables.map((table) => table.database))];
  const wanted = new Set(tables.map((table) => key(table.database, table.name)));
  const [columns] = await connection.query<mysql.RowDataPacket[]>(
    `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tbl, COLUMN_NAME AS name, DATA_TYPE AS dataType,
            COLUMN_TYPE AS columnType, IS_NULLABLE AS nullable, NUMERIC_PRECISION AS numericPrecision,
            NUMERIC_SCALE AS numericScale, DATETIME_PRECISION AS datetimePrecision,
            COLUMN_COMMENT AS comment, COLUMN_DEFAULT AS columnDefault, EXTRA AS extra
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA IN (?) ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`,
    [databases],
  );
  const [keys] = await connection.query<mysql.RowDataPacket[]>(
    `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tbl, COLUMN_NAME AS name FROM information_schema.STATISTICS
      WHERE TABLE_SCHEMA IN (?) AND INDEX_NAME = 'PRIMARY' ORDER BY TABLE_SCHEMA, TABLE_NAME, SEQ_IN_INDEX`,
    [databases],
  );
  const jsonColumns = await mariadbJsonColumns(connection, databases);
  const mariadb = await isMariaDb(connection);
  for (const row of columns) {
    const id = key(String(row.db), String(row.tbl));
    if (!wanted.has(id)) continue;
    let table = result.get(id);
    if (!table) {
      table = { database: String(row.db), name: String(row.tbl), columns: [], primaryKey: [] };
      result.set(id, table);
    }
    const name = String(row.name);
    const column: ColumnDefinition = {
      name,
      dataType: String(row.dataType).toLowerCase(),
      columnType: String(row.columnType).toLowerCase(),
      nullable: String(row.nullable).toUpperCase() === 'YES',
      numericPrecision: row.numericPrecision === null ? null : Number(row.numericPrecision),
      numericScale: row.numericScale === null ? null : Number(row.numericScale),
      datetimePrecision: row.datetimePrecision === null ? null : Number(row.datetimePrecision),
      json: jsonColumns.has(`${id}\u0000${name}`),
      ...(row.comment !== null && String(row.comment) !== '' && { comment: String(row.comment) }),
    };
    const text = defaultText(
      {
        columnDefault: row.columnDefault === null ? null : String(row.columnDefault),
        extra: String(row.extra ?? ''),
        mariadb,
      },
      column,
    );
    table.columns.push(text === null ? column : { ...column, defaultValue: text });
  }
  for (const row of keys) result.get(key(String(row.db), String(row.tbl)))?.primaryKey.push(String(row.name));
  return result;
}

export function tableKey(database: string, table: string): string {
  return key(database, table);
}

/** MariaDB reports COLUMN_DEFAULT as SQL (quoted strings, the text NULL); MySQL as the bare value. */
async function isMariaDb(connection: mysql.Connection): Promise<boolean> {
  const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT VERSION() AS version');
  return /mariadb/i.test(String(rows[0]?.version ?? ''));
}

/** MariaDB declares JSON as LONGTEXT CHECK (json_valid(`col`)); MySQL has no such table. */
async function mariadbJsonColumns(connection: mysql.Connection, databases: string[]): Promise<Set<string>> {
  try {
    const [rows] = await connection.query<mysql.RowDataPacket[]>(
      'SELECT CONSTRAINT_SCHEMA AS db, TABLE_NAME AS tbl, CHECK_CLAUSE AS clause FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA IN (?)',
      [databases],
    );
    const columns = new Set<string>();
    for (const row of rows) {
      const match = /^json_valid\(`((?:[^`]|``)+)`\)$/i.exec(String(row.clause).trim());
      if (match?.[1])
        columns.add(`${key(String(row.db), String(row.tbl))}\u0000${match[1].replaceAll('``', '`')}`);
    }
    return columns;
  } catch {
    return new Set();
  }
}
