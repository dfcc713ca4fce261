// The MySQL source across schema changes and restarts, against the real MariaDB: ALTER TABLE in
// the middle of a stream, restart from a committed offset in the middle of a multi-row
// transaction without gaps or repeats, a purged binlog position (FAILED, or a new snapshot
// with snapshot.mode=when_needed), and an interrupted snapshot taken again that first emits what was
// committed since (deletes included).
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnrampError, type SourceRecord } from '../../src/plugin/index.ts';
import {
  afterImage,
  beforeImage,
  connectionSettings,
  createTestDatabase,
  envelope,
  onTopic,
  op,
  serverId,
  sourceConfig,
  TaskDriver,
} from '../fixtures/mysql/task-harness.ts';
import { services } from '../support/services.ts';

const DATABASE = `onramp_mysrc_resume_${process.pid}`;

describe('mysql source resume and DDL', () => {
  let client: mysql.Connection;
  let drop: () => Promise<void>;
  let settings: Record<string, string>;

  beforeAll(async () => {
    const { mysqlUrl } = services();
    ({ client, drop } = await createTestDatabase(mysqlUrl, DATABASE));
    settings = connectionSettings(mysqlUrl);
    await client.query('CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL, old_col INT)');
    await client.query("INSERT INTO items VALUES (1, 'one', 11)");
  });

  afterAll(async () => {
    await drop?.();
  });

  const config = (id: number, overrides: Record<string, string> = {}) =>
    sourceConfig({
      ...settings,
      'database.server.id': serverId(id),
      'topic.prefix': 'inv',
      'database.include.list': DATABASE,
      ...overrides,
    });
  const topic = `inv.${DATABASE}.items`;

  it('decodes rows before and after ALTER TABLE ADD/DROP COLUMN and publishes the DDL', async () => {
    const driver = new TaskDriver(config(4));
    await driver.start();
    try {
      await driver.pollUntil(1);
      await client.query("INSERT INTO items VALUES (2, 'two', 22)");
      await client.query('ALTER TABLE items ADD COLUMN price DECIMAL(6,2) NULL, DROP COLUMN old_col');
      await client.query("INSERT INTO items VALUES (3, 'three', 3.50)");
      await client.query('UPDATE items SET price = 9.99 WHERE id = 2');
      const records = await driver.pollFor(
        'the update after the ALTER',
        (all) => onTopic(all, topic).length >= 4,
      );
      const rows = onTopic(records, topic);
      expect(rows.map(op)).toEqual(['r', 'c', 'c', 'u']);
      expect(afterImage(rows[1])).toEqual({ id: 2, name: 'two', old_col: 22 });
      expect(afterImage(rows[2])).toEqual({ id: 3, name: 'three', price: '3.50' });
      expect(envelope(rows[3])).toMatchObject({
        before: { id: 2, name: 'two', price: null },
        after: { id: 2, name: 'two', price: '9.99' },
      });
      const after = rows[2]?.value?.schema?.fields?.find((field) => field.field === 'after');
      expect(after?.fields?.map((field) => field.field)).toEqual(['id', 'name', 'price']);

      // The streamed DDL (the snapshot's went first, with the snapshot flag in their offsets).
      const changes = onTopic(records, 'inv').filter((record) => record.sourceOffset.snapshot !== true);
      expect(changes).toHaveLength(1);
      expect(changes[0]?.key?.value).toEqual({ databaseName: DATABASE });
      const change = changes[0]?.value?.value as Record<string, unknown>;
      expect(change.ddl).toMatch(/ALTER TABLE items ADD COLUMN price/);
      expect(change.databaseName).toBe(DATABASE);
      const tableChanges = change.tableChanges as { type: string; table: { columns: { name: string }[] } }[];
      expect(tableChanges[0]?.type).toBe('ALTER');
      expect(tableChanges[0]?.table.columns.map((column) => column.name)).toEqual(['id', 'name', 'price']);
    } finally {
      await driver.stop();
    }
  });

  it('restarts from a committed offset inside a transaction without gaps or repeats', async () => {
    await client.query('CREATE TABLE batch (id INT PRIMARY KEY)');
    const first = new TaskDriver(
      config(5, { 'table.include.list': `${DATABASE}\\.batch`, 'snapshot.mode': 'no_data' }),
    );
    await first.start();
    const batchTopic = `inv.${DATABASE}.batch`;
    try {
      await client.query('START TRANSACTION');
      await client.query('INSERT INTO batch VALUES (1), (2), (3)');
      await client.query('INSERT INTO batch VALUES (4), (5)');
      await client.query('COMMIT');
      await first.pollUntil(5);
      // Kafka acknowledged the first four records only (mid second row event).
      await first.commitThrough(3);
    } finally {
      await first.stop();
    }
    expect(first.committed[0]?.offset).toMatchObject({ event: 1, row: 1 });
    await client.query('INSERT INTO batch VALUES (6)');

    const second = new TaskDriver(
      config(5, { 'table.include.list': `${DATABASE}\\.batch`, 'snapshot.mode': 'no_data' }),
    );
    await second.start(first.committed);
    try {
      const records = await second.pollUntil(2);
      expect(onTopic(records, batchTopic).map((record) => afterImage(record)?.id)).toEqual([5, 6]);
      expect(records.map(op)).toEqual(['c', 'c']);
    } finally {
      await second.stop();
    }
  });

  it('fails with what to do when the binlog to resume from was purged, and re-snapshots with when_needed', async () => {
    const gone = [
      { partition: { server: 'inv' }, offset: { file: 'mysql-bin.999999', pos: 4, event: 0, row: 0 } },
    ];
    const failing = new TaskDriver(config(6));
    const error = await failing.start(gone).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    await failing.stop();
    expect(error).toBeInstanceOf(OnrampError);
    expect((error as OnrampError).code).toBe('MYSQL_BINLOG_PURGED');
    expect((error as OnrampError).message).toMatch(
      /mysql-bin\.999999.*no longer on the server.*snapshot\.mode=when_needed/,
    );

    const recovering = new TaskDriver(
      config(6, { 'snapshot.mode': 'when_needed', 'table.include.list': `${DATABASE}\\.items` }),
    );
    await recovering.start(gone);
    try {
      const records = await recovering.pollFor('snapshot done', (all) =>
        all.some((record) => record.sourceOffset.snapshot_completed === true),
      );
      const rows = onTopic(records, topic);
      expect(rows.map(op).every((value) => value === 'r')).toBe(true);
      expect(rows.map((record) => afterImage(record)?.id)).toEqual([1, 2, 3]);
    } finally {
      await recovering.stop();
    }
  });
  it('an interrupted snapshot taken again first emits what was committed since, deletes included', async () => {
    await client.query('CREATE TABLE again (id INT PRIMARY KEY, v VARCHAR(10) NOT NULL)');
    await client.query("INSERT INTO again VALUES (1, 'v1'), (2, 'v2'), (3, 'v3'), (4, 'v4'), (5, 'v5')");
    // Positions in the record lists below count rows: the snapshot's DDL records are left out.
    const cfg = config(9, { 'table.include.list': `${DATABASE}\\.again`, 'include.schema.changes': 'false' });
    const againTopic = `inv.${DATABASE}.again`;
    const summary = (records: readonly SourceRecord[]) =>
      onTopic(records, againTopic).map((record) =>
        op(record) === 'tombstone'
          ? 'tombstone'
          : `${op(record)}${(afterImage(record) ?? beforeImage(record))?.id}`,
      );
    const snapshotDone = (all: SourceRecord[]) =>
      all.some((record) => record.sourceOffset.snapshot_completed === true);
    // A kill in the middle of the snapshot: only its first row's offset was stored.
    const first = new TaskDriver(cfg);
    await first.start();
    try {
      await first.pollUntil(2);
      await first.commitThrough(0);
    } finally {
      await first.stop();
    }
    expect(first.committed[0]?.offset).toMatchObject({ snapshot: true });
    expect(first.committed[0]?.offset.snapshot_completed).toBeUndefined();

    await client.query('DELETE FROM again WHERE id = 1');
    await client.query("UPDATE again SET v = 'two' WHERE id = 2");
    await client.query("INSERT INTO again VALUES (6, 'six')");
    await client.query('DELETE FROM again WHERE id = 6');
    const second = new TaskDriver(cfg);
    await second.start(first.committed);
    try {
      const records = await second.pollFor('the snapshot taken again', snapshotDone);
      expect(summary(records)).toEqual([
        'd1',
        'tombstone',
        'u2',
        'c6',
        'd6',
        'tombstone',
        'r2',
        'r3',
        'r4',
        'r5',
      ]);
      // The changes caught up say the snapshot is not done yet; the rows are read after them.
      expect(records.slice(0, 6).every((record) => record.sourceOffset.snapshot === true)).toBe(true);
      expect(
        records.slice(0, 6).every((record) => record.sourceOffset.snapshot_completed === undefined),
      ).toBe(true);
      expect(afterImage(records[6])).toEqual({ id: 2, v: 'two' });
      // Killed again in the middle of the catch-up: stored through the update of row 2.
      await second.commitThrough(2);
    } finally {
      await second.stop();
    }

    await client.query("INSERT INTO again VALUES (7, 'seven')");
    const third = new TaskDriver(cfg);
    await third.start(second.committed);
    try {
      const records = await third.pollFor('the snapshot taken a third time', snapshotDone);
      expect(summary(records)).toEqual(['c6', 'd6', 'tombstone', 'c7', 'r2', 'r3', 'r4', 'r5', 'r7']);
      const snapshotted = records.length;
      await client.query('DELETE FROM again WHERE id = 3');
      const streamed = await third.pollUntil(snapshotted + 2);
      expect(summary(streamed.slice(snapshotted))).toEqual(['d3', 'tombstone']);
      expect(streamed.at(-2)?.sourceOffset.snapshot).toBeUndefined();
    } finally {
      await third.stop();
    }
  });

  it('a kill before the first snapshot record was stored still leaves where that snapshot began', async () => {
    await client.query('CREATE TABLE first_try (id INT PRIMARY KEY, v VARCHAR(10) NOT NULL)');
    await client.query("INSERT INTO first_try VALUES (1, 'v1'), (2, 'v2'), (3, 'v3')");
    const cfg = config(10, {
      'table.include.list': `${DATABASE}\\.first_try`,
      'include.schema.changes': 'false',
    });
    const firstTopic = `inv.${DATABASE}.first_try`;
    const summary = (records: readonly SourceRecord[]) =>
      onTopic(records, firstTopic).map((record) =>
        op(record) === 'tombstone'
          ? 'tombstone'
          : `${op(record)}${(afterImage(record) ?? beforeImage(record))?.id}`,
      );
    // The first batch reached Kafka, and the host was killed before it stored any record's offset:
    // only what the task stored itself is left.
    const first = new TaskDriver(cfg);
    await first.start();
    try {
      await first.pollUntil(2);
    } finally {
      await first.stop();
    }
    expect(first.storedByTask).toHaveLength(1);
    // Stored before any record could be polled, at the position the snapshot's records carry.
    expect(first.storedByTask[0]?.polled).toBe(0);
    const startOffset = first.storedByTask[0]?.entries[0]?.offset;
    expect(startOffset).toMatchObject({ snapshot: true, event: 0, row: 0 });
    expect(startOffset?.snapshot_completed).toBeUndefined();
    expect(startOffset?.schema_history).toBeDefined();
    const { ts_sec: _at, ...position } = startOffset ?? {};
    const { ts_sec: _firstAt, ...firstRecordPosition } = first.records[0]?.sourceOffset ?? {};
    expect(firstRecordPosition).toEqual(position);
    expect(first.committed).toEqual(first.storedByTask[0]?.entries);

    // Row 1 went downstream with the first attempt: its delete must follow it.
    await client.query('DELETE FROM first_try WHERE id = 1');
    await client.query("UPDATE first_try SET v = 'two' WHERE id = 2");
    const second = new TaskDriver(cfg);
    await second.start(first.committed);
    try {
      const records = await second.pollFor('the snapshot taken again', (all) =>
        all.some((record) => record.sourceOffset.snapshot_completed === true),
      );
      expect(summary(records)).toEqual(['d1', 'tombstone', 'u2', 'r2', 'r3']);
      // A snapshot after a catch-up stores nothing itself: the stored offset names where to resume.
      expect(second.storedByTask).toHaveLength(0);
    } finally {
      await second.stop();
    }
  });

  it('pauses the binlog while the queue is full and loses nothing', async () => {
    await client.query('CREATE TABLE bulk (id INT PRIMARY KEY)');
    const driver = new TaskDriver(
      config(8, {
        'table.include.list': `${DATABASE}\\.bulk`,
        'snapshot.mode': 'no_data',
        'max.queue.size': '20',
        'max.batch.size': '5',
      }),
    );
    await driver.start();
    try {
      const values = Array.from({ length: 2000 }, (_, index) => `(${index + 1})`).join(',');
      await client.query(`INSERT INTO bulk VALUES ${values}`);
      await client.query('INSERT INTO bulk VALUES (2001)');
      const records = await driver.pollUntil(2001);
      expect(records.map((record) => afterImage(record)?.id)).toEqual(
        Array.from({ length: 2001 }, (_, index) => index + 1),
      );
      expect(driver.context.gauges.get('source_queue_capacity{}')).toBe(20);
    } finally {
      await driver.stop();
    }
  });
});
