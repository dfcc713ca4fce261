// Incremental and blocking snapshots of the PostgreSQL source, driven as the host drives the task,
// against a real PostgreSQL: while a fifth of the table's rows are updated and deleted between the
// chunks, the last event of every key is the table's row (or its delete), with in-memory watermarks
// (read.only) and with Debezium's signal table; a restart continues after the stored key; stop,
// pause, resume, log, additional conditions and blocking snapshots do what Debezium's do.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectStruct, SourceRecord } from '../../src/plugin/index.ts';
import {
  afterImage,
  connectionSettings,
  createTestDatabase,
  envelope,
  op,
  slotName,
  source,
  sourceConfig,
  TaskDriver,
} from '../fixtures/postgres/task-harness.ts';
import { services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

const DATABASE = `onramp_pgsrc_incremental_${process.pid}`;
const ROWS = 20_000;

describe('postgres source incremental snapshots', () => {
  let client: pg.Client;
  let drop: () => Promise<void>;
  let settings: Record<string, string>;
  let seq = 0;

  beforeAll(async () => {
    const { pgUrl } = services();
    ({ client, drop } = await createTestDatabase(pgUrl, DATABASE));
    settings = connectionSettings(pgUrl, DATABASE);
    await client.query(
      'CREATE TABLE debezium_signal (id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))',
    );
  });

  afterAll(async () => {
    await drop?.();
  });

  async function createTable(name: string, rows = ROWS): Promise<void> {
    await client.query(`CREATE TABLE ${name} (id int PRIMARY KEY, seq int NOT NULL, note text)`);
    await client.query(`INSERT INTO ${name} SELECT i, 0, 'row ' || i FROM generate_series(1, ${rows}) AS i`);
    await client.query(`ANALYZE ${name}`);
  }

  function config(name: string, overrides: Record<string, string> = {}) {
    return sourceConfig({
      ...settings,
      'topic.prefix': name,
      'slot.name': slotName(name),
      'publication.name': `onramp_${name}`,
      'publication.autocreate.mode': 'filtered',
      'snapshot.mode': 'no_data',
      'status.update.interval.ms': '200',
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
    const updated = ids.slice(0, updates);
    const seqs = updated.map(() => {
      seq += 1;
      return seq;
    });
    // One round trip (multi-statement); the ids and seqs are numbers.
    await client.query(
      `BEGIN;
       UPDATE ${table} t SET seq = v.seq FROM unnest('{${updated}}'::int[], '{${seqs}}'::int[]) AS v(id, seq) WHERE t.id = v.id;
       DELETE FROM ${table} WHERE id = ANY('{${ids.slice(updates)}}'::int[]);
       COMMIT`,
    );
    return ids.length;
  }

  /** Polls while changing the table between polls, until the snapshot of `table` is done. */
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
    // The stream catches up: a marker row committed last must arrive.
    await client.query(`INSERT INTO ${table} VALUES (${ROWS + 1}, -1, 'marker')`);
    await driver.pollFor('the marker row', (records) =>
      records.some(
        (record) => record.topic === topic && record.value !== null && afterImage(record)?.id === ROWS + 1,
      ),
    );
    return changes;
  }

  function lastPerKey(records: readonly SourceRecord[], topic: string): Map<number, number | 'deleted'> {
    const last = new Map<number, number | 'deleted'>();
    for (const record of records) {
      if (record.topic !== topic || record.value === null) continue;
      const id = (record.key?.value as ConnectStruct).id as number;
      const after = afterImage(record);
      last.set(id, after ? (after.seq as number) : 'deleted');
    }
    return last;
  }

  async function mismatches(records: readonly SourceRecord[], table: string, topic: string) {
    const rows = await client.query<{ id: number; seq: number }>(`SELECT id, seq FROM ${table}`);
    const now = new Map(rows.rows.map((row) => [row.id, row.seq]));
    const last = lastPerKey(records, topic);
    const wrong: string[] = [];
    for (const id of new Set([...now.keys(), ...last.keys()])) {
      const expected = now.get(id) ?? 'deleted';
      const got = last.get(id) ?? (expected === 'deleted' ? 'deleted' : 'none');
      if (expected !== got) wrong.push(`${id}: table ${expected}, events ${got}`);
    }
    return { wrong: wrong.slice(0, 10), count: wrong.length, rows: now.size };
  }

  const reads = (records: readonly SourceRecord[], topic: string) =>
    records.filter((record) => record.topic === topic && op(record) === 'r');

  it('ends every key at the table while a fifth of the rows change, with in-memory watermarks (read.only)', async () => {
    await createTable('memory_items');
    const topic = 'mem.public.memory_items';
    const driver = new TaskDriver(
      config('mem', { 'table.include.list': 'public.memory_items', 'read.only': 'true' }),
    );
    await driver.start();
    try {
      await driver.task.signal({
        id: 'sig-1',
        type: 'execute-snapshot',
        data: { 'data-collections': ['public.memory_items'] },
      });
      const changes = await snapshotWithChurn(driver, 'memory_items', topic);
      expect(changes).toBeGreaterThanOrEqual(ROWS / 5);
      const result = await mismatches(driver.records, 'memory_items', topic);
      expect(result.wrong).toEqual([]);
      const snapshotReads = reads(driver.records, topic);
      expect(snapshotReads.length).toBeGreaterThan(result.rows * 0.8);
      expect(source(snapshotReads[0]).snapshot).toBe('incremental');
      // The offsets carry Debezium's keys while the snapshot runs.
      const offset = snapshotReads[0]?.sourceOffset ?? {};
      expect(JSON.parse(String(offset.incremental_snapshot_collections))).toEqual([
        {
          incremental_snapshot_collections_id: 'public.memory_items',
          incremental_snapshot_collections_additional_condition: null,
          incremental_snapshot_collections_surrogate_key: null,
          incremental_snapshot_collections_correlation_id: 'sig-1',
        },
      ]);
      expect(String(offset.incremental_snapshot_primary_key)).toMatch(/^aced0005/);
      const progress = driver.task.snapshots();
      expect(progress).toMatchObject({ running: false, watermarks: 'in-memory', chunkSize: 500 });
      expect(progress?.tables[0]).toMatchObject({ table: 'public.memory_items', state: 'done' });
      // Nothing is written to the database in read-only mode.
      expect((await client.query('SELECT count(*)::int AS n FROM debezium_signal')).rows[0].n).toBe(0);
    } finally {
      await driver.stop();
    }
  });

  it("ends every key at the table with Debezium's signal table: the signal row starts it, watermark rows frame each chunk", async () => {
    await createTable('signal_items');
    const topic = 'sig.public.signal_items';
    const driver = new TaskDriver(
      config('sig', {
        'table.include.list': 'public.signal_items',
        'signal.data.collection': 'public.debezium_signal',
      }),
    );
    await driver.start();
    try {
      await client.query(
        `INSERT INTO debezium_signal VALUES ('ad-hoc-1', 'execute-snapshot', '{"data-collections": ["public.signal_items"], "type": "incremental"}')`,
      );
      await driver.pollFor('the snapshot to start', () => driver.task.snapshots()?.running === true);
      const changes = await snapshotWithChurn(driver, 'signal_items', topic);
      expect(changes).toBeGreaterThanOrEqual(ROWS / 5);
      const result = await mismatches(driver.records, 'signal_items', topic);
      expect(result.wrong).toEqual([]);
      expect(reads(driver.records, topic).length).toBeGreaterThan(result.rows * 0.8);
      const windows = await client.query<{ type: string; n: number }>(
        "SELECT type, count(*)::int AS n FROM debezium_signal WHERE id LIKE '%-open' OR id LIKE '%-close' GROUP BY type ORDER BY type",
      );
      const chunks = driver.task.snapshots()?.tables[0]?.chunks ?? 0;
      expect(windows.rows).toEqual([
        { type: 'snapshot-window-close', n: chunks },
        { type: 'snapshot-window-open', n: chunks },
      ]);
      // The signal table is captured: its rows are events like any table's (as in Debezium).
      const signalEvents = driver.records.filter((record) => record.topic === 'sig.public.debezium_signal');
      expect(signalEvents.length).toBe(1 + 2 * chunks);
      expect(
        JSON.parse(
          String(envelope(signalEvents[1]).after && (afterImage(signalEvents[1]) as ConnectStruct).data),
        ),
      ).toMatchObject({
        dataCollectionId: 'public.signal_items',
        correlationId: 'ad-hoc-1',
      });
    } finally {
      await driver.stop();
    }
  });

  it('continues after a restart after the last key stored, and reads nothing twice but that chunk', async () => {
    await createTable('resumed_items');
    const topic = 'res.public.resumed_items';
    const cfg = config('res', { 'table.include.list': 'public.resumed_items', 'read.only': 'true' });
    const first = new TaskDriver(cfg);
    await first.start();
    await first.task.signal({
      id: 'sig-res',
      type: 'execute-snapshot',
      data: { 'data-collections': ['public\\.resumed_.*'] },
    });
    await first.pollFor('a third of the rows', (records) => reads(records, topic).length >= ROWS / 3);
    await first.commitThrough();
    await first.stop();
    const stored = first.committed[0]?.offset ?? {};
    expect(stored.incremental_snapshot_primary_key).toBeDefined();
    const lastStored = afterImage(first.records.at(-1))?.id as number;

    const second = new TaskDriver(cfg);
    await second.start(first.committed);
    try {
      await second.pollFor('the snapshot to end', () => second.task.snapshots()?.tables[0]?.state === 'done');
      const resumed = reads(second.records, topic);
      // The first chunk after the restart starts right after the key the stored offset names.
      expect(afterImage(resumed[0])?.id).toBe(lastStored + 1);
      await client.query(`INSERT INTO resumed_items VALUES (${ROWS + 1}, -1, 'marker')`);
      await second.pollFor('the marker', (records) =>
        records.some((record) => afterImage(record)?.id === ROWS + 1),
      );
      const all = [...first.records, ...second.records];
      const result = await mismatches(all, 'resumed_items', topic);
      expect(result.wrong).toEqual([]);
      const ids = reads(all, topic).map((record) => afterImage(record)?.id as number);
      expect(new Set(ids).size).toBe(ROWS);
    } finally {
      await second.stop();
    }
  });

  it('stops, pauses and resumes through signals, logs, and reads only the rows an additional condition names', async () => {
    await createTable('conditional_items', 3_000);
    await createTable('other_items', 3_000);
    const driver = new TaskDriver(
      config('cond', {
        'table.include.list': 'public.conditional_items,public.other_items',
        'read.only': 'true',
        'incremental.snapshot.chunk.size': '100',
      }),
    );
    await driver.start();
    try {
      await driver.task.signal({ id: 'log-1', type: 'log', data: { message: 'position at {}' } });
      expect(driver.context.logs.some((entry) => entry.message.startsWith('position at {'))).toBe(true);
      await driver.task.signal({
        id: 'cond-1',
        type: 'execute-snapshot',
        data: {
          'data-collections': ['public.conditional_items', 'public.other_items'],
          'additional-conditions': [{ 'data-collection': 'PUBLIC.CONDITIONAL_ITEMS', filter: 'id % 10 = 0' }],
        },
      });
      await driver.task.signal({ id: 'pause-1', type: 'pause-snapshot', data: {} });
      expect(driver.task.snapshots()?.paused).toBe(true);
      await driver.task.signal({ id: 'resume-1', type: 'resume-snapshot', data: {} });
      await driver.pollFor(
        'conditional_items done',
        () =>
          driver.task
            .snapshots()
            ?.tables.some((table) => table.table === 'public.conditional_items' && table.state === 'done') ??
          false,
      );
      await driver.task.signal({
        id: 'stop-1',
        type: 'stop-snapshot',
        data: { 'data-collections': ['public.other_items'], type: 'incremental' },
      });
      await driver.pollFor(
        'other_items stopped',
        () =>
          driver.task
            .snapshots()
            ?.tables.some((table) => table.table === 'public.other_items' && table.state === 'stopped') ??
          false,
      );
      const conditional = reads(driver.records, 'cond.public.conditional_items').map(
        (record) => afterImage(record)?.id as number,
      );
      expect(conditional).toHaveLength(300);
      expect(conditional.every((id) => id % 10 === 0)).toBe(true);
      expect(reads(driver.records, 'cond.public.other_items').length).toBeLessThan(3_000);
      // A request naming no captured table is refused with the reason.
      await expect(
        driver.task.signal({
          id: 'bad',
          type: 'execute-snapshot',
          data: { 'data-collections': ['public.nope'] },
        }),
      ).rejects.toThrow(/public\.nope is not a table this connector captures/);
      await expect(driver.task.signal({ id: 'bad', type: 'execute-snapshot', data: {} })).rejects.toThrow(
        /"data-collections" is missing/,
      );
    } finally {
      await driver.stop();
    }
  });

  it("takes a blocking snapshot: streaming waits, the rows come with Debezium's snapshot markers", async () => {
    await createTable('blocking_items', 1_200);
    const topic = 'blk.public.blocking_items';
    const driver = new TaskDriver(
      config('blk', { 'table.include.list': 'public.blocking_items', 'read.only': 'true' }),
    );
    await driver.start();
    try {
      await driver.task.signal({
        id: 'block-1',
        type: 'execute-snapshot',
        data: { type: 'blocking', 'data-collections': ['public.blocking_items'] },
      });
      await client.query(`UPDATE blocking_items SET seq = -5 WHERE id = 7`);
      await driver.pollFor('the update after the blocking snapshot', (records) =>
        records.some((record) => record.topic === topic && op(record) === 'u'),
      );
      const snapshot = reads(driver.records, topic);
      expect(snapshot).toHaveLength(1_200);
      expect(source(snapshot[0]).snapshot).toBe('first');
      expect(source(snapshot.at(-1)).snapshot).toBe('last');
      expect(snapshot.slice(1, -1).every((record) => source(record).snapshot === 'true')).toBe(true);
      const update = driver.records.findIndex((record) => record.topic === topic && op(record) === 'u');
      expect(update).toBeGreaterThan(driver.records.indexOf(snapshot.at(-1) as SourceRecord));
    } finally {
      await driver.stop();
    }
  });
});
