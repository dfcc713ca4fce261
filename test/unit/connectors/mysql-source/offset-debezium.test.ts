// Binlog offsets exactly as Debezium 3's MariaDB connector wrote them on Kafka Connect 3.9 (captured
// by test/e2e/migrate-from-kafka-connect.test.ts), what a migration from Kafka Connect hands over.
import { describe, expect, it } from 'vitest';
import { parseOffset, snapshotCompleted } from '../../../../connectors/mysql-source/offset.ts';

describe("Debezium's binlog offsets", () => {
  it('reads a transaction Debezium stopped inside from its start (its event counter is not ours)', () => {
    expect(
      parseOffset({
        ts_sec: 1796605742,
        file: 'mysql-bin.000001',
        pos: 239482994,
        gtids: '0-1-100388',
        row: 1,
        server_id: 1,
        event: 2,
      }),
    ).toEqual({
      file: 'mysql-bin.000001',
      pos: 239482994,
      gtids: '0-1-100388',
      event: 0,
      row: 0,
      ts_sec: 1796605742,
      server_id: 1,
    });
  });

  it("keeps Onramp's own counters (its offsets carry the schema history)", () => {
    const offset = parseOffset({ file: 'b.000001', pos: 4, event: 2, row: 1, schema_history: [] });
    expect([offset.event, offset.row]).toEqual([2, 1]);
  });

  it('takes {"snapshot":"INITIAL"} for an initial snapshot under way, and ad hoc kinds for none', () => {
    const running = parseOffset({ file: 'b.000001', pos: 4, snapshot: 'INITIAL' });
    expect(running.snapshot).toBe(true);
    expect(snapshotCompleted(running)).toBe(false);
    expect(
      snapshotCompleted(
        parseOffset({ file: 'b.000001', pos: 4, snapshot: true, snapshot_completed: 'true' }),
      ),
    ).toBe(true);
    expect(parseOffset({ file: 'b.000001', pos: 4, snapshot: 'INCREMENTAL' }).snapshot).toBeUndefined();
    expect(parseOffset({ file: 'b.000001', pos: 4, snapshot: 'BLOCKING' }).snapshot).toBeUndefined();
  });
});
