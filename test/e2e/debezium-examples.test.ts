import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncomingMessage } from '../../src/kafka/types.ts';
import type { ConnectStruct } from '../../src/plugin/index.ts';
import { ConverterFactory } from '../../src/schema/converter-factory.ts';
import { type HostProcess, startHostProcess } from '../support/host-process.ts';
import { readTopic, testAdmin } from '../support/runtime/kafka-reader.ts';
import { services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

// debezium-examples' unwrap-smt and outbox configurations, registered with Onramp unchanged except
// for the connection settings (test/fixtures/debezium-examples), through the shipped entry point:
//   unwrap-smt: the JDBC sink registered first, before its topic exists (RUNNING, then consuming it),
//     then the MySQL source whose RegexRouter routes dbserver1.inventory.customers to `customers`;
//     the PostgreSQL table follows inserts, updates and deletes.
//   outbox: the PostgreSQL source with the outbox EventRouter; inserts into inventory.outboxevent
//     become events on Order.events keyed by aggregateid, with the payload as value and the id and
//     eventType headers; deletes of outbox rows are dropped.
// Their topics have fixed names, so each run deletes them (and their subjects) first.

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'debezium-examples');
function example(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(fixtures, file), 'utf8')) as Record<string, unknown>;
}

const admin = testAdmin();
let host: HostProcess;
let source: pg.Client;
let maria: mysql.Connection;

async function dropSubjects(...subjects: string[]): Promise<void> {
  const registry = services().schemaRegistryUrl;
  for (const subject of subjects) {
    await fetch(`${registry}/subjects/${encodeURIComponent(subject)}`, { method: 'DELETE' }).catch(
      () => undefined,
    );
    await fetch(`${registry}/subjects/${encodeURIComponent(subject)}?permanent=true`, {
      method: 'DELETE',
    }).catch(() => undefined);
  }
}

async function freshTopics(...topics: string[]): Promise<void> {
  await admin.deleteTopics(topics).catch(() => undefined);
  await waitFor('the example topics deleted', async () => {
    for (const topic of topics) {
      const exists = await admin
        .endOffsets(topic)
        .then(() => true)
        .catch(() => false);
      if (exists) return false;
    }
    return true;
  });
  await dropSubjects(...topics.flatMap((topic) => [`${topic}-key`, `${topic}-value`]));
}

async function running(name: string): Promise<boolean> {
  const { body } = await host.call('GET', `/connectors/${name}/status`);
  return (
    body?.connector?.state === 'RUNNING' &&
    body.tasks?.length > 0 &&
    body.tasks.every((task: { state: string }) => task.state === 'RUNNING')
  );
}

async function decode(topic: string, messages: IncomingMessage[]) {
  const converters = new ConverterFactory({ schemaRegistryUrl: services().schemaRegistryUrl }).forConfig({});
  const decoded = [];
  for (const message of messages) {
    const key = await converters.key.toConnect(topic, true, message.key);
    const value = await converters.value.toConnect(topic, false, message.value);
    decoded.push({ key: key?.value ?? null, value: value?.value ?? null, headers: message.headers });
  }
  return decoded;
}

beforeAll(async () => {
  source = new pg.Client({ connectionString: services().pgUrl });
  await source.connect();
  maria = await mysql.createConnection(services().mysqlUrl);
  host = await startHostProcess({ ONRAMP_KAFKA_CONSUMER_METADATA_MAX_AGE_MS: '1000' });
});

afterAll(async () => {
  for (const name of ['jdbc-sink', 'inventory-connector', 'outbox-connector'])
    await host?.call('DELETE', `/connectors/${name}`).catch(() => undefined);
  await host?.stop();
  // The outbox example names neither slot nor publication: Debezium's defaults.
  await source
    .query(
      "SELECT pg_drop_replication_slot('debezium') FROM pg_replication_slots WHERE slot_name = 'debezium' AND NOT active",
    )
    .catch(() => undefined);
  await source.query('DROP PUBLICATION IF EXISTS dbz_publication').catch(() => undefined);
  await source.query('DROP TABLE IF EXISTS public.customers, inventory.outboxevent').catch(() => undefined);
  await source.end();
  await maria.query('DROP TABLE IF EXISTS inventory.customers').catch(() => undefined);
  await maria.end();
  await admin.close();
});

describe('debezium-examples unwrap-smt', () => {
  it('a JDBC sink registered before its topic exists, then the MySQL source with RegexRouter: PostgreSQL follows', async () => {
    await freshTopics('customers');
    await maria.query('CREATE DATABASE IF NOT EXISTS inventory');
    await maria.query('DROP TABLE IF EXISTS inventory.customers');
    await maria.query(
      `CREATE TABLE inventory.customers (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, first_name VARCHAR(255) NOT NULL,
       last_name VARCHAR(255) NOT NULL, email VARCHAR(255) NOT NULL UNIQUE) AUTO_INCREMENT=1001`,
    );
    await maria.query(
      `INSERT INTO inventory.customers VALUES (default, 'Sally', 'Thomas', 'sally.thomas@acme.com'),
       (default, 'George', 'Bailey', 'gbailey@foobar.com'), (default, 'Edward', 'Walker', 'ed@walker.com'),
       (default, 'Anne', 'Kretchmar', 'annek@noanswer.org')`,
    );
    await source.query('DROP TABLE IF EXISTS public.customers');

    const pgUrl = new URL(services().pgUrl);
    const sink = example('unwrap-smt-jdbc-sink.json') as { name: string; config: Record<string, string> };
    sink.config = {
      ...sink.config,
      'connection.url': `jdbc:postgresql://${pgUrl.hostname}:${pgUrl.port || '5432'}${pgUrl.pathname}`,
      'connection.username': decodeURIComponent(pgUrl.username),
      'connection.password': decodeURIComponent(pgUrl.password),
    };
    const createdSink = await host.call('POST', '/connectors', sink);
    expect(createdSink.status, JSON.stringify(createdSink.body)).toBe(201);
    // No topic yet: RUNNING all the same, as in Kafka Connect.
    await waitFor('jdbc-sink RUNNING before its topic exists', () => running('jdbc-sink'));

    const mysqlUrl = new URL(services().mysqlUrl);
    const sourceBody = example('unwrap-smt-source.json') as { name: string; config: Record<string, string> };
    sourceBody.config = {
      ...sourceBody.config,
      'database.hostname': mysqlUrl.hostname,
      'database.port': mysqlUrl.port || '3306',
      'database.user': decodeURIComponent(mysqlUrl.username),
      'database.password': decodeURIComponent(mysqlUrl.password),
    };
    const createdSource = await host.call('POST', '/connectors', sourceBody);
    expect(createdSource.status, JSON.stringify(createdSource.body)).toBe(201);
    await waitFor('inventory-connector RUNNING', () => running('inventory-connector'));

    const rows = async () =>
      (await source.query('SELECT id, first_name, last_name, email FROM public.customers ORDER BY id')).rows;
    await waitFor(
      'the four customers in PostgreSQL',
      async () => (await rows().catch(() => [])).length === 4,
      {
        timeoutMs: 60_000,
      },
    );
    expect((await rows()).map((row) => row.first_name)).toEqual(['Sally', 'George', 'Edward', 'Anne']);

    await maria.query(
      "INSERT INTO inventory.customers VALUES (default, 'John', 'Doe', 'john.doe@example.com')",
    );
    await waitFor('John in PostgreSQL', async () => (await rows()).some((row) => row.first_name === 'John'));
    await maria.query(
      "UPDATE inventory.customers SET first_name = 'Sarah' WHERE email = 'john.doe@example.com'",
    );
    await waitFor('Sarah in PostgreSQL', async () =>
      (await rows()).some((row) => row.first_name === 'Sarah'),
    );
    await maria.query("DELETE FROM inventory.customers WHERE email = 'john.doe@example.com'");
    await waitFor('the deleted row gone', async () => (await rows()).length === 4);

    // The topic the RegexRouter made ($3 of dbserver1.inventory.customers): Debezium envelopes.
    const events = await decode('customers', await readTopic('customers', 8));
    const summary = events.map(({ key, value }) => {
      const envelope = value as ConnectStruct | null;
      const row = (envelope?.after ?? envelope?.before ?? null) as ConnectStruct | null;
      return [(key as ConnectStruct).id, envelope?.op ?? 'tombstone', row?.first_name ?? null];
    });
    expect(summary).toEqual([
      [1001, 'r', 'Sally'],
      [1002, 'r', 'George'],
      [1003, 'r', 'Edward'],
      [1004, 'r', 'Anne'],
      [1005, 'c', 'John'],
      [1005, 'u', 'Sarah'],
      [1005, 'd', 'Sarah'],
      [1005, 'tombstone', null],
    ]);
    const { body: topics } = await host.call('GET', '/connectors/inventory-connector/topics');
    expect(topics['inventory-connector'].topics).toContain('customers');
  });
});

describe('debezium-examples outbox', () => {
  it('routes outbox inserts to Order.events with aggregateid keys, payload values and id/eventType headers', async () => {
    await freshTopics('Order.events');
    await source
      .query(
        "SELECT pg_drop_replication_slot('debezium') FROM pg_replication_slots WHERE slot_name = 'debezium' AND NOT active",
      )
      .catch(() => undefined);
    await source.query('DROP PUBLICATION IF EXISTS dbz_publication');
    await source.query('CREATE SCHEMA IF NOT EXISTS inventory');
    await source.query('DROP TABLE IF EXISTS inventory.outboxevent');
    // The table Quarkus' debezium-outbox extension creates for the order service.
    await source.query(
      `CREATE TABLE inventory.outboxevent (id uuid NOT NULL PRIMARY KEY, aggregatetype varchar(255) NOT NULL,
       aggregateid varchar(255) NOT NULL, type varchar(255) NOT NULL, timestamp timestamp(6) NOT NULL,
       payload varchar(8000), tracingspancontext varchar(256))`,
    );

    const pgUrl = new URL(services().pgUrl);
    const config = {
      ...(example('outbox-register-postgres.json') as Record<string, string>),
      'database.hostname': pgUrl.hostname,
      'database.port': pgUrl.port || '5432',
      'database.user': decodeURIComponent(pgUrl.username),
      'database.password': decodeURIComponent(pgUrl.password),
      'database.dbname': pgUrl.pathname.slice(1),
    };
    const created = await host.call('PUT', '/connectors/outbox-connector/config', config);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await waitFor('outbox-connector RUNNING', () => running('outbox-connector'));
    // The outbox table starts empty: the task is streaming once its slot is in use.
    await waitFor('the slot streaming', async () => {
      const { rows } = await source.query(
        "SELECT active FROM pg_replication_slots WHERE slot_name = 'debezium' AND active",
      );
      return rows.length === 1;
    });

    const created1 =
      '{"id":1,"customerId":123,"lineItems":[{"item":"Debezium in Action","quantity":2,"status":"ENTERED"}]}';
    const updated1 = '{"orderId":1,"orderLineId":2,"oldStatus":"ENTERED","newStatus":"CANCELLED"}';
    const ids = ['6f0c7a2e-3f7b-4f43-9b7e-0b1f3f7d1a01', '6f0c7a2e-3f7b-4f43-9b7e-0b1f3f7d1a02'];
    await source.query(
      `INSERT INTO inventory.outboxevent VALUES ($1, 'Order', '1', 'OrderCreated', now(), $2, null),
       ($3, 'Order', '1', 'OrderLineUpdated', now(), $4, null)`,
      [ids[0], created1, ids[1], updated1],
    );
    // The service may delete outbox rows right away: deletes make no events.
    await source.query('DELETE FROM inventory.outboxevent');

    const events = await decode('Order.events', await readTopic('Order.events', 2));
    const header = (headers: IncomingMessage['headers'], name: string) => {
      const value = headers.find((entry) => entry.key === name)?.value;
      return value === null || value === undefined ? undefined : Buffer.from(value).toString('utf8');
    };
    expect(
      events.map(({ key, value, headers }) => ({
        key,
        value,
        id: header(headers, 'id'),
        eventType: header(headers, 'eventType'),
      })),
    ).toEqual([
      { key: '1', value: created1, id: ids[0], eventType: 'OrderCreated' },
      { key: '1', value: updated1, id: ids[1], eventType: 'OrderLineUpdated' },
    ]);
    expect(String(events[0]?.value)).toContain('Debezium in Action');
    expect(String(events[1]?.value)).toContain('CANCELLED');
    // Nothing else reached the topic (no delete events, no tombstones: tombstones.on.delete=false).
    const { body: offsets } = await host.call('GET', '/connectors/outbox-connector/topics');
    expect(offsets['outbox-connector'].topics).toEqual(['Order.events']);
    expect((await admin.endOffsets('Order.events')).get(0)).toBe(2n);
  });
});
