import { describe, expect, it } from 'vitest';
import { connectorPlugins } from '../../../connectors/index.ts';
import { PluginRegistry } from '../../../src/host/plugin-registry.ts';
import { ProductCatalog } from '../../../src/mesh/catalog.ts';
import { ConnectorView } from '../../../src/mesh/connector-view.ts';
import type { Logger } from '../../../src/plugin/index.ts';
import { KafkaCatalogStore } from '../../../src/stores/kafka-catalog-store.ts';
import { MemoryTopic } from '../cluster/memory-topic-log.ts';

// A product's lifecycle over REST (POST /products, /deprecate, DELETE): a product of topics Onramp
// does not produce, deprecated (and then not publishable), deleted; a product some connector still
// makes is not deleted until that connector is gone.

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

async function catalog(): Promise<ProductCatalog> {
  const store = new KafkaCatalogStore({ log: new MemoryTopic('products', 1).open() });
  await store.start();
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
});
