import type mysql from 'mysql2/promise';
import type { ConnectSchema, ConnectStruct, SourceOffset, SourceRecord } from '../../src/plugin/index.ts';
import { type TableDefinition, tableKey } from './catalog.ts';
import { quoteIdent, quoteTable } from './connection.ts';
import { type ChangePosition, type ServerInfo, sourceBlock } from './events.ts';
import { mysqlSourceSchema } from './source-block.ts';
import { mysqlLengthAndScale, mysqlTypeName } from './source-column.ts';

// Debezium's schema change events (include.schema.changes): one record per DDL statement on the
// topic <topic.prefix>, keyed by database, carrying the DDL text and the resulting table structure.
// Streamed DDL is published as it passes through the binlog (stream.ts); an initial snapshot
// publishes what Debezium's snapshot does for the captured tables (snapshotDdl below).

const keySchema: ConnectSchema = {
  type: 'struct',
  name: 'io.debezium.connector.mysql.SchemaChangeKey',
  optional: false,
  fields: [{ field: 'databaseName', type: 'string', optional: false }],
};

const columnSchema: ConnectSchema = {
  type: 'struct',
  name: 'io.debezium.connector.schema.Column',
  optional: false,
  fields: [
    { field: 'name', type: 'string', optional: false },
    { field: 'jdbcType', type: 'int32', optional: false },
    { field: 'nativeType', type: 'int32', optional: true },
    { field: 'typeName', type: 'string', optional: false },
    { field: 'typeExpression', type: 'string', optional: true },
    { field: 'charsetName', type: 'string', optional: true },
    { field: 'length', type: 'int32', optional: true },
    { field: 'scale', type: 'int32', optional: true },
    { field: 'position', type: 'int32', optional: false },
    { field: 'optional', type: 'boolean', optional: true },
    { field: 'autoIncremented', type: 'boolean', optional: true },
    { field: 'generated', type: 'boolean', optional: true },
  ],
};

const changeSchema: ConnectSchema = {
  type: 'struct',
  name: 'io.debezium.connector.schema.Change',
  optional: false,
  fields: [
    { field: 'type', type: 'string', optional: false },
    { field: 'id', type: 'string', optional: false },
    {
      field: 'table',
      type: 'struct',
      name: 'io.debezium.connector.schema.Table',
      optional: true,
      fields: [
        { field: 'defaultCharsetName', type: 'string', optional: true },
        {
          field: 'primaryKeyColumnNames',
          type: 'array',
          optional: true,
          items: { type: 'string', optional: false },
        },
        { field: 'columns', type: 'array', optional: false, items: columnSchema },
        { field: 'comment', type: 'string', optional: true },
      ],
    },
  ],
};

const valueSchema: ConnectSchema = {
  type: 'struct',
  name: 'io.debezium.connector.mysql.SchemaChangeValue',
  optional: false,
  fields: [
    { field: 'source', ...mysqlSourceSchema },
    { field: 'ts_ms', type: 'int64', optional: false },
    { field: 'databaseName', type: 'string', optional: true },
    { field: 'schemaName', type: 'string', optional: true },
    { field: 'ddl', type: 'string', optional: true },
    { field: 'tableChanges', type: 'array', optional: false, items: changeSchema },
  ],
};

/** java.sql.Types codes Debezium reports as jdbcType. */
const JDBC_TYPES: Record<string, number> = {
  bit: -7,
  tinyint: -6,
  smallint: 5,
  mediumint: 4,
  int: 4,
  integer: 4,
  bigint: -5,
  float: 6,
  double: 8,
  real: 7,
  decimal: 3,
  numeric: 2,
  char: 1,
  varchar: 12,
  tinytext: 12,
  text: 12,
  mediumtext: 12,
  longtext: 12,
  json: 1111,
  binary: -2,
  varbinary: -3,
  tinyblob: -4,
  blob: -4,
  mediumblob: -4,
  longblob: -4,
  date: 91,
  time: 92,
  datetime: 93,
  timestamp: 2014,
  year: 4,
  enum: 1,
  set: 1,
};

export type ChangeType = 'CREATE' | 'ALTER' | 'DROP';

export interface TableChange {
  type: ChangeType;
  database: string;
  table: string;
  definition: TableDefinition | undefined;
}

function tableChangeValue(change: TableChange): ConnectStruct {
  const { definition } = change;
  return {
    type: change.type,
    id: `"${change.database}"."${change.table}"`,
    table:
      definition === undefined
        ? null
        : {
            defaultCharsetName: null,
            primaryKeyColumnNames: definition.primaryKey,
            columns: definition.columns.map((column, index) => {
              const { length, scale } = mysqlLengthAndScale(column);
              const typeName = mysqlTypeName(column);
              return {
                name: column.name,
                jdbcType: JDBC_TYPES[column.dataType] ?? 1111,
                nativeType: null,
                typeName,
                typeExpression: typeName,
                charsetName: null,
                length: length ?? null,
                scale: scale ?? null,
                position: index + 1,
                optional: column.nullable,
                autoIncremented: false,
                generated: false,
              };
            }),
            comment: null,
          },
  };
}

export function schemaChangeRecord(parts: {
  server: ServerInfo;
  database: string;
  ddl: string;
  changes: TableChange[];
  position: ChangePosition;
  offset: SourceOffset;
}): SourceRecord {
  const { server, database, position } = parts;
  const table = parts.changes.length === 1 ? (parts.changes[0]?.table ?? null) : null;
  return {
    topic: server.name,
    key: { schema: keySchema, value: { databaseName: database } },
    value: {
      schema: valueSchema,
      value: {
        source: sourceBlock(server, database, table, position),
        ts_ms: Date.now(),
        databaseName: database,
        schemaName: null,
        ddl: parts.ddl,
        tableChanges: parts.changes.map(tableChangeValue),
      },
    },
    sourcePartition: server.partition,
    sourceOffset: parts.offset,
  };
}

/** One statement of a snapshot's DDL, with the database it is published under. */
export interface SnapshotStatement {
  database: string;
  ddl: string;
  changes: TableChange[];
}

/**
 * The statements Debezium's MySQL snapshot publishes to the schema change topic
 * (BinlogSnapshotChangeEventSource.readTableStructure), for the captured tables: the server's
 * character set, a DROP TABLE IF EXISTS per table, then per database DROP DATABASE IF EXISTS,
 * CREATE DATABASE with its character set, USE, and each table's SHOW CREATE TABLE. Read at the
 * snapshot's position; `definitions` are the tables' structures read there (tableKey -> definition).
 */
export async function snapshotDdl(
  connection: mysql.Connection,
  tables: readonly { database: string; name: string }[],
  definitions: ReadonlyMap<string, TableDefinition>,
): Promise<SnapshotStatement[]> {
  const present = tables.filter((table) => definitions.has(tableKey(table.database, table.name)));
  const [variables] = await connection.query<mysql.RowDataPacket[]>(
    "SHOW VARIABLES WHERE Variable_name IN ('character_set_server', 'collation_server')",
  );
  const settings = variables
    .map((row) => [String(row.Variable_name), String(row.Value ?? '')] as const)
    .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
    .map(([name, value]) => `${name}=${/[,;]/.test(value) ? `'${value}'` : value}`);
  const statements: SnapshotStatement[] = [{ database: '', ddl: `SET ${settings.join(', ')};`, changes: [] }];
  for (const table of present) {
    statements.push({
      database: table.database,
      ddl: `DROP TABLE IF EXISTS ${quoteTable(table.database, table.name)}`,
      changes: [{ type: 'DROP', database: table.database, table: table.name, definition: undefined }],
    });
  }
  const databases = [...new Set(present.map((table) => table.database))];
  const locales = await databaseLocales(connection, databases);
  for (const database of databases) {
    const locale = locales.get(database);
    statements.push(
      { database, ddl: `DROP DATABASE IF EXISTS ${quoteIdent(database)}`, changes: [] },
      {
        database,
        ddl: `CREATE DATABASE ${quoteIdent(database)}${locale?.charset ? ` CHARSET ${locale.charset}` : ''}${locale?.collation ? ` COLLATE ${locale.collation}` : ''}`,
        changes: [],
      },
      { database, ddl: `USE ${quoteIdent(database)}`, changes: [] },
    );
    for (const table of present.filter((candidate) => candidate.database === database)) {
      const [rows] = await connection.query<mysql.RowDataPacket[]>(
        `SHOW CREATE TABLE ${quoteTable(table.database, table.name)}`,
      );
      const ddl = rows[0]?.['Create Table'];
      if (typeof ddl !== 'string') continue;
      statements.push({
        database,
        ddl,
        changes: [
          {
            type: 'CREATE',
            database,
            table: table.name,
            definition: definitions.get(tableKey(table.database, table.name)),
          },
        ],
      });
    }
  }
  return statements;
}

async function databaseLocales(
  connection: mysql.Connection,
  databases: readonly string[],
): Promise<Map<string, { charset: string | null; collation: string | null }>> {
  if (databases.length === 0) return new Map();
  const [rows] = await connection.query<mysql.RowDataPacket[]>(
    'SELECT SCHEMA_NAME AS name, DEFAULT_CHARACTER_SET_NAME AS charset, DEFAULT_COLLATION_NAME AS collation FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN (?)',
    [databases],
  );
  return new Map(
    rows.map((row) => [
      String(row.name),
      {
        charset: row.charset === null ? null : String(row.charset),
        collation: row.collation === null ? null : String(row.collation),
      },
    ]),
  );
}

/** The schema change records of a snapshot's statements, at the snapshot's position and offset. */
export function snapshotSchemaChangeRecords(
  server: ServerInfo,
  statements: readonly SnapshotStatement[],
  position: ChangePosition,
  offset: SourceOffset,
): SourceRecord[] {
  return statements.map((statement) =>
    schemaChangeRecord({
      server,
      database: statement.database,
      ddl: statement.ddl,
      changes: statement.changes,
      position,
      offset,
    }),
  );
}
