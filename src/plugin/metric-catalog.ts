// Every metric Onramp exports on /metrics, declared once: its type, HELP text, labels and the
// Debezium JMX attribute it stands for. The host registers a metric from here on first use, the
// README's metrics table is generated from here (scripts/docs.ts), and TaskMetrics only accepts
// these names, so a metric cannot appear without a HELP text or under a misspelt name.
//
// Names follow Prometheus' conventions: an `onramp_` prefix, base units in the name (`_seconds`,
// `_bytes`), counters ending in `_total`, latencies as histograms. Task metrics always carry
// `connector` and `task`, plus `product` and `domain` when the connector sets product.domain and
// product.name; `labels` lists the labels beyond those.

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricSpec {
  readonly type: MetricType;
  readonly help: string;
  /** Labels beyond connector, task, product and domain. */
  readonly labels: readonly string[];
  /** Histogram bucket upper bounds (in the metric's unit). */
  readonly buckets?: readonly number[];
  /** Which connectors export it. */
  readonly by:
    | 'sources'
    | 'sinks'
    | 'all'
    | 'postgres-source'
    | 'mysql-source'
    | 'jdbc-sink'
    | 'product sources';
}

/** Latency buckets in seconds: 1 ms to 30 s. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;

const counter = (by: MetricSpec['by'], help: string, labels: readonly string[] = []) =>
  ({ type: 'counter', help, labels, by }) as const;
const gauge = (by: MetricSpec['by'], help: string, labels: readonly string[] = []) =>
  ({ type: 'gauge', help, labels, by }) as const;
const histogram = (by: MetricSpec['by'], help: string, labels: readonly string[] = []) =>
  ({ type: 'histogram', help, labels, by, buckets: LATENCY_BUCKETS }) as const;

/** Metrics of one task (names without the `onramp_` prefix). */
export const TASK_METRICS = {
  // --- source tasks: the database side (connectors/shared/source-metrics.ts)
  source_events_total: counter(
    'sources',
    'Change events read from the database, by table and operation (c create, u update, d delete, r snapshot read, t truncate).',
    ['table', 'op'],
  ),
  source_transactions_committed_total: counter(
    'sources',
    'Database transactions the stream has read up to their commit.',
  ),
  source_last_event_timestamp_seconds: gauge(
    'sources',
    'Unix time at which the task last read a change event from the database (0 before the first).',
  ),
  source_lag_seconds: gauge(
    'sources',
    'Seconds the task is behind the database, computed when scraped: 0 once the server has reported nothing newer than what the task read (PostgreSQL keepalive, MySQL binlog end); while the server reports more, the time since the last change read or since the task was last caught up (the later); before either, the last change read time minus its commit time.',
  ),
  source_connected: gauge(
    'sources',
    "1 while the task's replication connection (PostgreSQL walsender, MySQL binlog dump) is streaming, else 0.",
  ),
  source_queue_size: gauge('sources', 'Records waiting between the database reader and the Kafka producer.'),
  source_queue_capacity: gauge(
    'sources',
    'Records the queue between the database reader and the Kafka producer holds before the reader waits (max.queue.size).',
  ),
  source_queue_remaining_capacity: gauge(
    'sources',
    'Free places in the queue between the database reader and the Kafka producer (capacity minus size, at least 0).',
  ),
  source_slot_lag_bytes: gauge(
    'postgres-source',
    "WAL between the server's current position and the slot's confirmed position (pg_current_wal_lsn() - confirmed_flush_lsn): what is not yet stored in Kafka.",
  ),
  source_slot_retained_wal_bytes: gauge(
    'postgres-source',
    "WAL the server keeps for the slot (pg_current_wal_lsn() - restart_lsn): what fills the database's disk while the connector is behind or stopped.",
  ),
  source_binlog_lag_bytes: gauge(
    'mysql-source',
    "Binlog bytes the server has written past the task's read position (summed over binlog files, from SHOW BINARY LOGS).",
  ),
  snapshot_running: gauge('sources', '1 while an initial snapshot is running, else 0.'),
  snapshot_completed: gauge('sources', '1 once the initial snapshot has completed, else 0.'),
  snapshot_tables_total: gauge('sources', 'Tables the running or last snapshot reads.'),
  snapshot_tables_remaining: gauge(
    'sources',
    'Tables the running or last snapshot has not finished reading.',
  ),
  snapshot_rows_scanned: gauge('sources', 'Rows the running or last snapshot has read, over all its tables.'),
  snapshot_duration_seconds: gauge(
    'sources',
    'How long the running snapshot has run (computed when scraped), or how long the last one took.',
  ),
  // --- source tasks: the Kafka side (src/host/source-runner.ts)
  source_records_total: counter(
    'sources',
    'Records the task sent to Kafka and Kafka acknowledged (after transforms; heartbeats, tombstones and schema changes included).',
  ),
  source_batches_total: counter('sources', 'Batches the task sent to Kafka and Kafka acknowledged.'),
  source_send_retries_total: counter(
    'sources',
    'Times a batch was sent again after Kafka was unavailable (the task waits for Kafka instead of restarting).',
  ),
  source_in_flight_records: gauge('sources', 'Records sent to Kafka and not yet acknowledged.'),
  source_send_duration_seconds: histogram(
    'sources',
    "Time from handing a batch to the Kafka producer to Kafka's acknowledgement of all its records.",
  ),
  // --- data products (src/mesh/product-stage.ts)
  product_events_total: counter(
    'product sources',
    'Events a connector with product.domain and product.name sent for its data product.',
  ),
  product_freshness_lag_seconds: gauge(
    'product sources',
    'How long after its database commit the last event of a product topic was sent to Kafka.',
    ['topic'],
  ),
  product_freshness_slo_violations_total: counter(
    'product sources',
    "Events of a product topic sent later than the product's freshness SLO (policy.maxLagMs) allows.",
    ['topic'],
  ),
  // --- sink tasks (src/host/sink-runner.ts, connectors/jdbc-sink)
  sink_records_total: counter('sinks', 'Records the task delivered to the connector (after transforms).'),
  sink_batches_total: counter('sinks', 'Fetched batches the task delivered and committed.'),
  sink_in_flight_records: gauge('sinks', 'Records handed to the connector and not yet committed.'),
  sink_lag_records: gauge(
    'sinks',
    "Records in a partition after the task's committed offset (high watermark minus committed offset) at the last commit.",
    ['topic', 'partition'],
  ),
  sink_lag_seconds: gauge(
    'jdbc-sink',
    'Age of the newest record applied (now minus its Kafka timestamp) when its flush committed.',
  ),
  sink_rows_applied_total: counter(
    'jdbc-sink',
    'Rows written to the target database, by table and operation (upsert, delete, truncate).',
    ['table', 'op'],
  ),
  sink_batch_records: gauge('jdbc-sink', "Records in the table's last applied batch.", ['table']),
  sink_apply_duration_seconds: histogram(
    'jdbc-sink',
    'Time the target database took to apply one table batch (its transaction, commit included).',
    ['table'],
  ),
  // --- every task
  errors_total: counter(
    'all',
    'Records that failed in a stage (key, value, header converter, transformation, task) and were tolerated or failed the task.',
    ['stage'],
  ),
  dlq_records_total: counter('sinks', 'Records written to the dead-letter topic.'),
  task_restarts_total: counter('all', 'Times the task restarted after a retriable failure.'),
} as const satisfies Record<string, MetricSpec>;

/** Metrics of the host itself, labelled by connector (and task) but not set by tasks. */
export const HOST_METRICS = {
  connector_state: {
    type: 'gauge',
    help: "1 for the connector's current state (UNASSIGNED, RUNNING, PAUSED, STOPPED, FAILED, RESTARTING), computed when scraped.",
    labels: ['connector', 'state'],
    by: 'all',
  },
  task_state: {
    type: 'gauge',
    help: "1 for the task's current state (UNASSIGNED, RUNNING, PAUSED, FAILED, RESTARTING), computed when scraped.",
    labels: ['connector', 'task', 'state'],
    by: 'all',
  },
} as const satisfies Record<string, MetricSpec>;

export type TaskMetricName = keyof typeof TASK_METRICS;
type NamesOf<T extends MetricType> = {
  [K in TaskMetricName]: (typeof TASK_METRICS)[K]['type'] extends T ? K : never;
}[TaskMetricName];
export type CounterName = NamesOf<'counter'>;
export type GaugeName = NamesOf<'gauge'>;
export type HistogramName = NamesOf<'histogram'>;

/** The labels every task metric carries before its own. */
export const TASK_LABELS = ['connector', 'task', 'product', 'domain'] as const;

/**
 * Debezium's JMX attributes and where their value is on /metrics (PromQL). Debezium's MBeans are
 * `debezium.<connector>:type=connector-metrics,context=snapshot|streaming,server=<topic.prefix>`.
 */
export const DEBEZIUM_METRICS: ReadonlyArray<{
  context: 'streaming' | 'snapshot' | 'both';
  jmx: string;
  onramp: string;
}> = [
  {
    context: 'streaming',
    jmx: 'MilliSecondsBehindSource',
    onramp:
      "`onramp_source_lag_seconds` × 1000. Unlike Debezium, it does not freeze at the last event's value while the database is idle: it is 0 once the server confirms nothing newer, and it grows while the task is stuck.",
  },
  {
    context: 'both',
    jmx: 'MilliSecondsSinceLastEvent',
    onramp: '`(time() - onramp_source_last_event_timestamp_seconds) * 1000`',
  },
  {
    context: 'both',
    jmx: 'TotalNumberOfEventsSeen',
    onramp:
      '`sum without (table, op) (onramp_source_events_total)`; snapshot context: `{op="r"}`, streaming: `{op!="r"}`. TotalNumberOfCreateEventsSeen / Update / Delete: `{op="c"}`, `{op="u"}`, `{op="d"}`',
  },
  {
    context: 'streaming',
    jmx: 'NumberOfCommittedTransactions',
    onramp: '`onramp_source_transactions_committed_total`',
  },
  {
    context: 'both',
    jmx: 'QueueRemainingCapacity',
    onramp: '`onramp_source_queue_remaining_capacity` (QueueTotalCapacity: `onramp_source_queue_capacity`)',
  },
  { context: 'streaming', jmx: 'Connected', onramp: '`onramp_source_connected` (1 = true)' },
  { context: 'snapshot', jmx: 'SnapshotRunning', onramp: '`onramp_snapshot_running` (1 = true)' },
  { context: 'snapshot', jmx: 'SnapshotCompleted', onramp: '`onramp_snapshot_completed` (1 = true)' },
  {
    context: 'snapshot',
    jmx: 'RowsScanned',
    onramp:
      '`onramp_snapshot_rows_scanned` (summed over tables; Debezium gives one count per table) or, per table, `onramp_source_events_total{op="r"}`',
  },
  { context: 'snapshot', jmx: 'RemainingTableCount', onramp: '`onramp_snapshot_tables_remaining`' },
  { context: 'snapshot', jmx: 'TotalTableCount', onramp: '`onramp_snapshot_tables_total`' },
  { context: 'snapshot', jmx: 'SnapshotDurationInSeconds', onramp: '`onramp_snapshot_duration_seconds`' },
  {
    context: 'streaming',
    jmx: 'BinlogFilename, BinlogPosition (MySQL)',
    onramp:
      "The position is in the task's offset (`GET /connectors/{name}/offsets`); how far it is from the server's end: `onramp_source_binlog_lag_bytes`",
  },
];
