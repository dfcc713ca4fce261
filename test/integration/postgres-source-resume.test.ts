// Restarts, acknowledgements and snapshot modes against a real PostgreSQL: a restarted task resumes
// from the committed offset with no gap and no repeat beyond the uncommitted transactions (also in
// the middle of a transaction whose changes share one LSN), the slot never confirms more than was
// committed, heartbeats move the slot over filtered traffic, a full queue pauses the stream, and an
// interrupted snapshot taken again first emits what was committed since (deletes included).
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceRecord } from '../../src/plugin/index.ts';
import {
  afterImage,
  beforeImage,
  connectionSettings,
  createTestDatabase,
  databaseUrl,
  op,
  slotName,
  slotState,
  source,
  sourceConfig,
  TaskDriver,
} from '../fixtures/postgres/task-harness.ts';
import { services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

const DATABASE = `onramp_pgsrc_resume_${process.pid}`;

describe('postgres source restarts and acknowledgements', () => {
  let client: pg.Client;
  let drop: () => Promise<void>;
  let settings: Record<string, string>;

  beforeAll(async () => {
    const { pgUrl } = services();
    ({ client, drop } = await createTestDatabase(pgUrl, DATABASE));
    settings = connectionSettings(pgUrl, DATABASE);
    await client.query(`
      CREATE TABLE events (id int PRIMARY KEY, txn int NOT NULL);
      CREATE TABLE bulk (id int PRIMARY KEY, txn int NOT NULL);
      CREATE TABLE acks (id int PRIMARY KEY);
      CREATE TABLE noise (id serial PRIMARY KEY);
      CREATE TABLE seeded (id int PRIMARY KEY);
      INSERT INTO seeded VALUES (1), (2);
      CREATE TABLE pressure (id int PRIMARY KEY, pad text);
      CREATE TABLE again (id int PRIMARY KEY, v text NOT NULL);
      INSERT INTO again SELECT i, 'v' || i FROM generate_series(1, 5) AS i;
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
      'status.update.interval.ms': '200',
      ...overrides,
    });
  }

  const ids = (records: readonly SourceRecord[]) => records.map((record) => afterImage(record)?.id);

  it('resumes after the committed transaction: no gap, repeats only what was not committed', async () => {
    const cfg = config('resume_tx', { 'table.include.list': 'public.events' });
    const first = new TaskDriver(cfg);
    await first.start();
    let committedEnd = 0n;
    try {
      for (let txn = 1; txn <= 5; txn += 1) {
        const values = [1, 2, 3].map((row) => `(${txn * 10 + row}, ${txn})`).join(', ');
        await client.query(`INSERT INTO events VALUES ${values}`);
      }
      const records = await first.pollUntil(15);
      expect(ids(records)).toEqual([11, 12, 13, 21, 22, 23, 31, 32, 33, 41, 42, 43, 51, 52, 53]);
      await first.commitThrough(8); // through transaction 3
      committedEnd = BigInt(first.committed[0]?.offset.lsn_commit as number);
      await waitFor(
        'slot confirms transaction 3',
        async () => (await slotState(client, slotName('resume_tx')))?.confirmed === committedEnd,
      );
    } finally {
      await first.stop();
    }
    expect((await slotState(client, slotName('resume_tx')))?.confirmed).toBe(committedEnd);

    await client.query('INSERT INTO events VALUES (61, 6), (62, 6), (63, 6)');
    const second = new TaskDriver(cfg);
    await second.start(first.committed);
    try {
      const resumed = await second.pollUntil(9);
      expect(ids(resumed)).toEqual([41, 42, 43, 51, 52, 53, 61, 62, 63]);
      expect(resumed.every((record) => op(record) === 'c')).toBe(true);
    } finally {
      await second.stop();
    }
  });

  it('resumes in the middle of a transaction whose changes share one LSN (COPY multi-insert)', async () => {
    const cfg = config('resume_mid', { 'table.include.list': 'public.bulk' });
    const first = new TaskDriver(cfg);
    await first.start();
    try {
      const writer = new pg.Client({ connectionString: databaseUrl(services().pgUrl, DATABASE) });
      await writer.connect();
      try {
        const stream = writer.query(copyFrom('COPY bulk (id, txn) FROM STDIN'));
        const done = new Promise((resolve, reject) => stream.on('finish', resolve).on('error', reject));
        stream.end('1\t1\n2\t1\n3\t1\n4\t1\n5\t1\n');
        await done;
      } finally {
        await writer.end();
      }
      await client.query('INSERT INTO bulk VALUES (6, 2)');
      const records = await first.pollUntil(6);
      expect(ids(records)).toEqual([1, 2, 3, 4, 5, 6]);
      // The COPY's rows are one multi-insert record: the same LSN for all of them.
      expect(new Set(records.slice(0, 5).map((record) => source(record).lsn)).size).toBe(1);
      await first.commitThrough(1); // rows 1 and 2 of the COPY transaction
      expect(first.committed[0]?.offset).toMatchObject({ tx_events: 2, messageType: 'INSERT' });
    } finally {
      await first.stop();
    }

    const second = new TaskDriver(cfg);
    await second.start(first.committed);
    try {
      expect(ids(await second.pollUntil(4))).toEqual([3, 4, 5, 6]);
    } finally {
      await second.stop();
    }
  });

  it('never lets the slot confirm beyond the committed offset', async () => {
    const cfg = config('acks', { 'table.include.list': 'public.acks', 'snapshot.mode': 'no_data' });
    const driver = new TaskDriver(cfg);
    await driver.start();
    try {
      const start = (await slotState(client, slotName('acks')))?.confirmed ?? 0n;
      for (let id = 1; id <= 3; id += 1) await client.query('INSERT INTO acks VALUES ($1)', [id]);
      await driver.pollUntil(3);
      // Keepalives go out every 200 ms; wait for several to be answered without a commit.
      const replies = await replyTimes(client, slotName('acks'), 3);
      expect(replies.length).toBe(3);
      expect((await slotState(client, slotName('acks')))?.confirmed).toBe(start);
      await driver.pollFor(
        'the slot lag metric',
        () => (driver.context.gauges.get('source_slot_lag_bytes{}') ?? 0) > 0,
      );

      await driver.commitThrough(0);
      const first = BigInt(driver.committed[0]?.offset.lsn_commit as number);
      await waitFor(
        'slot at the first commit',
        async () => (await slotState(client, slotName('acks')))?.confirmed === first,
      );
      await replyTimes(client, slotName('acks'), 2);
      expect((await slotState(client, slotName('acks')))?.confirmed).toBe(first);
      await driver.commitThrough(2);
      const last = BigInt(driver.committed[0]?.offset.lsn_commit as number);
      await waitFor(
        'slot at the last commit',
        async () => (await slotState(client, slotName('acks')))?.confirmed === last,
      );
    } finally {
      await driver.stop();
    }
  });

  it('emits heartbeats that carry the position past filtered traffic', async () => {
    const cfg = config('beat', {
      'table.include.list': 'public.acks',
      'snapshot.mode': 'no_data',
      'heartbeat.interval.ms': '100',
      'heartbeat.action.query': 'INSERT INTO noise DEFAULT VALUES',
    });
    const driver = new TaskDriver(cfg);
    await driver.start();
    try {
      const start = (await slotState(client, slotName('beat')))?.confirmed ?? 0n;
      const records = await driver.pollFor('a heartbeat past the start', (all) =>
        all.some((record) => BigInt((record.sourceOffset.lsn_commit as number) ?? 0) > start),
      );
      const beat = records.find(
        (record) => BigInt((record.sourceOffset.lsn_commit as number) ?? 0) > start,
      ) as SourceRecord;
      expect(beat.topic).toBe('__debezium-heartbeat.beat');
      expect(beat.key?.value).toEqual({ serverName: 'beat' });
      expect(typeof (beat.value?.value as { ts_ms: number }).ts_ms).toBe('number');
      expect(records.every((record) => record.topic === '__debezium-heartbeat.beat')).toBe(true);
      const index = records.indexOf(beat);
      await driver.commitThrough(index);
      const moved = BigInt(beat.sourceOffset.lsn_commit as number);
      await waitFor(
        'slot moved by the heartbeat',
        async () => ((await slotState(client, slotName('beat')))?.confirmed ?? 0n) >= moved,
      );
    } finally {
      await driver.stop();
    }
  });

  it('pauses the stream on a full queue, keeps the connection alive, and loses nothing', async () => {
    const cfg = config('pressure', {
      'table.include.list': 'public.pressure',
      'snapshot.mode': 'no_data',
      'max.queue.size': '20',
      'max.batch.size': '10',
    });
    const driver = new TaskDriver(cfg);
    await driver.start();
    try {
      await client.query("INSERT INTO pressure SELECT g, repeat('x', 100) FROM generate_series(1, 3000) g");
      // Nobody polls: the queue fills and the socket is paused, but keepalives still get answered.
      const replies = await replyTimes(client, slotName('pressure'), 3);
      expect(replies.length).toBe(3);
      const batch = await driver.task.poll(new AbortController().signal);
      expect(batch.length).toBeLessThanOrEqual(10);
      expect(driver.context.gauges.get('source_queue_size{}')).toBeLessThanOrEqual(21);
      driver.records.push(...batch);
      const all = await driver.pollUntil(3000, 60_000);
      expect(ids(all)).toEqual(Array.from({ length: 3000 }, (_, index) => index + 1));
    } finally {
      await driver.stop();
    }
  });

  it('snapshot modes: initial_only takes no slot, always re-snapshots, slot.drop.on.stop drops the slot', async () => {
    const only = new TaskDriver(
      config('only', { 'table.include.list': 'public.seeded', 'snapshot.mode': 'initial_only' }),
    );
    await only.start();
    try {
      expect(ids(await only.pollUntil(2))).toEqual([1, 2]);
      expect(await slotState(client, slotName('only'))).toBeUndefined();
    } finally {
      await only.stop();
    }
    const completed = only.records.at(-1) as SourceRecord;
    const again = new TaskDriver(
      config('only', { 'table.include.list': 'public.seeded', 'snapshot.mode': 'initial_only' }),
    );
    await again.start([{ partition: completed.sourcePartition, offset: completed.sourceOffset }]);
    try {
      expect(await again.task.poll(new AbortController().signal)).toEqual([]);
    } finally {
      await again.stop();
    }

    const alwaysConfig = config('always', {
      'table.include.list': 'public.seeded',
      'snapshot.mode': 'always',
      'slot.drop.on.stop': 'true',
    });
    const always = new TaskDriver(alwaysConfig);
    await always.start();
    try {
      await always.pollUntil(2);
      await always.commitThrough();
      expect(await slotState(client, slotName('always'))).toBeDefined();
    } finally {
      await always.stop();
    }
    expect(await slotState(client, slotName('always'))).toBeUndefined();
    const rerun = new TaskDriver(alwaysConfig);
    await rerun.start(always.committed);
    try {
      const records = await rerun.pollUntil(2);
      expect(records.map((record) => [op(record), source(record).snapshot])).toEqual([
        ['r', 'first'],
        ['r', 'last'],
      ]);
    } finally {
      await rerun.stop();
    }
  });

  it('an interrupted snapshot taken again first emits what was committed since, deletes included', async () => {
    const cfg = config('again', { 'table.include.list': 'public.again' });
    const summary = (records: readonly SourceRecord[]) =>
      records.map((record) =>
        op(record) === 'tombstone'
          ? 'tombstone'
          : `${op(record)}${(afterImage(record) ?? beforeImage(record))?.id}`,
      );
    // A kill in the middle of the snapshot: only its first row's offset was stored.
    const first = new TaskDriver(cfg);
    await first.start();
    try {
      await first.pollUntil(2);
      await first.commitThrough(0);
    } finally {
      await first.stop();
    }
    expect(first.committed[0]?.offset).toMatchObject({ snapshot: true, last_snapshot_record: false });

    await client.query('DELETE FROM again WHERE id = 1');
    await client.query("UPDATE again SET v = 'two' WHERE id = 2");
    await client.query("INSERT INTO again VALUES (6, 'six')");
    await client.query('DELETE FROM again WHERE id = 6');
    const second = new TaskDriver(cfg);
    await second.start(first.committed);
    const caughtUp = ['d1', 'tombstone', 'u2', 'c6', 'd6', 'tombstone'];
    try {
      const records = await second.pollFor('the snapshot taken again', (all) =>
        all.some((record) => record.sourceOffset.last_snapshot_record === true),
      );
      expect(summary(records.slice(0, 6))).toEqual(caughtUp);
      // The rows come after, in the table's physical order.
      expect(summary(records.slice(6)).sort()).toEqual(['r2', 'r3', 'r4', 'r5']);
      // The changes caught up say the snapshot is not done yet; the rows are read after them.
      expect(records.slice(0, 6).every((record) => record.sourceOffset.snapshot === true)).toBe(true);
      expect(source(records[2]).snapshot).toBe('false');
      expect(records.slice(6).map(afterImage)).toContainEqual({ id: 2, v: 'two' });
      // Killed again in the middle of the catch-up: stored through the update of row 2.
      await second.commitThrough(2);
    } finally {
      await second.stop();
    }

    await client.query("INSERT INTO again VALUES (7, 'seven')");
    const third = new TaskDriver(cfg);
    await third.start(second.committed);
    try {
      const records = await third.pollFor('the snapshot taken a third time', (all) =>
        all.some((record) => record.sourceOffset.last_snapshot_record === true),
      );
      expect(summary(records.slice(0, 4))).toEqual(['c6', 'd6', 'tombstone', 'c7']);
      expect(summary(records.slice(4)).sort()).toEqual(['r2', 'r3', 'r4', 'r5', 'r7']);
      const snapshotted = records.length;
      await client.query('DELETE FROM again WHERE id = 3');
      const streamed = await third.pollUntil(snapshotted + 2);
      expect(summary(streamed.slice(snapshotted))).toEqual(['d3', 'tombstone']);
      expect(streamed.at(-2)?.sourceOffset.snapshot).toBeUndefined();
    } finally {
      await third.stop();
    }
  });

  it('when_needed re-snapshots when the slot is gone', async () => {
    const cfg = config('needed', { 'table.include.list': 'public.seeded', 'snapshot.mode': 'when_needed' });
    const first = new TaskDriver(cfg);
    await first.start();
    try {
      await first.pollUntil(2);
      await first.commitThrough();
    } finally {
      await first.stop();
    }
    await client.query('SELECT pg_drop_replication_slot($1)', [slotName('needed')]);
    const second = new TaskDriver(cfg);
    await second.start(first.committed);
    try {
      expect((await second.pollUntil(2)).map(op)).toEqual(['r', 'r']);
    } finally {
      await second.stop();
    }
  });
});

/** Waits until the walsender of `slot` has sent `count` new status replies; returns their times. */
async function replyTimes(client: pg.Client, slot: string, count: number): Promise<string[]> {
  const seen: string[] = [];
  await waitFor(
    `${count} status replies on ${slot}`,
    async () => {
      const result = await client.query<{ reply_time: string | null }>(
        `SELECT r.reply_time::text AS reply_time FROM pg_stat_replication r
           JOIN pg_replication_slots s ON s.active_pid = r.pid WHERE s.slot_name = $1`,
        [slot],
      );
      const time = result.rows[0]?.reply_time;
      if (time && !seen.includes(time)) seen.push(time);
      return seen.length > count;
    },
    { timeoutMs: 20_000, intervalMs: 50 },
  );
  return seen.slice(1);
}
