import { describe, expect, it } from 'vitest';
import {
  asPgOffset,
  changeOffset,
  completeOffset,
  confirmableLsn,
  readStoredOffset,
  resumePoint,
  snapshotCompleted,
  snapshotOffset,
} from '../../../../connectors/postgres-source/offset.ts';
import type { SlotInfo } from '../../../../connectors/postgres-source/slot.ts';
import { needsSnapshot } from '../../../../connectors/postgres-source/task.ts';
import type { SourceOffsetEntry } from '../../../../src/plugin/index.ts';

const partition = { server: 'shop' };

describe('stored offsets', () => {
  it("reads this connector's partition only", () => {
    const entries: SourceOffsetEntry[] = [
      { partition: { server: 'other' }, offset: { lsn: 1 } },
      { partition, offset: { lsn: 500, txId: 7, lsn_commit: 400, messageType: 'INSERT', tx_events: 2 } },
    ];
    expect(readStoredOffset(entries, 'shop')).toEqual({
      lsn: 500,
      txId: 7,
      lsn_commit: 400,
      messageType: 'INSERT',
      tx_events: 2,
    });
    expect(readStoredOffset(entries, 'missing')).toBeUndefined();
  });

  it('rejects offsets that are not PostgreSQL positions', () => {
    expect(() => readStoredOffset([{ partition, offset: { file: 'mysql-bin.000001' } }], 'shop')).toThrow(
      /no lsn/,
    );
    expect(() => readStoredOffset([{ partition, offset: { lsn: '0/16' } }], 'shop')).toThrow(/not a number/);
    expect(asPgOffset({ lsn: 'x' })).toBeUndefined();
  });

  it('resumes after the last whole transaction, or inside the partly emitted one', () => {
    const complete = completeOffset({ lastChangeLsn: 90n, endLsn: 120n, txId: 7, commitTime: 5n });
    expect(complete).toEqual({
      lsn: 90,
      txId: 7,
      ts_usec: 5,
      lsn_proc: 120,
      lsn_commit: 120,
      messageType: 'COMMIT',
    });
    expect(resumePoint(asPgOffset(complete) as never)).toEqual({ startLsn: 120n });
    expect(confirmableLsn(asPgOffset(complete) as never)).toBe(120n);

    const partial = changeOffset({
      changeLsn: 150n,
      lastCommitEnd: 120n,
      txId: 8,
      commitTime: 6n,
      messageType: 'UPDATE',
      events: 3,
    });
    expect(partial).toEqual({
      lsn: 150,
      txId: 8,
      ts_usec: 6,
      lsn_proc: 150,
      lsn_commit: 120,
      messageType: 'UPDATE',
      tx_events: 3,
    });
    expect(resumePoint(asPgOffset(partial) as never)).toEqual({
      startLsn: 120n,
      partial: { txId: 8, events: 3 },
    });
    // Only the previous whole transaction may be confirmed while one is half emitted.
    expect(confirmableLsn(asPgOffset(partial) as never)).toBe(120n);
  });

  it('resumes a Debezium-written offset by LSN when it has no event count', () => {
    const debezium = { lsn: 200, txId: 9, lsn_proc: 200, lsn_commit: 180, messageType: 'INSERT' };
    expect(resumePoint(debezium)).toEqual({ startLsn: 180n, partial: { txId: 9, lsnProc: 200n } });
  });

  it('knows when a snapshot finished', () => {
    const running = asPgOffset(snapshotOffset({ lsn: 10n, txId: 1, readTime: 1n, last: false }));
    const done = asPgOffset(snapshotOffset({ lsn: 10n, txId: 1, readTime: 1n, last: true }));
    expect(running && snapshotCompleted(running)).toBe(false);
    expect(done && snapshotCompleted(done)).toBe(true);
    expect(snapshotCompleted({ lsn: 50, messageType: 'COMMIT' })).toBe(true);
  });
});

describe('snapshot.mode decisions', () => {
  const slot = (confirmed: bigint): SlotInfo => ({
    name: 's',
    plugin: 'pgoutput',
    database: 'app',
    active: false,
    activePid: null,
    confirmedFlushLsn: confirmed,
    restartLsn: confirmed,
  });
  const streamed = { lsn: 100, lsn_commit: 100, messageType: 'COMMIT', txId: 3 };
  const halfSnapshot = { lsn: 10, snapshot: true };

  it.each([
    ['initial', undefined, undefined, true],
    ['initial', streamed, 100n, false],
    ['initial', halfSnapshot, 10n, true],
    ['always', streamed, 100n, true],
    ['initial_only', undefined, undefined, true],
    ['initial_only', streamed, undefined, false],
    ['no_data', undefined, undefined, false],
    ['when_needed', streamed, 100n, false],
    ['when_needed', streamed, undefined, true],
    ['when_needed', streamed, 150n, true],
    ['when_needed', undefined, 100n, true],
  ] as const)('%s with offset %j and slot at %s: snapshot %s', (mode, stored, slotLsn, expected) => {
    expect(needsSnapshot(mode, stored, slotLsn === undefined ? undefined : slot(slotLsn))).toBe(expected);
  });
});
