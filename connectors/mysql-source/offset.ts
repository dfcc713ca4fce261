import {
  type JsonValue,
  OnrampError,
  type SourceOffset,
  type SourceOffsetEntry,
  type SourcePartition,
} from '../../src/plugin/index.ts';
import { MYSQL_OFFSET_INVALID } from './errors.ts';

// Offsets as Debezium's MySQL connector stores them (partition {server: topic.prefix}; offset
// {file, pos, gtids, event, row, ts_sec, server_id, snapshot}). `file`/`pos` is always a
// transaction boundary: the start of the transaction a record belongs to, or, once a transaction is
// complete, the position after it. `event` counts the row events of that transaction already
// emitted and `row` the rows of the next one, so a restart re-reads the transaction and skips
// exactly what was emitted: no gaps, no repeats. `schema_history` (schema-history.ts) holds the
// captured tables' structures as of the position.
//
// `snapshot: true` without `snapshot_completed` says an initial snapshot is under way and that
// every change before `file`/`pos` (+ `event`/`row`) is emitted: the snapshot records carry the
// position their snapshot was taken at, and the changes streamed to catch up after an interrupted
// snapshot (task.ts, stream.ts `until`) carry their own position with the flag still set. A restart
// streams from there up to the next snapshot's position before that snapshot's rows, so what was
// committed between two snapshot attempts (deletes included) is emitted, in commit order.

export interface BinlogOffset {
  file: string;
  pos: number;
  /** MariaDB GTID position (or MySQL GTID set) of the transactions completed before `pos`. */
  gtids?: string;
  event: number;
  row: number;
  ts_sec?: number;
  server_id?: number;
  /** Set on records of the initial snapshot. */
  snapshot?: boolean;
  /** Set on the snapshot's last record: once stored, the snapshot is done. */
  snapshot_completed?: boolean;
  /** The encoded schema history as of this position (stored as `schema_history`). */
  history?: JsonValue;
}

export function partitionOf(topicPrefix: string): SourcePartition {
  return { server: topicPrefix };
}

function invalid(offset: SourceOffset, problem: string): OnrampError {
  return new OnrampError(MYSQL_OFFSET_INVALID, `Stored offset ${JSON.stringify(offset)} ${problem}`);
}

function count(offset: SourceOffset, key: string): number {
  const value = offset[key];
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw invalid(offset, `has ${key}=${JSON.stringify(value)}, not a count`);
  }
  return value;
}

/** Validates a stored offset value. */
export function parseOffset(offset: SourceOffset): BinlogOffset {
  const { file, pos } = offset;
  if (typeof file !== 'string' || file === '') throw invalid(offset, 'has no binlog file');
  if (typeof pos !== 'number' || !Number.isInteger(pos) || pos < 0)
    throw invalid(offset, 'has no binlog position');
  // Onramp's offsets always carry the schema history. One without it was written by Debezium (an
  // offset taken over from Kafka Connect), whose `event` counts every binlog event since the
  // transaction began (its GTID or BEGIN event and table maps too), not row events: the transaction
  // is read again from its start instead, so its rows come again rather than some being skipped.
  const debezium = offset.schema_history === undefined || offset.schema_history === null;
  const event = count(offset, 'event');
  const row = count(offset, 'row');
  const result: BinlogOffset = { file, pos, event: debezium ? 0 : event, row: debezium ? 0 : row };
  if (typeof offset.gtids === 'string' && offset.gtids !== '') result.gtids = offset.gtids;
  if (typeof offset.ts_sec === 'number') result.ts_sec = offset.ts_sec;
  if (typeof offset.server_id === 'number') result.server_id = offset.server_id;
  // Debezium 2.5+ writes the snapshot kind ("INITIAL" while its initial snapshot runs; "true" or true
  // before), and its binlog connectors no snapshot_completed: only the streaming offsets after the
  // snapshot drop the key. Ad hoc snapshots ("BLOCKING", "INCREMENTAL") are not taken again.
  if (offset.snapshot === true || offset.snapshot === 'true' || offset.snapshot === 'INITIAL')
    result.snapshot = true;
  if (offset.snapshot_completed === true || offset.snapshot_completed === 'true')
    result.snapshot_completed = true;
  if (offset.schema_history !== undefined && offset.schema_history !== null)
    result.history = offset.schema_history;
  return result;
}

/** The stored offset of this connector's partition, validated; undefined when none is stored. */
export function readStoredOffset(
  entries: readonly SourceOffsetEntry[],
  topicPrefix: string,
): BinlogOffset | undefined {
  const entry = entries.find((candidate) => candidate.partition.server === topicPrefix);
  return entry ? parseOffset(entry.offset) : undefined;
}

/** A snapshot is finished once its last record's offset is stored (or streaming has begun). */
export function snapshotCompleted(offset: BinlogOffset): boolean {
  return offset.snapshot !== true || offset.snapshot_completed === true;
}

/** An initial snapshot was started and its completion is not stored. */
export function snapshotInterrupted(offset: BinlogOffset): boolean {
  return !snapshotCompleted(offset);
}

/** Orders two binlog positions (files by their numeric suffix, then by position). */
export function compareBinlogPositions(
  a: { file: string; pos: number },
  b: { file: string; pos: number },
): number {
  if (a.file !== b.file) {
    const sequence = (file: string) => Number(/\.(\d+)$/.exec(file)?.[1] ?? Number.NaN);
    const [left, right] = [sequence(a.file), sequence(b.file)];
    if (Number.isFinite(left) && Number.isFinite(right) && left !== right) return left - right;
    return a.file < b.file ? -1 : 1;
  }
  return a.pos - b.pos;
}

/** The offset as stored: optional fields only when set. */
export function toSourceOffset(offset: BinlogOffset): SourceOffset {
  const result: SourceOffset = { file: offset.file, pos: offset.pos, event: offset.event, row: offset.row };
  if (offset.gtids !== undefined) result.gtids = offset.gtids;
  if (offset.ts_sec !== undefined) result.ts_sec = offset.ts_sec;
  if (offset.server_id !== undefined) result.server_id = offset.server_id;
  if (offset.snapshot) result.snapshot = true;
  if (offset.snapshot_completed) result.snapshot_completed = true;
  if (offset.history !== undefined) result.schema_history = offset.history;
  return result;
}
