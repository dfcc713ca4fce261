// The PostgreSQL source task against a real PostgreSQL: snapshot, then streamed c/u/d/t with exact
// envelopes, keys, tombstones, TOAST placeholders, schema changes, and the slot's confirmed LSN
// following only what was committed.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  afterImage,
  beforeImage,
  connectionSettings,
  createTestDatabase,
  envelope,
  op,
  slotName,
  slotState,
  source,
  sourceConfig,
  TaskDriver,
} from '../fixtures/postgres/task-harness.ts';
import { services } from '../support/services.ts';

const DATABASE = `onramp_pgsrc_main_${process.pid}`;
const SLOT = slotName('main');

describe('postgres source task', () => {
  let client: pg.Client;
  let drop: () => Promise<void>;
  let settings: Record<string, string>;

  beforeAll(async () => {
    const { pgUrl } = services();
    ({ client, drop } = await createTestDatabase(pgUrl, DATABASE));
    settings = connectionSettings(pgUrl, DATABASE);
    await client.query(`
      CREATE TABLE customers (
        id serial PRIMARY KEY,
        name text NOT NULL,
        email varchar(100),
        balance numeric(10,2),
        joined timestamp,
        seen timestamptz
      );
      CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int NOT NULL, note text);
      CREATE TABLE ignored (id int PRIMARY KEY);
      INSERT INTO customers (name, email, balance, joined, seen) VALUES
        ('Ada', 'ada@example.com', 10.50, '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05.5+02'),
        ('Bob', NULL, NULL, NULL, NULL),
        ('Cy', 'cy@example.com', -1.00, '1969-12-31 23:59:59.999999', '2000-01-01 00:00:00+00');
      INSERT INTO orders VALUES (100, 1, 'first order');
      INSERT INTO ignored VALUES (1);
    `);
  });

  afterAll(async () => {
    await drop?.();
  });

  function config(overrides: Record<string, string> = {}) {
    return sourceConfig({
      ...settings,
      'topic.prefix': 'shop',
      'slot.name': SLOT,
      'publication.name': 'onramp_pgsrc_main',
      'table.include.list': 'public.customers,public.orders',
      'skipped.operations': 'none',
      ...overrides,
    });
  }

  it('snapshots existing rows, then streams inserts, updates, deletes and truncates', async () => {
    const driver = new TaskDriver(config());
    await driver.start();
    try {
      const snapshot = await driver.pollUntil(4);
      expect(snapshot.map((record) => [record.topic, op(record), source(record).snapshot])).toEqual([
        ['shop.public.customers', 'r', 'first'],
        ['shop.public.customers', 'r', 'true'],
        ['shop.public.customers', 'r', 'last_in_data_collection'],
        ['shop.public.orders', 'r', 'last'],
      ]);
      const ada = snapshot[0];
      expect(ada?.key).toEqual({
        schema: {
          type: 'struct',
          name: 'shop.public.customers.Key',
          optional: false,
          // serial: nextval(...) is a generated default, which Debezium puts as its type's placeholder 0.
          fields: [{ field: 'id', type: 'int32', optional: false, default: 0 }],
        },
        value: { id: 1 },
      });
      expect(afterImage(ada)).toEqual({
        id: 1,
        name: 'Ada',
        email: 'ada@example.com',
        balance: '10.50',
        joined: 1704164645123456,
        seen: '2024-01-02T01:04:05.500000Z',
      });
      expect(afterImage(snapshot[2])).toMatchObject({
        joined: -1,
        seen: '2000-01-01T00:00:00.000000Z',
        balance: '-1.00',
      });
      expect(source(ada)).toMatchObject({
        connector: 'postgresql',
        name: 'shop',
        db: DATABASE,
        schema: 'public',
        table: 'customers',
        xmin: null,
      });
      expect(snapshot.at(-1)?.sourceOffset).toMatchObject({ snapshot: true, last_snapshot_record: true });
      expect(snapshot[0]?.sourceOffset).toMatchObject({ snapshot: true, last_snapshot_record: false });
      await driver.commitThrough();

      await client.query("INSERT INTO customers (name, email) VALUES ('Dee', 'dee@example.com')");
      await client.query("UPDATE customers SET email = 'ada@new.example' WHERE id = 1");
      await client.query('DELETE FROM customers WHERE id = 2');
      await client.query('INSERT INTO ignored VALUES (2)');
      await client.query('TRUNCATE orders');
      const streamed = (await driver.pollUntil(9)).slice(4);
      expect(streamed.map((record) => [record.topic, op(record)])).toEqual([
        ['shop.public.customers', 'c'],
        ['shop.public.customers', 'u'],
        ['shop.public.customers', 'd'],
        ['shop.public.customers', 'tombstone'],
        ['shop.public.orders', 't'],
      ]);
      const [insert, update, remove, tombstone, truncate] = streamed;
      expect(afterImage(insert)).toEqual({
        id: 4,
        name: 'Dee',
        email: 'dee@example.com',
        balance: null,
        joined: null,
        seen: null,
      });
      expect(beforeImage(insert)).toBeNull();
      expect(source(insert)).toMatchObject({
        snapshot: 'false',
        schema: 'public',
        table: 'customers',
      });
      expect(typeof source(insert).txId).toBe('number');
      expect(typeof source(insert).lsn).toBe('number');
      // REPLICA IDENTITY DEFAULT: no before image for an update that keeps the key.
      expect(beforeImage(update)).toBeNull();
      expect(afterImage(update)).toMatchObject({
        id: 1,
        email: 'ada@new.example',
        balance: '10.50',
      });
      // Deletes carry the old key; the NOT NULL name gets Debezium's zero value.
      expect(beforeImage(remove)).toEqual({
        id: 2,
        name: '',
        email: null,
        balance: null,
        joined: null,
        seen: null,
      });
      expect(remove?.key?.value).toEqual({ id: 2 });
      expect(tombstone?.key?.value).toEqual({ id: 2 });
      expect(tombstone?.value).toBeNull();
      expect(truncate?.key).toBeNull();
      expect(envelope(truncate)).toMatchObject({ op: 't', before: null, after: null });
      expect(driver.context.counters.get('source_events_total{table=public.customers,op=c}')).toBe(1);
      expect(driver.context.counters.get('source_events_total{table=public.customers,op=r}')).toBe(3);
      expect(driver.context.counters.get('source_events_total{table=public.orders,op=t}')).toBe(1);
      expect(driver.context.sampled.get('source_lag_seconds{}')?.()).toBeGreaterThanOrEqual(0);
      expect(driver.context.counters.get('source_transactions_committed_total{}')).toBeGreaterThan(0);
      // Each transaction's last record carries its end: that is what the slot may confirm.
      expect(insert?.sourceOffset).toMatchObject({ messageType: 'COMMIT' });
      expect(tombstone?.sourceOffset).toMatchObject({ messageType: 'COMMIT' });
      expect(remove?.sourceOffset).toMatchObject({ messageType: 'DELETE', tx_events: 0 });

      const beforeCommit = await slotState(client, SLOT);
      await driver.commitThrough(6); // up to the tombstone
      const committedLsn = BigInt(driver.committed[0]?.offset.lsn_commit as number);
      const state = await waitForSlot(client, (slot) => slot.confirmed >= committedLsn);
      expect(state.confirmed).toBe(committedLsn);
      expect(beforeCommit && beforeCommit.confirmed <= committedLsn).toBe(true);
    } finally {
      await driver.stop();
    }
  });

  it('turns a primary key update into delete, tombstone and create with Debezium key headers', async () => {
    const driver = new TaskDriver(config({ 'slot.name': slotName('main_pk'), 'snapshot.mode': 'no_data' }));
    await driver.start();
    try {
      await client.query('UPDATE customers SET id = 30 WHERE id = 3');
      const records = await driver.pollUntil(3);
      expect(records.map((record) => [op(record), record.key?.value])).toEqual([
        ['d', { id: 3 }],
        ['tombstone', { id: 3 }],
        ['c', { id: 30 }],
      ]);
      const [remove, tombstone, create] = records;
      expect(beforeImage(remove)).toMatchObject({ id: 3 });
      expect(afterImage(create)).toMatchObject({ id: 30, name: 'Cy', email: 'cy@example.com' });
      expect(remove?.headers).toEqual([{ key: '__debezium.newkey', value: '{"id":30}' }]);
      expect(create?.headers).toEqual([{ key: '__debezium.oldkey', value: '{"id":3}' }]);
      // One change message: only its last record may say the message is done.
      expect(remove?.sourceOffset).toMatchObject({ tx_events: 0 });
      expect(tombstone?.sourceOffset).toMatchObject({ tx_events: 0 });
      expect(create?.sourceOffset).toMatchObject({ messageType: 'COMMIT' });
    } finally {
      await driver.stop();
    }
  });
});

async function waitForSlot(client: pg.Client, check: (slot: { confirmed: bigint }) => boolean) {
  const { waitFor } = await import('../support/wait-for.ts');
  return waitFor('slot position', async () => {
    const state = await slotState(client, SLOT);
    return state && check(state) ? state : undefined;
  });
}
