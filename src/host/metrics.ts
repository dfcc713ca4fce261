import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { MetricLabels, TaskMetrics } from '../plugin/index.ts';

// The process-wide Prometheus registry behind GET /metrics. Task metrics are created on first use,
// named `onramp_<name>`, and always carry `connector` and `task` labels.
export class Metrics {
  readonly registry = new Registry();
  private readonly counters = new Map<string, Counter>();
  private readonly gauges = new Map<string, Gauge>();

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'onramp_process_' });
  }

  counter(name: string, labelNames: readonly string[], help = name): Counter {
    const full = `onramp_${name}`;
    let metric = this.counters.get(full);
    if (!metric) {
      metric = new Counter({ name: full, help, labelNames: [...labelNames], registers: [this.registry] });
      this.counters.set(full, metric);
    }
    return metric;
  }

  gauge(name: string, labelNames: readonly string[], help = name): Gauge {
    const full = `onramp_${name}`;
    let metric = this.gauges.get(full);
    if (!metric) {
      metric = new Gauge({ name: full, help, labelNames: [...labelNames], registers: [this.registry] });
      this.gauges.set(full, metric);
    }
    return metric;
  }

  forTask(connector: string, taskId: number): TaskMetrics {
    const base = { connector, task: String(taskId) };
    return {
      inc: (name: string, labels: MetricLabels = {}, by = 1) => {
        const all = { ...base, ...labels };
        this.counter(name, Object.keys(all)).inc(all, by);
      },
      set: (name: string, labels: MetricLabels, value: number) => {
        const all = { ...base, ...labels };
        this.gauge(name, Object.keys(all)).set(all, value);
      },
    };
  }
}
