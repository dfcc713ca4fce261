// Offsets exactly as Debezium 3.7's PostgreSQL connector writes them (PostgresOffsetContext), what a
// migration from Kafka Connect hands over: the shapes captured from a real Connect 3.9 worker.
import { describe, expect, it } from 'vitest';
import { lsnFromNumber } from '../../../../connectors/postgres-source/lsn.ts';
import {
  readStoredOffset,
  resumePoint,
  snapshotCompleted,
} from '../../../../connectors/postgres-source/offset.ts';

const read = (offset: Record<string, string | number | boolean>) => {
  const stored = readStoredOffset([{ partition: { server: 'shop' }, offset }], 'shop');
  if (!stored) throw new Error('no offset');
  return stored;
};

describe("Debezium 3.7's PostgreSQL offsets", () => {
  it('resumes inside a transaction after the changes lsn_events_processed counts at lsn_proc', () => {
    const offset = read({
      lsn_proc: 1211277240,
      lsn_events_processed: 2,
      messageType: 'INSERT',
      lsn_commit: 1211276968,
      lsn: 1211277240,
      txId: 113071,
      ts_usec: 1796604339179924,
    });
    expect(resumePoint(offset)).toEqual({
      startLsn: lsnFromNumber(1211276968),
      partial: { txId: 113071, lsnProc: lsnFromNumber(1211277240), lsnProcEvents: 2 },
    });
  });

  it('takes an initial snapshot that was running ("INITIAL", not completed) as unfinished', () => {
    const running = read({
      last_snapshot_record: false,
      lsn: 1000,
      txId: 9,
      ts_usec: 1,
      snapshot: 'INITIAL',
      snapshot_completed: false,
    });
    expect(running.snapshot).toBe(true);
    expect(snapshotCompleted(running)).toBe(false);
  });

  it("takes the last snapshot record's offset (snapshot_completed) as a finished snapshot", () => {
    const last = read({
      last_snapshot_record: true,
      lsn: 1000,
      txId: 9,
      ts_usec: 1,
      snapshot: 'INITIAL',
      snapshot_completed: true,
    });
    expect(snapshotCompleted(last)).toBe(true);
    expect(resumePoint(last)).toEqual({ startLsn: lsnFromNumber(1000) });
  });

  it('reads the boolean of Debezium before 2.5, and no ad hoc snapshot kind as an initial one', () => {
    expect(read({ lsn: 1, snapshot: true, last_snapshot_record: false }).snapshot).toBe(true);
    expect(read({ lsn: 1, snapshot: 'BLOCKING', snapshot_completed: false }).snapshot).toBeUndefined();
    expect(read({ lsn: 1, snapshot: 'INCREMENTAL', snapshot_completed: true }).snapshot).toBeUndefined();
  });
});
