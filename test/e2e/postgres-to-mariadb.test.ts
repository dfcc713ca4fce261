// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${source.table} is the sink's own placeholder
import { randomUUID } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type HostProcess,
  mariadbSinkConfig,
  postgresSourceConfig,
  startHostProcess,
} from '../support/host-process.ts';
import { services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

// The product's main job, end to end through the shipped entry point: a PostgreSQL table published by
// the PostgreSQL source (Debezium's config keys) and kept in sync in MariaDB by the JDBC sink (the
// Debezium JDBC sink's config keys, native envelopes, no unwrap), through the real Kafka and registry.

const suffix = randomUUID().slice(0, 8);
const table = `e2e_customers_${suffix}`;
const prefix = `e2esync${suffix}`;
const topic = `${prefix}.public.${table}`;

let host: HostProcess;
let source: pg.Client;
let target: mysql.Connection;

type Row = { id: number; email: string; credit: string | null };

async function sourceRows(): Promise<Row[]> {
  const { rows } = await source.query(
    `SELECT id, email, credit::text AS credit FROM public.${table} ORDER BY id`,
  );
  return rows;
}

async function targetRows(): Promise<Row[] | undefined> {
  try {
    const [rows] = await target.query(
      `SELECT id, email, CAST(credit AS CHAR) AS credit FROM \`${table}\` ORDER BY id`,
    );
    return rows as Row[];
  } catch {
    return undefined; // the sink has not created the table yet
  }
}

beforeAll(async () => {
  source = new pg.Client({ connectionString: services().pgUrl });
  await source.connect();
  await source.query(
    `CREATE TABLE public.${table} (id int PRIMARY KEY, email text NOT NULL, credit numeric(12,2))`,
  );
  await source.query(
    `INSERT INTO public.${table} SELECT i, 'c' || i || '@example.com', i * 1.5 FROM generate_series(1, 50) AS i`,
  );
  target = await mysql.createConnection(services().mysqlUrl);
  host = await startHostProcess();
});

afterAll(async () => {
  await host?.call('DELETE', `/connectors/${prefix}-sink`).catch(() => undefined);
  await host?.call('DELETE', `/connectors/${prefix}`).catch(() => undefined);
  await host?.stop();
  await source.query(`DROP TABLE IF EXISTS public.${table}`);
  await source.end();
  await target.query(`DROP TABLE IF EXISTS \`${table}\``);
  await target.end();
});

describe('PostgreSQL -> Kafka -> MariaDB', () => {
  it('keeps the MariaDB table equal to the PostgreSQL table through snapshot, inserts, updates and deletes', async () => {
    expect(
      (
        await host.call(
          'PUT',
          `/connectors/${prefix}/config`,
          postgresSourceConfig(prefix, `public.${table}`),
        )
      ).status,
    ).toBe(201);
    const sink = await host.call('POST', '/connectors', {
      name: `${prefix}-sink`,
      config: mariadbSinkConfig(topic, { 'collection.name.format': '${source.table}' }),
    });
    expect(sink.status).toBe(201);

    await waitFor('the snapshot in MariaDB', async () => (await targetRows())?.length === 50, {
      timeoutMs: 60_000,
    });

    await source.query(
      `INSERT INTO public.${table} VALUES (51, 'new@example.com', 7.25), (52, 'other@example.com', NULL)`,
    );
    await source.query(`UPDATE public.${table} SET credit = credit + 100 WHERE id % 10 = 0`);
    await source.query(`UPDATE public.${table} SET email = 'renamed@example.com' WHERE id = 3`);
    await source.query(`DELETE FROM public.${table} WHERE id IN (1, 2, 51)`);

    const expected = await sourceRows();
    expect(expected).toHaveLength(49);
    const synced = await waitFor(
      'MariaDB to equal PostgreSQL',
      async () => {
        const rows = await targetRows();
        return JSON.stringify(rows) === JSON.stringify(expected) ? rows : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(synced).toEqual(expected);

    const status = await host.call('GET', `/connectors/${prefix}-sink/status`);
    expect(status.body).toMatchObject({
      connector: { state: 'RUNNING' },
      tasks: [{ state: 'RUNNING' }],
      type: 'sink',
    });
    const offsets = await host.call('GET', `/connectors/${prefix}-sink/offsets`);
    expect(offsets.body.offsets).toEqual([
      { partition: { kafka_topic: topic, kafka_partition: 0 }, offset: { kafka_offset: expect.any(Number) } },
    ]);
  });
});
