import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import {
  type CounterName,
  type GaugeName,
  type HistogramName,
  HOST_METRICS,
  type MetricLabels,
  type MetricSpec,
  TASK_LABELS,
  TASK_METRICS,
  type TaskMetricName,
  type TaskMetrics,
} from '../plugin/index.ts';

// The process-wide Prometheus registry behind GET /metrics. Metrics are declared in
// src/plugin/metric-catalog.ts and registered from there on first use, named `onramp_<name>`.
//
// Every series of a task is written through that task's handle, which keeps the series it wrote:
// closing the handle (the task stopped) removes them, and deleting a connector closes all of its
// handles, so /metrics never keeps the series of a task or connector that is gone. Series carry
// `product` and `domain` from the connector's product.domain and product.name.
//
// Counter and gauge values are kept in the handle and handed to prom-client when the registry is
// collected (a scrape): prom-client hashes the label set on every write (microseconds), which
// would be paid per event by callers such as the data-product stage; here a write is a map lookup
// and an addition. Sampled gauges (TaskMetrics.sample) are read at that moment too.

type Labels = Record<string, string>;
type AnyMetric = Counter | Gauge | Histogram;
export type HostMetricName = keyof typeof HOST_METRICS;

/** A task's metrics; close() removes its series and makes later writes no-ops. */
export interface TaskMetricsHandle extends TaskMetrics {
  close(): void;
}

/** A host gauge whose series get the connector's product labels added. */
export interface ConnectorGauge {
  set(labels: Labels, value: number): void;
  reset(): void;
}

/** `product` (`<domain>.<name>`) and `domain` from a connector config, when it sets them. */
export function productLabels(config: Readonly<Record<string, string>>): Labels {
  const domain = config['product.domain']?.trim();
  const name = config['product.name']?.trim();
  if (!domain) return {};
  return name ? { product: `${domain}.${name}`, domain } : { domain };
}

/** One labelled series a task handle writes. */
interface Series {
  metric: AnyMetric;
  labels: Labels;
  /** Counter: added since the last collection. */
  pending: number;
  /** Gauge: the value to hand over at the next collection. */
  value: number | undefined;
  read: (() => number) | undefined;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly metrics = new Map<string, AnyMetric>();
  /** Counter and gauge series of open task handles, per metric name, written when collected. */
  private readonly live = new Map<string, Set<Series>>();
  private readonly products = new Map<string, Labels>();
  private readonly handles = new Map<string, Set<TaskHandle>>();
  private readonly byOwner = new WeakMap<object, TaskHandle>();

  constructor() {
    // Node's process metrics: onramp_process_cpu_seconds_total, onramp_nodejs_heap_size_used_bytes, ...
    collectDefaultMetrics({ register: this.registry, prefix: 'onramp_' });
  }

  /** Remembers a connector's product labels (call when it is created, changed or loaded). */
  connectorConfigured(connector: string, config: Readonly<Record<string, string>>): void {
    this.products.set(connector, productLabels(config));
  }

  /** The connector is deleted: every series labelled with it goes, and its tasks' handles fall silent. */
  connectorDeleted(connector: string): void {
    for (const handle of this.handles.get(connector) ?? []) handle.close();
    this.handles.delete(connector);
    this.products.delete(connector);
  }

  /**
   * The metrics of one task. `config` is the connector config (for the product labels); the same
   * `owner` object (the task's spec) gets the same handle, so every part of one task's pipeline
   * writes through one handle and closing it removes all their series.
   */
  forTask(
    connector: string,
    taskId: number,
    config: Readonly<Record<string, string>> = {},
    owner?: object,
  ): TaskMetricsHandle {
    const existing = owner && this.byOwner.get(owner);
    if (existing && !existing.closed) return existing;
    if (Object.keys(config).length > 0) this.connectorConfigured(connector, config);
    const base: Labels = { connector, task: String(taskId), ...this.products.get(connector) };
    const handle: TaskHandle = new TaskHandle(this, base, () => this.handles.get(connector)?.delete(handle));
    let set = this.handles.get(connector);
    if (!set) {
      set = new Set();
      this.handles.set(connector, set);
    }
    set.add(handle);
    if (owner) this.byOwner.set(owner, handle);
    return handle;
  }

  /**
   * A host gauge (connector_state, task_state). The catalog's labels and HELP text are used; the
   * optional arguments are those of callers written before the catalog and are not needed.
   */
  gauge(name: HostMetricName, _labelNames?: readonly string[], _help?: string): ConnectorGauge {
    const metric = this.metric(name, HOST_METRICS[name]) as Gauge;
    return {
      set: (labels, value) => metric.set({ ...labels, ...this.productOf(labels.connector) }, value),
      reset: () => metric.reset(),
    };
  }

  /** The registered metric for a catalog entry (registered on first use). */
  metric(name: string, spec: MetricSpec): AnyMetric {
    let metric = this.metrics.get(name);
    if (metric) return metric;
    const isTaskMetric = name in TASK_METRICS;
    const labelNames = isTaskMetric
      ? [...TASK_LABELS, ...spec.labels]
      : [...spec.labels, 'product', 'domain'];
    const common = { name: `onramp_${name}`, help: spec.help, labelNames, registers: [this.registry] };
    const live = new Set<Series>();
    if (isTaskMetric) this.live.set(name, live);
    if (spec.type === 'histogram') metric = new Histogram({ ...common, buckets: [...(spec.buckets ?? [])] });
    else if (spec.type === 'counter')
      metric = new Counter({
        ...common,
        collect() {
          for (const series of live) {
            if (series.pending === 0) continue;
            this.inc(series.labels, series.pending);
            series.pending = 0;
          }
        },
      });
    else
      metric = new Gauge({
        ...common,
        collect() {
          for (const series of live) {
            let value = series.value;
            if (series.read) {
              try {
                value = series.read();
              } catch {
                // A reader that fails leaves its last value rather than failing the scrape.
              }
            }
            series.value = undefined;
            if (value !== undefined && Number.isFinite(value)) this.set(series.labels, value);
          }
        },
      });
    this.metrics.set(name, metric);
    return metric;
  }

  /** @internal for TaskHandle: a new series of an open handle. */
  track(name: TaskMetricName, labels: Labels): Series {
    const metric = this.metric(name, TASK_METRICS[name]);
    const series: Series = { metric, labels, pending: 0, value: undefined, read: undefined };
    this.live.get(name)?.add(series);
    return series;
  }

  /** @internal for TaskHandle: the series goes from /metrics. */
  untrack(name: TaskMetricName, series: Series): void {
    this.live.get(name)?.delete(series);
    series.metric.remove(series.labels);
  }

  private productOf(connector: string | undefined): Labels {
    return (connector !== undefined && this.products.get(connector)) || {};
  }
}

class TaskHandle implements TaskMetricsHandle {
  closed = false;
  private readonly series = new Map<string, { name: TaskMetricName; series: Series }>();
  private readonly owner: Metrics;
  private readonly base: Labels;
  private readonly onClose: () => void;

  constructor(owner: Metrics, base: Labels, onClose: () => void) {
    this.owner = owner;
    this.base = base;
    this.onClose = onClose;
  }

  inc(name: CounterName, labels: MetricLabels = {}, by = 1): void {
    if (!this.closed) this.entry(name, labels).pending += by;
  }

  set(name: GaugeName, labels: MetricLabels, value: number): void {
    if (!this.closed) this.entry(name, labels).value = value;
  }

  observe(name: HistogramName, labels: MetricLabels, value: number): void {
    if (this.closed) return;
    const series = this.entry(name, labels);
    (series.metric as Histogram).observe(series.labels, value);
  }

  sample(name: GaugeName, labels: MetricLabels, read: () => number): void {
    if (!this.closed) this.entry(name, labels).read = read;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const { name, series } of this.series.values()) this.owner.untrack(name, series);
    this.series.clear();
    this.onClose();
  }

  private entry(name: TaskMetricName, labels: MetricLabels): Series {
    let key: string = name;
    for (const label in labels) key += `\u0000${label}\u0000${labels[label]}`;
    let entry = this.series.get(key);
    if (!entry) {
      entry = { name, series: this.owner.track(name, { ...this.base, ...labels }) };
      this.series.set(key, entry);
    }
    return entry.series;
  }
}
