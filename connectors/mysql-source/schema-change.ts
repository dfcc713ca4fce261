import {
  type ConnectSchema,
  type ConnectStruct,
  mysqlSourceSchema,
  type SourceOffset,
  type SourceRecord,
} from '../../src/plugin/index.ts';
import type { TableDefinition } from './catalog.ts';
import { type ChangePosition, type ServerInfo, sourceBlock } from './events.ts';

// Debezium's schema change events (include.schema.changes): one record per DDL statement on the
// topic <topic.prefix>, keyed by database, carrying the DDL text and the resulting table structure.

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
              const length = /\((\d+)(?:,(\d+))?\)/.exec(column.columnType);
              return {
                name: column.name,
                jdbcType: JDBC_TYPES[column.dataType] ?? 1111,
                nativeType: null,
                typeName: column.dataType.toUpperCase(),
                typeExpression: column.dataType.toUpperCase(),
                charsetName: null,
                length: length ? Number(length[1]) : null,
                scale: length?.[2] !== undefined ? Number(length[2]) : null,
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
