import type { ConnectField, ConnectSchema } from '../plugin/record.ts';

// The `source` block of a change event: which connector saw the change, where, and when. The common
// fields are the same for every connector (Debezium's SchemaFactory.sourceInfoSchemaBuilder); each
// connector adds its own position fields in its source-block.ts (PostgreSQL: schema, table, txId, lsn, xmin).

/** Debezium's `source.snapshot` values, in the order of its SnapshotRecord enum. */
export const SNAPSHOT_MARKERS = [
  'true',
  'first',
  'first_in_data_collection',
  'last_in_data_collection',
  'last',
  'false',
  'incremental',
] as const;
export type SnapshotMarker = (typeof SNAPSHOT_MARKERS)[number];

const int64: ConnectSchema = { type: 'int64', optional: false };
const optionalInt64: ConnectSchema = { type: 'int64', optional: true };
const string: ConnectSchema = { type: 'string', optional: false };
const optionalString: ConnectSchema = { type: 'string', optional: true };

/** The fields every connector's source block starts with, in Debezium's order. */
export function commonSourceFields(): ConnectField[] {
  return [
    { field: 'version', ...string },
    { field: 'connector', ...string },
    { field: 'name', ...string },
    { field: 'ts_ms', ...int64 },
    {
      field: 'snapshot',
      type: 'string',
      optional: true,
      name: 'io.debezium.data.Enum',
      version: 1,
      parameters: { allowed: SNAPSHOT_MARKERS.join(',') },
      default: 'false',
    },
    { field: 'db', ...string },
    { field: 'sequence', ...optionalString },
    { field: 'ts_us', ...optionalInt64 },
    { field: 'ts_ns', ...optionalInt64 },
  ];
}

/** Event time in the three units Debezium carries; `ts_ns` exceeds 2^53, so it is a bigint. */
export interface EventTime {
  ts_ms: number;
  ts_us: number;
  ts_ns: bigint;
}

/** Splits a time in microseconds since the epoch into ts_ms / ts_us / ts_ns. */
export function eventTimeFromMicros(micros: bigint): EventTime {
  // Floor division so times before 1970 round towards the past, like Instant.toEpochMilli().
  const ms = micros >= 0n ? micros / 1000n : -((-micros + 999n) / 1000n);
  return { ts_ms: Number(ms), ts_us: Number(micros), ts_ns: micros * 1000n };
}

/**
 * The current time as an event time, with microsecond resolution: the wall clock's milliseconds
 * (Date.now()) and the monotonic clock's sub-millisecond part. performance.timeOrigin +
 * performance.now() alone drifts from the wall clock over a process's life (it ignores clock
 * adjustments), so ts_ms could fall behind. Numbers, not bigints, up to ts_ns (taken for every
 * event): microseconds since the epoch stay below 2^53 until the year 2255.
 */
export function currentEventTime(): EventTime {
  const ms = Date.now();
  const micros = ms * 1000 + Math.floor((performance.now() % 1) * 1000);
  return { ts_ms: ms, ts_us: micros, ts_ns: BigInt(micros) * 1000n };
}
