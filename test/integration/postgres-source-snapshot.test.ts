// The initial snapshot against a real PostgreSQL: several tables read in parallel inside the slot's
// exported snapshot, Debezium's first/last markers, progress reports, and the snapshot meeting the
// stream exactly while rows are being written: every row arrives once, as `r` or as `c`. A large
// table is read in ranges of its pages by several readers at once.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIN_RANGE_PAGES } from '../../connectors/postgres-source/snapshot.ts';
import {
  afterImage,
  connectionSettings,
  createTestDatabase,
  op,
  slotName,
  source,
  sourceConfig,
  TaskDriver,
} from '../fixtures/postgres/task-harness.ts';
import { services } from '../support/services.ts';

const DATABASE = `onramp_pgsrc_snapshot_${process.pid}`;

describe('postgres source snapshot', () => {
  let client: pg.Client;
  let drop: () => Promise<void>;
  let settings: Record<string, string>;

  beforeAll(async () => {
    const { pgUrl } = services();
    ({ client, drop } = await createTestDatabase(pgUrl, DATABASE));
    settings = connectionSettings(pgUrl, DATABASE);
    await client.query(`
      CREATE SCHEMA inv;
      CREATE TABLE inv.a (id int PRIMARY KEY);
      CREATE TABLE inv.b (id int PRIMARY KEY);
      CREATE TABLE inv.c (id int PRIMARY KEY);
      CREATE TABLE inv.empty (id int PRIMARY KEY);
      INSERT INTO inv.a SELECT generate_series(1, 500);
      INSERT INTO inv.b SELECT generate_series(1, 300);
      INSERT INTO inv.c SELECT generate_series(1, 1);
      ANALYZE inv.a;
      CREATE TABLE live (id int PRIMARY KEY, written_at timestamptz DEFAULT now());
      INSERT INTO live (id) SELECT generate_series(1, 2000);
      -- A few rows per page: past two ranges' worth of pages with few rows.
      CREATE TABLE big (id int PRIMARY KEY, pad text NOT NULL) WITH (fillfactor = 10);
      INSERT INTO big SELECT i, repeat('x', 100) FROM generate_series(1, 16000) AS i;
    `);
  });

  afterAll(async () => {
    await drop?.();
  });

  it('reads tables in parallel with one first, one last, per-table markers and progress', async () => {
    const driver = new TaskDriver(
      sourceConfig({
        ...settings,
        'topic.prefix': 'par',
        'slot.name': slotName('parallel'),
        'publication.name': 'onramp_pgsrc_parallel',
        'schema.include.list': 'inv',
        'snapshot.max.threads': '3',
      }),
    );
    await driver.start();
    try {
      const records = await driver.pollUntil(801);
      expect(records).toHaveLength(801);
      const byTable = (table: string) => records.filter((record) => source(record).table === table);
      expect(byTable('a').map((record) => afterImage(record)?.id)).toEqual(
        Array.from({ length: 500 }, (_, index) => index + 1),
      );
      expect(byTable('b')).toHaveLength(300);
      expect(byTable('c')).toHaveLength(1);
      expect(records.every((record) => op(record) === 'r')).toBe(true);
      const markers = records.map((record) => source(record).snapshot);
      expect(markers[0]).toBe('first');
      expect(markers.at(-1)).toBe('last');
      expect(markers.filter((marker) => marker === 'first')).toHaveLength(1);
      expect(markers.filter((marker) => marker === 'last')).toHaveLength(1);
      expect(records.filter((record) => record.sourceOffset.last_snapshot_record === true)).toEqual([
        records.at(-1),
      ]);
      // Every table with rows opens with first(_in_data_collection) unless it holds the very first row.
      for (const table of ['a', 'b']) {
        const tableMarkers = byTable(table).map((record) => source(record).snapshot);
        expect(['first', 'first_in_data_collection']).toContain(tableMarkers[0]);
        expect(['last', 'last_in_data_collection']).toContain(tableMarkers.at(-1));
      }
      // Streaming then reports the slot's retained WAL; the snapshot's own reports end before it.
      const snapshotEnd = driver.context.progress.findLastIndex((entry) => entry?.phase === 'snapshot');
      const progress = driver.context.progress.slice(0, snapshotEnd + 1);
      expect(progress.at(-1)).toMatchObject({
        phase: 'snapshot',
        done: 801,
        unit: 'rows',
        detail: '4 of 4 tables done',
      });
      expect(driver.context.progress[snapshotEnd + 1]).toBeUndefined(); // cleared when the snapshot ends
      expect(driver.context.gauges.get('snapshot_rows_scanned{}')).toBe(801);
      expect(driver.context.gauges.get('snapshot_tables_remaining{}')).toBe(0);
    } finally {
      await driver.stop();
    }
  });

  it('meets the stream exactly: rows written during the snapshot arrive exactly once', async () => {
    const driver = new TaskDriver(
      sourceConfig({
        ...settings,
        'topic.prefix': 'live',
        'slot.name': slotName('live'),
        'publication.name': 'onramp_pgsrc_live',
        'table.include.list': 'public.live',
        'max.queue.size': '50',
        'max.batch.size': '25',
      }),
    );
    let writing = true;
    let next = 2001;
    const writer = (async () => {
      while (writing) {
        await client.query('INSERT INTO live (id) VALUES ($1)', [next]);
        next += 1;
      }
    })();
    try {
      await driver.start();
      await driver.pollFor('the snapshot and some streamed rows', (records) =>
        records.some((record) => op(record) === 'c'),
      );
    } finally {
      writing = false;
      await writer;
    }
    try {
      const last = next - 1;
      const records = await driver.pollUntil(last);
      const seen = records.map((record) => afterImage(record)?.id as number);
      expect(seen).toHaveLength(last);
      expect(new Set(seen).size).toBe(last);
      expect(Math.max(...seen)).toBe(last);
      const snapshotIds = records
        .filter((record) => op(record) === 'r')
        .map((record) => afterImage(record)?.id as number);
      const streamedIds = records
        .filter((record) => op(record) === 'c')
        .map((record) => afterImage(record)?.id as number);
      // The snapshot holds a prefix of the ids, the stream exactly the rest, in commit order.
      expect(snapshotIds.length).toBeGreaterThanOrEqual(2000);
      expect(streamedIds).toEqual(
        Array.from({ length: last - snapshotIds.length }, (_, index) => snapshotIds.length + index + 1),
      );
    } finally {
      await driver.stop();
    }
  });

  it('reads a large table in page ranges on several readers: every row once, markers right', async () => {
    const { rows: size } = await client.query<{ pages: number }>(
      "SELECT (pg_relation_size('big') / current_setting('block_size')::int)::int AS pages",
    );
    expect(size[0]?.pages).toBeGreaterThanOrEqual(2 * MIN_RANGE_PAGES);
    const driver = new TaskDriver(
      sourceConfig({
        ...settings,
        'topic.prefix': 'ranges',
        'slot.name': slotName('ranges'),
        'publication.name': 'onramp_pgsrc_ranges',
        'table.include.list': 'public.big',
        'snapshot.max.threads': '3',
      }),
    );
    await driver.start();
    try {
      const records = await driver.pollFor('the snapshot', (all) =>
        all.some((record) => record.sourceOffset.last_snapshot_record === true),
      );
      const started = driver.context.logs.find((entry) => entry.message === 'snapshot started');
      const ranges = Math.min(3, Math.floor((size[0]?.pages ?? 0) / MIN_RANGE_PAGES));
      expect(started?.object).toMatchObject({ tables: 1, workers: ranges, ranges });
      const ids = records.map((record) => afterImage(record)?.id as number);
      expect(ids).toHaveLength(16000);
      expect(new Set(ids).size).toBe(16000);
      const markers = records.map((record) => source(record).snapshot);
      expect(markers[0]).toBe('first');
      expect(markers.at(-1)).toBe('last');
      expect(markers.filter((marker) => marker !== 'true')).toEqual(['first', 'last']);
    } finally {
      await driver.stop();
    }
  });
});
