import type mysql from 'mysql2/promise';
import type {
  CapturedColumn,
  CapturedTable,
  LogicalType,
  SourceDescription,
} from '../../src/plugin/index.ts';
import { recordNames } from '../../src/plugin/index.ts';
import { listCapturedTables } from './catalog.ts';
import type { MysqlSourceConfig } from './config.ts';
import { connect } from './connection.ts';
import { databaseError } from './errors.ts';
import { CaptureFilters } from './filters.ts';

// The captured tables as the data-product catalog sees them, from information_schema: every column
// the filters keep with its COLUMN_TYPE, default, COLUMN_COMMENT, enum values and primary-key
// position, TABLE_COMMENT, and the foreign keys (KEY_COLUMN_USAGE). MySQL has no table owner.

const key = (database: string, table: string) => `${database}\u0000${table}`;

export async function describeSource(config: MysqlSourceConfig): Promise<SourceDescription> {
  let connection: mysql.Connection;
  try {
    connection = await connect(config);
  } catch (error) {
    throw databaseError(error, 'connecting to describe the captured tables');
  }
  try {
    const tables = await describeTables(connection, config);
    return {
      databaseType: 'mysql',
      host: config['database.hostname'],
      port: config['database.port'],
      database: [...new Set(tables.map((table) => table.namespace))].join(','),
      tables,
    };
  } catch (error) {
    throw databaseError(error, 'describing the captured tables');
  } finally {
    await connection.end().catch(() => {});
  }
}

async function describeTables(
  connection: mysql.Connection,
  config: MysqlSourceConfig,
): Promise<CapturedTable[]> {
  const filters = new CaptureFilters(config);
  const tables = await listCapturedTables(connection, filters);
  if (tables.length === 0) return [];
  const databases = [...new Set(tables.map((table) => table.database))];
  const [comments] = await connection.query<mysql.RowDataPacket[]>(
    'SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tbl, TABLE_COMMENT AS comment FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (?)',
    [databases],
  );
  const [columns] = await connection.query<mysql.RowDataPacket[]>(
    `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tbl, COLUMN_NAME AS name, ORDINAL_POSITION AS position,
            DATA_TYPE AS dataType, COLUMN_TYPE AS columnType, IS_NULLABLE AS nullable,
            COLUMN_DEFAULT AS dflt, COLUMN_COMMENT AS comment, COLUMN_KEY AS columnKey
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA IN (?) ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`,
    [databases],
  );
  const [keys] = await connection.query<mysql.RowDataPacket[]>(
    `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tbl, COLUMN_NAME AS name, SEQ_IN_INDEX AS position
       FROM information_schema.STATISTICS WHERE TABLE_SCHEMA IN (?) AND INDEX_NAME = 'PRIMARY'`,
    [databases],
  );
  const [foreign] = await connection.query<mysql.RowDataPacket[]>(
    `SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tbl, CONSTRAINT_NAME AS name, COLUMN_NAME AS col,
            REFERENCED_TABLE_SCHEMA AS refDb, REFERENCED_TABLE_NAME AS refTable, REFERENCED_COLUMN_NAME AS refCol
       FROM information_schema.KEY_COLUMN_USAGE
      WHERE TABLE_SCHEMA IN (?) AND REFERENCED_TABLE_NAME IS NOT NULL
      ORDER BY TABLE_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION`,
    [databases],
  );
  const keyPositions = new Map(
    keys.map((row) => [
      `${key(String(row.db), String(row.tbl))}\u0000${String(row.name)}`,
      Number(row.position),
    ]),
  );
  return tables.map((table) => {
    const id = key(table.database, table.name);
    const comment = comments.find((row) => key(String(row.db), String(row.tbl)) === id)?.comment;
    const fks = new Map<string, CapturedTable['foreignKeys'][number]>();
    for (const row of foreign) {
      if (key(String(row.db), String(row.tbl)) !== id) continue;
      const name = String(row.name);
      let fk = fks.get(name);
      if (!fk) {
        fk = {
          name,
          columns: [],
          referencedTable: `${String(row.refDb)}.${String(row.refTable)}`,
          referencedColumns: [],
        };
        fks.set(name, fk);
      }
      fk.columns.push(String(row.col));
      fk.referencedColumns.push(String(row.refCol));
    }
    return {
      namespace: table.database,
      name: table.name,
      topic: recordNames(config['topic.prefix'], table.database, table.name).topic,
      ...(typeof comment === 'string' && comment !== '' && { comment }),
      columns: columns
        .filter(
          (row) =>
            key(String(row.db), String(row.tbl)) === id &&
            filters.includesColumn(table.database, table.name, String(row.name)),
        )
        .map((row) => column(row, keyPositions.get(`${id}\u0000${String(row.name)}`))),
      foreignKeys: [...fks.values()],
    };
  });
}

function column(row: mysql.RowDataPacket, keyPosition: number | undefined): CapturedColumn {
  const dataType = String(row.dataType).toLowerCase();
  const columnType = String(row.columnType);
  const enumValues = dataType === 'enum' ? enumLabels(columnType) : undefined;
  return {
    name: String(row.name),
    position: Number(row.position),
    physicalType: columnType,
    logicalType: logicalType(dataType, columnType),
    nullable: String(row.nullable).toUpperCase() === 'YES',
    // MariaDB shows "NULL" for no default (and quotes literal strings); MySQL shows null.
    ...(row.dflt !== null && row.dflt !== 'NULL' && { default: String(row.dflt) }),
    ...(typeof row.comment === 'string' && row.comment !== '' && { comment: row.comment }),
    ...(enumValues && { enumValues }),
    ...(keyPosition !== undefined && { primaryKeyPosition: keyPosition }),
    ...(String(row.columnKey) === 'UNI' && { unique: true }),
  };
}

/** enum('a','b''c') -> ["a", "b'c"] */
function enumLabels(columnType: string): string[] {
  const labels: string[] = [];
  const pattern = /'((?:[^']|'')*)'/g;
  for (let match = pattern.exec(columnType); match; match = pattern.exec(columnType))
    labels.push((match[1] ?? '').replaceAll("''", "'"));
  return labels;
}

function logicalType(dataType: string, columnType: string): LogicalType {
  if (/^(tinyint|smallint|mediumint|int|integer|bigint|year)$/.test(dataType))
    return columnType.toLowerCase() === 'tinyint(1)' ? 'boolean' : 'integer';
  if (/^(decimal|numeric|float|double|real)$/.test(dataType)) return 'number';
  if (/^(bool|boolean|bit)$/.test(dataType)) return 'boolean';
  if (/^(date|datetime|timestamp|time)$/.test(dataType)) return 'date';
  if (dataType === 'json') return 'object';
  return 'string';
}
