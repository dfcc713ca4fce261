import { describe, expect, it } from 'vitest';
import {
  parseOffset,
  readStoredOffset,
  snapshotCompleted,
  toSourceOffset,
} from '../../../../connectors/mysql-source/offset.ts';
import { OnrampError } from '../../../../src/plugin/index.ts';

describe('mysql offsets', () => {
  it("round-trips the offset fields (Debezium's names) of its own offsets", () => {
    // An offset of Onramp's own carries its schema history; one without it is Debezium's, whose
    // event counter means something else (offset-debezium.test.ts).
    const stored = {
      file: 'mysql-bin.000003',
      pos: 484,
      gtids: '0-1-25',
      event: 1,
      row: 2,
      ts_sec: 1700000000,
      server_id: 1,
      schema_history: [],
    };
    expect(toSourceOffset(parseOffset(stored))).toEqual(stored);
    expect(readStoredOffset([{ partition: { server: 'shop' }, offset: stored }], 'shop')).toMatchObject({
      pos: 484,
    });
    expect(readStoredOffset([{ partition: { server: 'other' }, offset: stored }], 'shop')).toBeUndefined();
  });

  it('tells a finished snapshot from an interrupted one', () => {
    expect(snapshotCompleted(parseOffset({ file: 'f', pos: 4, snapshot: true }))).toBe(false);
    expect(
      snapshotCompleted(parseOffset({ file: 'f', pos: 4, snapshot: true, snapshot_completed: true })),
    ).toBe(true);
    expect(snapshotCompleted(parseOffset({ file: 'f', pos: 4 }))).toBe(true);
  });

  it('rejects offsets that are not binlog positions', () => {
    expect(() => parseOffset({ lsn: 123 })).toThrow(OnrampError);
    expect(() => parseOffset({ file: 'f', pos: -1 })).toThrow(/binlog position/);
    expect(() => parseOffset({ file: 'f', pos: 4, row: 'x' })).toThrow(/row/);
  });
});
