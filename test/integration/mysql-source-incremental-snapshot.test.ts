// Incremental and blocking snapshots of the MySQL/MariaDB source, driven as the host drives the
// task, against the real MariaDB: while a fifth of the table's rows are updated and deleted between
// the chunks, the last event of every key is the table's row (or its delete), with in-memory
// watermarks (read.only: MariaDB's binlog snapshot position tells which streamed changes a chunk
// saw) and with Debezium's signal table; a restart continues after the stored key; a blocking
// snapshot holds the stream.
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectStruct, SourceRecord } from '../../src/plugin/index.ts';
import {
  afterImage,
  connectionSettings,
  createTestDatabase,
  op,
  serverId,
  source,
  sourceConfig,
  TaskDriver,
} from '../fixtures/mysql/task-harness.ts';
import { services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

const DATABASE = `onramp_mysrc_incremental_${process.pid}`;
const ROWS = 20_000;

describe('mysql source incremental snapshots', () => {
  let client: mysql.Connection;
  let drop: () => Promise<void>;
  let seq = 0;

  beforeAll(async () => {
    ({ client, drop } = await createTestDatabase(services().mysqlUrl, DATABASE));
    await client.query(
      'CREATE TABLE debezium_signal (id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))',
    );
  });

  afterAll(async () => {
    await drop?.();
  });

  async function createTable(name: string, rows = ROWS): Promise<void> {
    await client.query(`CREATE TABLE ${name} (id int PRIMARY KEY, seq int NOT NULL, note varchar(40))`);
    // MariaDB's sequence engine: seq_1_to_<n> is a table of the numbers 1..n.
    await client.query(`INSERT INTO ${name} SELECT seq, 0, CONCAT('row ', seq) FROM seq_1_to_${rows}`);
  }

  function config(name: string, base: number, overrides: Record<string, string> = {}) {
    return sourceConfig({
      ...connectionSettings(services().mysqlUrl),
      'database.server.id': serverId(base),
      'topic.prefix': name,
      'database.include.list': DATABASE,
      'snapshot.mode': 'no_data',
      'max.batch.size': '256',
      'max.queue.size': '600',
      'incremental.snapshot.chunk.size': '500',
      ...overrides,
    });
  }

  /** One transaction: `updates` rows get a new seq, `deletes` rows go; returns how many changes. */
  async function churn(table: string, updates: number, deletes: number): Promise<number> {
    const ids = [
      ...new Set(Array.from({ length: updates + deletes }, () => 1 + Math.floor(Math.random() * ROWS))),
    ];
    const cases = ids.slice(0, updates).map((id) => {
      seq += 1;
      return `WHEN ${id} THEN ${seq}`;
    });
    const deleted = ids.slice(updates);
    await client.query(
      `START TRANSACTION;
       UPDATE ${table} SET seq = CASE id ${cases.join(' ')} END WHERE id IN (${ids.slice(0, updates).join(',')});
       ${deleted.length > 0 ? `DELETE FROM ${table} WHERE id IN (${deleted.join(',')});` : ''}
       COMMIT`,
    );
    return ids.length;
  }

  async function snapshotWithChurn(driver: TaskDriver, table: string, topic: string): Promise<number> {
    let changes = 0;
    const abort = new AbortController();
    await waitFor(
      `the snapshot of ${table} to end`,
      async () => {
        driver.records.push(...(await driver.task.poll(abort.signal)));
        if (changes < ROWS / 5) changes += await churn(table, 60, 15);
        const progress = driver.task.snapshots();
        // Done, and with a fifth of the rows changed meanwhile (a few more rounds if it was quick).
        return (
          changes >= ROWS / 5 &&
          progress?.running === false &&
          progress.tables.some((entry) => entry.state === 'done')
        );
      },
      { timeoutMs: 60_000, intervalMs: 1 },
    );
    await client.query(`INSERT INTO ${table} VALUES (${ROWS + 1}, -1, 'marker')`);
    await driver.pollFor('the marker row', (records) =>
      records.some(
        (record) => record.topic === topic && record.value !== null && afterImage(record)?.id === ROWS + 1,
      ),
    );
    return changes;
  }

  async function mismatches(records: readonly SourceRecord[], table: string, topic: string) {
    const [rows] = await client.query<mysql.RowDataPacket[]>(`SELECT id, seq FROM ${table}`);
    const now = new Map(rows.map((row) => [Number(row.id), Number(row.seq)]));
    const last = new Map<number, number | 'deleted'>();
    for (const record of records) {
      if (record.topic !== topic || record.value === null) continue;
      const after = afterImage(record);
      last.set((record.key?.value as ConnectStruct).id as number, after ? (after.seq as number) : 'deleted');
    }
    const wrong: string[] = [];
    for (const id of new Set([...now.keys(), ...last.keys()])) {
      const expected = now.get(id) ?? 'deleted';
      const got = last.get(id) ?? (expected === 'deleted' ? 'deleted' : 'none');
      if (expected !== got) wrong.push(`${id}: table ${expected}, events ${got}`);
    }
    return { wrong: wrong.slice(0, 10), rows: now.size };
  }

  const reads = (records: readonly SourceRecord[], topic: string) =>
    records.filter((record) => record.topic === topic && op(record) === 'r');

  for (const mode of ['read-only', 'signal table'] as const) {
    it(`ends every key at the table while a fifth of the rows change (${mode} watermarks)`, async () => {
      const table = mode === 'read-only' ? 'memory_items' : 'signal_items';
      const prefix = mode === 'read-only' ? 'mymem' : 'mysig';
      const topic = `${prefix}.${DATABASE}.${table}`;
      await createTable(table);
      const driver = new TaskDriver(
        config(prefix, mode === 'read-only' ? 1 : 2, {
          'table.include.list': `${DATABASE}\\.(${table}|debezium_signal)`,
          'signal.data.collection': `${DATABASE}.debezium_signal`,
          ...(mode === 'read-only' && { 'read.only': 'true' }),
        }),
      );
      await driver.start();
      try {
        await driver.pollFor('streaming', () => driver.task.snapshots() !== undefined);
        await client.query(
          `INSERT INTO debezium_signal VALUES ('${prefix}-1', 'execute-snapshot', '{"data-collections": ["${DATABASE}.${table}"]}')`,
        );
        await driver.pollFor('the snapshot to start', () => driver.task.snapshots()?.running === true);
        const changes = await snapshotWithChurn(driver, table, topic);
        expect(changes).toBeGreaterThanOrEqual(ROWS / 5);
        const result = await mismatches(driver.records, table, topic);
        expect(result.wrong).toEqual([]);
        expect(reads(driver.records, topic).length).toBeGreaterThan(result.rows * 0.8);
        expect(source(reads(driver.records, topic)[0]).snapshot).toBe('incremental');
        const [windows] = await client.query<mysql.RowDataPacket[]>(
          "SELECT count(*) AS n FROM debezium_signal WHERE type LIKE 'snapshot-window-%'",
        );
        const chunks = driver.task.snapshots()?.tables[0]?.chunks ?? 0;
        expect(Number(windows[0]?.n)).toBe(mode === 'read-only' ? 0 : 2 * chunks);
        expect(driver.task.snapshots()?.watermarks).toBe(mode === 'read-only' ? 'in-memory' : 'signal-table');
      } finally {
        await driver.stop();
      }
    });
  }

  it('continues after a restart after the last key stored', async () => {
    await createTable('resumed_items');
    const topic = `myres.${DATABASE}.resumed_items`;
    const cfg = config('myres', 3, {
      'table.include.list': `${DATABASE}\\.resumed_items`,
      'read.only': 'true',
    });
    const first = new TaskDriver(cfg);
    await first.start();
    await first.pollFor('streaming', () => first.task.snapshots() !== undefined);
    await first.task.signal({
      id: 'res-1',
      type: 'execute-snapshot',
      data: { 'data-collections': [`${DATABASE}.resumed_items`] },
    });
    await first.pollFor('a third of the rows', (records) => reads(records, topic).length >= ROWS / 3);
    await first.commitThrough();
    await first.stop();
    expect(first.committed[0]?.offset.incremental_snapshot_primary_key).toBeDefined();
    const lastStored = afterImage(first.records.at(-1))?.id as number;
    const second = new TaskDriver(cfg);
    await second.start(first.committed);
    try {
      // 'done' is reached when the last chunk is queued; its rows may still wait in the queue.
      const readIds = () =>
        reads([...first.records, ...second.records], topic).map((record) => afterImage(record)?.id);
      await second.pollFor(
        'the snapshot to end and every row to be read',
        () => second.task.snapshots()?.tables[0]?.state === 'done' && new Set(readIds()).size === ROWS,
      );
      expect(afterImage(reads(second.records, topic)[0])?.id).toBe(lastStored + 1);
      const ids = readIds();
      expect(new Set(ids).size).toBe(ROWS);
      expect(ids).toHaveLength(ROWS);
    } finally {
      await second.stop();
    }
  });

  it('reads a chunk again when its table changes structure meanwhile (allow.schema.changes)', async () => {
    const table = 'ddl_items';
    const prefix = 'myddl';
    const topic = `${prefix}.${DATABASE}.${table}`;
    await createTable(table, 40);
    const driver = new TaskDriver(
      config(prefix, 5, {
        'table.include.list': `${DATABASE}\\.(${table}|debezium_signal)`,
        'signal.data.collection': `${DATABASE}.debezium_signal`,
        'incremental.snapshot.chunk.size': '4',
        'incremental.snapshot.allow.schema.changes': 'true',
        // The snapshot gets at most a few records ahead of the polls below.
        'max.queue.size': '5',
        'max.batch.size': '1',
      }),
    );
    await driver.start();
    try {
      await driver.pollFor('streaming', () => driver.task.snapshots() !== undefined);
      await client.query(
        `INSERT INTO debezium_signal VALUES ('${prefix}-1', 'execute-snapshot', '{"data-collections": ["${DATABASE}.${table}"]}')`,
      );
      await driver.pollFor('the first read event', (records) => reads(records, topic).length > 0);
      // The column every chunk so far selected goes: the next chunk's query fails on it (or the
      // stream gets to the DDL first); either way no row is lost and none is read in the old form.
      await client.query(`ALTER TABLE ${table} DROP COLUMN note`);
      const state = () =>
        driver.task.snapshots()?.tables.find((entry) => entry.table === `${DATABASE}.${table}`)?.state;
      await driver.pollFor('the snapshot to end', () => state() === 'done' || state() === 'skipped');
      expect(state()).toBe('done');
      // 'done' is reached when the last chunk is queued; its rows may still wait in the queue.
      const readIds = () => reads(driver.records, topic).map((record) => afterImage(record)?.id);
      await driver.pollFor('every row to be read', () => new Set(readIds()).size === 40);
      const ids = readIds();
      expect(new Set(ids)).toEqual(new Set(Array.from({ length: 40 }, (_, index) => index + 1)));
      const alter = driver.records.findIndex(
        (record) =>
          record.topic === prefix && /ALTER TABLE/i.test(String((record.value?.value as ConnectStruct)?.ddl)),
      );
      expect(alter).toBeGreaterThan(0);
      const before = reads(driver.records.slice(0, alter), topic);
      const after = reads(driver.records.slice(alter), topic);
      expect(before.length).toBeLessThan(40);
      expect(after.length).toBeGreaterThan(0);
      expect(before.every((record) => 'note' in (afterImage(record) ?? {}))).toBe(true);
      expect(after.filter((record) => 'note' in (afterImage(record) ?? {}))).toEqual([]);
    } finally {
      await driver.stop();
    }
  });

  it('takes a blocking snapshot: the stream waits until the table is read', async () => {
    await createTable('blocking_items', 1_200);
    const topic = `myblk.${DATABASE}.blocking_items`;
    const driver = new TaskDriver(
      config('myblk', 4, { 'table.include.list': `${DATABASE}\\.blocking_items`, 'read.only': 'true' }),
    );
    await driver.start();
    try {
      await driver.pollFor('streaming', () => driver.task.snapshots() !== undefined);
      await driver.task.signal({
        id: 'blk-1',
        type: 'execute-snapshot',
        data: { type: 'BLOCKING', 'data-collections': [`${DATABASE}.blocking_items`] },
      });
      await client.query('UPDATE blocking_items SET seq = -5 WHERE id = 7');
      await driver.pollFor('the update', (records) =>
        records.some((record) => record.topic === topic && op(record) === 'u'),
      );
      const snapshot = reads(driver.records, topic);
      expect(snapshot).toHaveLength(1_200);
      expect(source(snapshot[0]).snapshot).toBe('first');
      expect(source(snapshot.at(-1)).snapshot).toBe('last');
    } finally {
      await driver.stop();
    }
  });
});
