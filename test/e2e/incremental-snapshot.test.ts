import { randomUUID } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deserializeKey } from '../../connectors/shared/incremental-snapshot/java-serialization.ts';
import { KafkaRecordProducer } from '../../src/kafka/record-producer.ts';
import { createTestDatabase } from '../fixtures/mysql/task-harness.ts';
import {
  type HostProcess,
  mysqlSourceConfig,
  postgresSourceConfig,
  startHostProcess,
} from '../support/host-process.ts';
import { testAdmin, testConnection } from '../support/runtime/kafka-reader.ts';
import { services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';
import { afterImage, type ChangeEvent, killAndRestart, op, TopicCollector } from './crash-harness.ts';

// Incremental snapshots end to end, through the host process and Kafka, on both sources at once:
// a 100k-row table each, a fifth of its rows updated and deleted while the snapshot runs, the
// snapshot asked for through the signal table (PostgreSQL, Debezium's watermark rows) and through
// the Kafka signal topic (MySQL/MariaDB, read-only watermarks), the host killed with -9 in the
// middle: the snapshot continues from the stored chunk, and the last event of every key in Kafka is
// the table's row. Then an ad hoc snapshot through POST /connectors/{name}/snapshots.

const suffix = randomUUID().slice(0, 8);
const ROWS = 100_000;
const pgTable = `inc_pg_${suffix}`;
const pgSignal = `inc_pg_signal_${suffix}`;
const pgPrefix = `incpg${suffix}`;
const pgTopic = `${pgPrefix}.public.${pgTable}`;
const myDatabase = `inc_my_${suffix}`;
const myTable = 'items';
const myPrefix = `incmy${suffix}`;
const myTopic = `${myPrefix}.${myDatabase}.${myTable}`;
const mySignalTopic = `${myPrefix}-signal`;
const SERVER_ID = 7_000 + (process.pid % 1_000);

let db: pg.Client;
let my: mysql.Connection;
let dropMysql: () => Promise<void>;
let host: HostProcess | undefined;
let collector: TopicCollector;
let churn: Churn | undefined;

beforeAll(async () => {
  db = new pg.Client({ connectionString: services().pgUrl });
  await db.connect();
  await db.query(`CREATE TABLE public.${pgTable} (id int PRIMARY KEY, seq int NOT NULL, note text)`);
  await db.query(
    `INSERT INTO public.${pgTable} SELECT i, 0, 'row ' || i FROM generate_series(1, ${ROWS}) AS i`,
  );
  await db.query(`ANALYZE public.${pgTable}`);
  await db.query(
    `CREATE TABLE public.${pgSignal} (id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))`,
  );
  ({ drop: dropMysql } = await createTestDatabase(services().mysqlUrl, myDatabase));
  my = await mysql.createConnection({
    uri: services().mysqlUrl,
    database: myDatabase,
    multipleStatements: true,
  });
  await my.query(`CREATE TABLE ${myTable} (id int PRIMARY KEY, seq int NOT NULL, note varchar(40))`);
  await my.query(`INSERT INTO ${myTable} SELECT seq, 0, CONCAT('row ', seq) FROM seq_1_to_${ROWS}`);
  collector = new TopicCollector([pgTopic, myTopic]);
  await collector.start(3);
  const admin = testAdmin();
  await admin.ensureTopics([mySignalTopic], { partitions: 1 });
  await admin.close();
});

afterAll(async () => {
  await churn?.stop();
  for (const name of [pgPrefix, myPrefix])
    await host?.call('DELETE', `/connectors/${name}`).catch(() => undefined);
  await host?.stop();
  await collector?.close(true);
  await db.query(`DROP TABLE IF EXISTS public.${pgTable}, public.${pgSignal}`).catch(() => undefined);
  await db.end();
  await my?.end();
  await dropMysql?.();
});

/**
 * Updates and deletes random rows of both tables, one small transaction each, until stopped; paced
 * by the snapshots: about 3 changes for every 10 rows read so far (the snapshots must not starve).
 */
class Churn {
  changes = 0;
  private seq = 0;
  private stopping = false;
  private running: Promise<void> = Promise.resolve();

  start(): void {
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  private allowance(): number {
    const reads = collector.events.filter((event) => event.value?.op === 'r').length;
    return 1_000 + (reads / 2) * 0.3;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      if (this.changes >= this.allowance()) {
        await waitFor('the snapshots to read on', () => this.stopping || this.changes < this.allowance(), {
          timeoutMs: 300_000,
          intervalMs: 50,
        });
        continue;
      }
      // 250 keys a transaction (4 in 5 updated, 1 in 5 deleted): enough to keep pace with the
      // snapshots, whose reading of 2 x 100k rows can take as little as ~10 s.
      const ids = [...new Set(Array.from({ length: 250 }, () => 1 + Math.floor(Math.random() * ROWS)))];
      const updated = ids.slice(0, 200);
      const deleted = ids.slice(200);
      const seqs = updated.map(() => {
        this.seq += 1;
        return this.seq;
      });
      await db.query(
        `BEGIN;
         UPDATE public.${pgTable} t SET seq = v.seq FROM unnest('{${updated}}'::int[], '{${seqs}}'::int[]) AS v(id, seq) WHERE t.id = v.id;
         DELETE FROM public.${pgTable} WHERE id = ANY('{${deleted}}'::int[]);
         COMMIT`,
      );
      const cases = updated.map((id, index) => `WHEN ${id} THEN ${seqs[index]}`).join(' ');
      await my.query(
        `START TRANSACTION;
         UPDATE ${myTable} SET seq = CASE id ${cases} END WHERE id IN (${updated});
         DELETE FROM ${myTable} WHERE id IN (${deleted});
         COMMIT`,
      );
      this.changes += ids.length;
    }
  }
}

async function snapshots(name: string) {
  const response = await host?.call('GET', `/connectors/${name}/snapshots`);
  return response?.status === 200 ? response.body : undefined;
}

async function snapshotDone(name: string): Promise<boolean> {
  const progress = await snapshots(name);
  return (
    progress?.running === false &&
    progress.tables.length > 0 &&
    progress.tables.every((table: { state: string }) => table.state === 'done')
  );
}

async function storedKey(name: string): Promise<number | undefined> {
  const offsets = await host?.call('GET', `/connectors/${name}/offsets`);
  const hex = offsets?.body?.offsets?.[0]?.offset?.incremental_snapshot_primary_key;
  const value = typeof hex === 'string' ? deserializeKey(hex)[0] : undefined;
  return value && value.type === 'int' ? value.value : undefined;
}

function lastPerKey(events: readonly ChangeEvent[], topic: string): Map<number, number | 'deleted'> {
  const last = new Map<number, number | 'deleted'>();
  for (const event of events) {
    if (event.topic !== topic) continue;
    const row = afterImage(event);
    last.set(event.key.id as number, row ? (row.seq as number) : 'deleted');
  }
  return last;
}

function notFinal(
  events: readonly ChangeEvent[],
  topic: string,
  table: ReadonlyMap<number, number>,
): string[] {
  const last = lastPerKey(events, topic);
  const wrong: string[] = [];
  for (const id of new Set([...table.keys(), ...last.keys()])) {
    const expected = table.get(id) ?? 'deleted';
    const got = last.get(id) ?? (expected === 'deleted' ? 'deleted' : 'none');
    if (expected !== got) wrong.push(`${id}: table ${expected}, Kafka ${got}`);
  }
  return wrong;
}

describe('incremental snapshots through the host', () => {
  it('ends every key in Kafka at the table, across a kill -9 in the middle of the snapshots', async () => {
    host = await startHostProcess();
    const pgCreated = await host.call('PUT', `/connectors/${pgPrefix}/config`, {
      ...postgresSourceConfig(pgPrefix, `public.${pgTable}`),
      'snapshot.mode': 'no_data',
      'signal.data.collection': `public.${pgSignal}`,
      'topic.creation.default.partitions': '3',
    });
    expect(pgCreated.status).toBe(201);
    const myCreated = await host.call('PUT', `/connectors/${myPrefix}/config`, {
      ...mysqlSourceConfig(myPrefix, myDatabase, SERVER_ID),
      'snapshot.mode': 'no_data',
      'read.only': 'true',
      'signal.enabled.channels': 'kafka',
      'signal.kafka.groupId': `incmy-signals-${suffix}`,
      'signal.kafka.bootstrap.servers': services().kafkaBrokers.join(','),
      'topic.creation.default.partitions': '3',
    });
    expect(myCreated.status).toBe(201);
    for (const name of [pgPrefix, myPrefix])
      await waitFor(`${name} running`, async () => (await snapshots(name)) !== undefined, {
        timeoutMs: 30_000,
      });

    churn = new Churn();
    churn.start();
    // PostgreSQL: Debezium's signal table. MySQL: the Kafka signal topic, keyed by topic.prefix.
    await db.query(`INSERT INTO public.${pgSignal} VALUES ($1, 'execute-snapshot', $2)`, [
      'pg-snapshot-1',
      JSON.stringify({ 'data-collections': [`public.${pgTable}`], type: 'incremental' }),
    ]);
    const producer = new KafkaRecordProducer(testConnection(), testAdmin());
    await producer.send([
      {
        topic: mySignalTopic,
        key: Buffer.from(`${myPrefix}-not-me`),
        value: Buffer.from(JSON.stringify({ id: 'ignored', type: 'log', data: { message: 'not for me' } })),
      },
      {
        topic: mySignalTopic,
        key: Buffer.from(myPrefix),
        value: Buffer.from(
          JSON.stringify({
            id: 'my-snapshot-1',
            type: 'execute-snapshot',
            data: { 'data-collections': [`${myDatabase}.${myTable}`], type: 'INCREMENTAL' },
          }),
        ),
      },
    ]);
    await producer.close();

    // The keys stored a while before the kill: GET /offsets shows the store's latest, whose file
    // write may still be under way when the kill lands, so the restart may go on from a little earlier.
    const progressed = async (rows: number) => {
      const [pgProgress, myProgress] = [await snapshots(pgPrefix), await snapshots(myPrefix)];
      const read = (progress: typeof pgProgress) => progress?.tables?.[0]?.rowsRead ?? 0;
      return read(pgProgress) >= rows && read(myProgress) >= rows;
    };
    await waitFor(
      'a sixth of both tables read, and the keys stored',
      async () =>
        (await progressed(ROWS / 6)) &&
        (await storedKey(pgPrefix)) !== undefined &&
        (await storedKey(myPrefix)) !== undefined,
      { timeoutMs: 120_000, intervalMs: 100 },
    );
    const before = { pg: (await storedKey(pgPrefix)) as number, my: (await storedKey(myPrefix)) as number };
    // Kill -9 once both are well into their tables.
    await waitFor('a third of both tables read', () => progressed(ROWS / 3), {
      timeoutMs: 120_000,
      intervalMs: 100,
    });
    const admin = testAdmin();
    let ends = new Map<string, bigint>();
    host = await killAndRestart(host, async () => {
      for (const topic of [pgTopic, myTopic])
        for (const [partition, end] of await admin.endOffsets(topic)) ends.set(`${topic}/${partition}`, end);
      console.log(`killed; keys stored a while before: ${before.pg} (PostgreSQL), ${before.my} (MySQL)`);
    });
    ends = new Map(ends);

    await waitFor(
      'both snapshots done',
      async () => (await snapshotDone(pgPrefix)) && (await snapshotDone(myPrefix)),
      {
        // Two thirds of 2 x 100k rows after a restart: ~10 s on a quiet machine, minutes when the
        // suite's other files load the 2 cores.
        timeoutMs: 300_000,
        intervalMs: 250,
      },
    );
    await churn.stop();
    expect(churn.changes).toBeGreaterThanOrEqual(ROWS / 5);
    await db.query(`INSERT INTO public.${pgTable} VALUES (${ROWS + 1}, -1, 'marker')`);
    await my.query(`INSERT INTO ${myTable} VALUES (${ROWS + 1}, -1, 'marker')`);
    await waitFor(
      'both markers in Kafka',
      () =>
        [pgTopic, myTopic].every((topic) =>
          collector.events.some((event) => event.topic === topic && afterImage(event)?.id === ROWS + 1),
        ),
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    await collector.catchUp();

    const pgRows = await db.query<{ id: number; seq: number }>(`SELECT id, seq FROM public.${pgTable}`);
    const [myRows] = await my.query<mysql.RowDataPacket[]>(`SELECT id, seq FROM ${myTable}`);
    expect(
      notFinal(collector.events, pgTopic, new Map(pgRows.rows.map((row) => [row.id, row.seq]))).slice(0, 10),
    ).toEqual([]);
    expect(
      notFinal(
        collector.events,
        myTopic,
        new Map(myRows.map((row) => [Number(row.id), Number(row.seq)])),
      ).slice(0, 10),
    ).toEqual([]);

    // The restarted host went on after the stored key, not from the table's start.
    for (const [topic, key] of [
      [pgTopic, before.pg],
      [myTopic, before.my],
    ] as const) {
      const after = collector.events.filter(
        (event) =>
          event.topic === topic &&
          op(event) === 'r' &&
          event.offset >= (ends.get(`${topic}/${event.partition}`) ?? 0n),
      );
      const first = Math.min(...after.map((event) => event.key.id as number));
      expect(first, `${topic}: the first key read after the restart`).toBeGreaterThan(key);
      const reads = collector.events.filter((event) => event.topic === topic && op(event) === 'r');
      console.log(`${topic}: ${reads.length} read events for ${ROWS} rows, ${churn.changes} changes`);
    }
    await admin.close();
  }, 420_000);

  it('takes an ad hoc snapshot through POST /connectors/{name}/snapshots, with an additional condition', async () => {
    const running = host as HostProcess;
    const readsBefore = collector.events.filter(
      (event) => event.topic === pgTopic && op(event) === 'r',
    ).length;
    const accepted = await running.call('POST', `/connectors/${pgPrefix}/snapshots`, {
      type: 'incremental',
      'data-collections': [`public.${pgTable}`],
      'additional-conditions': [{ 'data-collection': `public.${pgTable}`, filter: 'id <= 2000' }],
    });
    expect(accepted.status).toBe(202);
    expect(accepted.body.id).toMatch(/^[0-9a-f-]{36}$/);
    await waitFor('the ad hoc snapshot done', () => snapshotDone(pgPrefix), {
      timeoutMs: 60_000,
      intervalMs: 100,
    });
    const progress = await snapshots(pgPrefix);
    expect(
      progress.tables.find((table: { table: string }) => table.table === `public.${pgTable}`),
    ).toMatchObject({
      state: 'done',
      condition: 'id <= 2000',
      type: 'incremental',
    });
    await collector.catchUp();
    const reads = collector.events
      .filter((event) => event.topic === pgTopic && op(event) === 'r')
      .slice(readsBefore);
    expect(reads.length).toBeGreaterThan(1_500);
    expect(reads.every((event) => (event.key.id as number) <= 2000)).toBe(true);

    const invalid = await running.call('POST', `/connectors/${pgPrefix}/snapshots`, {
      'data-collections': [],
    });
    expect(invalid).toEqual({
      status: 400,
      body: { error_code: 400, message: '"data-collections" is missing or empty: name the tables' },
    });
    const unknown = await running.call('POST', `/connectors/${myPrefix}/snapshots`, {
      'data-collections': [`${myDatabase}.nope`],
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toContain(`${myDatabase}.nope is not a table this connector captures`);
    expect((await running.call('GET', '/connectors/no-such-connector/snapshots')).status).toBe(404);
  }, 120_000);
});
