import { type ConnectSchema, commonSourceFields } from '../../src/plugin/index.ts';

// The PostgreSQL source block (Debezium's PostgresSourceInfoStructMaker): the common fields, then
// where in the WAL the change was read. events.ts fills it in.

const string: ConnectSchema = { type: 'string', optional: false };
const optionalInt64: ConnectSchema = { type: 'int64', optional: true };

/** `io.debezium.connector.postgresql.Source`. */
export const postgresSourceSchema: ConnectSchema = Object.freeze({
  type: 'struct',
  name: 'io.debezium.connector.postgresql.Source',
  version: 1,
  optional: false,
  fields: [
    ...commonSourceFields(),
    { field: 'schema', ...string },
    { field: 'table', ...string },
    { field: 'txId', ...optionalInt64 },
    { field: 'lsn', ...optionalInt64 },
    { field: 'xmin', ...optionalInt64 },
  ],
}) as ConnectSchema;
