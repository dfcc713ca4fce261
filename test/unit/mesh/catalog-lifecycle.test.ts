import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectorPlugins } from '../../../connectors/index.ts';
import { PluginRegistry } from '../../../src/host/plugin-registry.ts';
import { ProductCatalog } from '../../../src/mesh/catalog.ts';
import { ConnectorView } from '../../../src/mesh/connector-view.ts';
import { MeshServices } from '../../../src/mesh/mesh-services.ts';
import type { Logger } from '../../../src/plugin/index.ts';
import { type CatalogStore, openCatalogStore } from '../../../src/stores/catalog-store.ts';
import { KafkaCatalogStore } from '../../../src/stores/kafka-catalog-store.ts';
import { MemoryTopic } from '../cluster/memory-topic-log.ts';

// A product's lifecycle over REST (POST /products, /deprecate, DELETE): a product of topics Onramp
// does not produce, deprecated (and then not publishable), deleted; a product some connector still
// makes is not deleted until that connector is gone.

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

async function catalog(given?: CatalogStore): Promise<ProductCatalog> {
  let store = given;
  if (!store) {
    const kafka = new KafkaCatalogStore({ log: new MemoryTopic('products', 1).open() });
    await kafka.start();
    store = kafka;
  }
  return new ProductCatalog({
    store,
    view: new ConnectorView(new PluginRegistry(connectorPlugins), { providers: new Map() }),
    log: quiet,
  });
}

describe('product lifecycle', () => {
  it('creates a product of foreign topics, deprecates it (no publishing then) and deletes it', async () => {
    const products = await catalog();
    const created = await products.create({
      domain: 'finance',
      name: 'ledger',
      owner: 'finance-team',
      description: 'Booked invoices',
      outputPorts: [{ topic: 'erp.ledger' }],
    });
    expect(created).toMatchObject({
      id: 'finance.ledger',
      status: 'draft',
      outputPorts: [
        {
          topic: 'erp.ledger',
          keySubject: 'erp.ledger-key',
          valueSubject: 'erp.ledger-value',
          format: 'avro',
        },
      ],
    });
    await expect(products.create({ domain: 'finance', name: 'ledger' })).rejects.toMatchObject({
      code: 'PRODUCT_EXISTS',
    });
    expect((await products.deprecate('finance.ledger')).status).toBe('deprecated');
    await expect(products.publish('finance.ledger')).rejects.toThrow('it is deprecated');
    await products.remove('finance.ledger');
    expect(() => products.get('finance.ledger')).toThrow('Data product finance.ledger not found');
    expect(products.list()).toEqual([]);
  });

  it('keeps a product that a connector still makes, and deletes it once the connector is gone', async () => {
    const products = await catalog();
    products.connectorStored({
      name: 'crm-sink',
      config: {
        'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
        topics: 'shop.public.customers',
        'product.domain': 'marketing',
        'product.name': 'crm',
      },
      targetState: 'STARTED',
      tasks: [],
    });
    await products.idle();
    expect(products.get('marketing.crm').status).toBe('draft');
    await expect(products.remove('marketing.crm')).rejects.toThrow(
      'Data product marketing.crm is still made by connector(s) crm-sink',
    );
    products.connectorDeleted('crm-sink');
    await products.idle();
    await products.remove('marketing.crm');
    expect(products.list()).toEqual([]);
  });

  it("keeps what a domain's team says about itself, with its products' owners, in either store", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'onramp-domains-'));
    const topic = new MemoryTopic('products', 1);
    const kafkaStore = async () => {
      const store = new KafkaCatalogStore({ log: topic.open() });
      await store.start();
      await store.readToEnd();
      return store;
    };
    for (const open of [() => openCatalogStore(dir), kafkaStore]) {
      const products = await catalog(await open());
      await products.create({ domain: 'sales', name: 'customers', owner: 'sales-data-team' });
      expect(
        await products.updateDomain('sales', {
          description: 'Everything we sell',
          contact: '#sales-data',
          owners: ['head-of-sales', 'head-of-sales'],
        }),
      ).toEqual({
        name: 'sales',
        description: 'Everything we sell',
        contact: '#sales-data',
        products: ['sales.customers'],
        owners: ['head-of-sales', 'sales-data-team'],
        connectors: [],
      });
      // A domain with no product yet; an empty text clears it.
      await products.updateDomain('finance', { contact: 'finance@example.com' });
      await products.updateDomain('sales', { contact: '' });
      await products.idle();
      // Read again from the store (the file reopened, the topic replayed).
      const again = await catalog(await open());
      expect(again.domains().map((entry) => [entry.name, entry.description, entry.contact])).toEqual([
        ['finance', undefined, 'finance@example.com'],
        ['sales', 'Everything we sell', undefined],
      ]);
      expect(() => again.domain('nowhere')).toThrow('Domain nowhere not found');
      await expect(again.updateDomain('bad name', {})).rejects.toMatchObject({ code: 'PRODUCT_INVALID' });
      await again.remove('sales.customers');
      await again.idle();
    }
  });
});

describe('product health', () => {
  it('turns amber while a published product has undecided personal-data suggestions', async () => {
    const products = await catalog();
    await products.create({
      domain: 'finance',
      name: 'ledger',
      owner: 'finance-team',
      description: 'Booked invoices',
      outputPorts: [{ topic: 'erp.ledger' }],
    });
    const mesh = new MeshServices({
      catalog: products,
      view: new ConnectorView(new PluginRegistry(connectorPlugins), { providers: new Map() }),
      registry: undefined,
      groups: undefined,
      contract: { kafkaBootstrap: 'localhost:9092', schemaRegistryUrl: undefined },
    });
    const states = { state: () => undefined };
    const suggestion = {
      column: 'erp.ledger.payer_email',
      category: 'email',
      reason: 'column name "payer_email"',
      state: 'suggested' as const,
    };
    const draft = { ...products.get('finance.ledger'), classifications: [suggestion] };
    expect(await mesh.health(draft, states)).toMatchObject({ status: 'green', problems: [] });
    expect(await mesh.health({ ...draft, status: 'published' }, states)).toMatchObject({
      status: 'amber',
      problems: [
        'personal-data suggestions not decided, sent unprotected until confirmed: erp.ledger.payer_email (email)',
      ],
    });
    const protecting = {
      ...draft,
      status: 'published' as const,
      policy: { ...draft.policy, undecided: 'protect' as const },
    };
    expect(await mesh.health(protecting, states)).toMatchObject({
      status: 'amber',
      problems: [
        'personal-data suggestions not decided, protected (hash) until decided: erp.ledger.payer_email (email)',
      ],
    });
  });
});
