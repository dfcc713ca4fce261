import { type ConnectSchema, commonSourceFields } from '../../src/plugin/index.ts';

// The MySQL source block (Debezium's MySqlSourceInfoStructMaker): the common fields, then where in
// the binlog the change was read. MariaDB sources use the same block; events.ts fills it in.

const string: ConnectSchema = { type: 'string', optional: false };
const optionalString: ConnectSchema = { type: 'string', optional: true };

/** `io.debezium.connector.mysql.Source`. */
export const mysqlSourceSchema: ConnectSchema = Object.freeze({
  type: 'struct',
  name: 'io.debezium.connector.mysql.Source',
  version: 1,
  optional: false,
  fields: [
    ...commonSourceFields(),
    { field: 'table', ...optionalString },
    { field: 'server_id', type: 'int64', optional: false },
    { field: 'gtid', ...optionalString },
    { field: 'file', ...string },
    { field: 'pos', type: 'int64', optional: false },
    { field: 'row', type: 'int32', optional: false },
    { field: 'thread', type: 'int64', optional: true },
    { field: 'query', ...optionalString },
  ],
}) as ConnectSchema;
