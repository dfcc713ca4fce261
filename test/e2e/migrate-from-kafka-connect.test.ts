// Migration from Kafka Connect (issue 18, item 4): a Kafka Connect 3.9 distributed worker runs a
// Debezium source connector and streams a table's changes into Kafka while a writer keeps
// committing; Connect is stopped (the writer goes on), Onramp takes the connector over with the same
// name and config and continues from Debezium's stored offset: no new snapshot (no `r` event from
// Onramp), every committed change in Kafka (at least once). On PostgreSQL, Onramp streams from the
// replication slot Debezium created (same slot.name), and no other.
//
// Two ways to take over, both with the real Connect, Debezium, database and Kafka:
// - a standalone Onramp: Connect is killed (-9) mid-stream, the offset it left in connect-offsets is
//   read and given to Onramp (KIP-875), the connector resumed there;
// - cluster mode: Connect shut down, an Onramp worker started on Connect's group and its
//   connect-configs, connect-offsets and connect-status topics finds the connector, its config and
//   its offset there and runs it.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TopicAdmin } from '../../src/kafka/topic-admin.ts';
import { type HostProcess, startHostProcess } from '../support/host-process.ts';
import {
  clusterProperties,
  collectJsonEvents,
  debeziumMariadbConfig,
  debeziumPostgresConfig,
  ensureKafkaConnect,
  type JsonChangeEvent,
  KAFKA_CONNECT_INSTALL_TIMEOUT_MS,
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
const FIRST_WRITTEN_ID = 1000;

const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(() => ensureKafkaConnect(), KAFKA_CONNECT_INSTALL_TIMEOUT_MS);

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

/** One transaction of the load: insert `ids`, update `update`'s item to `u<update>`. */
type Transact = (ids: number[], update: number | undefined) => Promise<void>;

/** What the test needs of the captured database: Debezium's PostgreSQL, or its MariaDB connector. */
interface SourceDatabase {
  label: string;
  connectorClass: string;
  /** topic.prefix, connector name, and (PostgreSQL) slot and publication name. */
  prefix: string;
  topic: string;
  config: Record<string, string>;
  /** The table with three seed rows (ids 1..3); cleanups registered. */
  setUp(): Promise<void>;
  /** A connection of its own that commits the load's transactions. */
  openWriter(): Promise<{ transact: Transact; close(): Promise<void> }>;
  /** Connect is gone: what it left on the database side. */
  afterConnect?(): Promise<void>;
  /** Onramp streams: on the same resources. */
  whileOnramp?(): Promise<void>;
}

function postgresDatabase(): SourceDatabase {
  const prefix = `mig_pg_${randomUUID().slice(0, 8)}`;
  const db = new pg.Client({ connectionString: services().pgUrl });
  const slots = async () =>
    (
      await db.query<{ slot_name: string; plugin: string; active: boolean; confirmed_flush_lsn: string }>(
        `SELECT slot_name, plugin, active, confirmed_flush_lsn::text FROM pg_replication_slots
          WHERE slot_name LIKE $1 ORDER BY slot_name`,
        [`${prefix}%`],
      )
    ).rows;
  let confirmedAtTakeover = 0;
  return {
    label: 'postgres',
    connectorClass: 'io.debezium.connector.postgresql.PostgresConnector',
    prefix,
    topic: `${prefix}.public.${prefix}`,
    config: debeziumPostgresConfig(prefix, `public.${prefix}`),
    async setUp() {
      await db.connect();
      cleanups.push(() => db.end());
      cleanups.push(() => db.query(`DROP TABLE IF EXISTS public.${prefix}`));
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
      await db.query(`CREATE TABLE public.${prefix} (id int PRIMARY KEY, item text NOT NULL)`);
      await db.query(`INSERT INTO public.${prefix} VALUES (1, 'seed'), (2, 'seed'), (3, 'seed')`);
    },
    async openWriter() {
      const client = new pg.Client({ connectionString: services().pgUrl });
      await client.connect();
      return {
        async transact(ids, update) {
          await client.query('BEGIN');
          for (const id of ids)
            await client.query(`INSERT INTO public.${prefix} VALUES ($1, $2)`, [id, `i${id}`]);
          if (update !== undefined)
            await client.query(`UPDATE public.${prefix} SET item = $2 WHERE id = $1`, [update, `u${update}`]);
          await client.query('COMMIT');
        },
        close: () => client.end(),
      };
    },
    async afterConnect() {
      // The slot Debezium created stays, and nobody reads it once Connect is gone.
      await waitFor("Debezium's slot released", async () => (await slots()).every((slot) => !slot.active));
      const left = await slots();
      expect(left.map((slot) => slot.slot_name)).toEqual([prefix]);
      confirmedAtTakeover = lsnNumber(left[0]?.confirmed_flush_lsn ?? '0/0');
    },
    async whileOnramp() {
      // Onramp streams from Debezium's slot: the connector's only slot, active, and confirmed further.
      expect((await slots()).map((slot) => [slot.slot_name, slot.plugin, slot.active])).toEqual([
        [prefix, 'pgoutput', true],
      ]);
      await waitFor('the slot confirmed past the takeover', async () => {
        const [slot] = await slots();
        return slot !== undefined && lsnNumber(slot.confirmed_flush_lsn) > confirmedAtTakeover;
      });
    },
  };
}

function mariadbDatabase(): SourceDatabase {
  const suffix = randomUUID().slice(0, 8);
  const prefix = `mig_maria_${suffix}`;
  const database = `onramp_mig_${suffix}`;
  // A replica id of its own (Debezium's, kept by Onramp with the config).
  const serverId = 5_000_000 + Math.floor(Math.random() * 1_000_000);
  const connection = () => mysql.createConnection({ uri: services().mysqlUrl, database });
  return {
    label: 'mariadb',
    connectorClass: 'io.debezium.connector.mariadb.MariaDbConnector',
    prefix,
    topic: `${prefix}.${database}.items`,
    config: debeziumMariadbConfig(prefix, database, `${database}.items`, serverId),
    async setUp() {
      const admin = await mysql.createConnection({ uri: services().mysqlUrl });
      cleanups.push(() => admin.end());
      cleanups.push(() => admin.query(`DROP DATABASE IF EXISTS \`${database}\``));
      await admin.query(`CREATE DATABASE \`${database}\``);
      await admin.query(`CREATE TABLE \`${database}\`.items (id INT PRIMARY KEY, item VARCHAR(64) NOT NULL)`);
      await admin.query(`INSERT INTO \`${database}\`.items VALUES (1, 'seed'), (2, 'seed'), (3, 'seed')`);
      const history = `${prefix}.history`;
      const topics = new TopicAdmin(testConnection());
      cleanups.push(async () => {
        await topics.deleteTopics([history]).catch(() => undefined);
        await topics.close();
      });
    },
    async openWriter() {
      const client = await connection();
      return {
        async transact(ids, update) {
          // Two inserts in one statement (one row event of two rows), the third alone, then the
          // update: a stop can fall between rows of one event, and between events.
          const [first = 0, second = 0, third = 0] = ids;
          await client.beginTransaction();
          await client.query('INSERT INTO items VALUES (?, ?), (?, ?)', [
            first,
            `i${first}`,
            second,
            `i${second}`,
          ]);
          await client.query('INSERT INTO items VALUES (?, ?)', [third, `i${third}`]);
          if (update !== undefined)
            await client.query('UPDATE items SET item = ? WHERE id = ?', [`u${update}`, update]);
          await client.commit();
        },
        close: () => client.end(),
      };
    },
  };
}

function lsnNumber(lsn: string): number {
  const [high = '0', low = '0'] = lsn.split('/');
  return Number.parseInt(high, 16) * 2 ** 32 + Number.parseInt(low, 16);
}

/**
 * Commits until stopped, a transaction every WRITE_INTERVAL_MS: three inserts and an update of an
 * earlier row. Resolves stop() with what was committed.
 */
async function startWriter(database: SourceDatabase) {
  const writer = await database.openWriter();
  const inserted: number[] = [];
  const updated: number[] = [];
  let next = FIRST_WRITTEN_ID;
  let busy = false;
  let failure: unknown;
  const tick = async () => {
    if (busy || failure !== undefined) return;
    busy = true;
    const ids = [next, next + 1, next + 2];
    const update = next - 3 >= FIRST_WRITTEN_ID ? next - 3 : undefined;
    try {
      await writer.transact(ids, update);
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
      await writer.close();
      if (failure !== undefined) throw failure;
      return { inserted, updated };
    },
  };
}

interface Takeover {
  label: string;
  /** Called with Connect running the connector under load; returns the Onramp host running it. */
  takeOver(input: {
    connect: KafkaConnectWorker;
    cluster: KafkaConnectCluster;
    database: SourceDatabase;
  }): Promise<HostProcess>;
}

async function migrate(database: SourceDatabase, takeover: Takeover): Promise<void> {
  const { prefix, topic } = database;
  const name = prefix;
  const cluster = uniqueConnectCluster(`mig-${database.label}`);
  const admin = new TopicAdmin(testConnection());
  cleanups.push(async () => {
    await admin.deleteTopics([topic, ...Object.values(cluster.topics)]).catch(() => undefined);
    await admin.close();
  });
  await database.setUp();

  const connect = await startKafkaConnect({ cluster });
  cleanups.push(() => connect.kill());
  const tag = `[${database.label}, ${takeover.label}]`;
  console.info(`${tag} Kafka Connect healthy after ${connect.startMs} ms`);
  const plugins = (await connect.call('GET', '/connector-plugins')).body as {
    class: string;
    version: string;
  }[];
  const debeziumVersion = plugins.find((plugin) => plugin.class === database.connectorClass)?.version ?? '';
  expect(debeziumVersion).toMatch(/^3\./);
  const fromOnramp = (event: JsonChangeEvent) =>
    event.source !== null && event.source.version !== debeziumVersion;

  await connect.createConnector(name, database.config);
  await connect.waitForState(name, 'RUNNING', 'RUNNING');
  const collector = await collectJsonEvents(topic);
  cleanups.push(() => collector.close());
  await waitFor('the snapshot on Kafka Connect', () => collector.events.length >= 3, { timeoutMs: 90_000 });
  expect(collector.events.map((event) => [event.op, event.key?.id])).toEqual([
    ['r', 1],
    ['r', 2],
    ['r', 3],
  ]);

  // Changes stream through Connect under load; the takeover happens while they keep coming.
  const writer = await startWriter(database);
  await waitFor(
    'Kafka Connect streaming changes',
    () => collector.events.filter((event) => event.op === 'c').length >= 40,
    { timeoutMs: 120_000 },
  );
  // Connect has committed a streaming position (not only its snapshot's) before it goes.
  await waitFor(
    'a streaming offset committed by Kafka Connect',
    async () => {
      const { body } = await connect.call('GET', `/connectors/${name}/offsets`);
      const offset = body?.offsets?.[0]?.offset;
      return offset !== undefined && offset.snapshot === undefined;
    },
    { timeoutMs: 60_000 },
  );
  const takeoverStarted = performance.now();
  const host = await takeover.takeOver({ connect, cluster, database });
  cleanups.push(() => host.stop());
  const before = collector.events.length;
  await waitFor(`${name} RUNNING on Onramp`, async () => {
    const { body } = await host.call('GET', `/connectors/${name}/status`);
    return body?.connector.state === 'RUNNING' && body.tasks[0]?.state === 'RUNNING';
  });
  await waitFor('Onramp streaming changes', () => collector.events.slice(before).some(fromOnramp), {
    timeoutMs: 60_000,
  });
  const takeoverMs = Math.round(performance.now() - takeoverStarted);
  const writesAtTakeover = writer.committed();
  await waitFor(
    'more changes committed after the takeover',
    () => writer.committed() >= writesAtTakeover + 40,
    {
      timeoutMs: 60_000,
    },
  );
  const written = await writer.stop();
  await database.whileOnramp?.();

  // Every committed change is in Kafka, at least once.
  const inserts = new Set(written.inserted);
  const updates = new Set(written.updated);
  const missing = () => {
    const seenInserts = new Set<number>();
    const seenUpdates = new Set<number>();
    for (const event of collector.events) {
      const id = event.after?.id as number | undefined;
      if (id === undefined) continue;
      if (event.op === 'c') seenInserts.add(id);
      if (event.op === 'u' && event.after?.item === `u${id}`) seenUpdates.add(id);
    }
    return {
      inserts: [...inserts].filter((id) => !seenInserts.has(id)),
      updates: [...updates].filter((id) => !seenUpdates.has(id)),
    };
  };
  await waitFor(
    'every committed change in Kafka',
    () => {
      const { inserts: i, updates: u } = missing();
      return i.length === 0 && u.length === 0;
    },
    { timeoutMs: 120_000 },
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}; missing ${JSON.stringify(missing())}`);
  });
  const events = collector.events;
  const onramp = events.filter(fromOnramp);
  const connectEvents = events.filter((event) => !fromOnramp(event));
  // No new snapshot: Onramp sent no `r` event, and every `r` event is one of the three seed rows.
  expect(onramp.filter((event) => event.op === 'r')).toEqual([]);
  expect(events.filter((event) => event.op === 'r').map((event) => event.key?.id)).toEqual([1, 2, 3]);
  // Connect's events all come before Onramp's: one handover point in the topic.
  const firstOnramp = events.findIndex(fromOnramp);
  expect(events.slice(firstOnramp).every(fromOnramp)).toBe(true);
  // A consumer sees the same value schema (its name) on both sides of the handover.
  const lastConnect = events.lastIndexOf(
    connectEvents.filter((event) => event.op === 'c').at(-1) as JsonChangeEvent,
  );
  const firstOnrampInsert = events.findIndex((event, index) => index >= firstOnramp && event.op === 'c');
  const schemaOf = (index: number) => (collector.rawValue(index) as { schema: { name: string } }).schema.name;
  expect(schemaOf(firstOnrampInsert)).toBe(schemaOf(lastConnect));
  // At-least-once: what Connect sent after its last offset commit comes again.
  const duplicates = events.filter((event) => event.op === 'c').length - inserts.size;
  console.info(
    `${tag} ${events.length} events (${connectEvents.length} from Kafka Connect, ${onramp.length} from Onramp), ` +
      `${inserts.size} inserts and ${updates.size} updates committed, ${duplicates} inserts sent twice; ` +
      `takeover to Onramp's first event ${takeoverMs} ms`,
  );
}

/** Connect dies under load (kill -9: no final offset commit); a standalone Onramp gets its offset. */
const crashToStandalone: Takeover = {
  label: 'standalone',
  async takeOver({ connect, cluster, database }) {
    const name = database.prefix;
    await connect.kill();
    await database.afterConnect?.();
    const offsets = await storedConnectOffsets(cluster, name);
    expect(offsets).toEqual([{ partition: { server: name }, offset: expect.any(Object) }]);
    console.info(
      `[${database.label}] Debezium's last committed offset: ${JSON.stringify(offsets[0]?.offset)}`,
    );
    // Created STOPPED on Onramp with the same name and config, given Connect's offset (KIP-875), resumed.
    const host = await startHostProcess();
    const created = await host.call('POST', '/connectors', {
      name,
      config: database.config,
      initial_state: 'STOPPED',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const patched = await host.call('PATCH', `/connectors/${name}/offsets`, { offsets });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect((await host.call('GET', `/connectors/${name}/offsets`)).body).toEqual({ offsets });
    expect((await host.call('PUT', `/connectors/${name}/resume`)).status).toBe(202);
    return host;
  },
};

/**
 * Connect is shut down as an operator would (its tasks commit their offsets, it leaves the group),
 * then an Onramp worker joins the same group on the same three topics.
 */
const distributedTakeover: Takeover = {
  label: 'cluster',
  async takeOver({ connect, cluster, database }) {
    const name = database.prefix;
    await connect.stop();
    await database.afterConnect?.();
    const properties = { mode: 'distributed', ...clusterProperties(cluster, services().kafkaBrokers) };
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
      ...database.config,
      name,
      'database.password': '[hidden]',
    });
    return host;
  },
};

describe('migration from Kafka Connect to a standalone Onramp', () => {
  it(
    'continues a Debezium PostgreSQL connector from the offset a crashed Kafka Connect left, on its slot',
    () => migrate(postgresDatabase(), crashToStandalone),
    MIGRATION_TIMEOUT_MS,
  );

  it(
    'continues a Debezium MariaDB connector from the offset a crashed Kafka Connect left',
    () => migrate(mariadbDatabase(), crashToStandalone),
    MIGRATION_TIMEOUT_MS,
  );
});

describe('migration from Kafka Connect to an Onramp cluster', () => {
  it(
    "Onramp started on Kafka Connect's group and internal topics continues its Debezium PostgreSQL connector",
    () => migrate(postgresDatabase(), distributedTakeover),
    MIGRATION_TIMEOUT_MS,
  );
});
