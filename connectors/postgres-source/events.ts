import {
  type ConnectStruct,
  type EventTime,
  envelopeValue,
  eventTimeFromMicros,
  type Op,
  type RecordHeader,
  type SnapshotMarker,
  type SourceOffset,
  type SourcePartition,
  type SourceRecord,
} from '../../src/plugin/index.ts';
import type { Lsn } from './lsn.ts';
import type { TableSchema } from './table-schema.ts';

// Builds the records the connector emits: the Debezium envelope with PostgreSQL's source block.

export interface ServerInfo {
  /** Written to source.version. */
  version: string;
  /** topic.prefix, written to source.name. */
  name: string;
  db: string;
  partition: SourcePartition;
}

export interface ChangePosition {
  /** When the change happened (commit time; for snapshots, read time), µs since the epoch. */
  time: bigint;
  snapshot: SnapshotMarker;
  txId: number | null;
  lsn: Lsn | null;
  /** End LSN of the previous whole transaction (null in snapshots). */
  lastCommitLsn: Lsn | null;
}

/** The last commit time's split (every change of a transaction has the same). */
let lastTime: { micros: bigint; time: EventTime } | undefined;

function eventTimeOf(micros: bigint): EventTime {
  if (lastTime?.micros !== micros) lastTime = { micros, time: eventTimeFromMicros(micros) };
  return lastTime.time;
}

export function sourceBlock(server: ServerInfo, table: TableSchema, position: ChangePosition): ConnectStruct {
  const time = eventTimeOf(position.time);
  return {
    version: server.version,
    connector: 'postgresql',
    name: server.name,
    ts_ms: time.ts_ms,
    snapshot: position.snapshot,
    db: server.db,
    // Debezium's ordering aid: ["<last commit LSN>", "<this LSN>"] as strings (JSON of decimal digits).
    sequence: `[${position.lastCommitLsn === null ? 'null' : `"${position.lastCommitLsn}"`},${position.lsn === null ? 'null' : `"${position.lsn}"`}]`,
    ts_us: time.ts_us,
    ts_ns: time.ts_ns,
    schema: table.spec.schema,
    table: table.spec.name,
    txId: position.txId,
    lsn: position.lsn === null ? null : Number(position.lsn),
    xmin: null,
  };
}

export function changeRecord(
  server: ServerInfo,
  table: TableSchema,
  op: Op,
  rows: { before: ConnectStruct | null; after: ConnectStruct | null; key: ConnectStruct | null },
  position: ChangePosition,
  offset: SourceOffset,
  headers?: RecordHeader[],
): SourceRecord {
  const envelope = envelopeValue({
    op,
    before: rows.before,
    after: rows.after,
    source: sourceBlock(server, table, position),
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
