import type { CounterName, GaugeName, HistogramName } from './metric-catalog.ts';
import type { SinkRecord, SourceOffsetEntry } from './record.ts';
import type { TopicReader } from './topic-reader.ts';

/** The structured logger tasks write to (pino-compatible subset). */
export interface Logger {
  debug(object: object | string, message?: string): void;
  info(object: object | string, message?: string): void;
  warn(object: object | string, message?: string): void;
  error(object: object | string, message?: string): void;
}

export type MetricLabels = Record<string, string>;

/**
 * Task metrics; the host exports them on /metrics as `onramp_<name>` with connector, task, product
 * and domain labels. Names, types, HELP texts and extra labels are declared in metric-catalog.ts.
 */
export interface TaskMetrics {
  /** Adds to a counter, e.g. `inc('source_events_total', { table: 'public.users', op: 'c' })`. */
  inc(name: CounterName, labels?: MetricLabels, by?: number): void;
  /** Sets a gauge, e.g. `set('source_queue_size', {}, 120)`. */
  set(name: GaugeName, labels: MetricLabels, value: number): void;
  /** Records one observation in a histogram, e.g. `observe('sink_apply_duration_seconds', { table }, 0.012)`. */
  observe(name: HistogramName, labels: MetricLabels, value: number): void;
  /**
   * Sets a gauge from `read()` each time /metrics is scraped, for values that move with the clock
   * (lag, durations) and would be stale if set only when something happens. A later call with the
   * same name and labels replaces the reader.
   */
  sample(name: GaugeName, labels: MetricLabels, read: () => number): void;
}

/** Progress of long work (snapshots), shown in the task's status and metrics. */
export interface TaskProgress {
  phase: string;
  done?: number;
  total?: number;
  unit?: string;
  detail?: string;
  /** Measurements a person watches beside the phase, e.g. { retained_wal_bytes: 1048576 }. */
  gauges?: Record<string, number>;
  /** Something to act on before it hurts, e.g. a slot retaining more WAL than its threshold. */
  warning?: string;
}

/** Per-task settings a connector's planTasks() produced, shown on GET /connectors/{n}/tasks. */
export type TaskConfig = Record<string, string>;

export interface TaskContext {
  readonly connector: string;
  readonly taskId: number;
  /** This task's entry of planTasks(). */
  readonly taskConfig: TaskConfig;
  readonly log: Logger;
  readonly metrics: TaskMetrics;
  /** Aborted when the task is being stopped. */
  readonly signal: AbortSignal;
  reportProgress(progress: TaskProgress | undefined): void;
  /**
   * Sink tasks: reports a record that cannot be applied. With errors.tolerance=all it goes to the
   * dead-letter topic (if one is set) and the task carries on; otherwise this rejects with the error,
   * which fails the task.
   */
  reportBadRecord(record: SinkRecord, error: unknown): Promise<void>;
  /** Source tasks: reads a Kafka topic (the Kafka signal channel); absent where the host has no Kafka. */
  readonly readTopic?: TopicReader;
  /**
   * Source tasks: stores offsets now, without a record carrying them; resolves once they are
   * durable. For a position that must survive a crash before any record reaches Kafka (where an
   * initial snapshot began: records sent before their offset is stored leave no trace otherwise).
   * Call it only before putting any record with a later offset up for polling: the offsets of
   * records acknowledged afterwards replace these. Absent where the host stores no offsets.
   */
  storeOffsets?(entries: readonly SourceOffsetEntry[]): Promise<void>;
}
