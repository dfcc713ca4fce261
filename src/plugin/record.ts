// The data model records travel in between connectors, transforms and converters. It mirrors Kafka
// Connect's schema model (and the JSON converter's `schema` shape), so a converter can turn it into
// Avro or Connect JSON without knowing which connector produced it.

export type ConnectType =
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'float32'
  | 'float64'
  | 'boolean'
  | 'string'
  | 'bytes'
  | 'array'
  | 'map'
  | 'struct';

export interface ConnectSchema {
  type: ConnectType;
  optional?: boolean;
  /** Semantic name, e.g. `io.debezium.time.MicroTimestamp` or `shop.public.users.Value`. */
  name?: string;
  version?: number;
  doc?: string;
  /** Logical-type parameters, e.g. `{ scale: '2' }` for `org.apache.kafka.connect.data.Decimal`. */
  parameters?: Record<string, string>;
  default?: ConnectValue;
  /** struct only */
  fields?: ConnectField[];
  /** array only */
  items?: ConnectSchema;
  /** map only */
  keys?: ConnectSchema;
  values?: ConnectSchema;
}

export interface ConnectField extends ConnectSchema {
  field: string;
}

/**
 * A value matching a ConnectSchema. int64 may be a bigint when it does not fit a double; bytes are
 * Uint8Array; a `org.apache.kafka.connect.data.Decimal` is its decimal string ("12.30"), which the
 * converter encodes with the schema's scale.
 */
export type ConnectValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | ConnectValue[]
  | ConnectStruct;
export interface ConnectStruct {
  [field: string]: ConnectValue;
}

export interface SchemaAndValue {
  /** null for schemaless data (e.g. JSON with schemas.enable=false). */
  schema: ConnectSchema | null;
  value: ConnectValue;
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Where a source record came from, e.g. `{ server: 'shop' }` (Debezium) — the offset's key. */
export type SourcePartition = Record<string, string | number>;
/** How far the source has read in that partition, e.g. `{ lsn: 24023128, txId: 771 }`. */
export type SourceOffset = Record<string, JsonValue>;

export interface SourceOffsetEntry {
  partition: SourcePartition;
  offset: SourceOffset;
}

export interface RecordHeader {
  key: string;
  value: string | Uint8Array | null;
}

/** A record a source task emits. The host converts, produces and, once Kafka acked, stores its offset. */
export interface SourceRecord {
  topic: string;
  /** Leave unset to let the producer pick by key (Java-compatible murmur2). */
  kafkaPartition?: number;
  key: SchemaAndValue | null;
  /** null is a tombstone. */
  value: SchemaAndValue | null;
  /** Milliseconds since the epoch; defaults to the produce time. */
  timestamp?: number;
  headers?: RecordHeader[];
  sourcePartition: SourcePartition;
  sourceOffset: SourceOffset;
}

/** A record a sink task receives, already decoded by the converters and transformed. */
export interface SinkRecord {
  topic: string;
  kafkaPartition: number;
  /** Kafka offset as a decimal string (int64). */
  kafkaOffset: string;
  timestamp: number;
  key: SchemaAndValue | null;
  value: SchemaAndValue | null;
  headers: RecordHeader[];
}

/** A topic-partition a sink task reads. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

/** Where to read a topic-partition from: the next offset to read, int64 as a decimal string. */
export interface TopicPartitionOffset extends TopicPartition {
  offset: string;
}
