import type { TaskMetrics } from '../../src/plugin/index.ts';

// A source task's metrics (declared in src/plugin/metric-catalog.ts), exported by the host as
// onramp_<name> with connector, task, product and domain labels. Event counts are summed locally
// and handed to the registry once per poll, keeping prom-client off the per-event path; values
// that move with the clock (lag, time since the last event, snapshot duration, connected) are
// read when /metrics is scraped, so they are never stale.
//
// Lag (Debezium's MilliSecondsBehindSource) is computed at scrape time from three facts the
// stream reports: the commit time of the last change it read, and whether the server has since
// said that there is nothing newer (caughtUp: a PostgreSQL keepalive while every message is
// handled, a MySQL binlog end equal to the read position) or that there is more (behind).
//   caught up       -> 0, however long the database stays idle;
//   behind          -> now - the later of the last change's commit and the last time the task was
//                      caught up: an upper bound of the oldest unread change's age, which grows
//                      while the task is stuck;
//   neither (yet)   -> the last change's read time - its commit time (Debezium's figure).

export interface SnapshotState {
  running: boolean;
  tablesTotal: number;
  tablesRemaining: number;
  rowsScanned: number;
}

type StreamState = 'unknown' | 'caught-up' | 'behind';

export class SourceMetrics {
  private readonly metrics: TaskMetrics;
  private readonly now: () => number;
  private readonly counts = new Map<string, Map<string, { table: string; op: string; count: number }>>();
  private lastEventAt = 0;
  private lastCommit: number | undefined;
  private readAt = 0;
  private caughtUpAt: number | undefined;
  private state: StreamState = 'unknown';
  private isConnected = false;
  private snapshotStartedAt: number | undefined;
  private snapshotEndedAt: number | undefined;

  constructor(metrics: TaskMetrics, now: () => number = Date.now) {
    this.metrics = metrics;
    this.now = now;
    metrics.sample('source_lag_seconds', {}, () => this.lagMs() / 1000);
    metrics.sample('source_last_event_timestamp_seconds', {}, () => this.lastEventAt / 1000);
    metrics.sample('source_connected', {}, () => (this.isConnected ? 1 : 0));
    metrics.sample('snapshot_duration_seconds', {}, () => this.snapshotMs() / 1000);
  }

  event(table: string, op: string, by = 1): void {
    // By table, then op: no key string built per event.
    let ops = this.counts.get(table);
    if (!ops) {
      ops = new Map();
      this.counts.set(table, ops);
    }
    const entry = ops.get(op);
    if (entry) entry.count += by;
    else ops.set(op, { table, op, count: by });
  }

  flush(): void {
    let any = false;
    for (const ops of this.counts.values()) {
      for (const entry of ops.values()) {
        if (entry.count > 0) {
          this.metrics.inc('source_events_total', { table: entry.table, op: entry.op }, entry.count);
          any = true;
        }
        entry.count = 0;
      }
    }
    // Counted per poll: "the last event" is as fresh as the last poll that had events.
    if (any) this.lastEventAt = this.now();
  }

  queue(size: number, capacity: number): void {
    this.metrics.set('source_queue_size', {}, size);
    this.metrics.set('source_queue_capacity', {}, capacity);
    this.metrics.set('source_queue_remaining_capacity', {}, Math.max(0, capacity - size));
  }

  /** The stream read a change the database committed at `commitTimeMs` (epoch ms). */
  changeRead(commitTimeMs: number): void {
    this.lastCommit = commitTimeMs;
    this.readAt = this.now();
    this.state = 'unknown';
  }

  /** The server has nothing newer than what the task has read. */
  caughtUp(): void {
    this.state = 'caught-up';
    this.caughtUpAt = this.now();
  }

  /** The server has more than the task has read (or the task cannot take what it has read). */
  behind(): void {
    if (this.state === 'caught-up' || this.state === 'unknown') this.state = 'behind';
  }

  /** A transaction was read up to its commit. */
  transactionCommitted(): void {
    this.metrics.inc('source_transactions_committed_total');
  }

  /** The replication connection is streaming (true) or not (false). */
  connected(streaming: boolean): void {
    this.isConnected = streaming;
    if (!streaming && this.state === 'caught-up') this.state = 'unknown';
  }

  slotLagBytes(bytes: number): void {
    this.metrics.set('source_slot_lag_bytes', {}, bytes);
  }

  /** WAL the server keeps for the slot (pg_current_wal_lsn() - restart_lsn): what fills its disk. */
  slotRetainedWalBytes(bytes: number): void {
    this.metrics.set('source_slot_retained_wal_bytes', {}, bytes);
  }

  /** Binlog the server has written past the task's read position. */
  binlogLagBytes(bytes: number): void {
    this.metrics.set('source_binlog_lag_bytes', {}, bytes);
  }

  snapshot(state: SnapshotState): void {
    const now = this.now();
    if (state.running) {
      if (this.snapshotStartedAt === undefined || this.snapshotEndedAt !== undefined) {
        this.snapshotStartedAt = now;
        this.snapshotEndedAt = undefined;
      }
    } else if (this.snapshotEndedAt === undefined) {
      this.snapshotStartedAt ??= now;
      this.snapshotEndedAt = now;
    }
    this.metrics.set('snapshot_running', {}, state.running ? 1 : 0);
    this.metrics.set('snapshot_completed', {}, !state.running && state.tablesRemaining === 0 ? 1 : 0);
    this.metrics.set('snapshot_tables_total', {}, state.tablesTotal);
    this.metrics.set('snapshot_tables_remaining', {}, state.tablesRemaining);
    this.metrics.set('snapshot_rows_scanned', {}, state.rowsScanned);
  }

  /** Milliseconds behind the source, now (see the top of this file). */
  lagMs(): number {
    if (this.state === 'caught-up') return 0;
    const commit = this.lastCommit;
    if (this.state === 'behind') {
      const since = Math.max(commit ?? 0, this.caughtUpAt ?? 0);
      return since === 0 ? 0 : Math.max(0, this.now() - since);
    }
    return commit === undefined ? 0 : Math.max(0, this.readAt - commit);
  }

  private snapshotMs(): number {
    if (this.snapshotStartedAt === undefined) return 0;
    return (this.snapshotEndedAt ?? this.now()) - this.snapshotStartedAt;
  }
}
