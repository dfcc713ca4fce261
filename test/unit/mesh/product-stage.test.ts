import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { connectorPlugins } from '../../../connectors/index.ts';
import type { SourceRuntimeConfig } from '../../../src/host/connector-config.ts';
import { Metrics } from '../../../src/host/metrics.ts';
import { PluginRegistry } from '../../../src/host/plugin-registry.ts';
import type { TaskSpec } from '../../../src/host/task-runner.ts';
import { ProductCatalog } from '../../../src/mesh/catalog.ts';
import { ConnectorView } from '../../../src/mesh/connector-view.ts';
import { FreshnessTracker } from '../../../src/mesh/freshness.ts';
import { publishProblems, treatmentProblems } from '../../../src/mesh/product-edits.ts';
import { type DataProduct, DEFAULT_POLICY } from '../../../src/mesh/product-model.ts';
import { productStage } from '../../../src/mesh/product-stage.ts';
import type { ConnectSchema, Logger, SourceRecord } from '../../../src/plugin/index.ts';
import { KafkaCatalogStore } from '../../../src/stores/kafka-catalog-store.ts';
import { MemoryTopic } from '../cluster/memory-topic-log.ts';

// The product stage, the last step of a product's source pipeline before the converter: product
// headers (unless product.headers.enable=false), and a published product's confirmed personal data
// hashed, masked or dropped (value and schema) whatever the connector config says. What it applies
// follows the catalog, including a publication another worker wrote (the store's revision).

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const topic = 'shop.public.customers';
const salt = Buffer.from('a salt');

const row: ConnectSchema = {
  type: 'struct',
  name: `${topic}.Value`,
  optional: true,
  fields: [
    { field: 'id', type: 'int32' },
    { field: 'email', type: 'string' },
    { field: 'name', type: 'string' },
    { field: 'phone', type: 'string', optional: true },
  ],
};
const envelope: ConnectSchema = {
  type: 'struct',
  name: `${topic}.Envelope`,
  fields: [
    { field: 'before', ...row },
    { field: 'after', ...row },
    { field: 'source', type: 'struct', fields: [] },
    { field: 'op', type: 'string' },
  ],
};

function record(committedAt = Date.now()): SourceRecord {
  return {
    topic,
    key: null,
    value: {
      schema: envelope,
      value: {
        before: null,
        after: { id: 1, email: 'ada@example.com', name: 'Ada Lovelace', phone: '+44 20 7946 0000' },
        source: { schema: 'public', table: 'customers', ts_ms: committedAt },
        op: 'c',
      },
    },
    sourcePartition: {},
    sourceOffset: {},
  };
}

function product(overrides: Partial<DataProduct> = {}): DataProduct {
  return {
    id: 'sales.customers',
    domain: 'sales',
    name: 'customers',
    owner: 'sales-data-team',
    description: 'Customers',
    status: 'draft',
    slaTier: 'tier-3',
    quality: 'raw',
    tags: [],
    version: '1.0.0',
    outputPorts: [],
    inputPorts: [],
    consumers: [],
    sources: ['src'],
    captured: {
      src: {
        databaseType: 'postgresql',
        host: 'db',
        port: 5432,
        database: 'shop',
        describedAt: '',
        tables: [
          {
            namespace: 'public',
            name: 'customers',
            topic,
            foreignKeys: [],
            columns: [
              { name: 'id', position: 1, physicalType: 'integer', logicalType: 'integer', nullable: false },
              { name: 'email', position: 2, physicalType: 'text', logicalType: 'string', nullable: false },
              { name: 'name', position: 3, physicalType: 'text', logicalType: 'string', nullable: false },
              { name: 'phone', position: 4, physicalType: 'text', logicalType: 'string', nullable: true },
              { name: 'born', position: 5, physicalType: 'date', logicalType: 'date', nullable: true },
            ],
          },
        ],
      },
    },
    classifications: [
      { column: 'public.customers.email', category: 'email', reason: '', state: 'confirmed' },
      {
        column: 'public.customers.name',
        category: 'name',
        reason: '',
        state: 'confirmed',
        treatment: 'mask',
      },
      {
        column: 'public.customers.phone',
        category: 'phone',
        reason: '',
        state: 'confirmed',
        treatment: 'drop',
      },
    ],
    policy: { ...DEFAULT_POLICY },
    created: '',
    updated: '',
    ...overrides,
  };
}

async function setup(settings: Record<string, unknown>) {
  const topicLog = new MemoryTopic('products', 1);
  const store = new KafkaCatalogStore({ log: topicLog.open() });
  await store.start();
  const catalog = new ProductCatalog({
    store,
    view: new ConnectorView(new PluginRegistry(connectorPlugins), { providers: new Map() }),
    log: quiet,
  });
  const metrics = new Metrics();
  const freshness = new FreshnessTracker();
  const stage = productStage({ catalog, metrics, freshness, salt });
  const spec = {
    connector: 'src',
    taskId: 0,
    plugin: { kind: 'source' },
    config: { 'product.domain': 'sales', 'product.name': 'customers' },
  } as unknown as TaskSpec;
  const transform = stage(spec, {
    'product.domain': 'sales',
    'product.name': 'customers',
    'product.headers.enable': true,
    ...settings,
  } as unknown as SourceRuntimeConfig);
  if (!transform) throw new Error('no product stage');
  // Another worker's writer: what it publishes reaches this worker's store through the topic.
  const elsewhere = new KafkaCatalogStore({ log: topicLog.open() });
  await elsewhere.start();
  const publishElsewhere = async (next: DataProduct) => {
    await elsewhere.put(next);
    await store.readToEnd();
  };
  return {
    transform: (r: SourceRecord) => transform(r) as SourceRecord,
    publishElsewhere,
    metrics,
    freshness,
  };
}

describe('product stage', () => {
  it('adds the product headers, and protects personal data once the product is published', async () => {
    const { transform, publishElsewhere } = await setup({});
    await publishElsewhere(product());
    const draft = transform(record());
    expect(draft.headers).toEqual([
      { key: 'onramp.product', value: 'sales.customers' },
      { key: 'onramp.domain', value: 'sales' },
    ]);
    // A draft's events are as the database has them.
    expect((draft.value?.value as { after: unknown }).after).toMatchObject({ email: 'ada@example.com' });

    await publishElsewhere(product({ status: 'published' }));
    const published = transform(record());
    const after = (published.value?.value as { after: Record<string, unknown> }).after;
    expect(after).toEqual({
      id: 1,
      email: createHmac('sha256', salt).update('ada@example.com').digest('hex'),
      name: 'A**********e',
      // phone dropped, from the value and from the row schema
    });
    const fields = published.value?.schema?.fields?.find((field) => field.field === 'after')?.fields;
    expect(fields?.map((field) => field.field)).toEqual(['id', 'email', 'name']);
  });

  it('counts freshness SLO violations and shows them in the freshness reading', async () => {
    const { transform, publishElsewhere, metrics, freshness } = await setup({});
    await publishElsewhere(product({ policy: { ...DEFAULT_POLICY, maxLagMs: 5_000 } }));
    transform(record(Date.now() - 1_000));
    expect(freshness.reading(topic, 5_000)).toMatchObject({ sloMs: 5_000, sloViolated: false });
    transform(record(Date.now() - 60_000));
    expect(freshness.reading(topic, 5_000)).toMatchObject({ sloMs: 5_000, sloViolated: true });
    const text = await metrics.registry.metrics();
    const violations = text
      .split('\n')
      .filter((line) => line.startsWith('onramp_product_freshness_slo_violations_total{'));
    expect(violations).toHaveLength(1);
    expect(violations[0]).toContain('product="sales.customers"');
    expect(violations[0]).toContain(`topic="${topic}"`);
    expect(violations[0]?.endsWith(' 1')).toBe(true);
  });

  it('protects undecided personal-data columns until decided with policy.undecided=protect', async () => {
    const { transform, publishElsewhere } = await setup({});
    // Columns added after publication: backup_email is suggested (the catalog described the table
    // again), mobile is not in the catalog yet, client_ip was rejected by the owner, note looks harmless.
    const added: ConnectSchema = {
      ...row,
      fields: [
        ...(row.fields ?? []),
        { field: 'backup_email', type: 'string', optional: true },
        { field: 'mobile', type: 'string', optional: true },
        { field: 'client_ip', type: 'string', optional: true },
        { field: 'note', type: 'string', optional: true, doc: 'free text' },
        { field: 'birth_date', type: 'int32', name: 'io.debezium.time.Date', optional: true },
      ],
    };
    const wider = (): SourceRecord => {
      const base = record();
      const value = base.value?.value as Record<string, unknown>;
      return {
        ...base,
        value: {
          schema: {
            ...envelope,
            fields: [
              { field: 'before', ...added },
              { field: 'after', ...added },
              ...(envelope.fields ?? []).slice(2),
            ],
          },
          value: {
            ...value,
            after: {
              ...(value.after as Record<string, unknown>),
              backup_email: 'ada@backup.example',
              mobile: '+44 7700 900000',
              client_ip: '192.0.2.1',
              note: 'vip',
              birth_date: 3_000,
            },
          },
        },
      };
    };
    const base = product();
    const classifications = [
      ...base.classifications,
      { column: 'public.customers.backup_email', category: 'email', reason: '', state: 'suggested' as const },
      {
        column: 'public.customers.client_ip',
        category: 'ip-address',
        reason: '',
        state: 'rejected' as const,
      },
    ];
    const hmac = (text: string) => createHmac('sha256', salt).update(text).digest('hex');
    const afterRow = (r: SourceRecord) => (r.value?.value as { after: Record<string, unknown> }).after;
    const rowOf = (r: SourceRecord) =>
      r.value?.schema?.fields?.find((field) => field.field === 'after')?.fields?.map((field) => field.field);

    // The default: sent as the database has them (the product's health is amber meanwhile).
    await publishElsewhere(product({ status: 'published', classifications }));
    expect(afterRow(transform(wider()))).toMatchObject({
      backup_email: 'ada@backup.example',
      mobile: '+44 7700 900000',
    });

    // protect: the suggestion and the columns not yet suggested are treated as confirmed ones would
    // be; hash and mask change text only, so birth_date (a date) is dropped until decided.
    await publishElsewhere(
      product({ status: 'published', classifications, policy: { ...DEFAULT_POLICY, undecided: 'protect' } }),
    );
    expect(afterRow(transform(wider()))).toEqual({
      id: 1,
      email: hmac('ada@example.com'),
      name: 'A**********e',
      backup_email: hmac('ada@backup.example'),
      mobile: hmac('+44 7700 900000'),
      client_ip: '192.0.2.1',
      note: 'vip',
    });
    await publishElsewhere(
      product({
        status: 'published',
        classifications,
        policy: { ...DEFAULT_POLICY, personalData: 'drop', undecided: 'protect' },
      }),
    );
    // (email, confirmed without a treatment of its own, follows the policy too)
    const dropped = transform(wider());
    expect(Object.keys(afterRow(dropped))).toEqual(['id', 'name', 'client_ip', 'note']);
    expect(rowOf(transform(wider()))).not.toContain('birth_date');
    expect(rowOf(dropped)).toEqual(['id', 'name', 'client_ip', 'note']);

    // Decided: confirmed with its own treatment, rejected sent as it is.
    const decided = classifications.map((entry) =>
      entry.column === 'public.customers.backup_email'
        ? { ...entry, state: 'confirmed' as const, treatment: 'mask' as const }
        : entry,
    );
    decided.push({
      column: 'public.customers.mobile',
      category: 'phone',
      reason: '',
      state: 'rejected' as const,
    });
    await publishElsewhere(
      product({
        status: 'published',
        classifications: decided,
        policy: { ...DEFAULT_POLICY, undecided: 'protect' },
      }),
    );
    expect(afterRow(transform(wider()))).toMatchObject({
      backup_email: `a${'*'.repeat(12)}e`,
      mobile: '+44 7700 900000',
      client_ip: '192.0.2.1',
    });
  });

  it('leaves the headers off with product.headers.enable=false', async () => {
    const { transform, publishElsewhere } = await setup({ 'product.headers.enable': false });
    await publishElsewhere(product());
    expect(transform(record()).headers ?? []).toEqual([]);
  });
});

describe('publishing personal data', () => {
  it('refuses hash or mask on a column that is not text (it would pass unchanged)', () => {
    const born = {
      column: 'public.customers.born',
      category: 'birth-date',
      reason: '',
      state: 'confirmed' as const,
    };
    const message =
      'public.customers.born is date, not text: hash would leave it unchanged, set its treatment to drop';
    expect(publishProblems(product({ classifications: [born] }))).toContain(message);
    expect(treatmentProblems(product({ classifications: [{ ...born, treatment: 'mask' }] }))).toEqual([
      message.replace('hash', 'mask'),
    ]);
    expect(treatmentProblems(product({ classifications: [{ ...born, treatment: 'drop' }] }))).toEqual([]);
    // The default treatment hashes text: the product's own columns pass.
    expect(treatmentProblems(product())).toEqual([]);
  });
});
