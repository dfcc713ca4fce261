// The MySQL source's schema history and GTID resume, against the real MariaDB: a restart from an
// offset written before an ALTER TABLE decodes the older rows with the older columns (the history
// travels in the offset); a stored GTID position resumes the stream even when the stored binlog
// file is another server's; a GTID position the server never wrote fails the task plainly.
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnrampError, type SourceOffsetEntry, type SourceRecord } from '../../src/plugin/index.ts';
import {
  afterImage,
  beforeImage,
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

const DATABASE = `onramp_mysrc_history_${process.pid}`;

interface StoredTable {
  table: string;
  columns: [string, ...unknown[]][];
}

function defined<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`no ${what}`);
  return value;
}

function entryOf(record: SourceRecord | undefined): SourceOffsetEntry {
  const { sourcePartition, sourceOffset } = defined(record, 'record');
  return { partition: sourcePartition, offset: sourceOffset };
}

function historyColumns(entry: SourceOffsetEntry | undefined, table: string): string[] {
  const history = entry?.offset.schema_history as unknown as StoredTable[] | undefined;
  return history?.find((item) => item.table === table)?.columns.map(([name]) => name) ?? [];
}

describe('mysql source schema history and GTID resume', () => {
  let client: mysql.Connection;
  let drop: () => Promise<void>;
  let settings: Record<string, string>;

  beforeAll(async () => {
    const { mysqlUrl } = services();
    ({ client, drop } = await createTestDatabase(mysqlUrl, DATABASE));
    settings = connectionSettings(mysqlUrl);
  });

  afterAll(async () => {
    await drop?.();
  });

  const config = (id: number, table: string, overrides: Record<string, string> = {}) =>
    sourceConfig({
      ...settings,
      'database.server.id': serverId(id),
      'topic.prefix': 'hist',
      'database.include.list': DATABASE,
      'table.include.list': `${DATABASE}\\.${table}`,
      ...overrides,
    });

  it('restarts from an offset before an ALTER TABLE: older rows keep the older columns', async () => {
    await client.query('CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL, old_col INT)');
    await client.query("INSERT INTO items VALUES (1, 'one', 11)");
    const topic = `hist.${DATABASE}.items`;
    const first = new TaskDriver(config(11, 'items'));
    await first.start();
    let beforeAlter: SourceOffsetEntry;
    let afterAlter: SourceOffsetEntry;
    try {
      await first.pollUntil(1);
      // The snapshot's last record: everything after it is to come.
      beforeAlter = entryOf(first.records[0]);
      await client.query("INSERT INTO items VALUES (2, 'two', 22)");
      await client.query('ALTER TABLE items ADD COLUMN price DECIMAL(6,2) NULL, DROP COLUMN old_col');
      await client.query("INSERT INTO items VALUES (3, 'three', 3.50)");
      await client.query('UPDATE items SET price = 9.99 WHERE id = 2');
      await first.pollFor('the update after the ALTER', (all) => onTopic(all, topic).length >= 4);
      afterAlter = entryOf(first.records.at(-1));
    } finally {
      await first.stop();
    }
    // The offsets carry the structure as of their own position.
    expect(historyColumns(beforeAlter, 'items')).toEqual(['id', 'name', 'old_col']);
    expect(historyColumns(afterAlter, 'items')).toEqual(['id', 'name', 'price']);

    const second = new TaskDriver(config(11, 'items'));
    await second.start([beforeAlter]);
    try {
      const records = await second.pollFor('the replayed update', (all) => onTopic(all, topic).length >= 3);
      const rows = onTopic(records, topic);
      expect(rows.map(op)).toEqual(['c', 'c', 'u']);
      expect(afterImage(rows[0])).toEqual({ id: 2, name: 'two', old_col: 22 });
      const valueFields = (index: number) =>
        rows[index]?.value?.schema?.fields
          ?.find((field) => field.field === 'after')
          ?.fields?.map((field) => field.field);
      expect(valueFields(0)).toEqual(['id', 'name', 'old_col']);
      expect(afterImage(rows[1])).toEqual({ id: 3, name: 'three', price: '3.50' });
      expect(valueFields(1)).toEqual(['id', 'name', 'price']);
      expect(beforeImage(rows[2])).toEqual({ id: 2, name: 'two', price: null });
      expect(afterImage(rows[2])).toEqual({ id: 2, name: 'two', price: '9.99' });
      const change = onTopic(records, 'hist')[0]?.value?.value as { ddl?: string } | undefined;
      expect(change?.ddl).toMatch(/ALTER TABLE items ADD COLUMN price/);
    } finally {
      await second.stop();
    }

    // An offset without a history (e.g. written by hand, Debezium-shaped) falls back to the
    // structure the server has now.
    const { schema_history: _dropped, ...bare } = beforeAlter.offset;
    const third = new TaskDriver(config(11, 'items'));
    await third.start([{ partition: beforeAlter.partition, offset: bare }]);
    try {
      const records = await third.pollFor('the first replayed row', (all) => onTopic(all, topic).length >= 1);
      expect(afterImage(onTopic(records, topic)[0])).toEqual({ id: 2, name: 'two', price: null });
    } finally {
      await third.stop();
    }
  });

  it('resumes by GTID inside a transaction even when the stored binlog file is not on the server', async () => {
    await client.query('CREATE TABLE batch (id INT PRIMARY KEY)');
    const topic = `hist.${DATABASE}.batch`;
    const overrides = { 'snapshot.mode': 'no_data' };
    const first = new TaskDriver(config(12, 'batch', overrides));
    await first.start();
    try {
      await client.query('START TRANSACTION');
      await client.query('INSERT INTO batch VALUES (1), (2), (3)');
      await client.query('INSERT INTO batch VALUES (4), (5)');
      await client.query('COMMIT');
      await first.pollUntil(5);
      await first.commitThrough(3);
    } finally {
      await first.stop();
    }
    const committed = defined(first.committed[0], 'committed offset');
    expect(committed.offset).toMatchObject({
      event: 1,
      row: 1,
      gtids: expect.stringMatching(/^\d+-\d+-\d+/),
    });
    const transactionGtid = source(first.records[0]).gtid;
    expect(transactionGtid).toMatch(/^\d+-\d+-\d+$/);
    await client.query('INSERT INTO batch VALUES (6)');

    // As after a failover: the file and position name another server's binlog, the GTIDs hold.
    const moved = { ...committed.offset, file: 'mysql-bin.999999', pos: 123456 };
    const second = new TaskDriver(config(12, 'batch', overrides));
    await second.start([{ partition: committed.partition, offset: moved }]);
    try {
      const records = await second.pollUntil(2);
      expect(onTopic(records, topic).map((record) => afterImage(record)?.id)).toEqual([5, 6]);
      expect(records.map(op)).toEqual(['c', 'c']);
      // The replayed transaction is the same one, found by the server, at its real position.
      expect(source(records[0]).gtid).toBe(transactionGtid);
      expect(source(records[0]).file).toBe(source(first.records[4]).file);
      expect(records[0]?.sourceOffset).toMatchObject({
        file: first.records[4]?.sourceOffset.file,
        pos: first.records[4]?.sourceOffset.pos,
        event: 1,
        row: 2,
      });
      // Once the transaction is complete the offset's GTIDs include it.
      const afterCommit = String(records[1]?.sourceOffset.gtids);
      const [domain, , seq] = String(transactionGtid).split('-');
      const ours = afterCommit.split(',').find((gtid) => gtid.startsWith(`${domain}-`));
      expect(BigInt(ours?.split('-')[2] ?? '0')).toBeGreaterThanOrEqual(BigInt(seq ?? '0'));
    } finally {
      await second.stop();
    }
  });

  it('fails plainly when the stored GTID position is not in the server binlog', async () => {
    const [[row]] = await client.query<mysql.RowDataPacket[]>('SELECT @@GLOBAL.gtid_binlog_pos AS pos');
    const domain = String(row?.pos ?? '0-1-1').split('-')[0];
    const ahead = `${domain}-1-999999999`;
    for (const mode of ['initial', 'when_needed']) {
      const driver = new TaskDriver(config(13, 'batch', { 'snapshot.mode': mode }));
      const error = await driver
        .start([
          {
            partition: { server: 'hist' },
            offset: { file: 'mysql-bin.000001', pos: 4, gtids: ahead, event: 0, row: 0 },
          },
        ])
        .then(
          () => undefined,
          (reason: unknown) => reason,
        );
      await driver.stop();
      expect(error).toBeInstanceOf(OnrampError);
      expect((error as OnrampError).code).toBe('MYSQL_GTID_MISMATCH');
      expect((error as OnrampError).message).toContain(ahead);
      expect((error as OnrampError).message).toMatch(/not the one the offset came from/);
    }
  });
});
