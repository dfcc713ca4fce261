import type { ConnectSchema, ConnectStruct, ConnectValue } from '../plugin/record.ts';
import { currentEventTime, type EventTime } from './source-block.ts';
import { sanitizeTopicName } from './topic-name.ts';

// The one definition of Debezium's change-event envelope, shared by every source connector so that
// consumers written for Debezium read our events unchanged:
//   key   `<prefix>.<ns>.<table>.Key`       struct of the key columns
//   value `<prefix>.<ns>.<table>.Envelope`  { before, after, source, transaction, op, ts_ms, ts_us, ts_ns }
// with `before`/`after` typed `<prefix>.<ns>.<table>.Value`. Field order and schema versions follow
// Debezium's SchemaFactory (envelope version 2, transaction block `event.block` version 1): its
// TableSchemaBuilder adds before/after, source and transaction, then build() appends op and ts_*.

/** Debezium's op codes: read (snapshot), create, update, delete, truncate, message. */
export const OP = { read: 'r', create: 'c', update: 'u', delete: 'd', truncate: 't', message: 'm' } as const;
export type Op = (typeof OP)[keyof typeof OP];

export const ENVELOPE_SCHEMA_VERSION = 2;

export interface RecordNames {
  /** `<prefix>.<ns>.<table>`: the topic and the stem of the schema names. */
  topic: string;
  key: string;
  value: string;
  envelope: string;
  /** `<prefix>.<ns>.<table>` as the identifiers spell it, when that is not a legal topic name. */
  unsanitizedTopic?: string;
}

/**
 * Names for a table's topic and schemas; `namespace` is the PostgreSQL schema or the MySQL database.
 * Characters Kafka does not allow in a topic name become `_`, in the schema names too (Debezium
 * derives both from the sanitized topic name); the connector logs the mapping.
 */
export function recordNames(prefix: string, namespace: string, table: string): RecordNames {
  const requested = `${prefix}.${namespace}.${table}`;
  const topic = sanitizeTopicName(requested);
  return {
    topic,
    key: `${topic}.Key`,
    value: `${topic}.Value`,
    envelope: `${topic}.Envelope`,
    ...(topic !== requested && { unsanitizedTopic: requested }),
  };
}

/** The optional `transaction` block (filled when transaction metadata is provided). */
export const transactionBlockSchema: ConnectSchema = Object.freeze({
  type: 'struct',
  name: 'event.block',
  version: 1,
  optional: true,
  fields: [
    { field: 'id', type: 'string', optional: false },
    { field: 'total_order', type: 'int64', optional: false },
    { field: 'data_collection_order', type: 'int64', optional: false },
  ],
}) as ConnectSchema;

export interface TransactionBlock {
  id: string;
  total_order: number;
  data_collection_order: number;
}

/**
 * The envelope schema around a table's row schema. `valueSchema` is the row struct (it is made
 * optional here, as before/after may be null); `sourceSchema` is the connector's source block.
 */
export function envelopeSchema(
  name: string,
  valueSchema: ConnectSchema,
  sourceSchema: ConnectSchema,
): ConnectSchema {
  const row = valueSchema.optional ? valueSchema : { ...valueSchema, optional: true };
  return {
    type: 'struct',
    name,
    version: ENVELOPE_SCHEMA_VERSION,
    optional: false,
    fields: [
      { field: 'before', ...row },
      { field: 'after', ...row },
      { field: 'source', ...sourceSchema },
      { field: 'transaction', ...transactionBlockSchema },
      { field: 'op', type: 'string', optional: false },
      { field: 'ts_ms', type: 'int64', optional: true },
      { field: 'ts_us', type: 'int64', optional: true },
      { field: 'ts_ns', type: 'int64', optional: true },
    ],
  };
}

export interface EnvelopeParts {
  op: Op;
  before: ConnectStruct | null;
  after: ConnectStruct | null;
  source: ConnectStruct;
  transaction?: TransactionBlock | null;
  /** Processing time; defaults to now. */
  time?: EventTime;
}

/** The envelope value: `ts_*` is when the connector processed the change, `source.ts_*` when it happened. */
export function envelopeValue(parts: EnvelopeParts): ConnectStruct {
  const time = parts.time ?? currentEventTime();
  const transaction: ConnectValue = parts.transaction ? { ...parts.transaction } : null;
  return {
    before: parts.before,
    after: parts.after,
    source: parts.source,
    transaction,
    op: parts.op,
    ts_ms: time.ts_ms,
    ts_us: time.ts_us,
    ts_ns: time.ts_ns,
  };
}

/**
 * What follows a delete when tombstones.on.delete is on: the same key, a null value, so log
 * compaction can drop every record of that key.
 */
export function tombstoneOf<R extends { value: unknown }>(deleteRecord: R): R {
  return { ...deleteRecord, value: null };
}
