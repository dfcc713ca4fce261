import {
  type JsonValue,
  OnrampError,
  type SourceOffset,
  type SourceOffsetEntry,
  type SourcePartition,
  type TransactionProgress,
  transactionOffsetFields,
  transactionProgressOf,
} from '../../src/plugin/index.ts';
import { PG_OFFSET_INVALID } from './errors.ts';
import { type Lsn, lsnFromNumber, lsnToNumber } from './lsn.ts';

// Offsets as Debezium's PostgreSQL connector stores them (partition {server: topic.prefix};
// offset {lsn, txId, ts_usec, lsn_proc, lsn_commit, messageType, snapshot, last_snapshot_record}),
// plus `tx_events`: how many change messages of transaction txId are fully emitted. Within one
// transaction several changes can share an LSN (multi-inserts), so counting messages is the exact
// way to resume in the middle of a transaction without gaps or repeats. With
// provide.transaction.metadata, a record inside a transaction also carries Debezium's
// `transaction_id` and `transaction_data_collection_order_<schema.table>` (events per table so
// far), so a restart continues the transaction's numbering and its END counts every event once.
//
// `snapshot: true` without `last_snapshot_record` says an initial snapshot is under way and that
// every change before the offset's position is emitted: a snapshot record carries the LSN its
// snapshot meets the stream at (no messageType), a change streamed to catch up after an
// interrupted snapshot carries its own streaming position (with messageType) and the flag. A
// restart streams the slot from there up to the next snapshot's LSN before that snapshot's rows, so
// what was committed between two snapshot attempts (deletes included) is emitted, in commit order.

export interface PgOffset {
  /** LSN of the last change emitted (the consistent point for snapshot records). */
  lsn: number;
  txId?: number;
  /** Commit time (snapshot: read time) in microseconds since the epoch. */
  ts_usec?: number;
  /** Last LSN completely processed. */
  lsn_proc?: number;
  /** End LSN of the last transaction whose changes are all emitted: safe to confirm to the slot. */
  lsn_commit?: number;
  /** INSERT, UPDATE, DELETE, TRUNCATE, or COMMIT once the transaction is complete. */
  messageType?: string;
  tx_events?: number;
  /**
   * Debezium 3.7's count of the changes at lsn_proc already sent: a COPY's or batched insert's
   * rows share one LSN, so the LSN alone cannot say how far into them the offset is.
   */
  lsn_events_processed?: number;
  snapshot?: boolean;
  last_snapshot_record?: boolean;
  /** Transaction metadata progress of the transaction in progress. */
  transaction?: TransactionProgress;
}

export const COMPLETE = 'COMMIT';

export function partitionOf(topicPrefix: string): SourcePartition {
  return { server: topicPrefix };
}

function optionalNumber(offset: SourceOffset, key: string): number | undefined {
  const value = offset[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new OnrampError(
      PG_OFFSET_INVALID,
      `Stored offset field ${key} is ${JSON.stringify(value)}, not a number`,
    );
  }
  return value;
}

/** The stored offset of this connector's partition, validated; undefined when none is stored. */
export function readStoredOffset(
  entries: readonly SourceOffsetEntry[],
  topicPrefix: string,
): PgOffset | undefined {
  const entry = entries.find((candidate) => candidate.partition.server === topicPrefix);
  if (!entry) return undefined;
  const offset = entry.offset;
  const lsn = optionalNumber(offset, 'lsn');
  if (lsn === undefined) {
    throw new OnrampError(PG_OFFSET_INVALID, `Stored offset ${JSON.stringify(offset)} has no lsn`);
  }
  const result: PgOffset = { lsn };
  for (const key of [
    'txId',
    'ts_usec',
    'lsn_proc',
    'lsn_commit',
    'tx_events',
    'lsn_events_processed',
  ] as const) {
    const value = optionalNumber(offset, key);
    if (value !== undefined) result[key] = value;
  }
  if (typeof offset.messageType === 'string') result.messageType = offset.messageType;
  // Debezium before 2.5 wrote snapshot: true; 2.5+ writes the kind ("INITIAL" while the initial
  // snapshot runs) and snapshot_completed once its last record is out. Only an initial snapshot is
  // taken again when interrupted (as Debezium's isInitialSnapshotRunning); "BLOCKING" and
  // "INCREMENTAL" are ad hoc snapshots of a streaming connector.
  if (offset.snapshot === true || offset.snapshot === 'true' || offset.snapshot === 'INITIAL')
    result.snapshot = true;
  if (
    offset.last_snapshot_record === true ||
    offset.snapshot_completed === true ||
    offset.snapshot_completed === 'true'
  )
    result.last_snapshot_record = true;
  const transaction = transactionProgressOf(offset);
  if (transaction) result.transaction = transaction;
  return result;
}

/** The offset as stored (the inverse of readStoredOffset). */
export function toSourceOffset(offset: PgOffset): SourceOffset {
  const { transaction, ...fields } = offset;
  return { ...fields, ...(transaction && transactionOffsetFields(transaction)) };
}

/** A snapshot is finished once its last record's offset is stored (or streaming has begun). */
export function snapshotCompleted(offset: PgOffset): boolean {
  return offset.snapshot !== true || offset.last_snapshot_record === true;
}

/** An initial snapshot was started and its completion is not stored. */
export function snapshotInterrupted(offset: PgOffset): boolean {
  return !snapshotCompleted(offset);
}

/** The LSN the slot may confirm once this offset is stored: the end of the last whole transaction. */
export function confirmableLsn(offset: PgOffset): Lsn {
  return lsnFromNumber(offset.lsn_commit ?? offset.lsn);
}

export interface ResumePoint {
  /** Where to START_REPLICATION: the end of the last complete transaction. */
  startLsn: Lsn;
  /** The partly emitted transaction to skip into, if the offset is in the middle of one. */
  partial?: {
    txId: number;
    events?: number;
    lsnProc?: Lsn;
    /** Of the changes at lsnProc, how many are out (Debezium's lsn_events_processed); all if unset. */
    lsnProcEvents?: number;
    transaction?: TransactionProgress;
  };
}

export function resumePoint(offset: PgOffset): ResumePoint {
  const startLsn = confirmableLsn(offset);
  // A snapshot record's position is complete; a change caught up before a snapshot may not be.
  const snapshotRecord = offset.snapshot === true && offset.messageType === undefined;
  const complete = snapshotRecord || offset.messageType === COMPLETE || offset.txId === undefined;
  if (complete) return { startLsn };
  return {
    startLsn,
    partial: {
      txId: offset.txId as number,
      ...(offset.tx_events !== undefined && { events: offset.tx_events }),
      ...(offset.tx_events === undefined && { lsnProc: lsnFromNumber(offset.lsn_proc ?? offset.lsn) }),
      ...(offset.tx_events === undefined &&
        offset.lsn_events_processed !== undefined && { lsnProcEvents: offset.lsn_events_processed }),
      ...(offset.transaction && { transaction: offset.transaction }),
    },
  };
}

/** Offset of a record in the middle of a transaction: `events` of its change messages are done. */
export function changeOffset(parts: {
  changeLsn: Lsn;
  lastCommitEnd: Lsn;
  txId: number;
  commitTime: bigint;
  messageType: string;
  events: number;
  /** Transaction metadata progress fields (TransactionTracker.offsetFields()). */
  transaction?: Record<string, JsonValue>;
}): SourceOffset {
  return {
    lsn: lsnToNumber(parts.changeLsn),
    txId: parts.txId,
    ts_usec: Number(parts.commitTime),
    lsn_proc: lsnToNumber(parts.changeLsn),
    lsn_commit: lsnToNumber(parts.lastCommitEnd),
    messageType: parts.messageType,
    tx_events: parts.events,
    ...parts.transaction,
  };
}

/** Offset once a whole transaction (ending at `endLsn`) is emitted. */
export function completeOffset(parts: {
  lastChangeLsn: Lsn;
  endLsn: Lsn;
  txId: number;
  commitTime: bigint;
}): SourceOffset {
  return {
    lsn: lsnToNumber(parts.lastChangeLsn),
    txId: parts.txId,
    ts_usec: Number(parts.commitTime),
    lsn_proc: lsnToNumber(parts.endLsn),
    lsn_commit: lsnToNumber(parts.endLsn),
    messageType: COMPLETE,
  };
}

export function snapshotOffset(parts: {
  lsn: Lsn;
  txId: number;
  readTime: bigint;
  last: boolean;
}): SourceOffset {
  return {
    lsn: lsnToNumber(parts.lsn),
    txId: parts.txId,
    ts_usec: Number(parts.readTime),
    lsn_commit: lsnToNumber(parts.lsn),
    snapshot: true,
    last_snapshot_record: parts.last,
  };
}

export function asPgOffset(offset: SourceOffset): PgOffset | undefined {
  try {
    return readStoredOffset([{ partition: { server: '' }, offset: offset as Record<string, JsonValue> }], '');
  } catch {
    return undefined;
  }
}
