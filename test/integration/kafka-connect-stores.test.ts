// Onramp's cluster stores against a real Kafka Connect 3.9 distributed worker running Debezium's
// PostgreSQL connector, both ways:
// - what Connect writes to its config, offsets and status topics (connector and task configs, target
//   states, a restart request, Debezium's offset for {server: <topic.prefix>}, statuses and active
//   topics) reads back in Onramp's stores exactly as Connect's REST API shows it, and every record
//   Onramp would write for what it read has the key bytes Connect wrote (values: the same JSON);
// - what Onramp writes to fresh topics, Connect starts from: the connectors, their configs, task
//   configs and target states, a status, and an offset Debezium then streams from — no snapshot.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterStores, openClusterStores } from '../../src/cluster/cluster-stores.ts';
import { decodeConfigRecord, encodeConfigRecord } from '../../src/cluster/config-records.ts';
import { parseDistributedConfig } from '../../src/cluster/distributed-config.ts';
import { decodeOffsetKey, encodeOffsetKey, encodeOffsetValue } from '../../src/cluster/offset-records.ts';
import { decodeStatusRecord, encodeStatusRecord } from '../../src/cluster/status-records.ts';
import type { LogRecord, LogTopicSpec } from '../../src/cluster/topic-log.ts';
import { plaintextConnection } from '../../src/kafka/client-properties.ts';
import { KafkaTopicLog } from '../../src/kafka/kafka-topic-log.ts';
import { TopicAdmin } from '../../src/kafka/topic-admin.ts';
import type { RestartRequest } from '../../src/stores/stores.ts';
import {
  clusterProperties,
  debeziumPostgresConfig,
  ensureKafkaConnect,
  KAFKA_CONNECT_INSTALL_TIMEOUT_MS,
  type KafkaConnectCluster,
  type KafkaConnectWorker,
  readJsonEvents,
  startKafkaConnect,
  storageErrors,
  uniqueConnectCluster,
} from '../support/kafka-connect.ts';
import { services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

const brokers = services().kafkaBrokers;
const connection = plaintextConnection(brokers, 'onramp-kafka-connect-test');
const admin = new TopicAdmin(connection);
const suffix = randomUUID().slice(0, 8);
const topicsToDelete: string[] = [];
const slotsToDrop: string[] = [];
const tablesToDrop: string[] = [];
const workers: KafkaConnectWorker[] = [];
const opened: ClusterStores[] = [];
let db: pg.Client;

function distributedConfig(cluster: KafkaConnectCluster) {
  const parsed = parseDistributedConfig(clusterProperties(cluster, brokers));
  if (!parsed.config) throw new Error(JSON.stringify(parsed.errors));
  topicsToDelete.push(cluster.topics.config, cluster.topics.offset, cluster.topics.status);
  return parsed.config;
}

async function onrampStores(cluster: KafkaConnectCluster): Promise<ClusterStores> {
  const stores = await openClusterStores({
    config: distributedConfig(cluster),
    openLog: (spec) => new KafkaTopicLog({ connection, admin, spec }),
  });
  opened.push(stores);
  return stores;
}

async function connect(cluster: KafkaConnectCluster): Promise<KafkaConnectWorker> {
  const worker = await startKafkaConnect({ cluster });
  workers.push(worker);
  console.info(
    `Kafka Connect 3.9 distributed worker healthy after ${worker.startMs} ms (class-data archive: ${worker.usedClassArchive})`,
  );
  return worker;
}

/** Every record of an internal topic as Kafka holds it (key and value bytes). */
async function rawRecords(spec: LogTopicSpec): Promise<LogRecord[]> {
  const records: LogRecord[] = [];
  const log = new KafkaTopicLog({ connection, admin, spec });
  await log.start((record) => records.push(record));
  await log.stop();
  return records;
}

const json = (bytes: Buffer | null) => (bytes === null ? null : JSON.parse(bytes.toString('utf8')));

async function createTable(name: string): Promise<void> {
  tablesToDrop.push(name);
  await db.query(`CREATE TABLE public.${name} (id int PRIMARY KEY, item text NOT NULL)`);
}

/** Each test starts a Connect worker (4-18 s on 2 busy cores) and runs Debezium on it. */
const TEST_TIMEOUT_MS = 300_000;

beforeAll(async () => {
  db = new pg.Client({ connectionString: services().pgUrl });
  await db.connect();
  await ensureKafkaConnect();
}, KAFKA_CONNECT_INSTALL_TIMEOUT_MS);

afterAll(async () => {
  // Workers first: a running task holds its slot.
  await Promise.all(workers.map((worker) => worker.stop().catch(() => worker.kill())));
  await Promise.all(opened.map((stores) => stores.stop()));
  for (const slot of slotsToDrop)
    await waitFor(`slot ${slot} dropped`, async () => {
      await db.query(
        'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1',
        [slot],
      );
      return true;
    }).catch(() => undefined);
  for (const slot of slotsToDrop) await db.query(`DROP PUBLICATION IF EXISTS ${slot}`).catch(() => undefined);
  for (const table of tablesToDrop)
    await db.query(`DROP TABLE IF EXISTS public.${table}`).catch(() => undefined);
  await db?.end();
  await admin.deleteTopics(topicsToDelete).catch(() => undefined);
  await admin.close();
});

describe('Onramp reads what Kafka Connect wrote', () => {
  it(
    'configs, task configs, target states, a restart, the Debezium offset and statuses, exactly',
    async () => {
      const cluster = uniqueConnectCluster('kcs-read');
      const running = `kcs_run_${suffix}`;
      const stopped = `kcs_stop_${suffix}`;
      await createTable(running);
      await db.query(`INSERT INTO public.${running} VALUES (1, 'lamp'), (2, 'desk')`);
      slotsToDrop.push(running, stopped);
      topicsToDelete.push(`${running}.public.${running}`);

      const worker = await connect(cluster);
      const runningConfig = debeziumPostgresConfig(running, `public.${running}`);
      await worker.createConnector(running, runningConfig);
      await worker.waitForState(running, 'RUNNING', 'RUNNING');
      // Created STOPPED (KIP-980): Connect writes target-state {"state":"PAUSED","state.v2":"STOPPED"}.
      const created = await worker.call('POST', '/connectors', {
        name: stopped,
        config: debeziumPostgresConfig(stopped, `public.${running}`),
        initial_state: 'STOPPED',
      });
      expect(created.status).toBe(201);
      await worker.waitForState(stopped, 'STOPPED');

      // Two snapshot rows, then a change streamed: Debezium's streaming offset is committed.
      await db.query(`INSERT INTO public.${running} VALUES (3, 'chair')`);
      const events = await readJsonEvents(`${running}.public.${running}`, 3);
      expect(events.map((event) => event.op)).toEqual(['r', 'r', 'c']);
      await waitFor('the streaming offset on Kafka Connect', async () => {
        const { body } = await worker.call('GET', `/connectors/${running}/offsets`);
        return body.offsets?.[0]?.offset.lsn_proc !== undefined;
      });

      // Onramp's stores open on the live topics and hear what Connect writes from now on.
      const stores = await onrampStores(cluster);
      const restarts: RestartRequest[] = [];
      const targetChanges: string[] = [];
      stores.configs.subscribe({
        onConnectorConfigUpdate: () => undefined,
        onConnectorConfigRemove: () => undefined,
        onTaskConfigUpdate: () => undefined,
        onTargetStateChange: (name) => targetChanges.push(name),
        onRestartRequest: (request) => restarts.push(request),
      });
      const restarted = await worker.call(
        'POST',
        `/connectors/${running}/restart?includeTasks=true&onlyFailed=false`,
      );
      expect(restarted.status).toBe(202);
      await waitFor('the restart request in Onramp', () => restarts.length > 0);
      expect(restarts).toEqual([{ connector: running, includeTasks: true, onlyFailed: false }]);
      await worker.waitForState(running, 'RUNNING', 'RUNNING');
      expect((await worker.call('PUT', `/connectors/${running}/pause`)).status).toBe(202);
      await worker.waitForState(running, 'PAUSED', 'PAUSED');
      await waitFor('the pause in Onramp', () => targetChanges.includes(running));

      await Promise.all([stores.configs.refresh(), stores.offsets.refresh(), stores.statuses.refresh()]);
      const names = (await worker.call('GET', '/connectors')).body as string[];
      expect(
        stores.configs
          .list()
          .map((connector) => connector.name)
          .sort(),
      ).toEqual([...names].sort());
      for (const name of [running, stopped]) {
        const config = (await worker.call('GET', `/connectors/${name}/config`)).body;
        const tasks = (await worker.call('GET', `/connectors/${name}/tasks`)).body as { config: object }[];
        const stored = stores.configs.get(name);
        expect(stored?.config, name).toEqual(config);
        expect(stored?.tasks, name).toEqual(tasks.map((task) => task.config));
      }
      expect(stores.configs.get(running)?.targetState).toBe('PAUSED');
      expect(stores.configs.get(running)?.tasks).toHaveLength(1);
      expect(stores.configs.get(stopped)?.targetState).toBe('STOPPED');
      expect(stores.configs.get(stopped)?.tasks).toEqual([]);

      const offsets = (await worker.call('GET', `/connectors/${running}/offsets`)).body;
      expect(offsets.offsets).toHaveLength(1);
      expect(offsets.offsets[0].partition).toEqual({ server: running });
      expect(stores.offsets.get(running)).toEqual(offsets.offsets);

      for (const name of [running, stopped]) {
        const status = (await worker.call('GET', `/connectors/${name}/status`)).body;
        expect(stores.statuses.getConnector(name), name).toMatchObject({
          state: status.connector.state,
          workerId: status.connector.worker_id,
        });
        for (const task of status.tasks)
          expect(stores.statuses.getTask(name, task.id), `${name} task ${task.id}`).toMatchObject({
            state: task.state,
            workerId: task.worker_id,
          });
      }
      const activeTopics = (await worker.call('GET', `/connectors/${running}/topics`)).body;
      expect(stores.topics.get(running)).toEqual(activeTopics[running].topics);
      expect(stores.topics.get(running)).toEqual([`${running}.public.${running}`]);

      // Byte for byte: Onramp's encoding of each record it read. Keys always match Connect's bytes (the
      // offsets topic compacts and partitions by them); values match too, except that a map Connect
      // fills from a Java HashMap (connector and task properties, Debezium's offset) is compared as JSON.
      const config = distributedConfig(cluster);
      for (const record of await rawRecords(config.configTopic)) {
        const key = record.key?.toString('utf8') ?? '';
        const decoded = decodeConfigRecord(key, record.value);
        expect(decoded.kind, key).not.toBe('skipped');
        if (decoded.kind === 'skipped') continue;
        const encoded = encodeConfigRecord(decoded);
        expect(encoded.key.equals(record.key ?? Buffer.alloc(0)), key).toBe(true);
        if (decoded.kind === 'connector' || decoded.kind === 'task')
          expect(json(encoded.value), key).toEqual(json(record.value));
        else expect(encoded.value?.toString('utf8'), key).toBe(record.value?.toString('utf8'));
      }
      const offsetRecords = await rawRecords(config.offsetTopic);
      expect(offsetRecords.length).toBeGreaterThan(0);
      for (const record of offsetRecords) {
        const key = decodeOffsetKey(record.key ?? Buffer.alloc(0));
        expect(key).toBeDefined();
        if (!key) continue;
        expect(encodeOffsetKey(key.connector, key.partition).toString('utf8')).toBe(
          record.key?.toString('utf8'),
        );
        expect(json(encodeOffsetValue(json(record.value)))).toEqual(json(record.value));
      }
      for (const record of await rawRecords(config.statusTopic)) {
        const key = record.key?.toString('utf8') ?? '';
        const decoded = decodeStatusRecord(key, record.value);
        expect(decoded.kind, key).not.toBe('skipped');
        if (decoded.kind === 'skipped') continue;
        const encoded = encodeStatusRecord(decoded);
        expect(encoded.key.toString('utf8')).toBe(key);
        expect(encoded.value?.toString('utf8'), key).toBe(record.value?.toString('utf8'));
      }
    },
    TEST_TIMEOUT_MS,
  );
});

describe('Kafka Connect reads what Onramp wrote', () => {
  it(
    'starts its connectors from the records and the offset Onramp wrote, without a snapshot',
    async () => {
      const cluster = uniqueConnectCluster('kcs-write');
      const resumed = `kcs_res_${suffix}`;
      const paused = `kcs_pau_${suffix}`;
      await createTable(resumed);
      slotsToDrop.push(resumed, paused);
      topicsToDelete.push(`${resumed}.public.${resumed}`);
      // Rows from before the offset: a snapshot would send them as `r` events.
      await db.query(`INSERT INTO public.${resumed} VALUES (1, 'before'), (2, 'before')`);
      // The slot and publication exist, and the offset points at the slot's start, as Onramp leaves
      // them when it stops; the rows after it are what Debezium must stream.
      await db.query(`CREATE PUBLICATION ${resumed} FOR TABLE public.${resumed}`);
      const slot = await db.query<{ lsn: string }>(
        `SELECT lsn::text FROM pg_create_logical_replication_slot($1, 'pgoutput')`,
        [resumed],
      );
      const [high = '0', low = '0'] = (slot.rows[0]?.lsn ?? '0/0').split('/');
      const lsn = Number.parseInt(high, 16) * 2 ** 32 + Number.parseInt(low, 16);
      await db.query(`INSERT INTO public.${resumed} VALUES (3, 'after'), (4, 'after')`);
      await db.query(`UPDATE public.${resumed} SET item = 'updated' WHERE id = 1`);

      const stores = await onrampStores(cluster);
      const resumedConfig = { name: resumed, ...debeziumPostgresConfig(resumed, `public.${resumed}`) };
      await stores.configs.put({ name: resumed, config: resumedConfig, targetState: 'STOPPED', tasks: [] });
      const offset = {
        lsn,
        lsn_proc: lsn,
        lsn_commit: lsn,
        txId: 1,
        ts_usec: Date.now() * 1000,
        messageType: 'COMMIT',
      };
      await stores.offsets.put(resumed, [{ partition: { server: resumed }, offset }]);
      const pausedConfig = { name: paused, ...debeziumPostgresConfig(paused, `public.${resumed}`) };
      // A task config as Connect's worker stores one: the connector's config and task.class.
      const pausedTask = {
        ...pausedConfig,
        'task.class': 'io.debezium.connector.postgresql.PostgresConnectorTask',
      };
      await stores.configs.put({
        name: paused,
        config: pausedConfig,
        targetState: 'PAUSED',
        tasks: [pausedTask],
      });
      // The status Onramp's worker left (Connect replaces it with its own once it runs the connector;
      // a status record it could not read would show in its log, checked at the end).
      await stores.statuses.putConnector(paused, {
        state: 'PAUSED',
        workerId: 'onramp-a:8083',
        generation: 3,
      });
      await stores.statuses.putTask(paused, 0, { state: 'PAUSED', workerId: 'onramp-a:8083', generation: 3 });

      const worker = await connect(cluster);
      expect(((await worker.call('GET', '/connectors')).body as string[]).sort()).toEqual(
        [paused, resumed].sort(),
      );
      expect((await worker.call('GET', `/connectors/${resumed}/config`)).body).toEqual(resumedConfig);
      expect((await worker.call('GET', `/connectors/${paused}/config`)).body).toEqual(pausedConfig);
      expect((await worker.call('GET', `/connectors/${paused}/tasks`)).body).toEqual([
        { id: { connector: paused, task: 0 }, config: pausedTask },
      ]);
      expect((await worker.call('GET', `/connectors/${resumed}/offsets`)).body).toEqual({
        offsets: [{ partition: { server: resumed }, offset }],
      });
      const stoppedStatus = await worker.waitForState(resumed, 'STOPPED');
      expect(stoppedStatus.tasks).toEqual([]);
      const pausedStatus = await worker.waitForState(paused, 'PAUSED', 'PAUSED');
      expect(pausedStatus.connector.worker_id).toBe(worker.url.replace('http://', ''));

      // Resumed, Debezium streams from Onramp's offset: the changes after it, no snapshot.
      expect((await worker.call('PUT', `/connectors/${resumed}/resume`)).status).toBe(202);
      await worker.waitForState(resumed, 'RUNNING', 'RUNNING');
      const events = await readJsonEvents(`${resumed}.public.${resumed}`, 3);
      expect(events.map((event) => [event.op, event.after?.id, event.after?.item])).toEqual([
        ['c', 3, 'after'],
        ['c', 4, 'after'],
        ['u', 1, 'updated'],
      ]);
      // A running connector as Onramp's herder stores it (its own task configs, {} for this source,
      // without Connect's task.class): Connect plans the tasks again when it starts it, and runs them.
      const planned = `kcs_pln_${suffix}`;
      slotsToDrop.push(planned);
      const plannedConfig = { name: planned, ...debeziumPostgresConfig(planned, `public.${resumed}`) };
      await stores.configs.put({ name: planned, config: plannedConfig, targetState: 'STARTED', tasks: [{}] });
      await worker.waitForState(planned, 'RUNNING', 'RUNNING');
      expect((await worker.call('GET', `/connectors/${planned}/tasks`)).body).toMatchObject([
        { id: { connector: planned, task: 0 }, config: { 'task.class': pausedTask['task.class'] } },
      ]);

      // And Onramp's stores see Connect's task configs and offsets for it.
      await waitFor('Connect task configs in Onramp', async () => {
        await stores.configs.refresh();
        return stores.configs.get(resumed)?.tasks.length === 1;
      });
      expect(stores.configs.get(resumed)?.targetState).toBe('STARTED');
      await waitFor('the offset Debezium committed, in Onramp', async () => {
        await stores.offsets.refresh();
        const stored = stores.offsets.get(resumed)[0]?.offset;
        return typeof stored?.lsn === 'number' && stored.lsn > lsn;
      });
      expect(storageErrors(worker)).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});
