import { describe, expect, it } from 'vitest';
import { Metrics } from '../../../src/host/metrics.ts';
import { HOST_METRICS, TASK_METRICS } from '../../../src/plugin/index.ts';
import { parseExposition } from '../../support/prometheus-text.ts';

// The registry behind /metrics: catalog-driven names and HELP texts, base units, histograms,
// product labels, scrape-time values and no series left behind by a stopped task or a deleted
// connector.

const product = { 'product.domain': 'sales', 'product.name': 'orders' };

describe('Metrics', () => {
  it('exports every catalog metric with its HELP text, base units and no doubled prefix', async () => {
    const metrics = new Metrics();
    const task = metrics.forTask('orders', 0, product);
    // Touch every task metric once, as the runners and connectors do.
    for (const [name, spec] of Object.entries(TASK_METRICS)) {
      const labels = Object.fromEntries(spec.labels.map((label) => [label, 'x']));
      if (spec.type === 'counter') task.inc(name as never, labels);
      else if (spec.type === 'histogram') task.observe(name as never, labels, 0.004);
      else task.set(name as never, labels, 1);
    }
    metrics.gauge('connector_state').set({ connector: 'orders', state: 'RUNNING' }, 1);
    metrics.gauge('task_state').set({ connector: 'orders', task: '0', state: 'RUNNING' }, 1);

    const families = parseExposition(await metrics.registry.metrics());
    const names = [...families.keys()];
    for (const name of [...Object.keys(TASK_METRICS), ...Object.keys(HOST_METRICS)])
      expect(names).toContain(`onramp_${name}`);
    expect(names.some((name) => name.startsWith('onramp_process_'))).toBe(true);
    for (const [name, family] of families) {
      expect(family.help, name).not.toBe('');
      expect(family.help, name).not.toBe(name);
      expect(family.help, name).not.toBe(name.replace(/^onramp_/, ''));
      expect(name, 'one onramp_ prefix').not.toMatch(/^onramp_process_process_|^onramp_onramp_/);
      expect(name, 'base units').not.toMatch(/_ms(_|$)|millis/);
      // Latencies are histograms (Node's own event-loop quantile gauges from prom-client aside).
      if (!name.startsWith('onramp_nodejs_')) expect(name, 'no quantile gauges').not.toMatch(/_p\d\d/);
      if (family.type === 'counter') expect(name).toMatch(/_total$/);
    }
    const histogram = families.get('onramp_sink_apply_duration_seconds');
    expect(histogram?.type).toBe('histogram');
    expect(
      histogram?.samples.some((sample) => sample.name.endsWith('_bucket') && sample.labels.le === '0.005'),
    ).toBe(true);
    expect(families.get('onramp_source_send_duration_seconds')?.type).toBe('histogram');
  });

  it('labels task series with connector, task, product and domain', async () => {
    const metrics = new Metrics();
    metrics.forTask('orders', 2, product).inc('source_events_total', { table: 'public.t', op: 'c' }, 3);
    metrics.forTask('plain', 0, {}).inc('source_events_total', { table: 'public.t', op: 'c' });
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'onramp_source_events_total{connector="orders",task="2",product="sales.orders",domain="sales",table="public.t",op="c"} 3',
    );
    expect(text).toContain(
      'onramp_source_events_total{connector="plain",task="0",table="public.t",op="c"} 1',
    );
    metrics.connectorConfigured('orders', product);
    metrics.gauge('connector_state').set({ connector: 'orders', state: 'RUNNING' }, 1);
    expect(await metrics.registry.metrics()).toContain(
      'onramp_connector_state{connector="orders",state="RUNNING",product="sales.orders",domain="sales"} 1',
    );
  });

  it('reads sampled gauges when scraped', async () => {
    const metrics = new Metrics();
    let lag = 1.5;
    metrics.forTask('orders', 0).sample('source_lag_seconds', {}, () => lag);
    expect(await metrics.registry.metrics()).toContain(
      'onramp_source_lag_seconds{connector="orders",task="0"} 1.5',
    );
    lag = 0;
    expect(await metrics.registry.metrics()).toContain(
      'onramp_source_lag_seconds{connector="orders",task="0"} 0',
    );
  });

  it('removes a stopped task’s series and a deleted connector’s, and ignores their later writes', async () => {
    const metrics = new Metrics();
    const spec = { connector: 'orders', taskId: 0 };
    const task = metrics.forTask('orders', 0, product, spec);
    // The same spec (the product stage of the same task) gets the same handle.
    expect(metrics.forTask('orders', 0, product, spec)).toBe(task);
    task.inc('source_records_total', {}, 5);
    task.observe('source_send_duration_seconds', {}, 0.01);
    task.sample('source_lag_seconds', {}, () => 3);
    const other = metrics.forTask('other', 0);
    other.inc('source_records_total', {}, 1);

    task.close();
    task.inc('source_records_total', {}, 5);
    let text = await metrics.registry.metrics();
    expect(text).not.toMatch(/connector="orders"/);
    expect(text).toContain('onramp_source_records_total{connector="other",task="0"} 1');

    const again = metrics.forTask('orders', 1, product);
    again.set('source_queue_size', {}, 7);
    again.sample('source_connected', {}, () => 1);
    expect(await metrics.registry.metrics()).toMatch(/onramp_source_queue_size\{connector="orders"/);
    metrics.connectorDeleted('orders');
    again.set('source_queue_size', {}, 8);
    text = await metrics.registry.metrics();
    expect(text).not.toMatch(/connector="orders"/);
    expect(text).toContain('connector="other"');
  });
});
