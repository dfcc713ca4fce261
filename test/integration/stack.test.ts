// The integration services answer real clients with the settings CDC needs.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

const unique = () => `stack-test-${randomUUID().slice(0, 8)}`;

describe('integration services', () => {
  it('PostgreSQL runs with logical decoding', async () => {
    const client = new pg.Client({ connectionString: services().pgUrl });
    await client.connect();
    try {
      const result = await client.query<{ wal_level: string }>(
        "SELECT current_setting('wal_level') AS wal_level",
      );
      expect(result.rows).toEqual([{ wal_level: 'logical' }]);
    } finally {
      await client.end();
    }
  });

  it('MariaDB/MySQL writes a full row-based binlog', async () => {
    const connection = await mysql.createConnection({ uri: services().mysqlUrl });
    try {
      const [rows] = await connection.query<mysql.RowDataPacket[]>(
        'SELECT @@log_bin AS log_bin, @@binlog_format AS format, @@binlog_row_image AS image, ' +
          '@@binlog_row_metadata AS metadata',
      );
      expect(rows.map((row) => ({ ...row }))).toEqual([
        { log_bin: 1, format: 'ROW', image: 'FULL', metadata: 'FULL' },
      ]);
    } finally {
      await connection.end();
    }
  });

  it('Kafka round-trips a message on a fresh topic', async () => {
    const kafka = new Kafka({
      clientId: 'stack-test',
      brokers: services().kafkaBrokers,
      logLevel: logLevel.NOTHING,
    });
    const topic = unique();
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();

    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: 'k1', value: 'hello' }] });
    await producer.disconnect();

    const received: { key: string; value: string; offset: string }[] = [];
    const consumer = kafka.consumer({ groupId: `${topic}-group` });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          received.push({ key: String(message.key), value: String(message.value), offset: message.offset });
        },
      });
      await waitFor('the produced message to be consumed', () => received.length > 0, { timeoutMs: 30_000 });
    } finally {
      await consumer.disconnect();
    }
    expect(received).toEqual([{ key: 'k1', value: 'hello', offset: '0' }]);
  });

  it('the schema registry registers an Avro schema and serves it by id', async () => {
    const registry = services().schemaRegistryUrl;
    const subject = `${unique()}-value`;
    const schema = JSON.stringify({
      type: 'record',
      name: 'Row',
      namespace: 'onramp.stack_test',
      fields: [
        { name: 'id', type: 'int' },
        { name: 'name', type: ['null', 'string'], default: null },
      ],
    });
    const headers = { 'Content-Type': 'application/vnd.schemaregistry.v1+json' };
    const posted = await fetch(`${registry}/subjects/${subject}/versions`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ schema }),
    });
    expect(posted.status).toBe(200);
    const { id } = (await posted.json()) as { id: number };
    expect(id).toBeGreaterThan(0);

    const fetched = await fetch(`${registry}/schemas/ids/${id}`);
    expect(fetched.status).toBe(200);
    const body = (await fetched.json()) as { schema: string };
    expect(JSON.parse(body.schema)).toEqual(JSON.parse(schema));

    const subjects = await fetch(`${registry}/subjects`);
    expect((await subjects.json()) as string[]).toContain(subject);
  });
});
