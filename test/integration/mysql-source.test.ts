// The MySQL source task against the real MariaDB: snapshot, then streamed c/u/d/t with exact
// envelopes and keys, tombstones, primary key updates, DDL picked up mid-stream (rows before and
// after an ALTER decode with their own columns) and schema change records.
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  afterImage,
  beforeImage,
  connectionSettings,
  createTestDatabase,
  envelope,
  onTopic,
  op,
  serverId,
  source,
  sourceConfig,
  TaskDriver,
} from '../fixtures/mysql/task-harness.ts';
import { services } from '../support/services.ts';

const DATABASE = `onramp_mysrc_main_${process.pid}`;

describe('mysql source task', () => {
  let client: mysql.Connection;
  let drop: () => Promise<void>;
  let settings: Record<string, string>;

  beforeAll(async () => {
    const { mysqlUrl } = services();
    ({ client, drop } = await createTestDatabase(mysqlUrl, DATABASE));
    settings = connectionSettings(mysqlUrl);
    await client.query(`
      CREATE TABLE customers (
        id INT AUTO_INCREMENT PRIMARY KEY,
        name VARCHAR(50) NOT NULL,
        balance DECIMAL(10,2),
        joined DATETIME(6),
        seen TIMESTAMP(6) NULL
      );
      CREATE TABLE ignored (id INT PRIMARY KEY);
      INSERT INTO customers (name, balance, joined, seen) VALUES
        ('Ada', 10.50, '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05.500000'),
        ('Bob', NULL, NULL, NULL);
      INSERT INTO ignored VALUES (1);
    `);
  });

  afterAll(async () => {
    await drop?.();
  });

  function config(overrides: Record<string, string> = {}) {
    return sourceConfig({
      ...settings,
      'database.server.id': serverId(1),
      'topic.prefix': 'shop',
      'database.include.list': DATABASE,
      'table.exclude.list': `${DATABASE}\\.ignored`,
      'skipped.operations': 'none',
      ...overrides,
    });
  }

  it('snapshots, then streams c/u/d/t, tombstones, key changes and DDL with exact envelopes', async () => {
    const driver = new TaskDriver(config());
    await driver.start();
    try {
      const topic = `shop.${DATABASE}.customers`;
      // The snapshot's DDL goes first, to the schema change topic `shop`; then the rows.
      const snapshot = onTopic(
        await driver.pollFor('the snapshot rows', (all) => onTopic(all, topic).length >= 2),
        topic,
      );
      expect(snapshot.map((record) => record.topic)).toEqual([topic, topic]);
      expect(snapshot.map(op)).toEqual(['r', 'r']);
      expect(snapshot.map((record) => source(record).snapshot)).toEqual(['first', 'last']);
      expect(snapshot[0]?.key?.value).toEqual({ id: 1 });
      expect(afterImage(snapshot[0])).toEqual({
        id: 1,
        name: 'Ada',
        balance: '10.50',
        joined: 1704164645123456,
        seen: '2024-01-02T03:04:05.500000Z',
      });
      expect(afterImage(snapshot[1])).toEqual({
        id: 2,
        name: 'Bob',
        balance: null,
        joined: null,
        seen: null,
      });
      const snapshotSource = source(snapshot[1]);
      expect(snapshotSource).toMatchObject({
        connector: 'mysql',
        name: 'shop',
        db: DATABASE,
        table: 'customers',
        row: 0,
      });
      expect(snapshot[1]?.sourceOffset).toMatchObject({
        snapshot: true,
        snapshot_completed: true,
        event: 0,
        row: 0,
      });
      expect(snapshot[1]?.value?.schema?.name).toBe(`${topic}.Envelope`);
      const sourceSchema = snapshot[1]?.value?.schema?.fields?.find((field) => field.field === 'source');
      expect(sourceSchema?.name).toBe('io.debezium.connector.mysql.Source');

      await client.query(`INSERT INTO customers (name, balance) VALUES ('Cy', -1.25)`);
      await client.query(`UPDATE customers SET balance = 99.99 WHERE id = 1`);
      await client.query(`DELETE FROM customers WHERE id = 2`);
      await client.query(`UPDATE customers SET id = 10 WHERE id = 3`);
      await client.query(`INSERT INTO ignored VALUES (2)`);
      await client.query(`TRUNCATE TABLE customers`);
      const records = await driver.pollFor('t event', (all) => all.some((record) => op(record) === 't'));
      const streamed = onTopic(records, topic).slice(2);
      expect(streamed.map(op)).toEqual(['c', 'u', 'd', 'tombstone', 'd', 'tombstone', 'c', 't']);
      expect(records.some((record) => record.topic.endsWith('.ignored'))).toBe(false);

      const [create, update, del, tombstone, keyDelete, , keyCreate, truncate] = streamed;
      expect(envelope(create)).toMatchObject({
        op: 'c',
        before: null,
        after: { id: 3, name: 'Cy', balance: '-1.25', joined: null, seen: null },
      });
      expect(beforeImage(update)).toMatchObject({ id: 1, balance: '10.50' });
      expect(afterImage(update)).toMatchObject({ id: 1, balance: '99.99', joined: 1704164645123456 });
      expect(update?.key?.value).toEqual({ id: 1 });
      expect(beforeImage(del)).toEqual({ id: 2, name: 'Bob', balance: null, joined: null, seen: null });
      expect(afterImage(del)).toBeNull();
      expect(tombstone?.key?.value).toEqual({ id: 2 });
      expect(tombstone?.value).toBeNull();
      expect(keyDelete?.key?.value).toEqual({ id: 3 });
      expect(keyDelete?.headers).toEqual([{ key: '__debezium.newkey', value: '{"id":10}' }]);
      expect(keyCreate?.key?.value).toEqual({ id: 10 });
      expect(truncate?.key).toBeNull();
      expect(envelope(truncate)).toMatchObject({ op: 't', before: null, after: null });

      const createSource = source(create);
      expect(createSource).toMatchObject({
        snapshot: 'false',
        db: DATABASE,
        table: 'customers',
        row: 0,
        server_id: 1,
      });
      expect(createSource.gtid).toMatch(/^0-1-\d+$/);
      expect(createSource.file).toMatch(/bin\.\d+$/);
      expect(create?.sourceOffset).toMatchObject({ event: 0, row: 1, server_id: 1 });
      expect(
        driver.context.counters.get(`source_events_total{table=${DATABASE}.customers,op=c}`),
      ).toBeGreaterThan(0);
    } finally {
      await driver.stop();
    }
  });
});
