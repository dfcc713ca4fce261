import { describe, expect, it } from 'vitest';
import { SourceMetrics } from '../../../../connectors/shared/source-metrics.ts';
import type { TaskMetrics } from '../../../../src/plugin/index.ts';

// The scrape-time figures of a source task: lag that neither freezes while the database is idle
// nor stays low while the task is stuck, the time of the last event, connection and snapshot state.

function recording() {
  const gauges = new Map<string, number>();
  const counters = new Map<string, number>();
  const sampled = new Map<string, () => number>();
  const metrics: TaskMetrics = {
    inc: (name, _labels, by = 1) => counters.set(name, (counters.get(name) ?? 0) + by),
    set: (name, _labels, value) => gauges.set(name, value),
    observe() {},
    sample: (name, _labels, read) => sampled.set(name, read),
  };
  let now = 1_000_000;
  const clock = {
    advance: (ms: number) => {
      now += ms;
    },
    now: () => now,
  };
  const read = (name: string) => sampled.get(name)?.();
  return { metrics, gauges, counters, read, clock };
}

describe('SourceMetrics', () => {
  it('lag: Debezium’s figure after a change, 0 once the server says caught up, and stays 0 while idle', () => {
    const { metrics, read, clock } = recording();
    const source = new SourceMetrics(metrics, clock.now);
    expect(read('source_lag_seconds')).toBe(0);
    source.changeRead(clock.now() - 250); // committed 250 ms before it was read
    clock.advance(5_000);
    expect(read('source_lag_seconds')).toBe(0.25);
    source.caughtUp();
    clock.advance(3_600_000); // an idle hour
    expect(read('source_lag_seconds')).toBe(0);
  });

  it('lag grows while the server reports more than the task has read', () => {
    const { metrics, read, clock } = recording();
    const source = new SourceMetrics(metrics, clock.now);
    source.changeRead(clock.now() - 100);
    source.behind();
    clock.advance(10_000);
    expect(read('source_lag_seconds')).toBeCloseTo(10.1, 5);
    clock.advance(20_000);
    expect(read('source_lag_seconds')).toBeCloseTo(30.1, 5);
    // After being caught up at t, a report of more counts from t, not from an old commit.
    source.caughtUp();
    clock.advance(2_000);
    source.behind();
    clock.advance(1_000);
    expect(read('source_lag_seconds')).toBe(3);
  });

  it('last event time, transactions, connected, queue and snapshot figures', () => {
    const { metrics, gauges, counters, read, clock } = recording();
    const source = new SourceMetrics(metrics, clock.now);
    expect(read('source_last_event_timestamp_seconds')).toBe(0);
    source.event('public.t', 'c');
    source.flush();
    expect(read('source_last_event_timestamp_seconds')).toBe(clock.now() / 1000);
    expect(counters.get('source_events_total')).toBe(1);
    source.transactionCommitted();
    expect(counters.get('source_transactions_committed_total')).toBe(1);

    expect(read('source_connected')).toBe(0);
    source.connected(true);
    expect(read('source_connected')).toBe(1);

    source.queue(30, 20);
    expect(gauges.get('source_queue_remaining_capacity')).toBe(0);
    source.queue(5, 20);
    expect(gauges.get('source_queue_remaining_capacity')).toBe(15);

    source.snapshot({ running: true, tablesTotal: 2, tablesRemaining: 2, rowsScanned: 0 });
    clock.advance(4_000);
    expect(read('snapshot_duration_seconds')).toBe(4);
    expect(gauges.get('snapshot_completed')).toBe(0);
    source.snapshot({ running: false, tablesTotal: 2, tablesRemaining: 0, rowsScanned: 10 });
    clock.advance(60_000);
    expect(read('snapshot_duration_seconds')).toBe(4);
    expect(gauges.get('snapshot_running')).toBe(0);
    expect(gauges.get('snapshot_completed')).toBe(1);
    expect(gauges.get('snapshot_rows_scanned')).toBe(10);
  });
});
