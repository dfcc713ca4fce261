import type { ConnectSchema, ConnectStruct } from '../../../src/plugin/index.ts';

// A Debezium-shaped PostgreSQL change event (key + envelope) used by converter tests: structs reused by
// name (before/after), optional fields, a decimal with precision, an int16, an enum with a default,
// Debezium time types and the transaction block.

export const keySchema: ConnectSchema = {
  type: 'struct',
  name: 'dbserver1.inventory.customers.Key',
  fields: [{ field: 'id', type: 'int32' }],
};

export const rowSchema: ConnectSchema = {
  type: 'struct',
  optional: true,
  name: 'dbserver1.inventory.customers.Value',
  fields: [
    { field: 'id', type: 'int32' },
    { field: 'first_name', type: 'string' },
    { field: 'email', type: 'string', optional: true },
    {
      field: 'price',
      type: 'bytes',
      optional: true,
      name: 'org.apache.kafka.connect.data.Decimal',
      version: 1,
      parameters: { scale: '2', 'connect.decimal.precision': '10' },
    },
    { field: 'created', type: 'int64', optional: true, name: 'io.debezium.time.MicroTimestamp', version: 1 },
    { field: 'tiny', type: 'int16' },
  ],
};

export const sourceSchema: ConnectSchema = {
  type: 'struct',
  name: 'io.debezium.connector.postgresql.Source',
  fields: [
    { field: 'version', type: 'string' },
    { field: 'connector', type: 'string' },
    { field: 'name', type: 'string' },
    { field: 'ts_ms', type: 'int64' },
    {
      field: 'snapshot',
      type: 'string',
      optional: true,
      name: 'io.debezium.data.Enum',
      version: 1,
      parameters: { allowed: 'true,last,false,incremental' },
      default: 'false',
    },
    { field: 'db', type: 'string' },
    { field: 'lsn', type: 'int64', optional: true },
    { field: 'txId', type: 'int64', optional: true },
  ],
};

export const envelopeSchema: ConnectSchema = {
  type: 'struct',
  name: 'dbserver1.inventory.customers.Envelope',
  version: 1,
  fields: [
    { field: 'before', ...rowSchema },
    { field: 'after', ...rowSchema },
    { field: 'source', ...sourceSchema },
    { field: 'op', type: 'string' },
    { field: 'ts_ms', type: 'int64', optional: true },
    {
      field: 'transaction',
      type: 'struct',
      optional: true,
      name: 'event.block',
      version: 1,
      fields: [
        { field: 'id', type: 'string' },
        { field: 'total_order', type: 'int64' },
        { field: 'data_collection_order', type: 'int64' },
      ],
    },
  ],
};

export function sampleKey(id: number): ConnectStruct {
  return { id };
}

export function sampleEnvelope(id: number): ConnectStruct {
  return {
    before: null,
    after: {
      id,
      first_name: `name-${id}`,
      email: id % 2 === 0 ? null : `user${id}@example.com`,
      price: '12.30',
      created: 1_700_000_000_123_456,
      tiny: -3,
    },
    source: {
      version: '2.7.0.Final',
      connector: 'postgresql',
      name: 'dbserver1',
      ts_ms: 1_700_000_000_123,
      snapshot: 'false',
      db: 'inventory',
      lsn: 24_023_128 + id,
      txId: 771n + BigInt(id) + 2n ** 60n,
    },
    op: 'c',
    ts_ms: 1_700_000_000_200,
    transaction: null,
  };
}
