import { describe, expect, it } from 'vitest';
import { connectorPlugins } from '../../../connectors/index.ts';
import { PluginRegistry } from '../../../src/host/plugin-registry.ts';
import { ProductCatalog } from '../../../src/mesh/catalog.ts';
import { ConnectorView } from '../../../src/mesh/connector-view.ts';
import type { Logger, SourceDescription } from '../../../src/plugin/index.ts';
import { KafkaCatalogStore } from '../../../src/stores/kafka-catalog-store.ts';
import type { StoredConnector } from '../../../src/stores/stores.ts';
import { waitFor } from '../../support/wait-for.ts';
import { MemoryTopic } from '../cluster/memory-topic-log.ts';

// Cluster mode (issue 13): two workers' catalogs on one product topic. Only the leader makes the
// automatic updates (onboarding, ports, consumers), so a follower that hears of a connector change
// moments after a person's PATCH on the leader never writes the product as it saw it before that
// PATCH; a worker that becomes the leader catches up on what it only read until then.

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

async function worker(topic: MemoryTopic, leading: () => boolean, view = connectorView()) {
  const store = new KafkaCatalogStore({ log: topic.open() });
  await store.start();
  const catalog = new ProductCatalog({ store, view, log: quiet, automatic: leading });
  await catalog.start([]);
  return { store, catalog };
}

function connectorViewArguments(): ConstructorParameters<typeof ConnectorView> {
  return [new PluginRegistry(connectorPlugins), { providers: new Map() }];
}

function connectorView(): ConnectorView {
  return new ConnectorView(...connectorViewArguments());
}

/** Until a description of the source's tables has started and waits to be released. */
function waitForDescription(view: HeldDescriptions): Promise<true> {
  return waitFor('a description to start', () => view.held.length > 0, { timeoutMs: 5_000, intervalMs: 1 });
}

/**
 * The real view, except that each description of the source's tables waits until the test releases
 * it (the database is not what these tests are about: when a description ends is).
 */
class HeldDescriptions extends ConnectorView {
  readonly held: Array<() => void> = [];

  constructor() {
    super(...connectorViewArguments());
  }

  override async describe(): Promise<SourceDescription> {
    await new Promise<void>((resolve) => this.held.push(resolve));
    return {
      databaseType: 'postgresql',
      host: 'db',
      port: 5432,
      database: 'shop',
      tables: [
        {
          namespace: 'public',
          name: 'customers',
          topic: 'shop.public.customers',
          columns: [
            {
              name: 'id',
              position: 1,
              physicalType: 'integer',
              logicalType: 'integer',
              nullable: false,
              primaryKeyPosition: 1,
            },
            { name: 'email', position: 2, physicalType: 'text', logicalType: 'string', nullable: false },
          ],
          foreignKeys: [],
        },
      ],
    };
  }

  /** Waits for the next description to start, then lets it end. */
  async release(): Promise<void> {
    await waitForDescription(this);
    this.held.shift()?.();
  }
}

function source(name: string): StoredConnector {
  return {
    name,
    config: {
      'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
      'database.hostname': 'db',
      'database.user': 'onramp',
      'database.dbname': 'shop',
      'topic.prefix': 'shop',
      'table.include.list': 'public.customers',
      'product.domain': 'shop',
      'product.name': 'customers',
    },
    targetState: 'STARTED',
    tasks: [],
  };
}

/** Whether the product has what describing its tables gives: the port and the e-mail's suggestion. */
function described(catalog: ProductCatalog): boolean {
  const product = catalog.get('shop.customers');
  return product.outputPorts.length === 1 && product.classifications.length === 1;
}

function sink(name: string, product: string, topics: string): StoredConnector {
  return {
    name,
    config: {
      'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
      topics,
      'product.domain': 'marketing',
      'product.name': product,
    },
    targetState: 'STARTED',
    tasks: [],
  };
}

describe('catalog in a cluster', () => {
  it("makes automatic updates on the leader only, so a follower never undoes a person's change", async () => {
    const topic = new MemoryTopic('configs-products', 1);
    let leader: 'a' | 'b' = 'a';
    const a = await worker(topic, () => leader === 'a');
    const b = await worker(topic, () => leader === 'b');

    // Both workers read the connector from the config topic; only the leader onboards it.
    const created = sink('crm-sink', 'crm', 'shop.public.customers');
    b.catalog.connectorStored(created);
    await b.catalog.idle();
    expect(topic.records()).toHaveLength(0);
    a.catalog.connectorStored(created);
    await a.catalog.idle();
    expect(a.catalog.get('marketing.crm').status).toBe('draft');

    // A person's change on the leader, then a reconfiguration both workers hear of at once: the
    // follower, whose view may not have the PATCH yet, writes nothing.
    await a.catalog.update('marketing.crm', {
      owner: 'crm-team',
      description: 'Customer master',
      tags: ['crm'],
    });
    const written = topic.records().length;
    const reconfigured = sink('crm-sink', 'crm', 'shop.public.customers,shop.public.orders');
    b.catalog.connectorStored(reconfigured);
    await b.catalog.idle();
    expect(topic.records()).toHaveLength(written);
    a.catalog.connectorStored(reconfigured);
    await a.catalog.idle();
    await Promise.all([a.store.readToEnd(), b.store.readToEnd()]);
    for (const { catalog } of [a, b]) {
      expect(catalog.get('marketing.crm')).toMatchObject({
        owner: 'crm-team',
        description: 'Customer master',
        tags: ['crm'],
      });
    }

    // A connector stored while b only followed: once b leads, it onboards it.
    const other = sink('ads-sink', 'ads', 'shop.public.orders');
    b.catalog.connectorStored(other);
    await b.catalog.idle();
    expect(b.store.get('marketing.ads')).toBeUndefined();
    leader = 'b';
    await b.catalog.lead();
    await b.catalog.idle();
    await a.store.readToEnd();
    expect(a.catalog.get('marketing.ads').status).toBe('draft');
    expect(b.catalog.get('marketing.crm').owner).toBe('crm-team');
    // The former leader, now a follower, writes nothing on a change it hears of.
    const before = topic.records().length;
    a.catalog.connectorDeleted('crm-sink');
    await a.catalog.idle();
    expect(topic.records()).toHaveLength(before);
  });

  it('has a follower ask the leader to record schema versions its source task met', async () => {
    const topic = new MemoryTopic('configs-products', 1);
    let aLeads = true;
    const a = await worker(topic, () => aLeads);
    let bLeads = false;
    const b = await worker(topic, () => bLeads);
    await a.catalog.create({
      domain: 'sales',
      name: 'orders',
      owner: 'sales-team',
      description: 'Orders',
      outputPorts: [{ topic: 'shop.public.orders' }],
    });
    await b.store.readToEnd();
    const fields = [{ field: 'id', type: 'int32' as const }];
    const versions = [
      { major: 1, topic: 'shop.public.orders', fields, since: '2026-12-07T04:00:00.000Z' },
      {
        major: 2,
        topic: 'shop.public.orders.v2',
        fields,
        since: '2026-12-07T04:10:00.000Z',
        breaking: ['x'],
      },
    ];

    // The follower writes a request, not the product; a PATCH on the leader meanwhile stands.
    const products = () =>
      topic.records().filter((record) => record.key?.toString() === 'sales.orders').length;
    const before = products();
    b.catalog.recordSchemaVersions('sales.orders', 'shop.public.orders', versions);
    await a.catalog.update('sales.orders', { tags: ['orders'] });
    await b.catalog.idle();
    await a.store.readToEnd();
    await a.catalog.idle();
    await Promise.all([a.store.readToEnd(), b.store.readToEnd()]);
    for (const { catalog } of [a, b]) {
      const product = catalog.get('sales.orders');
      expect(product.tags).toEqual(['orders']);
      expect(product.version).toBe('2.0.0');
      expect(product.schemaVersions?.['shop.public.orders']?.map((entry) => entry.topic)).toEqual([
        'shop.public.orders',
        'shop.public.orders.v2',
      ]);
    }
    // Every product record after the follower's request is the leader's (PATCH, then the versions).
    expect(products()).toBe(before + 2);
    expect(a.store.schemaVersionRequests()).toEqual([]);
    expect(b.store.schemaVersionRequests()).toEqual([]);

    // A request no leader recorded yet is recorded by the next one as it takes over.
    const later = [
      ...versions,
      { major: 3, topic: 'shop.public.orders.v3', fields, since: '2026-12-07T04:20:00.000Z' },
    ];
    aLeads = false; // leaving: the next leader has not taken over yet
    const c = await worker(topic, () => false);
    c.catalog.recordSchemaVersions('sales.orders', 'shop.public.orders', later);
    await c.catalog.idle();
    await b.store.readToEnd();
    expect(b.store.schemaVersionRequests()).toHaveLength(1);
    bLeads = true;
    await b.catalog.lead();
    await b.catalog.idle();
    expect(b.catalog.get('sales.orders').version).toBe('3.0.0');
  });

  it('keeps a description when the same config is stored again while it runs (the config topic echo)', async () => {
    const view = new HeldDescriptions();
    const { catalog } = await worker(new MemoryTopic('configs-products', 1), () => true, view);
    catalog.connectorStored(source('shop-source'));
    await waitForDescription(view);
    // The leader reads its own write back from the config topic (a new object, the same config).
    catalog.connectorStored(source('shop-source'));
    await view.release();
    await catalog.idle();
    expect(described(catalog)).toBe(true);
  });

  it('has a leader that missed descriptions while the lead was elsewhere catch up after the next rebalance', async () => {
    const topic = new MemoryTopic('configs-products', 1);
    let leader: 'a' | 'b' = 'a';
    const aView = new HeldDescriptions();
    const a = await worker(topic, () => leader === 'a', aView);
    const b = await worker(topic, () => leader === 'b', new HeldDescriptions());
    for (const { catalog } of [a, b]) await catalog.lead(); // the first rebalance: a leads
    const stored = source('shop-source');
    a.catalog.connectorStored(stored);
    b.catalog.connectorStored(stored);
    await waitForDescription(aView);

    // A rebalance gives b the lead for a moment while a describes: a drops its description, and b
    // (a follower when it heard of the connector) writes nothing until it completes a rebalance.
    leader = 'b';
    await aView.release();
    await a.catalog.idle();
    await b.store.readToEnd();
    expect(described(b.catalog)).toBe(false);

    // The next rebalance gives the lead back to a before b completed one as the leader. a is told
    // after every rebalance it completes, also one that changed none of its own work: it catches up.
    leader = 'a';
    const records = topic.records().length;
    await b.catalog.lead(); // a follower: nothing
    await a.catalog.lead();
    await aView.release();
    await a.catalog.idle();
    await Promise.all([a.store.readToEnd(), b.store.readToEnd()]);
    expect(described(a.catalog)).toBe(true);
    expect(described(b.catalog)).toBe(true);

    // A leader that missed nothing does nothing after a rebalance.
    const after = topic.records().length;
    expect(after).toBeGreaterThan(records);
    await a.catalog.lead();
    await a.catalog.idle();
    expect(topic.records()).toHaveLength(after);
    expect(aView.held).toHaveLength(0);
  });
});
