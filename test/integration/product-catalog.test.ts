import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorPlugins } from '../../connectors/index.ts';
import { PluginRegistry } from '../../src/host/plugin-registry.ts';
import { ProductCatalog } from '../../src/mesh/catalog.ts';
import { ConnectorView } from '../../src/mesh/connector-view.ts';
import type { Logger } from '../../src/plugin/index.ts';
import { openCatalogStore } from '../../src/stores/catalog-store.ts';
import type { StoredConnector } from '../../src/stores/stores.ts';
import { mariadbSinkConfig, mysqlSourceConfig, postgresSourceConfig } from '../support/host-process.ts';
import { services } from '../support/services.ts';

// The catalog against the real databases: onboarding a PostgreSQL source drafts the product with
// its tables (comments, enum, foreign key, key positions) as ports and personal-data suggestions;
// a MariaDB source the same from information_schema; a sink reading the topic is a consumer and, with
// product.* keys, the consuming domain's product has the upstream product as input; products survive
// a reopen of the store; a deleted connector leaves its product.

const suffix = randomUUID().slice(0, 8);
const schema = `cat_${suffix}`;
const prefix = `cat${suffix}`;
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

let source: pg.Client;
let maria: mysql.Connection;
const mysqlDb = `catmy_${suffix}`;

function stored(name: string, config: Record<string, string>): StoredConnector {
  return { name, config: { name, ...config }, targetState: 'STOPPED', tasks: [] };
}

async function openCatalog(dataDir: string): Promise<ProductCatalog> {
  return new ProductCatalog({
    store: await openCatalogStore(dataDir),
    view: new ConnectorView(new PluginRegistry(connectorPlugins), {}),
    log: quiet,
  });
}

beforeAll(async () => {
  source = new pg.Client({ connectionString: services().pgUrl });
  await source.connect();
  await source.query(`CREATE SCHEMA ${schema}`);
  await source.query(`CREATE TYPE ${schema}.tier AS ENUM ('bronze', 'silver', 'gold')`);
  await source.query(`CREATE TABLE ${schema}.regions (code text PRIMARY KEY, label text NOT NULL)`);
  await source.query(
    `CREATE TABLE ${schema}.customers (
       tenant int NOT NULL, id int NOT NULL, email text NOT NULL, full_name text,
       tier ${schema}.tier NOT NULL DEFAULT 'bronze', region text REFERENCES ${schema}.regions(code),
       PRIMARY KEY (tenant, id))`,
  );
  await source.query(`COMMENT ON TABLE ${schema}.customers IS 'People who bought something'`);
  await source.query(`COMMENT ON COLUMN ${schema}.customers.email IS 'Where receipts go'`);
  maria = await mysql.createConnection(services().mysqlUrl);
  await maria.query(`CREATE DATABASE ${mysqlDb}`);
  await maria.query(
    `CREATE TABLE ${mysqlDb}.orders (id BIGINT PRIMARY KEY, phone VARCHAR(40) COMMENT 'Contact number',
       state ENUM('new','paid') NOT NULL DEFAULT 'new') COMMENT 'Orders as taken'`,
  );
});

afterAll(async () => {
  await source.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await source.end();
  await maria.query(`DROP DATABASE IF EXISTS ${mysqlDb}`);
  await maria.end();
});

describe('product catalog onboarding', () => {
  it('drafts a product from a PostgreSQL source, links a sink as consumer and keeps it across a reopen', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'onramp-catalog-'));
    const catalog = await openCatalog(dataDir);
    await catalog.start([]);
    catalog.connectorStored(
      stored(prefix, {
        ...postgresSourceConfig(prefix, `${schema}.customers,${schema}.regions`),
        'product.domain': 'sales',
        'product.name': `customers${suffix}`,
        'product.owner': 'sales-team',
      }),
    );
    await catalog.idle();
    const id = `sales.customers${suffix}`;
    const product = catalog.get(id);
    expect(product).toMatchObject({
      domain: 'sales',
      status: 'draft',
      owner: 'sales-team',
      sources: [prefix],
    });
    const topic = `${prefix}.${schema}.customers`;
    expect(product.outputPorts.find((port) => port.topic === topic)).toEqual({
      topic,
      keySubject: `${topic}-key`,
      valueSubject: `${topic}-value`,
      format: 'avro',
      connector: prefix,
      table: `${schema}.customers`,
      keyColumns: ['tenant', 'id'],
    });
    expect(product.inputPorts).toContainEqual({
      kind: 'table',
      connector: prefix,
      databaseType: 'postgresql',
      database: new URL(services().pgUrl).pathname.slice(1),
      table: `${schema}.customers`,
    });
    const customers = product.captured[prefix]?.tables.find((table) => table.name === 'customers');
    expect(customers?.comment).toBe('People who bought something');
    expect(customers?.columns.find((column) => column.name === 'tier')).toMatchObject({
      enumValues: ['bronze', 'silver', 'gold'],
      nullable: false,
      default: `'bronze'::${schema}.tier`,
    });
    expect(customers?.columns.find((column) => column.name === 'id')).toMatchObject({
      primaryKeyPosition: 2,
      logicalType: 'integer',
    });
    expect(customers?.foreignKeys).toEqual([
      expect.objectContaining({
        columns: ['region'],
        referencedTable: `${schema}.regions`,
        referencedColumns: ['code'],
      }),
    ]);
    expect(product.classifications).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          column: `${schema}.customers.email`,
          category: 'email',
          state: 'suggested',
        }),
        expect.objectContaining({
          column: `${schema}.customers.full_name`,
          category: 'name',
          state: 'suggested',
        }),
      ]),
    );

    catalog.connectorStored(
      stored(`${prefix}-sink`, {
        ...mariadbSinkConfig(topic),
        'product.domain': 'marketing',
        'product.name': `crm${suffix}`,
      }),
    );
    await catalog.idle();
    expect(catalog.get(id).consumers).toEqual([
      {
        connector: `${prefix}-sink`,
        group: `connect-${prefix}-sink`,
        topics: [topic],
        domain: 'marketing',
        product: `crm${suffix}`,
      },
    ]);
    expect(catalog.get(`marketing.crm${suffix}`).inputPorts).toEqual([
      { kind: 'product', connector: `${prefix}-sink`, product: id, topics: [topic] },
    ]);
    expect(catalog.domains().map((domain) => domain.name)).toEqual(
      expect.arrayContaining(['sales', 'marketing']),
    );

    const reopened = await openCatalog(dataDir);
    expect(reopened.get(id).outputPorts).toEqual(catalog.get(id).outputPorts);
    catalog.connectorDeleted(`${prefix}-sink`);
    await catalog.idle();
    expect(catalog.get(id).consumers).toEqual([]);
  });

  it('describes a MariaDB source from information_schema', async () => {
    const catalog = await openCatalog(mkdtempSync(join(tmpdir(), 'onramp-catalog-')));
    await catalog.start([]);
    catalog.connectorStored(
      stored(`${prefix}-my`, {
        ...mysqlSourceConfig(`${prefix}my`, mysqlDb, 7000 + Math.floor(Math.random() * 1000)),
        'product.domain': 'orders',
        'product.name': 'orders',
      }),
    );
    await catalog.idle();
    const product = catalog.get('orders.orders');
    const orders = product.captured[`${prefix}-my`]?.tables[0];
    expect(orders).toMatchObject({ namespace: mysqlDb, name: 'orders', comment: 'Orders as taken' });
    expect(orders?.columns).toEqual([
      expect.objectContaining({ name: 'id', primaryKeyPosition: 1, logicalType: 'integer', nullable: false }),
      expect.objectContaining({ name: 'phone', comment: 'Contact number', nullable: true }),
      expect.objectContaining({ name: 'state', enumValues: ['new', 'paid'], default: "'new'" }),
    ]);
    expect(product.classifications).toEqual([
      expect.objectContaining({ column: `${mysqlDb}.orders.phone`, category: 'phone' }),
    ]);
    expect(product.outputPorts.map((port) => port.topic)).toEqual([`${prefix}my.${mysqlDb}.orders`]);
  });
});
