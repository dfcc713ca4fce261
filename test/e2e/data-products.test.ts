import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { AvroConverter } from '../../src/schema/avro-converter.ts';
import { SchemaRegistry } from '../../src/schema/registry.ts';
import {
  type HostProcess,
  mariadbSinkConfig,
  postgresSourceConfig,
  startHostProcess,
} from '../support/host-process.ts';
import { readTopic, testAdmin } from '../support/runtime/kafka-reader.ts';
import { services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

// The data-mesh flow of issue 13 through the shipped host with token auth: a PostgreSQL database with
// comments, an enum, a foreign key and an email column is onboarded as sales.customers by a
// domain:sales token; a domain:marketing token cannot change it but finds it, reads its ODCS contract
// (valid against the ODCS v3.0.2 JSON Schema), and creates a sink into MariaDB; lineage shows the
// table, the topic, the MariaDB table and the sink's consumer group (and the column the sink leaves
// out, and after publication the hashed e-mail, as column mappings); the owner confirms the
// personal-data classification and publishes; the registry then reports FULL_TRANSITIVE (and keeps the
// product's owner, domain and personal-data tags as the subjects' metadata); events carry
// the onramp.product/onramp.domain headers, the email column is hashed in Kafka from then on (and the
// column comments are the Avro fields' doc, since publishing turned include.schema.comments on), and
// freshness shows in /health and /metrics. A breaking ALTER (a renamed column) then fails the source
// task with the product, table, column and rule named; with the product's policy set to new-version
// the change goes to <topic>.v2 while v1 keeps flowing (projected, into MariaDB too).

const root = join(import.meta.dirname, '..', '..');
const suffix = randomUUID().slice(0, 8);
const schema = `dp_${suffix}`;
const prefix = `dp${suffix}`;
const topic = `${prefix}.${schema}.customers`;
const targetTable = `dp_customers_${suffix}`;
const sourceName = `sales-customers-${suffix}`;
const sinkName = `marketing-crm-${suffix}`;

let host: HostProcess;
let source: pg.Client;
let target: mysql.Connection;
const tokens: Record<string, string> = {};

async function api(
  token: string,
  method: string,
  path: string,
  body?: unknown,
  accept?: string,
  // biome-ignore lint/suspicious/noExplicitAny: REST bodies are checked field by field
): Promise<{ status: number; body: any; text: string }> {
  const response = await fetch(`${host.base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...(accept && { accept }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, body: parsed, text };
}

async function registry(path: string): Promise<unknown> {
  const response = await fetch(`${services().schemaRegistryUrl}${path}`);
  return response.json();
}

beforeAll(async () => {
  source = new pg.Client({ connectionString: services().pgUrl });
  await source.connect();
  await source.query(`CREATE SCHEMA ${schema}`);
  await source.query(`CREATE TYPE ${schema}.segment AS ENUM ('retail', 'business')`);
  await source.query(`CREATE TABLE ${schema}.countries (code char(2) PRIMARY KEY, name text NOT NULL)`);
  await source.query(`INSERT INTO ${schema}.countries VALUES ('DE', 'Germany'), ('FR', 'France')`);
  await source.query(
    `CREATE TABLE ${schema}.customers (
       id int PRIMARY KEY,
       email text NOT NULL,
       segment ${schema}.segment NOT NULL DEFAULT 'retail',
       country char(2) REFERENCES ${schema}.countries(code),
       credit numeric(12,2))`,
  );
  await source.query(`COMMENT ON TABLE ${schema}.customers IS 'Customers of the web shop'`);
  await source.query(`COMMENT ON COLUMN ${schema}.customers.email IS 'Login and receipts address'`);
  await source.query(`COMMENT ON COLUMN ${schema}.customers.segment IS 'Retail or business customer'`);
  await source.query(
    `INSERT INTO ${schema}.customers SELECT i, 'c' || i || '@example.com', 'retail', 'DE', i FROM generate_series(1, 5) AS i`,
  );
  target = await mysql.createConnection(services().mysqlUrl);

  const dataDir = mkdtempSync(join(tmpdir(), 'onramp-products-'));
  for (const [name, role] of [
    ['sales', 'domain:sales'],
    ['marketing', 'domain:marketing'],
    ['viewer', 'viewer'],
  ] as const) {
    const out = execFileSync(
      process.execPath,
      [join(root, 'scripts', 'token.ts'), 'create', '--name', name, '--role', role],
      {
        cwd: root,
        env: { ...process.env, ONRAMP_DATA_DIR: dataDir, ONRAMP_REST_AUTH: 'token' },
        encoding: 'utf8',
      },
    );
    tokens[name] = out.trimEnd().split('\n').at(-1) ?? '';
  }
  host = await startHostProcess({ ONRAMP_REST_AUTH: 'token' }, { dataDir });
});

afterAll(async () => {
  if (host) {
    for (const name of [sinkName, sourceName])
      await api(tokens.sales ?? '', 'DELETE', `/connectors/${name}`).catch(() => undefined);
    await api(tokens.marketing ?? '', 'DELETE', `/connectors/${sinkName}`).catch(() => undefined);
    await host.stop();
  }
  await source.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await source.query(
    `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active`,
    [prefix],
  );
  await source.end();
  await target.query(`DROP TABLE IF EXISTS \`${targetTable}\``);
  await target.end();
});

describe('data products end to end', () => {
  it('onboards, discovers, contracts, consumes, traces and publishes sales.customers', async () => {
    const sales = tokens.sales ?? '';
    const marketing = tokens.marketing ?? '';

    // 1. The sales domain onboards its database: a draft product appears.
    const created = await api(sales, 'PUT', `/connectors/${sourceName}/config`, {
      ...postgresSourceConfig(prefix, `${schema}.customers`),
      // Kept when the task fails on the breaking change (step 9), so the restart loses nothing.
      'slot.drop.on.stop': 'false',
      'product.domain': 'sales',
      'product.name': 'customers',
      'product.owner': 'sales-data-team',
      'product.description': 'Every customer of the web shop, as it changes',
    });
    expect(created.status).toBe(201);
    const product = await waitFor('the product with its output port', async () => {
      const answer = await api(marketing, 'GET', '/products/sales.customers');
      return answer.status === 200 && answer.body.outputPorts.length > 0 ? answer.body : undefined;
    });
    expect(product).toMatchObject({
      id: 'sales.customers',
      domain: 'sales',
      status: 'draft',
      owner: 'sales-data-team',
      outputPorts: [
        { topic, keySubject: `${topic}-key`, valueSubject: `${topic}-value`, keyColumns: ['id'] },
      ],
      inputPorts: [{ kind: 'table', connector: sourceName, table: `${schema}.customers` }],
    });

    // 2. Marketing cannot change it, but finds it.
    const refused = await api(marketing, 'PATCH', '/products/sales.customers', { owner: 'marketing' });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain('belongs to domain sales');
    expect((await api(marketing, 'POST', '/products/sales.customers/publish')).status).toBe(403);
    expect((await api(tokens.viewer ?? '', 'POST', '/products', { domain: 'sales', name: 'x' })).status).toBe(
      403,
    );
    const found = await api(marketing, 'GET', '/products?q=web%20shop&status=draft');
    expect(found.body.map((entry: { id: string }) => entry.id)).toEqual(['sales.customers']);
    expect((await api(marketing, 'GET', '/products?domain=marketing')).body).toEqual([]);
    // The sales team says who it is and how to reach it; marketing reads it but cannot change it.
    const described = await api(sales, 'PATCH', '/domains/sales', {
      description: 'Sales of the web shop',
      contact: 'sales-data@example.com',
    });
    expect(described.status).toBe(200);
    expect((await api(marketing, 'PATCH', '/domains/sales', { contact: 'us' })).status).toBe(403);
    expect((await api(marketing, 'GET', '/domains/sales')).body).toMatchObject({
      description: 'Sales of the web shop',
      contact: 'sales-data@example.com',
      owners: ['sales-data-team'],
      products: ['sales.customers'],
      connectors: [sourceName],
    });
    const domains = await api(marketing, 'GET', '/domains');
    expect(domains.body).toContainEqual(
      expect.objectContaining({ name: 'sales', products: ['sales.customers'] }),
    );

    // 3. Its contract: valid ODCS, comments as descriptions, key marked, email suggested as personal data.
    const contract = await api(
      marketing,
      'GET',
      '/products/sales.customers/contract',
      undefined,
      'application/json',
    );
    expect(contract.status).toBe(200);
    const odcs = JSON.parse(
      readFileSync(join(root, 'test/fixtures/odcs/odcs-json-schema-v3.0.2.json'), 'utf8'),
    );
    const validate = new Ajv2019({ allErrors: true, strict: false, validateFormats: false }).compile(odcs);
    expect(validate(contract.body) ? [] : validate.errors).toEqual([]);
    expect(contract.body).toMatchObject({
      apiVersion: 'v3.0.2',
      kind: 'DataContract',
      domain: 'sales',
      status: 'draft',
    });
    const customers = contract.body.schema.find((entry: { name: string }) => entry.name === 'customers');
    expect(customers.description).toBe('Customers of the web shop');
    const column = (name: string) =>
      customers.properties.find((entry: { name: string }) => entry.name === name);
    expect(column('id')).toMatchObject({
      primaryKey: true,
      primaryKeyPosition: 1,
      required: true,
      logicalType: 'integer',
    });
    expect(column('email')).toMatchObject({
      description: 'Login and receipts address',
      tags: ['personal-data-suggested:email'],
      customProperties: [
        {
          property: 'personalData',
          value: expect.objectContaining({ category: 'email', state: 'suggested' }),
        },
      ],
    });
    expect(column('segment').customProperties).toContainEqual({
      property: 'enumValues',
      value: ['retail', 'business'],
    });
    expect(customers.customProperties).toContainEqual({
      property: 'relationships',
      value: [
        expect.objectContaining({ type: 'foreignKey', from: 'customers.country', to: 'countries.code' }),
      ],
    });
    const yaml = await api(marketing, 'GET', '/products/sales.customers/contract');
    expect(parseYaml(yaml.text)).toEqual(contract.body);

    // 4. Marketing consumes it into MariaDB.
    const sink = await api(marketing, 'POST', '/connectors', {
      name: sinkName,
      config: {
        ...mariadbSinkConfig(topic, {
          'collection.name.format': targetTable,
          // Marketing has no use for the credit limit: the lineage shows it dropped on the way.
          'field.exclude.list': 'credit',
        }),
        'product.domain': 'marketing',
        'product.name': 'crm',
      },
    });
    expect(sink.status).toBe(201);
    await waitFor(
      'the customers in MariaDB',
      async () => {
        const [rows] = await target
          .query(`SELECT COUNT(*) AS n FROM \`${targetTable}\``)
          .catch(() => [[{ n: 0 }]]);
        return Number((rows as Array<{ n: number }>)[0]?.n) === 5;
      },
      { timeoutMs: 60_000 },
    );

    // 5. Lineage: table -> source connector -> topic -> sink -> MariaDB table, and the consumer group.
    const lineage = await waitFor('lineage with the consumer group', async () => {
      const answer = await api(marketing, 'GET', '/products/sales.customers/lineage');
      return answer.body.nodes.some((node: { id: string }) => node.id === `group:connect-${sinkName}`)
        ? answer.body
        : undefined;
    });
    const edge = (from: string, to: string) =>
      expect(lineage.edges).toContainEqual(expect.objectContaining({ from, to }));
    const tableNode = lineage.nodes.find(
      (node: { kind: string; name: string }) => node.kind === 'table' && node.name === `${schema}.customers`,
    );
    const targetNode = lineage.nodes.find(
      (node: { kind: string; name: string }) => node.kind === 'table' && node.name === targetTable,
    );
    expect(targetNode).toBeDefined();
    edge(tableNode.id, `connector:${sourceName}`);
    edge(`connector:${sourceName}`, `topic:${topic}`);
    edge(`topic:${topic}`, `connector:${sinkName}`);
    edge(`connector:${sinkName}`, targetNode.id);
    edge(`connector:${sinkName}`, `group:connect-${sinkName}`);
    expect(
      lineage.edges.find(
        (entry: { from: string; to: string }) =>
          entry.from === `connector:${sinkName}` && entry.to === targetNode.id,
      ).columns,
    ).toEqual([{ from: 'credit', to: null, steps: [{ change: 'dropped', by: 'field.exclude.list' }] }]);
    const mesh = await api(marketing, 'GET', '/lineage');
    expect(mesh.body.nodes.length).toBeGreaterThanOrEqual(lineage.nodes.length);
    const consumers = await api(marketing, 'GET', '/products/sales.customers/consumers');
    expect(consumers.body.connectors).toEqual([
      expect.objectContaining({
        connector: sinkName,
        group: `connect-${sinkName}`,
        domain: 'marketing',
        product: 'crm',
      }),
    ]);
    expect((await api(marketing, 'GET', '/products/marketing.crm')).body.inputPorts).toEqual([
      { kind: 'product', connector: sinkName, product: 'sales.customers', topics: [topic] },
    ]);

    // 6. The owner decides the suggestions and publishes: the registry enforces FULL_TRANSITIVE.
    const early = await api(sales, 'POST', '/products/sales.customers/publish');
    expect(early.status).toBe(409);
    expect(early.body.message).toContain(`${schema}.customers.email (email)`);
    const decided = await api(sales, 'PATCH', '/products/sales.customers', {
      classifications: [{ column: `${schema}.customers.email`, state: 'confirmed', treatment: 'hash' }],
      slaTier: 'tier-2',
      tags: ['customers', 'pii'],
      policy: { maxLagMs: 60_000 },
    });
    expect(decided.status).toBe(200);
    const published = await api(sales, 'POST', '/products/sales.customers/publish');
    expect(published.status).toBe(200);
    expect(published.body.status).toBe('published');
    for (const subject of [`${topic}-key`, `${topic}-value`]) {
      expect(await registry(`/config/${subject}`)).toMatchObject({ compatibilityLevel: 'FULL_TRANSITIVE' });
    }
    // The product's metadata on its subjects, the confirmed e-mail tagged as personal data.
    const productProperties = {
      'onramp.product': 'sales.customers',
      'onramp.domain': 'sales',
      'onramp.owner': 'sales-data-team',
      'onramp.slaTier': 'tier-2',
    };
    expect(await registry(`/config/${topic}-value`)).toMatchObject({
      defaultMetadata: { properties: productProperties, tags: { '**.email': ['PII', 'PII_EMAIL'] } },
    });
    expect(await registry(`/config/${topic}-key`)).toMatchObject({
      defaultMetadata: { properties: productProperties },
    });
    const schemas = await api(marketing, 'GET', '/products/sales.customers/schema');
    expect(schemas.body.ports[0]).toMatchObject({
      topic,
      value: { subject: `${topic}-value`, compatibility: 'FULL_TRANSITIVE', versions: [1] },
    });

    // The lineage says so too: the source connector hashes the email on its way to the topic.
    const publishedLineage = await api(marketing, 'GET', '/products/sales.customers/lineage');
    expect(
      publishedLineage.body.edges.find(
        (entry: { from: string; to: string }) =>
          entry.from === `connector:${sourceName}` && entry.to === `topic:${topic}`,
      ).columns,
    ).toEqual([{ from: 'email', to: 'email', steps: [{ change: 'hashed', by: 'product policy' }] }]);

    // 7. Events carry the product headers; from publication on, the email is hashed in Kafka.
    await source.query(`INSERT INTO ${schema}.customers VALUES (6, 'six@example.com', 'business', 'FR', 6)`);
    const avro = new AvroConverter(new SchemaRegistry({ url: services().schemaRegistryUrl }));
    const messages = await readTopic(topic, 6);
    for (const message of messages) {
      const headers = Object.fromEntries(message.headers.map((header) => [header.key, String(header.value)]));
      expect(headers).toMatchObject({ 'onramp.product': 'sales.customers', 'onramp.domain': 'sales' });
    }
    const emailOf = async (index: number) => {
      const decoded = await avro.toConnect(topic, false, messages[index]?.value ?? null);
      return (decoded?.value as { after: { id: number; email: string } }).after;
    };
    expect(await emailOf(0)).toMatchObject({ id: 1, email: 'c1@example.com' });
    const six = await emailOf(5);
    expect(six.id).toBe(6);
    expect(six.email).toMatch(/^[0-9a-f]{64}$/);
    // Publishing turned include.schema.comments on: the COMMENT ON texts are the Avro fields' doc.
    expect((await api(sales, 'GET', `/connectors/${sourceName}/config`)).body).toMatchObject({
      'include.schema.comments': 'true',
    });
    const latest = (await registry(`/subjects/${topic}-value/versions/latest`)) as { schema: string };
    const envelope = JSON.parse(latest.schema) as {
      fields: Array<{ name: string; type: unknown }>;
    };
    // 'before' defines the row record; 'after' refers to it by name.
    const row = (envelope.fields.find((field) => field.name === 'before')?.type as unknown[])[1] as {
      fields: Array<{ name: string; doc?: string }>;
    };
    expect(row.fields.map((field) => [field.name, field.doc])).toEqual([
      ['id', undefined],
      ['email', 'Login and receipts address'],
      ['segment', 'Retail or business customer'],
      ['country', undefined],
      ['credit', undefined],
    ]);
    await waitFor('the hashed email in MariaDB', async () => {
      const [rows] = await target.query(`SELECT email FROM \`${targetTable}\` WHERE id = 6`);
      return (rows as Array<{ email: string }>)[0]?.email === six.email;
    });

    // 8. Health names the connectors and their states, and the freshness of the topic.
    const health = await api(marketing, 'GET', '/products/sales.customers/health');
    expect(health.body).toMatchObject({ product: 'sales.customers', maxLagMs: 60_000, status: 'green' });
    expect(health.body.freshness).toEqual([
      expect.objectContaining({ topic, sloMs: 60_000, sloViolated: false, lagMs: expect.any(Number) }),
    ]);
    const metrics = await api(marketing, 'GET', '/metrics');
    const series = `connector="${sourceName}",task="0",product="sales.customers",domain="sales"`;
    expect(metrics.text).toMatch(
      new RegExp(`onramp_product_freshness_lag_seconds\\{${series},topic="${topic}"\\} [\\d.e-]+\n`),
    );
    expect(metrics.text).toContain(`onramp_product_events_total{${series}}`);
    expect(health.body.connectors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: sourceName, role: 'source', state: 'RUNNING' }),
        expect.objectContaining({ name: sinkName, role: 'sink', state: 'RUNNING' }),
      ]),
    );

    // 9. A breaking ALTER is named before the registry sees it: the task fails with the product,
    // table, column and rule...
    const registered = (await registry(`/subjects/${topic}-value/versions`)) as number[];
    await source.query(`ALTER TABLE ${schema}.customers RENAME COLUMN country TO country_code`);
    await source.query(`INSERT INTO ${schema}.customers VALUES (7, 'seven@example.com', 'retail', 'DE', 7)`);
    const trace: string = await waitFor('the source task failed on the breaking change', async () => {
      const status = await api(sales, 'GET', `/connectors/${sourceName}/status`);
      const task = status.body.tasks?.[0];
      return task?.state === 'FAILED' ? task.trace : undefined;
    });
    expect(trace).toContain(
      `Data product sales.customers: a change of table ${schema}.customers breaks its published contract: column country: renamed-column (renamed to country_code)`,
    );
    expect((await registry(`/subjects/${topic}-value/versions`)) as number[]).toEqual(registered);

    // ...or, when the product's policy says so, goes to a new major version's topic while v1 flows on.
    const policy = await api(sales, 'PATCH', '/products/sales.customers', {
      policy: { breakingChange: 'new-version' },
    });
    expect(policy.status).toBe(200);
    expect((await api(sales, 'POST', `/connectors/${sourceName}/tasks/0/restart`)).status).toBe(204);
    const versioned = await waitFor('the v2 port with FULL_TRANSITIVE', async () => {
      const answer = await api(marketing, 'GET', '/products/sales.customers');
      const config = (await registry(`/config/${topic}.v2-value`)) as { compatibilityLevel?: string };
      return answer.body.outputPorts.length === 2 && config.compatibilityLevel === 'FULL_TRANSITIVE'
        ? answer.body
        : undefined;
    });
    expect(versioned.version).toBe('2.0.0');
    expect(versioned.outputPorts).toContainEqual(
      expect.objectContaining({ topic: `${topic}.v2`, valueSubject: `${topic}.v2-value`, major: 2 }),
    );
    expect(versioned.schemaVersions[topic].map((version: { topic: string }) => version.topic)).toEqual([
      topic,
      `${topic}.v2`,
    ]);
    // The product records v2 as it routes the first event there: wait for the event itself.
    const admin = testAdmin();
    try {
      await waitFor('the first event in the v2 topic', async () => {
        const ends = await admin.endOffsets(`${topic}.v2`).catch(() => undefined);
        return ends !== undefined && [...ends.values()].some((offset) => offset > 0n);
      });
    } finally {
      await admin.close();
    }
    const [v2] = await readTopic(`${topic}.v2`, 1);
    const v2Row = (await avro.toConnect(`${topic}.v2`, false, v2?.value ?? null))?.value as {
      after: Record<string, unknown>;
    };
    expect(v2Row.after).toMatchObject({ id: 7, country_code: 'DE' });
    expect(v2Row.after).not.toHaveProperty('country');
    expect(String(v2Row.after.email)).toMatch(/^[0-9a-f]{64}$/);
    const v1Messages = await readTopic(topic, 7);
    const v1Row = (await avro.toConnect(topic, false, v1Messages[6]?.value ?? null))?.value as {
      after: Record<string, unknown>;
    };
    expect(v1Row.after).toMatchObject({ id: 7, country: 'DE' });
    expect((await registry(`/subjects/${topic}-value/versions`)) as number[]).toEqual(registered);
    await waitFor('the row in MariaDB through v1', async () => {
      const [rows] = await target.query(`SELECT country FROM \`${targetTable}\` WHERE id = 7`);
      return (rows as Array<{ country: string }>)[0]?.country === 'DE';
    });
  });
});
