// Migration from Kafka Connect (issue 18, item 4): a Kafka Connect 3.9 distributed worker runs
// Debezium's PostgreSQL connector and streams a table's changes into Kafka while a writer keeps
// committing; Connect is stopped (the writer goes on), Onramp takes the connector over with the same
// name and config and continues from Debezium's stored offset on Debezium's replication slot:
// no new snapshot (no `r` event from Onramp), every committed change in Kafka (at least once).
//
// Two ways to take over, both with the real Connect, Debezium, PostgreSQL and Kafka:
// - cluster mode: Onramp workers started on Connect's group and its connect-configs,
//   connect-offsets and connect-status topics find the connector and its offset there;
// - a standalone Onramp: the connector is stopped on Connect, its offsets read from Connect's REST
//   API and written to Onramp's (KIP-875), then resumed on Onramp.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TopicAdmin } from '../../src/kafka/topic-admin.ts';
import { type HostProcess, startHostProcess } from '../support/host-process.ts';
import {
  clusterProperties,
  collectJsonEvents,
  debeziumPostgresConfig,
  type JsonChangeEvent,
  type JsonEventCollector,
  type KafkaConnectCluster,
  type KafkaConnectWorker,
  startKafkaConnect,
  storedConnectOffsets,
  uniqueConnectCluster,
} from '../support/kafka-connect.ts';
import { testConnection } from '../support/runtime/kafka-reader.ts';
import { services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

const MIGRATION_TIMEOUT_MS = 420_000;
/** The writer's pace: one transaction of three inserts and an update every 40 ms. */
const WRITE_INTERVAL_MS = 40;

let db: pg.Client;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  db = new pg.Client({ connectionString: services().pgUrl });
  await db.connect();
});

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await db?.end();
});

/**
 * Commits changes until stopped: each transaction inserts three rows and updates an earlier one, so
 * a stop can fall inside a transaction. Resolves stop() with what was committed.
 */
function startWriter(table: string, firstId: number) {
  const client = new pg.Client({ connectionString: services().pgUrl });
  const inserted: number[] = [];
  const updated: number[] = [];
  let next = firstId;
  let busy = false;
  let failure: unknown;
  const connected = client.connect();
  const tick = async () => {
    if (busy || failure !== undefined) return;
    busy = true;
    const ids = [next, next + 1, next + 2];
    const update = next - 3 >= firstId ? next - 3 : undefined;
    try {
      await connected;
      await client.query('BEGIN');
      for (const id of ids) await client.query(`INSERT INTO public.${table} VALUES ($1, $2)`, [id, `i${id}`]);
      if (update !== undefined)
        await client.query(`UPDATE public.${table} SET item = $2 WHERE id = $1`, [update, `u${update}`]);
      await client.query('COMMIT');
      inserted.push(...ids);
      if (update !== undefined) updated.push(update);
      next += 3;
    } catch (error) {
      failure = error;
    } finally {
      busy = false;
    }
  };
  // The load's pace, not a wait for a condition.
  const timer = setInterval(() => void tick(), WRITE_INTERVAL_MS);
  return {
    committed: () => inserted.length + updated.length,
    async stop(): Promise<{ inserted: number[]; updated: number[] }> {
      clearInterval(timer);
      await waitFor('the last write to finish', () => !busy);
      await client.end();
      if (failure !== undefined) throw failure;
      return { inserted, updated };
    },
  };
}

interface Slot {
  slot_name: string;
  plugin: string;
  active: boolean;
  active_pid: number | null;
  confirmed_flush_lsn: string;
}

async function slotsFor(prefix: string): Promise<Slot[]> {
  const { rows } = await db.query<Slot>(
    `SELECT slot_name, plugin, active, active_pid, confirmed_flush_lsn::text
       FROM pg_replication_slots WHERE slot_name LIKE $1 ORDER BY slot_name`,
    [`${prefix}%`],
  );
  return rows;
}

const isOnramp = (event: JsonChangeEvent, debeziumVersion: string) =>
  event.source !== null && event.source.version !== debeziumVersion;

interface Scenario {
  label: string;
  /** Called with Connect still running the connector, under load; returns the running Onramp host. */
  takeOver(input: {
    connect: KafkaConnectWorker;
    cluster: KafkaConnectCluster;
    name: string;
    config: Record<string, string>;
  }): Promise<HostProcess>;
}

async function migrate(scenario: Scenario): Promise<void> {
  const suffix = randomUUID().slice(0, 8);
  const prefix = `mig_${scenario.label}_${suffix}`;
  const table = prefix;
  const topic = `${prefix}.public.${table}`;
  const cluster = uniqueConnectCluster(`mig-${scenario.label}`);
  const admin = new TopicAdmin(testConnection());
  cleanups.push(async () => {
    await admin.deleteTopics([topic, ...Object.values(cluster.topics)]).catch(() => undefined);
    await admin.close();
  });
  cleanups.push(() => db.query(`DROP TABLE IF EXISTS public.${table}`));
  cleanups.push(() => db.query(`DROP PUBLICATION IF EXISTS ${prefix}`));
  cleanups.push(() =>
    waitFor(`slot ${prefix} dropped`, async () => {
      await db.query(
        'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1',
        [prefix],
      );
      return true;
    }),
  );

  await db.query(`CREATE TABLE public.${table} (id int PRIMARY KEY, item text NOT NULL)`);
  await db.query(`INSERT INTO public.${table} VALUES (1, 'seed'), (2, 'seed'), (3, 'seed')`);

  const connect = await startKafkaConnect({ cluster });
  cleanups.push(() => connect.kill());
  console.info(`[${scenario.label}] Kafka Connect healthy after ${connect.startMs} ms`);
  const debeziumVersion = (
    (await connect.call('GET', '/connector-plugins')).body as { class: string; version: string }[]
  ).find((plugin) => plugin.class === 'io.debezium.connector.postgresql.PostgresConnector')?.version;
  expect(debeziumVersion).toMatch(/^3\./);

  const name = prefix;
  const config = debeziumPostgresConfig(prefix, `public.${table}`);
  await connect.createConnector(name, config);
  await connect.waitForState(name, 'RUNNING', 'RUNNING');
  const collector: JsonEventCollector = await collectJsonEvents(topic);
  cleanups.push(() => collector.close());
  await waitFor('the snapshot on Kafka Connect', () => collector.events.length >= 3, { timeoutMs: 90_000 });
  expect(collector.events.map((event) => [event.op, event.key?.id])).toEqual([
    ['r', 1],
    ['r', 2],
    ['r', 3],
  ]);

  // Changes stream through Connect under load; the takeover happens while they keep coming.
  const writer = startWriter(table, 1000);
  await waitFor(
    'Kafka Connect streaming changes',
    () => collector.events.filter((event) => event.op === 'c').length >= 40,
    { timeoutMs: 120_000 },
  );
  const takeoverStarted = performance.now();
  const host = await scenario.takeOver({ connect, cluster, name, config });
  cleanups.push(() => host.stop());
  expect(connect.pid).toBeGreaterThan(0);
  const before = collector.events.length;

  // Onramp runs the same connector on Debezium's slot: the only slot of this connector, and active.
  await waitFor(`${name} RUNNING on Onramp`, async () => {
    const { body } = await host.call('GET', `/connectors/${name}/status`);
    return body?.connector.state === 'RUNNING' && body.tasks[0]?.state === 'RUNNING';
  });
  await waitFor('Onramp streaming changes', () =>
    collector.events.slice(before).some((event) => isOnramp(event, debeziumVersion ?? '')),
  );
  const takeoverMs = Math.round(performance.now() - takeoverStarted);
  const slots = await slotsFor(prefix);
  expect(slots.map((slot) => [slot.slot_name, slot.plugin, slot.active])).toEqual([
    [prefix, 'pgoutput', true],
  ]);
  const writesAfterTakeover = writer.committed();
  await waitFor(
    'more changes committed after the takeover',
    () => writer.committed() >= writesAfterTakeover + 40,
    {
      timeoutMs: 60_000,
    },
  );
  const written = await writer.stop();

  // Every committed change is in Kafka, at least once.
  const inserts = new Set(written.inserted);
  const updates = new Set(written.updated);
  await waitFor(
    'every committed change in Kafka',
    () => {
      const seenInserts = new Set<number>();
      const seenUpdates = new Set<number>();
      for (const event of collector.events) {
        const id = event.after?.id as number | undefined;
        if (id === undefined) continue;
        if (event.op === 'c') seenInserts.add(id);
        if (event.op === 'u' && event.after?.item === `u${id}`) seenUpdates.add(id);
      }
      return (
        [...inserts].every((id) => seenInserts.has(id)) && [...updates].every((id) => seenUpdates.has(id))
      );
    },
    { timeoutMs: 120_000 },
  );
  const events = collector.events;
  const onramp = events.filter((event) => isOnramp(event, debeziumVersion ?? ''));
  const connectEvents = events.filter((event) => !isOnramp(event, debeziumVersion ?? ''));
  // No new snapshot: Onramp sent no `r` event, and every `r` event is one of the three seed rows.
  expect(onramp.filter((event) => event.op === 'r')).toEqual([]);
  expect(events.filter((event) => event.op === 'r').map((event) => event.key?.id)).toEqual([1, 2, 3]);
  // Connect's events all come before Onramp's: one handover point in the topic.
  const firstOnramp = events.findIndex((event) => isOnramp(event, debeziumVersion ?? ''));
  expect(events.slice(firstOnramp).every((event) => isOnramp(event, debeziumVersion ?? ''))).toBe(true);
  // The events look the same to a consumer: same key and value schemas (names and fields).
  const lastConnect = events.lastIndexOf(
    connectEvents.filter((event) => event.op === 'c').at(-1) as JsonChangeEvent,
  );
  const firstOnrampInsert = events.findIndex((event, index) => index >= firstOnramp && event.op === 'c');
  const schemaOf = (index: number) => (collector.rawValue(index) as { schema: { name: string } }).schema.name;
  expect(schemaOf(firstOnrampInsert)).toBe(schemaOf(lastConnect));
  // Duplicates (at-least-once) are the changes after Connect's last committed offset, not more.
  const insertEvents = events.filter((event) => event.op === 'c').length;
  const duplicates = insertEvents - inserts.size;
  console.info(
    `[${scenario.label}] ${events.length} events (${connectEvents.length} from Kafka Connect, ${onramp.length} from Onramp), ` +
      `${inserts.size} inserts and ${updates.size} updates committed, ${duplicates} inserts sent twice; ` +
      `takeover to Onramp's first event ${takeoverMs} ms`,
  );
  // The slot moved on under Onramp: it confirms what Kafka acknowledged.
  const confirmed = (await slotsFor(prefix))[0]?.confirmed_flush_lsn;
  expect(confirmed).toBeDefined();
  expect(slots[0]?.confirmed_flush_lsn).toBeDefined();
  await waitFor('the slot confirmed past the takeover', async () => {
    const [slot] = await slotsFor(prefix);
    return (
      slot !== undefined &&
      lsnNumber(slot.confirmed_flush_lsn) > lsnNumber(slots[0]?.confirmed_flush_lsn ?? '0/0')
    );
  });
}

function lsnNumber(lsn: string): number {
  const [high = '0', low = '0'] = lsn.split('/');
  return Number.parseInt(high, 16) * 2 ** 32 + Number.parseInt(low, 16);
}

describe('migration from Kafka Connect', () => {
  it(
    'a standalone Onramp continues a Debezium PostgreSQL connector from the offset a crashed Kafka Connect left',
    async () => {
      await migrate({
        label: 'standalone',
        async takeOver({ connect, cluster, name, config }) {
          // Connect dies under load (kill -9: no final offset commit, so some changes come twice).
          await connect.kill();
          await waitFor("Debezium's slot released", async () =>
            (await slotsFor(name)).every((slot) => !slot.active),
          );
          // The slot Debezium created stays; the offset is what Connect last committed to its topic.
          expect((await slotsFor(name)).map((slot) => slot.slot_name)).toEqual([name]);
          const offsets = await storedConnectOffsets(cluster, name);
          expect(offsets).toEqual([{ partition: { server: name }, offset: expect.any(Object) }]);
          console.info(
            `[standalone] Debezium's last committed offset: ${JSON.stringify(offsets[0]?.offset)}`,
          );

          // Created STOPPED on Onramp with the same name and config, given Connect's offset (KIP-875), resumed.
          const host = await startHostProcess();
          const created = await host.call('POST', '/connectors', { name, config, initial_state: 'STOPPED' });
          expect(created.status).toBe(201);
          const patched = await host.call('PATCH', `/connectors/${name}/offsets`, { offsets });
          expect(patched.status, JSON.stringify(patched.body)).toBe(200);
          expect((await host.call('GET', `/connectors/${name}/offsets`)).body).toEqual({ offsets });
          expect((await host.call('PUT', `/connectors/${name}/resume`)).status).toBe(202);
          return host;
        },
      });
    },
    MIGRATION_TIMEOUT_MS,
  );
});

/**
 * The cluster-mode takeover, for the test above once the host runs distributed: Connect is shut
 * down with the connector running (it commits its tasks' offsets and leaves the group), then an
 * Onramp worker joins the same group on the same three topics.
 */
const distributedTakeover: Scenario = {
  label: 'cluster',
  async takeOver({ connect, cluster, name, config }) {
    // Shut down as an operator would: its tasks commit their offsets and it leaves the group.
    await connect.stop();
    expect((await slotsFor(name)).map((slot) => [slot.slot_name, slot.active])).toEqual([[name, false]]);
    const properties = {
      mode: 'distributed',
      ...clusterProperties(cluster, services().kafkaBrokers),
    };
    const file = join(mkdtempSync(join(tmpdir(), 'onramp-migrate-')), 'host.yaml');
    writeFileSync(
      file,
      Object.entries(properties)
        .map(([key, value]) => `${key}: ${JSON.stringify(value)}`)
        .join('\n'),
    );
    const host = await startHostProcess({ ONRAMP_CONFIG: file });
    // The connector Connect ran, found in its config topic: same name, same config.
    expect((await host.call('GET', '/connectors')).body).toEqual([name]);
    expect((await host.call('GET', `/connectors/${name}/config`)).body).toEqual({
      ...config,
      name,
      'database.password': '[hidden]',
    });
    return host;
  },
};

describe('migration from Kafka Connect to an Onramp cluster', () => {
  // Runs once the host takes `mode: distributed` (issue 18, item 1): src/cluster's stores and group
  // member wired into the herder behind its ConfigStore/OffsetStore/StatusStore and WorkAssignment
  // seams, and the host keys above read with Kafka Connect's names (group.id, bootstrap.servers,
  // config/offset/status.storage.topic and their .replication.factor). Until then the host refuses
  // `mode`; make this `it` when it does.
  it.todo(
    "Onramp workers started on Kafka Connect's group and internal topics continue its Debezium PostgreSQL connector",
    () => migrate(distributedTakeover),
    MIGRATION_TIMEOUT_MS,
  );
});
