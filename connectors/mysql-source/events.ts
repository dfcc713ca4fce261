import {
  type ConnectStruct,
  envelopeValue,
  eventTimeFromMicros,
  type Op,
  type RecordHeader,
  type SnapshotMarker,
  type SourceOffset,
  type SourcePartition,
  type SourceRecord,
} from '../../src/plugin/index.ts';
import type { TableSchema } from './table-schema.ts';

// Builds the records the connector emits: the Debezium envelope with the MySQL source block.

export interface ServerInfo {
  /** Written to source.version. */
  version: string;
  /** topic.prefix, written to source.name. */
  name: string;
  /** The server's own server_id (source.server_id). */
  serverId: number;
  partition: SourcePartition;
}

export interface ChangePosition {
  /** When the change happened (binlog event time; for snapshots, read time), µs since the epoch. */
  time: number;
  snapshot: SnapshotMarker;
  file: string;
  /** Position of the event (snapshot: the binlog position the snapshot meets the stream at). */
  pos: number;
  /** Row of the event this change is (0 in snapshots). */
  row: number;
  gtid: string | null;
  thread: number | null;
  query: string | null;
}

export function sourceBlock(
  server: ServerInfo,
  database: string,
  table: string | null,
  position: ChangePosition,
): ConnectStruct {
  const time = eventTimeFromMicros(BigInt(position.time));
  return {
    version: server.version,
    connector: 'mysql',
    name: server.name,
    ts_ms: time.ts_ms,
    snapshot: position.snapshot,
    db: database,
    sequence: null,
    ts_us: time.ts_us,
    ts_ns: time.ts_ns,
    table,
    server_id: server.serverId,
    gtid: position.gtid,
    file: position.file,
    pos: position.pos,
    row: position.row,
    thread: position.thread,
    query: position.query,
  };
}

export interface Rows {
  before: ConnectStruct | null;
  after: ConnectStruct | null;
  key: ConnectStruct | null;
}

export function changeRecord(
  server: ServerInfo,
  table: TableSchema,
  op: Op,
  rows: Rows,
  position: ChangePosition,
  offset: SourceOffset,
  headers?: RecordHeader[],
): SourceRecord {
  const envelope = envelopeValue({
    op,
    before: rows.before,
    after: rows.after,
    source: sourceBlock(server, table.database, table.table, position),
  });
  return {
    topic: table.names.topic,
    key: table.keySchema && rows.key ? { schema: table.keySchema, value: rows.key } : null,
    value: { schema: table.envelopeSchema, value: envelope },
    sourcePartition: server.partition,
    sourceOffset: offset,
    ...(headers && { headers }),
  };
}

/** A key struct as header text, for Debezium's __debezium.oldkey / __debezium.newkey headers. */
export function keyHeader(name: string, key: ConnectStruct | null): RecordHeader {
  return {
    key: name,
    value:
      key === null
        ? null
        : JSON.stringify(key, (_field, value) => (typeof value === 'bigint' ? value.toString() : value)),
  };
}
