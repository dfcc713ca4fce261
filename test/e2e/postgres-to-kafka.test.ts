import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectStruct } from '../../src/plugin/index.ts';
import { ConverterFactory } from '../../src/schema/converter-factory.ts';
import { readTopic } from '../support/runtime/kafka-reader.ts';
import { services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

// End to end through the shipped entry point: `node src/main.ts`, a connector created with Debezium's
// own PostgreSQL config over REST, rows in the real PostgreSQL, Avro events in the real Kafka with
// their schemas in the real registry, decoded the way a consumer would.

const root = join(import.meta.dirname, '..', '..');
const suffix = randomUUID().slice(0, 8);
const table = `e2e_orders_${suffix}`;
const prefix = `e2e${suffix}`;
const topic = `${prefix}.public.${table}`;

let host: ChildProcess;
let base: string;
let db: pg.Client;

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    ...(body !== undefined && {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

beforeAll(async () => {
  const { pgUrl, kafkaBrokers, schemaRegistryUrl } = services();
  db = new pg.Client({ connectionString: pgUrl });
  await db.connect();
  await db.query(
    `CREATE TABLE public.${table} (id int PRIMARY KEY, item text NOT NULL, price numeric(10,2))`,
  );
  await db.query(`INSERT INTO public.${table} VALUES (1, 'lamp', 19.90), (2, 'desk', 120.00)`);

  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  host = spawn(process.execPath, [join(root, 'src', 'main.ts')], {
    cwd: root,
    env: {
      ...process.env,
      ONRAMP_REST_PORT: String(port),
      ONRAMP_DATA_DIR: mkdtempSync(join(tmpdir(), 'onramp-e2e-')),
      KAFKA_BROKERS: kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: schemaRegistryUrl,
      ONRAMP_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitFor('the host to answer /health', async () => (await fetch(`${base}/health`)).ok, {
    timeoutMs: 20_000,
  });
});

afterAll(async () => {
  await call('DELETE', `/connectors/${prefix}`).catch(() => undefined);
  host?.kill('SIGTERM');
  await db.query(`DROP TABLE IF EXISTS public.${table}`);
  await db.end();
});

describe('PostgreSQL -> Kafka through the REST API', () => {
  it('snapshots, streams c/u/d with tombstones, and stores the offset', async () => {
    const url = new URL(services().pgUrl);
    const created = await call('PUT', `/connectors/${prefix}/config`, {
      'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
      'database.hostname': url.hostname,
      'database.port': url.port || '5432',
      'database.user': decodeURIComponent(url.username),
      'database.password': decodeURIComponent(url.password),
      'database.dbname': url.pathname.slice(1),
      'topic.prefix': prefix,
      'plugin.name': 'pgoutput',
      'table.include.list': `public.${table}`,
      'slot.name': prefix,
      'publication.name': prefix,
      'publication.autocreate.mode': 'filtered',
      'slot.drop.on.stop': 'true',
    });
    expect(created.status).toBe(201);
    expect(created.body.config['database.password']).toBe('[hidden]');

    await waitFor('connector and task RUNNING', async () => {
      const { body } = await call('GET', `/connectors/${prefix}/status`);
      return body?.connector.state === 'RUNNING' && body.tasks[0]?.state === 'RUNNING';
    });
    // Two snapshot rows, then a create, an update, a delete and its tombstone.
    await waitFor(
      'the snapshot offset',
      async () => (await call('GET', `/connectors/${prefix}/offsets`)).body?.offsets.length === 1,
    );
    await db.query(`INSERT INTO public.${table} VALUES (3, 'chair', 45.50)`);
    await db.query(`UPDATE public.${table} SET price = 99.99 WHERE id = 2`);
    await db.query(`DELETE FROM public.${table} WHERE id = 1`);

    const messages = await readTopic(topic, 6);
    const converters = new ConverterFactory({ schemaRegistryUrl: services().schemaRegistryUrl }).forConfig(
      {},
    );
    const events = [];
    for (const message of messages) {
      const key = await converters.key.toConnect(topic, true, message.key);
      const value = await converters.value.toConnect(topic, false, message.value);
      events.push({
        key: key?.value as ConnectStruct,
        value: (value?.value ?? null) as ConnectStruct | null,
      });
    }
    const summary = events.map(({ key, value }) => ({
      id: key.id,
      op: value?.op ?? 'tombstone',
      item: (value?.after as ConnectStruct | null)?.item ?? null,
      price: (value?.after as ConnectStruct | null)?.price ?? null,
    }));
    expect(summary).toEqual([
      { id: 1, op: 'r', item: 'lamp', price: '19.90' },
      { id: 2, op: 'r', item: 'desk', price: '120.00' },
      { id: 3, op: 'c', item: 'chair', price: '45.50' },
      { id: 2, op: 'u', item: 'desk', price: '99.99' },
      { id: 1, op: 'd', item: null, price: null },
      { id: 1, op: 'tombstone', item: null, price: null },
    ]);
    const deleted = events[4]?.value;
    expect((deleted?.before as ConnectStruct).id).toBe(1);
    expect(deleted?.source).toMatchObject({ connector: 'postgresql', name: prefix, schema: 'public', table });

    const subjects = (await (await fetch(`${services().schemaRegistryUrl}/subjects`)).json()) as string[];
    expect(subjects).toEqual(expect.arrayContaining([`${topic}-key`, `${topic}-value`]));

    const offsets = await waitFor('the offset of the delete', async () => {
      const { body } = await call('GET', `/connectors/${prefix}/offsets`);
      return body?.offsets[0]?.offset.messageType === 'COMMIT' ? body : undefined;
    });
    expect(offsets.offsets[0].partition).toEqual({ server: prefix });
    expect((await call('GET', `/connectors/${prefix}/topics`)).body).toEqual({
      [prefix]: { topics: [topic] },
    });
  });
});
