import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import {
  type GaugeName,
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
// Every series of a task is written through that task's handle, which remembers the label sets it
// wrote: closing the handle (the task stopped) removes them, and deleting a connector closes all
// of its handles, so /metrics never keeps the series of a task or connector that is gone. Series
// carry `product` and `domain` from the connector's product.domain and product.name.

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

interface Sampler {
  labels: Labels;
  read: () => number;
  /** The handle that set it: a closing handle removes only its own readers. */
  handle: object;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly metrics = new Map<string, AnyMetric>();
  /** metric name -> series key -> reader, read when the registry collects. */
  private readonly samplers = new Map<string, Map<string, Sampler>>();
  private readonly products = new Map<string, Labels>();
  private readonly handles = new Map<string, Set<TaskHandle>>();
  private readonly bySpec = new WeakMap<object, TaskHandle>();

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
    const existing = owner && this.bySpec.get(owner);
    if (existing && !existing.closed) return existing;
    if (Object.keys(config).length > 0) this.connectorConfigured(connector, config);
    const base: Labels = { connector, task: String(taskId), ...this.products.get(connector) };
    const handle = new TaskHandle(this, base, () => this.handles.get(connector)?.delete(handle));
    let set = this.handles.get(connector);
    if (!set) {
      set = new Set();
      this.handles.set(connector, set);
    }
    set.add(handle);
    if (owner) this.bySpec.set(owner, handle);
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
    const full = `onramp_${name}`;
    const isTaskMetric = name in TASK_METRICS;
    const labelNames = [
      ...(isTaskMetric ? TASK_LABELS : []),
      ...spec.labels,
      ...(isTaskMetric ? [] : ['product', 'domain']),
    ];
    const common = { name: full, help: spec.help, labelNames, registers: [this.registry] };
    if (spec.type === 'counter') metric = new Counter(common);
    else if (spec.type === 'histogram')
      metric = new Histogram({ ...common, buckets: [...(spec.buckets ?? [])] });
    else {
      const samplers = new Map<string, Sampler>();
      this.samplers.set(name, samplers);
      metric = new Gauge({
        ...common,
        collect() {
          for (const sampler of samplers.values()) {
            let value: number;
            try {
              value = sampler.read();
            } catch {
              continue; // a reader that fails leaves its last value rather than failing the scrape
            }
            if (Number.isFinite(value)) this.set(sampler.labels, value);
          }
        },
      });
    }
    this.metrics.set(name, metric);
    return metric;
  }

  /** @internal for TaskHandle */
  addSampler(name: GaugeName, key: string, sampler: Sampler): void {
    this.metric(name, TASK_METRICS[name]);
    this.samplers.get(name)?.set(key, sampler);
  }

  /** @internal for TaskHandle */
  removeSampler(name: string, key: string, handle: object): void {
    const samplers = this.samplers.get(name);
    if (samplers?.get(key)?.handle === handle) samplers.delete(key);
  }

  private productOf(connector: string | undefined): Labels {
    return (connector !== undefined && this.products.get(connector)) || {};
  }
}

interface Series {
  name: TaskMetricName;
  metric: AnyMetric;
  labels: Labels;
  sampled: boolean;
}

class TaskHandle implements TaskMetricsHandle {
  closed = false;
  private readonly series = new Map<string, Series>();
  private readonly owner: Metrics;
  private readonly base: Labels;
  private readonly onClose: () => void;

  constructor(owner: Metrics, base: Labels, onClose: () => void) {
    this.owner = owner;
    this.base = base;
    this.onClose = onClose;
  }

  inc(name: Parameters<TaskMetrics['inc']>[0], labels: MetricLabels = {}, by = 1): void {
    if (this.closed) return;
    const series = this.entry(name, labels);
    (series.metric as Counter).inc(series.labels, by);
  }

  set(name: GaugeName, labels: MetricLabels, value: number): void {
    if (this.closed) return;
    const series = this.entry(name, labels);
    (series.metric as Gauge).set(series.labels, value);
  }

  observe(name: Parameters<TaskMetrics['observe']>[0], labels: MetricLabels, value: number): void {
    if (this.closed) return;
    const series = this.entry(name, labels);
    (series.metric as Histogram).observe(series.labels, value);
  }

  sample(name: GaugeName, labels: MetricLabels, read: () => number): void {
    if (this.closed) return;
    const series = this.entry(name, labels);
    series.sampled = true;
    this.owner.addSampler(name, seriesKey(name, series.labels), {
      labels: series.labels,
      read,
      handle: this,
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const series of this.series.values()) {
      if (series.sampled) this.owner.removeSampler(series.name, seriesKey(series.name, series.labels), this);
      series.metric.remove(series.labels);
    }
    this.series.clear();
    this.onClose();
  }

  private entry(name: TaskMetricName, labels: MetricLabels): Series {
    let key: string = name;
    for (const label in labels) key += `\u0000${label}\u0000${labels[label]}`;
    let series = this.series.get(key);
    if (!series) {
      series = {
        name,
        metric: this.owner.metric(name, TASK_METRICS[name]),
        labels: { ...this.base, ...labels },
        sampled: false,
      };
      this.series.set(key, series);
    }
    return series;
  }
}

function seriesKey(name: string, labels: Labels): string {
  return `${name}\u0000${Object.entries(labels)
    .map(([label, value]) => `${label}=${value}`)
    .join('\u0000')}`;
}
