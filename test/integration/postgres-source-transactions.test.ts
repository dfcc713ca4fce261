// Transaction metadata (provide.transaction.metadata) against a real PostgreSQL, as Debezium's
// PostgreSQL connector emits it: BEGIN when pgoutput's BEGIN arrives, END at COMMIT with the
// transaction's complete offset, ids "<xid>:<LSN of the message>", events numbered in the
// transaction and per table; snapshot events and the option turned off leave `transaction` null;
// a restart in the middle of a transaction continues its numbering without a second BEGIN.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectStruct, SourceRecord } from '../../src/plugin/index.ts';
import {
  connectionSettings,
  createTestDatabase,
  envelope,
  op,
  slotName,
  slotState,
  source,
  sourceConfig,
  TaskDriver,
  transactionRecords,
  transactionValue,
} from '../fixtures/postgres/task-harness.ts';
import { services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

const DATABASE = `onramp_pgsrc_tx_${process.pid}`;

describe('postgres source transaction metadata', () => {
  let client: pg.Client;
  let drop: () => Promise<void>;
  let settings: Record<string, string>;

  beforeAll(async () => {
    const { pgUrl } = services();
    ({ client, drop } = await createTestDatabase(pgUrl, DATABASE));
    settings = connectionSettings(pgUrl, DATABASE);
    await client.query(`
      CREATE TABLE orders (id int PRIMARY KEY, note text);
      CREATE TABLE items (id int PRIMARY KEY, order_id int NOT NULL);
      CREATE TABLE audit (id serial PRIMARY KEY, what text);
      INSERT INTO orders VALUES (1, 'seeded');
      INSERT INTO items VALUES (1, 1);
    `);
  });

  afterAll(async () => {
    await drop?.();
  });

  function config(name: string, overrides: Record<string, string> = {}) {
    return sourceConfig({
      ...settings,
      'topic.prefix': name,
      'slot.name': slotName(name),
      'publication.name': `onramp_${name}`,
      'publication.autocreate.mode': 'filtered',
      'table.include.list': 'public.orders,public.items',
      'provide.transaction.metadata': 'true',
      ...overrides,
    });
  }

  async function transaction(statements: string[]): Promise<void> {
    await client.query(['BEGIN', ...statements, 'COMMIT'].join(';\n'));
  }

  const block = (record: SourceRecord | undefined) => envelope(record).transaction as ConnectStruct | null;
  const shape = (records: readonly SourceRecord[]) =>
    records.map((record) =>
      record.topic.endsWith('.transaction')
        ? `${transactionValue(record).status}`
        : `${op(record)} ${record.topic.split('.').at(-1)}`,
    );

  it('emits BEGIN, numbered events and END per transaction; snapshot events have no transaction', async () => {
    const driver = new TaskDriver(config('txm'));
    await driver.start();
    try {
      const snapshot = await driver.pollUntil(2);
      expect(snapshot.map((record) => [op(record), block(record)])).toEqual([
        ['r', null],
        ['r', null],
      ]);

      await transaction([
        "INSERT INTO orders VALUES (10, 'a'), (11, 'b')",
        'INSERT INTO items VALUES (10, 10)',
        "UPDATE orders SET note = 'a2' WHERE id = 10",
      ]);
      await transaction(['INSERT INTO items VALUES (11, 11)', 'DELETE FROM orders WHERE id = 11']);
      const streamed = (await driver.pollUntil(2 + 11)).slice(2);
      expect(shape(streamed)).toEqual([
        'BEGIN',
        'c orders',
        'c orders',
        'c items',
        'u orders',
        'END',
        'BEGIN',
        'c items',
        'd orders',
        'tombstone orders',
        'END',
      ]);

      const [begin1, c1, c2, c3, u1, end1, begin2, c4, d1, tombstone, end2] = streamed;
      const xid1 = source(c1).txId as number;
      const xid2 = source(c4).txId as number;
      expect(xid2).not.toBe(xid1);
      const commitMs1 = source(c1).ts_ms as number;

      // BEGIN: key {id} = value id = "<xid>:<LSN of the BEGIN message>", no counts.
      expect(begin1?.topic).toBe('txm.transaction');
      expect(begin1?.key?.schema).toMatchObject({
        name: 'io.debezium.connector.common.TransactionMetadataKey',
        fields: [{ field: 'id', type: 'string', optional: false }],
      });
      expect(begin1?.value?.schema).toMatchObject({
        name: 'io.debezium.connector.common.TransactionMetadataValue',
      });
      const beginValue = transactionValue(begin1);
      expect(beginValue).toEqual({
        status: 'BEGIN',
        id: expect.stringMatching(new RegExp(`^${xid1}:\\d+$`)),
        event_count: null,
        data_collections: null,
        ts_ms: commitMs1,
      });
      expect(begin1?.key?.value).toEqual({ id: beginValue.id });
      const beginLsn = Number(String(beginValue.id).split(':')[1]);
      expect(beginLsn).toBeLessThanOrEqual(source(c1).lsn as number);

      // Events: id "<xid>:<event LSN>", total order and per-table order from 1.
      expect([c1, c2, c3, u1].map(block)).toEqual([
        { id: `${xid1}:${source(c1).lsn}`, total_order: 1, data_collection_order: 1 },
        { id: `${xid1}:${source(c2).lsn}`, total_order: 2, data_collection_order: 2 },
        { id: `${xid1}:${source(c3).lsn}`, total_order: 3, data_collection_order: 1 },
        { id: `${xid1}:${source(u1).lsn}`, total_order: 4, data_collection_order: 3 },
      ]);

      // END: counts, and the transaction's complete offset (its id names the commit's end LSN).
      expect(transactionValue(end1)).toEqual({
        status: 'END',
        id: `${xid1}:${end1?.sourceOffset.lsn_commit}`,
        event_count: 4,
        data_collections: [
          { data_collection: 'public.orders', event_count: 3 },
          { data_collection: 'public.items', event_count: 1 },
        ],
        ts_ms: commitMs1,
      });
      expect(end1?.key?.value).toEqual({ id: transactionValue(end1).id });
      expect(end1?.sourceOffset).toMatchObject({ messageType: 'COMMIT', txId: xid1 });
      expect(u1?.sourceOffset).toMatchObject({
        messageType: 'UPDATE',
        tx_events: 4,
        transaction_id: String(xid1),
        'transaction_data_collection_order_public.orders': 3,
        'transaction_data_collection_order_public.items': 1,
      });
      expect(begin1?.sourceOffset).toMatchObject({
        messageType: 'BEGIN',
        tx_events: 0,
        transaction_id: String(xid1),
      });

      // Second transaction: numbering starts again; the tombstone is not an event.
      expect(transactionValue(begin2)).toMatchObject({
        status: 'BEGIN',
        id: expect.stringMatching(`^${xid2}:`),
      });
      expect([c4, d1].map(block)).toEqual([
        { id: `${xid2}:${source(c4).lsn}`, total_order: 1, data_collection_order: 1 },
        { id: `${xid2}:${source(d1).lsn}`, total_order: 2, data_collection_order: 1 },
      ]);
      expect(tombstone?.value).toBeNull();
      expect(transactionValue(end2)).toMatchObject({
        event_count: 2,
        data_collections: [
          { data_collection: 'public.items', event_count: 1 },
          { data_collection: 'public.orders', event_count: 1 },
        ],
      });

      // A transaction touching only tables outside the capture (and the publication) emits
      // nothing: PostgreSQL 15+ sends no BEGIN for it. The next captured one follows directly.
      await transaction(["INSERT INTO audit (what) VALUES ('x')", "INSERT INTO audit (what) VALUES ('y')"]);
      await transaction(['INSERT INTO items VALUES (12, 10)']);
      const after = (await driver.pollUntil(2 + 11 + 3)).slice(2 + 11);
      expect(shape(after)).toEqual(['BEGIN', 'c items', 'END']);
      expect(transactionValue(after[2])).toMatchObject({ event_count: 1 });
      expect(transactionRecords(driver.records)).toHaveLength(6);
    } finally {
      await driver.stop();
    }
  });

  it('as Debezium, a published transaction whose changes are all filtered out has BEGIN and an empty END', async () => {
    const driver = new TaskDriver(
      config('txm_all', {
        'publication.autocreate.mode': 'all_tables',
        'snapshot.mode': 'no_data',
      }),
    );
    await driver.start();
    try {
      await transaction(["INSERT INTO audit (what) VALUES ('only audit')"]);
      await transaction(['INSERT INTO orders VALUES (20, null)']);
      const records = await driver.pollFor('the captured transaction', (all) =>
        all.some((record) => record.topic === 'txm_all.public.orders'),
      );
      await driver.pollUntil(5);
      expect(shape(records)).toEqual(['BEGIN', 'END', 'BEGIN', 'c orders', 'END']);
      expect(transactionValue(records[1])).toMatchObject({ event_count: 0, data_collections: [] });
      expect(block(records[3])).toMatchObject({ total_order: 1, data_collection_order: 1 });
    } finally {
      await driver.stop();
    }
  });

  it('resumes a transaction interrupted after some events: no second BEGIN, numbering continues', async () => {
    const cfg = config('txm_resume', { 'snapshot.mode': 'no_data' });
    const first = new TaskDriver(cfg);
    await first.start();
    let committed: TaskDriver['committed'];
    try {
      await transaction([
        "INSERT INTO orders VALUES (30, 'r1')",
        'INSERT INTO items VALUES (30, 30)',
        "INSERT INTO orders VALUES (31, 'r2')",
      ]);
      const records = await first.pollUntil(5);
      expect(shape(records)).toEqual(['BEGIN', 'c orders', 'c items', 'c orders', 'END']);
      // The host stored the offset of the second event only (Kafka acknowledged that far).
      await first.commitThrough(2);
      committed = first.committed;
    } finally {
      await first.stop();
    }
    // The server ends the first walsender on its own time; the slot must be free to start again.
    await waitFor(
      'the slot to be released',
      async () => (await slotState(client, cfg['slot.name']))?.active === false,
    );
    const second = new TaskDriver(cfg);
    await second.start(committed);
    try {
      const records = await second.pollUntil(2);
      expect(shape(records)).toEqual(['c orders', 'END']);
      expect(block(records[0])).toMatchObject({ total_order: 3, data_collection_order: 2 });
      expect(transactionValue(records[1])).toMatchObject({
        status: 'END',
        event_count: 3,
        data_collections: [
          { data_collection: 'public.orders', event_count: 2 },
          { data_collection: 'public.items', event_count: 1 },
        ],
      });
    } finally {
      await second.stop();
    }
  });

  it('leaves the envelope as it is and emits no transaction records when the option is off', async () => {
    const on = new TaskDriver(config('txm_on', { 'snapshot.mode': 'no_data' }));
    const off = new TaskDriver(
      config('txm_off', { 'snapshot.mode': 'no_data', 'provide.transaction.metadata': 'false' }),
    );
    await on.start();
    await off.start();
    try {
      await transaction(["INSERT INTO orders VALUES (40, 'off')", 'INSERT INTO items VALUES (40, 40)']);
      const plain = await off.pollUntil(2);
      const enriched = await on.pollUntil(4);
      expect(shape(plain)).toEqual(['c orders', 'c items']);
      expect(plain.map(block)).toEqual([null, null]);
      expect(transactionRecords(plain)).toEqual([]);
      // The last record of the transaction carries its complete offset, as before.
      expect(plain[1]?.sourceOffset).toMatchObject({ messageType: 'COMMIT' });
      expect(plain[0]?.sourceOffset).not.toHaveProperty('transaction_id');
      // Same envelope schema either way: `transaction` is always an optional event.block field.
      const renamed = JSON.stringify(enriched[1]?.value?.schema).replaceAll('txm_on.', 'txm_off.');
      expect(JSON.parse(renamed)).toEqual(plain[0]?.value?.schema);
      expect(envelope(plain[0])).toHaveProperty('transaction', null);
    } finally {
      await on.stop();
      await off.stop();
    }
  });
});
