// snapshot.max.threads against the real MariaDB: several connections read the tables at once, all
// at one binlog position, while a writer keeps inserting; every row arrives exactly once, either
// in the snapshot or in the stream after it, and Debezium's snapshot markers stay right. A large
// table with an integer primary key is read in key ranges by several connections at once.
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  afterImage,
  connectionSettings,
  createTestDatabase,
  onTopic,
  op,
  serverId,
  source,
  sourceConfig,
  TaskDriver,
} from '../fixtures/mysql/task-harness.ts';
import { services } from '../support/services.ts';

const DATABASE = `onramp_mysrc_parallel_${process.pid}`;
const TABLES = ['a', 'b', 'c', 'd'];
const ROWS = 1500;
const BIG_ROWS = 120_000;

describe('mysql source parallel snapshot', () => {
  let client: mysql.Connection;
  let drop: () => Promise<void>;
  let settings: Record<string, string>;

  beforeAll(async () => {
    const { mysqlUrl } = services();
    ({ client, drop } = await createTestDatabase(mysqlUrl, DATABASE));
    settings = connectionSettings(mysqlUrl);
    const values = Array.from({ length: ROWS }, (_, index) => `(${index + 1}, 'row ${index + 1}')`).join(',');
    for (const table of TABLES) {
      await client.query(`CREATE TABLE ${table} (id INT PRIMARY KEY, note VARCHAR(40) NOT NULL)`);
      await client.query(`INSERT INTO ${table} VALUES ${values}`);
    }
    await client.query('CREATE TABLE big (id BIGINT PRIMARY KEY, note VARCHAR(40) NOT NULL)');
    await client.query(`INSERT INTO big SELECT seq, CONCAT('row ', seq) FROM seq_1_to_${BIG_ROWS}`);
    await client.query('ANALYZE TABLE big');
  });

  afterAll(async () => {
    await drop?.();
  });

  it('reads the tables on several connections at one position, losing and repeating nothing', async () => {
    const driver = new TaskDriver(
      sourceConfig({
        ...settings,
        'database.server.id': serverId(21),
        'topic.prefix': 'par',
        'table.include.list': TABLES.map((table) => `${DATABASE}\\.${table}`).join(','),
        'snapshot.max.threads': '3',
      }),
    );
    const snapshotDone = () =>
      driver.records.some((record) => record.sourceOffset.snapshot_completed === true);
    // Writes go on while the snapshot runs: each must land in the snapshot or in the stream.
    let writing = true;
    let nextId = ROWS + 1;
    const writer = (async () => {
      while (writing) {
        const id = nextId;
        nextId += 1;
        await client.query(`INSERT INTO ${TABLES[id % TABLES.length]} VALUES (?, 'written meanwhile')`, [id]);
      }
    })();
    try {
      await driver.start();
      await driver.pollFor('the snapshot', snapshotDone, 60_000);
    } finally {
      writing = false;
      await writer;
    }
    const written = nextId - 1 - ROWS;
    const expected = TABLES.length * ROWS + written;
    try {
      await driver.pollFor(
        'every row',
        // Rows only: the snapshot's DDL goes to the schema change topic `par` as well.
        (all) => all.filter((record) => record.value !== null && record.topic !== 'par').length >= expected,
      );
      const started = driver.context.logs.find((entry) => entry.message === 'snapshot started');
      expect(started?.object).toMatchObject({ threads: 3, tables: TABLES.length });
      const snapshot = driver.records.filter((record) => op(record) === 'r');
      const positions = new Set(snapshot.map((record) => `${source(record).file}:${source(record).pos}`));
      expect(positions.size).toBe(1);
      const markers = snapshot.map((record) => source(record).snapshot);
      expect(markers[0]).toBe('first');
      expect(markers.at(-1)).toBe('last');
      expect(markers.filter((marker) => marker === 'first' || marker === 'last')).toHaveLength(2);
      expect(snapshot.filter((record) => record.sourceOffset.snapshot_completed === true)).toEqual([
        snapshot.at(-1),
      ]);
      for (const table of TABLES) {
        const records = onTopic(driver.records, `par.${DATABASE}.${table}`);
        const inTable = records.filter((record) => op(record) === 'r');
        expect(source(inTable[0]).snapshot).toMatch(/^(first|first_in_data_collection)$/);
        expect(source(inTable.at(-1)).snapshot).toMatch(/^(last|last_in_data_collection)$/);
        const ids = records.map((record) => Number(afterImage(record)?.id));
        const [[row]] = await client.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${table}`);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids.length).toBe(Number(row?.n));
        expect(records.every((record) => ['r', 'c'].includes(String(op(record))))).toBe(true);
      }
    } finally {
      await driver.stop();
    }
  });

  it('reads a large table in primary key ranges on several connections, while rows are written', async () => {
    const driver = new TaskDriver(
      sourceConfig({
        ...settings,
        'database.server.id': serverId(22),
        'topic.prefix': 'ranges',
        'table.include.list': `${DATABASE}\\.big`,
        'include.schema.changes': 'false',
        'snapshot.max.threads': '2',
      }),
    );
    const snapshotDone = () =>
      driver.records.some((record) => record.sourceOffset.snapshot_completed === true);
    let writing = true;
    let nextId = BIG_ROWS + 1;
    const writer = (async () => {
      while (writing) {
        // New rows past the largest key, and old ones deleted in the middle of the ranges.
        await client.query("INSERT INTO big VALUES (?, 'written meanwhile')", [nextId]);
        await client.query('DELETE FROM big WHERE id = ?', [nextId - BIG_ROWS / 2]);
        nextId += 1;
      }
    })();
    try {
      await driver.start();
      await driver.pollFor('the snapshot', snapshotDone, 60_000);
    } finally {
      writing = false;
      await writer;
    }
    try {
      const started = driver.context.logs.find((entry) => entry.message === 'snapshot started');
      expect(started?.object).toMatchObject({ threads: 2, tables: 1, ranges: 2 });
      const snapshot = driver.records.filter((record) => op(record) === 'r');
      const markers = snapshot.map((record) => source(record).snapshot);
      expect(markers[0]).toBe('first');
      expect(markers.at(-1)).toBe('last');
      expect(markers.filter((marker) => marker === 'first' || marker === 'last')).toHaveLength(2);
      // The stream after the snapshot holds the changes the snapshot does not: replayed per key,
      // everything ends as the table is now.
      const [[row]] = await client.query<mysql.RowDataPacket[]>(
        'SELECT COUNT(*) AS n, MAX(id) AS top FROM big',
      );
      const topic = `ranges.${DATABASE}.big`;
      await driver.pollFor('the last insert streamed', (all) =>
        onTopic(all, topic).some(
          (record) => record.value !== null && Number(afterImage(record)?.id) === Number(row?.top),
        ),
      );
      const rows = new Map<number, string>();
      for (const record of onTopic(driver.records, topic)) {
        if (record.value === null) continue;
        const after = afterImage(record);
        const id = Number(after?.id ?? (record.key?.value as { id?: number } | undefined)?.id);
        if (after) rows.set(id, String(after.note));
        else rows.delete(id);
      }
      expect(new Set(snapshot.map((record) => Number(afterImage(record)?.id))).size).toBe(snapshot.length);
      expect(rows.size).toBe(Number(row?.n));
    } finally {
      await driver.stop();
    }
  });
});
