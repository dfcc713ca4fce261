import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectStruct } from '../../src/plugin/index.ts';
import { ConverterFactory } from '../../src/schema/converter-factory.ts';
import { type HostProcess, postgresSourceConfig, startHostProcess } from '../support/host-process.ts';
import { readTopic } from '../support/runtime/kafka-reader.ts';
import { services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

// End to end through the shipped entry point: `node src/main.ts`, a connector created with Debezium's
// own PostgreSQL config over REST, rows in the real PostgreSQL, Avro events in the real Kafka with
// their schemas in the real registry, decoded the way a consumer would.

const suffix = randomUUID().slice(0, 8);
const table = `e2e_orders_${suffix}`;
const prefix = `e2e${suffix}`;
const topic = `${prefix}.public.${table}`;

let host: HostProcess;
let db: pg.Client;

beforeAll(async () => {
  db = new pg.Client({ connectionString: services().pgUrl });
  await db.connect();
  await db.query(
    `CREATE TABLE public.${table} (id int PRIMARY KEY, item text NOT NULL, price numeric(10,2))`,
  );
  await db.query(`INSERT INTO public.${table} VALUES (1, 'lamp', 19.90), (2, 'desk', 120.00)`);
  host = await startHostProcess();
});

afterAll(async () => {
  await host?.call('DELETE', `/connectors/${prefix}`).catch(() => undefined);
  await host?.stop();
  await db.query(`DROP TABLE IF EXISTS public.${table}`);
  await db.end();
});

describe('PostgreSQL -> Kafka through the REST API', () => {
  it('snapshots, streams c/u/d with tombstones, and stores the offset', async () => {
    const created = await host.call(
      'PUT',
      `/connectors/${prefix}/config`,
      postgresSourceConfig(prefix, `public.${table}`),
    );
    expect(created.status).toBe(201);
    expect(created.body.config['database.password']).toBe('[hidden]');

    await waitFor('connector and task RUNNING', async () => {
      const { body } = await host.call('GET', `/connectors/${prefix}/status`);
      return body?.connector.state === 'RUNNING' && body.tasks[0]?.state === 'RUNNING';
    });
    // Two snapshot rows, then a create, an update, a delete and its tombstone.
    await waitFor(
      'the snapshot offset',
      async () => (await host.call('GET', `/connectors/${prefix}/offsets`)).body?.offsets.length === 1,
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
      const { body } = await host.call('GET', `/connectors/${prefix}/offsets`);
      return body?.offsets[0]?.offset.messageType === 'COMMIT' ? body : undefined;
    });
    expect(offsets.offsets[0].partition).toEqual({ server: prefix });
    expect((await host.call('GET', `/connectors/${prefix}/topics`)).body).toEqual({
      [prefix]: { topics: [topic] },
    });
  });
});
