import type { TaskMetrics } from '../../src/plugin/index.ts';

// The connector's metrics, exported by the host as onramp_<name> with connector and task labels.
// Event counts are summed locally and handed to the registry once per poll, keeping prom-client off
// the per-event path.

export class SourceMetrics {
  private readonly metrics: TaskMetrics;
  private readonly counts = new Map<string, { table: string; op: string; count: number }>();

  constructor(metrics: TaskMetrics) {
    this.metrics = metrics;
  }

  event(table: string, op: string, by = 1): void {
    const key = `${op} ${table}`;
    const entry = this.counts.get(key);
    if (entry) entry.count += by;
    else this.counts.set(key, { table, op, count: by });
  }

  flush(): void {
    for (const entry of this.counts.values()) {
      if (entry.count > 0)
        this.metrics.inc('source_events_total', { table: entry.table, op: entry.op }, entry.count);
      entry.count = 0;
    }
  }

  queue(size: number, capacity: number): void {
    this.metrics.set('source_queue_size', {}, size);
    this.metrics.set('source_queue_capacity', {}, capacity);
  }

  millisecondsBehindSource(ms: number): void {
    this.metrics.set('source_ms_behind', {}, ms);
  }

  slotLagBytes(bytes: number): void {
    this.metrics.set('source_slot_lag_bytes', {}, bytes);
  }

  /** WAL the server keeps for the slot (pg_current_wal_lsn() - restart_lsn): what fills its disk. */
  slotRetainedWalBytes(bytes: number): void {
    this.metrics.set('source_slot_retained_wal_bytes', {}, bytes);
  }

  snapshot(state: {
    running: boolean;
    tablesTotal: number;
    tablesRemaining: number;
    rowsScanned: number;
  }): void {
    this.metrics.set('snapshot_running', {}, state.running ? 1 : 0);
    this.metrics.set('snapshot_tables_total', {}, state.tablesTotal);
    this.metrics.set('snapshot_tables_remaining', {}, state.tablesRemaining);
    this.metrics.set('snapshot_rows_scanned', {}, state.rowsScanned);
  }
}
