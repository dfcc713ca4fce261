// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${source.table} is the sink's own placeholder
import { randomUUID } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type HostProcess,
  mariadbSinkConfig,
  postgresSourceConfig,
  startHostProcess,
} from '../support/host-process.ts';
import { testAdmin } from '../support/runtime/kafka-reader.ts';
import { services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';
import { crashSeed, killAndRestart, seededRandom } from './crash-harness.ts';

// kill -9 of the host while the JDBC sink applies a PostgreSQL table's changes to MariaDB (PostgreSQL
// source -> Kafka -> JDBC sink, both in the killed host), at seeded random points: once while the
// sink applies the initial snapshot, then while it applies a steady load of small transactions with
// inserts, updates and deletes. Each restart reuses the same data directory. After each restart the
// sink must apply again within seconds: its consumer rejoins group connect-<sink> as the same static
// member (group.instance.id <sink>-0) and takes the dead one's place, instead of waiting out the dead
// member's session timeout (45 s). Once the load stops and the last host caught up, the MariaDB table
// must equal the PostgreSQL table.

const suffix = randomUUID().slice(0, 8);
const table = `crash_sink_${suffix}`;
const prefix = `crashsink${suffix}`;
const sinkName = `${prefix}-sink`;
const topic = `${prefix}.public.${table}`;
const group = `connect-${sinkName}`;
const PREFILL = 20_000;

const seed = crashSeed('crash-jdbc-sink');
const chance = seededRandom(seed);

type Row = { id: number; version: number; note: string | null };

/** Small transactions of inserts, updates and deletes on one connection until stopped. */
class MixedLoad {
  transactions = 0;
  private readonly client: pg.Client;
  private readonly random = seededRandom(seed ^ 0x5bd1e995);
  private readonly live: number[] = [];
  private nextId = PREFILL + 1;
  private stopping = false;
  private running: Promise<void> = Promise.resolve();

  constructor(client: pg.Client) {
    this.client = client;
    for (let id = 1; id <= PREFILL; id++) this.live.push(id);
  }

  start(): void {
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  private pick(): number {
    return this.live[this.random.int(0, this.live.length - 1)] as number;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      const txn = this.transactions + 1;
      const statements: string[] = [];
      const inserted: number[] = [];
      for (let i = this.random.int(0, 2); i > 0; i--) {
        const id = this.nextId++;
        inserted.push(id);
        statements.push(`INSERT INTO public.${table} VALUES (${id}, ${txn}, 'new ${txn}')`);
      }
      for (let i = this.random.int(1, 2); i > 0; i--) {
        // Some updates null the note, so NULLs go through too.
        const note = this.random.int(0, 4) === 0 ? 'NULL' : `'updated ${txn}'`;
        statements.push(
          `UPDATE public.${table} SET version = ${txn}, note = ${note} WHERE id = ${this.pick()}`,
        );
      }
      let deleted: number | undefined;
      if (this.random.int(0, 2) === 0) {
        deleted = this.pick();
        statements.push(`DELETE FROM public.${table} WHERE id = ${deleted}`);
      }
      // One round trip; it returns only after COMMIT did.
      await this.client.query(`BEGIN; ${statements.join('; ')}; COMMIT`);
      this.transactions = txn;
      this.live.push(...inserted);
      if (deleted !== undefined) this.live.splice(this.live.indexOf(deleted), 1);
    }
  }
}

let source: pg.Client;
let loadClient: pg.Client;
let target: mysql.Connection;
let host: HostProcess | undefined;
let load: MixedLoad;

async function sourceRows(): Promise<Row[]> {
  const { rows } = await source.query<Row>(`SELECT id, version, note FROM public.${table} ORDER BY id`);
  return rows;
}

async function targetRows(): Promise<Row[]> {
  try {
    const [rows] = await target.query(`SELECT id, version, note FROM \`${table}\` ORDER BY id`);
    return rows as Row[];
  } catch {
    return []; // the sink has not created the table yet
  }
}

async function targetCount(): Promise<number> {
  try {
    const [rows] = await target.query(`SELECT COUNT(*) AS n FROM \`${table}\``);
    return Number((rows as Array<{ n: number }>)[0]?.n ?? 0);
  } catch {
    return 0;
  }
}

/** waitFor, and on timeout what the host says about both connectors, for the failure report. */
async function settle(what: string, check: () => Promise<boolean>): Promise<void> {
  try {
    await waitFor(what, check, { timeoutMs: 30_000, intervalMs: 20 });
  } catch (error) {
    const current = host as HostProcess;
    for (const path of [
      `${prefix}/status`,
      `${prefix}/offsets`,
      `${sinkName}/status`,
      `${sinkName}/offsets`,
    ]) {
      const { body } = await current.call('GET', `/connectors/${path}`).catch(() => ({ body: 'no answer' }));
      console.log(`${path}: ${JSON.stringify(body)}`);
    }
    console.log(`MariaDB rows: ${await targetCount()}`);
    throw error;
  }
}

/** Records the sink committed (its consumer group's offsets, summed over the partitions). */
async function sinkCommitted(current: HostProcess): Promise<number> {
  const { status, body } = await current.call('GET', `/connectors/${sinkName}/offsets`);
  if (status !== 200) throw new Error(`GET offsets answered ${status}`);
  return (body.offsets as Array<{ offset: { kafka_offset: number } }>).reduce(
    (sum, entry) => sum + Number(entry.offset.kafka_offset),
    0,
  );
}

/** The group.instance.id of every member of the sink's consumer group. */
async function groupInstanceIds(): Promise<Array<string | null | undefined>> {
  const admin = testAdmin();
  try {
    const groups = await admin.client().describeGroups({ groups: [group] });
    return [...(groups.get(group)?.members.values() ?? [])].map((member) => member.groupInstanceId);
  } finally {
    await admin.close();
  }
}

/**
 * Kills the host, starts a new one and waits (20 s at most, well below the 45 s session timeout a
 * dynamic member would leave behind) until its sink committed more than the killed host had: the new
 * consumer replaced the dead static member at once. The group then holds that one member.
 */
async function killAndApplyAgain(current: HostProcess, report: () => Promise<void>): Promise<HostProcess> {
  const killedAt = Date.now();
  const restarted = await killAndRestart(current, report);
  const startedAt = Date.now();
  let before: number | undefined;
  await waitFor(
    'the restarted sink to apply again',
    async () => {
      before ??= await sinkCommitted(restarted);
      return (await sinkCommitted(restarted)) > before;
    },
    { timeoutMs: 20_000, intervalMs: 50 },
  );
  console.log(
    `the restarted sink applied again ${Date.now() - killedAt} ms after the kill (the new host answered after ${startedAt - killedAt} ms)`,
  );
  expect(await groupInstanceIds()).toEqual([`${sinkName}-0`]);
  return restarted;
}

function differences(expected: Row[], actual: Row[]) {
  const byId = new Map(actual.map((row) => [row.id, row]));
  const wrong = expected.filter((row) => {
    const other = byId.get(row.id);
    return !other || other.version !== row.version || other.note !== row.note;
  });
  const ids = new Set(expected.map((row) => row.id));
  const extra = actual.filter((row) => !ids.has(row.id));
  return { wrongOrMissing: wrong.slice(0, 10), extra: extra.slice(0, 10), count: actual.length };
}

beforeAll(async () => {
  source = new pg.Client({ connectionString: services().pgUrl });
  await source.connect();
  loadClient = new pg.Client({ connectionString: services().pgUrl });
  await loadClient.connect();
  await source.query(`CREATE TABLE public.${table} (id int PRIMARY KEY, version int NOT NULL, note text)`);
  await source.query(
    `INSERT INTO public.${table} SELECT i, 0, 'row ' || i FROM generate_series(1, ${PREFILL}) AS i`,
  );
  await source.query(`ANALYZE public.${table}`);
  target = await mysql.createConnection(services().mysqlUrl);
  const admin = testAdmin();
  await admin.ensureTopics([topic], { partitions: 3 });
  await admin.close();
  load = new MixedLoad(loadClient);
});

afterAll(async () => {
  await load?.stop().catch(() => undefined);
  await host?.call('DELETE', `/connectors/${sinkName}`).catch(() => undefined);
  await host?.call('DELETE', `/connectors/${prefix}`).catch(() => undefined);
  await host?.stop();
  await source
    .query(
      'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active',
      [prefix],
    )
    .catch(() => undefined);
  await source.query(`DROP PUBLICATION IF EXISTS ${prefix}`).catch(() => undefined);
  await source.query(`DROP TABLE IF EXISTS public.${table}`);
  await loadClient?.end();
  await source.end();
  await target.query(`DROP TABLE IF EXISTS \`${table}\``);
  await target.end();
  const admin = testAdmin();
  await admin.deleteTopics([topic]).catch(() => undefined);
  await admin.close();
});

describe('JDBC sink under kill -9', () => {
  it('ends with the MariaDB table equal to the PostgreSQL table', async () => {
    host = await startHostProcess();
    const sourceCreated = await host.call('PUT', `/connectors/${prefix}/config`, {
      ...postgresSourceConfig(prefix, `public.${table}`),
      'max.batch.size': '500',
      'max.queue.size': '2000',
    });
    expect(sourceCreated.status).toBe(201);
    load.start();
    // The sink starts once the source's snapshot is in Kafka, so that the first kill interrupts the
    // sink applying it, not the source taking it (see the todo in crash-postgres-source.test.ts).
    await settle('the source snapshot in Kafka', async () => {
      const { body } = await (host as HostProcess).call('GET', `/connectors/${prefix}/offsets`);
      const offset = body?.offsets?.[0]?.offset;
      return offset !== undefined && (offset.snapshot !== true || offset.last_snapshot_record === true);
    });
    const sink = await host.call('POST', '/connectors', {
      name: sinkName,
      config: mariadbSinkConfig(topic, { 'collection.name.format': '${source.table}', 'batch.size': '500' }),
    });
    expect(sink.status).toBe(201);

    // Kill 1: while the sink applies the snapshot.
    const snapshotKillAt = chance.int(PREFILL / 10, PREFILL / 2);
    await settle(`${snapshotKillAt} rows in MariaDB`, async () => (await targetCount()) >= snapshotKillAt);
    host = await killAndApplyAgain(host, async () => {
      console.log(`kill 1 while applying the snapshot: ${await targetCount()} of ${PREFILL} rows applied`);
    });

    // Then while it applies the load: once the new host's sink has committed a random number more.
    const applyKills = chance.int(1, 2);
    for (let kill = 2; kill <= applyKills + 1; kill++) {
      const current: HostProcess = host;
      // What the killed host's sink committed: the new one commits past it once it applies.
      let base = 0;
      await settle('the sink offsets', async () => {
        base = await sinkCommitted(current);
        return true;
      });
      const targetOffset = base + chance.int(1, 3_000);
      await settle(
        `the sink to commit up to ${targetOffset} records`,
        async () => (await sinkCommitted(current)) >= targetOffset,
      );
      host = await killAndApplyAgain(current, async () => {
        console.log(`kill ${kill} while applying: ${load.transactions} transactions committed upstream`);
      });
    }

    // Let the last host apply a while, stop the load, then wait for MariaDB to catch up.
    const last: HostProcess = host;
    let before = 0;
    await settle('the sink offsets', async () => {
      before = await sinkCommitted(last);
      return true;
    });
    await settle('the sink to apply more', async () => (await sinkCommitted(last)) > before);
    await load.stop();
    const expected = await sourceRows();
    // On timeout, the assertion below says what differs.
    await waitFor(
      'MariaDB to equal PostgreSQL',
      async () => JSON.stringify(await targetRows()) === JSON.stringify(expected),
      { timeoutMs: 40_000, intervalMs: 250 },
    ).catch(() => undefined);
    const actual = await targetRows();
    expect(differences(expected, actual), `seed ${seed}`).toEqual({
      wrongOrMissing: [],
      extra: [],
      count: expected.length,
    });
    expect(actual).toEqual(expected);

    const status = await host.call('GET', `/connectors/${sinkName}/status`);
    expect(status.body).toMatchObject({ connector: { state: 'RUNNING' }, tasks: [{ state: 'RUNNING' }] });
    console.log(`seed ${seed}: ${load.transactions} transactions, ${expected.length} rows equal`);
  }, 120_000);
});
