// The cluster stores on Kafka Connect's internal topics, against the stack's Kafka: topics created
// with Connect's settings, a read-to-end barrier at start, writes one worker makes reaching another.
import { randomUUID } from 'node:crypto';
import { Admin, ConfigResourceTypes, ProduceAcks, Producer } from '@platformatic/kafka';
import { afterAll, describe, expect, it } from 'vitest';
import { type ClusterStores, openClusterStores } from '../../src/cluster/cluster-stores.ts';
import { parseDistributedConfig } from '../../src/cluster/distributed-config.ts';
import { encodeOffsetKey } from '../../src/cluster/offset-records.ts';
import { plaintextConnection } from '../../src/kafka/client-properties.ts';
import { KafkaTopicLog } from '../../src/kafka/kafka-topic-log.ts';
import { javaCompatiblePartitioner } from '../../src/kafka/partitioner.ts';
import { TopicAdmin } from '../../src/kafka/topic-admin.ts';
import type { ConfigListener, StoredConnector } from '../../src/stores/stores.ts';
import { services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

const brokers = services().kafkaBrokers;
const connection = plaintextConnection(brokers, 'onramp-cluster-test');
const admin = new TopicAdmin(connection);
const opened: ClusterStores[] = [];
const topics: string[] = [];

const run = randomUUID().slice(0, 8);
const parsed = parseDistributedConfig({
  'group.id': `cluster-stores-${run}`,
  'config.storage.topic': `cluster-${run}-configs`,
  'offset.storage.topic': `cluster-${run}-offsets`,
  'status.storage.topic': `cluster-${run}-status`,
  // The stack has one broker; -1 takes the broker's default.
  'config.storage.replication.factor': '1',
  'offset.storage.replication.factor': '-1',
  'status.storage.replication.factor': '1',
  'offset.storage.partitions': '7',
  'status.storage.min.insync.replicas': '1',
});
if (!parsed.config) throw new Error(JSON.stringify(parsed.errors));
const config = parsed.config;
topics.push(config.configTopic.name, config.offsetTopic.name, config.statusTopic.name);

async function worker(): Promise<ClusterStores> {
  const stores = await openClusterStores({
    config,
    openLog: (spec) => new KafkaTopicLog({ connection, admin, spec }),
  });
  opened.push(stores);
  return stores;
}

afterAll(async () => {
  await Promise.all(opened.map((stores) => stores.stop()));
  await admin.deleteTopics(topics).catch(() => undefined);
  await admin.close();
});

describe('cluster stores on Kafka', () => {
  it("creates the internal topics with Kafka Connect's settings", async () => {
    await worker();
    const client = new Admin({ clientId: 'onramp-cluster-test', bootstrapBrokers: brokers });
    try {
      const metadata = await client.metadata({ topics });
      expect(metadata.topics.get(config.configTopic.name)?.partitionsCount).toBe(1);
      expect(metadata.topics.get(config.offsetTopic.name)?.partitionsCount).toBe(7);
      expect(metadata.topics.get(config.statusTopic.name)?.partitionsCount).toBe(5);
      const described = await client.describeConfigs({
        resources: topics.map((name) => ({ resourceType: ConfigResourceTypes.TOPIC, resourceName: name })),
      });
      for (const topic of described) {
        const policy = topic.configs.find((entry) => entry.name === 'cleanup.policy')?.value;
        expect(policy, topic.resourceName).toBe('compact');
      }
      const status = described.find((topic) => topic.resourceName === config.statusTopic.name);
      expect(status?.configs.find((entry) => entry.name === 'min.insync.replicas')?.value).toBe('1');
    } finally {
      await client.close();
    }
  });

  it("carries a worker's writes to another worker, and a new worker starts from all of them", async () => {
    const a = await worker();
    const b = await worker();
    const heard: string[] = [];
    const listener: ConfigListener = {
      onConnectorConfigUpdate: (name) => heard.push(`config ${name}`),
      onConnectorConfigRemove: (name) => heard.push(`remove ${name}`),
      onTaskConfigUpdate: (name) => heard.push(`tasks ${name}`),
      onTargetStateChange: (name) => heard.push(`target ${name}`),
      onRestartRequest: (request) => heard.push(`restart ${request.connector}`),
    };
    b.configs.subscribe(listener);
    const connector: StoredConnector = {
      name: `orders-${run}`,
      config: {
        name: `orders-${run}`,
        'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
      },
      targetState: 'STARTED',
      tasks: [{ 'task.id': '0' }, { 'task.id': '1' }],
    };
    await a.configs.put(connector);
    await a.configs.put({ ...connector, targetState: 'PAUSED' });
    await waitFor('b heard the pause', () => heard.includes(`target ${connector.name}`));
    expect(heard).toEqual([
      `config ${connector.name}`,
      `tasks ${connector.name}`,
      `target ${connector.name}`,
    ]);
    expect(b.configs.get(connector.name)).toEqual({ ...connector, targetState: 'PAUSED' });

    // Many offset commits: a worker that starts afterwards has read them all when it is open.
    const partition = { server: `orders-${run}` };
    for (let lsn = 1; lsn <= 300; lsn++)
      await a.offsets.put(connector.name, [{ partition, offset: { lsn } }]);
    await a.statuses.putTask(connector.name, 1, { state: 'RUNNING', workerId: 'a:8083', generation: 3 });
    await a.topics.put(connector.name, [`orders-${run}.public.orders`]);
    const c = await worker();
    expect(c.offsets.get(connector.name)).toEqual([{ partition, offset: { lsn: 300 } }]);
    expect(c.statuses.getTask(connector.name, 1)).toEqual({
      state: 'RUNNING',
      workerId: 'a:8083',
      generation: 3,
    });
    expect(c.topics.get(connector.name)).toEqual([`orders-${run}.public.orders`]);
    expect(c.configs.offset).toBe(a.configs.offset);

    // Reset offsets (tombstones) and delete the connector: every worker sees it gone.
    await a.offsets.reset(connector.name);
    await a.configs.delete(connector.name);
    await b.offsets.refresh();
    expect(b.offsets.get(connector.name)).toEqual([]);
    await waitFor('b heard the removal', () => heard.includes(`remove ${connector.name}`));
    expect(b.configs.get(connector.name)).toBeUndefined();
    const d = await worker();
    expect(d.configs.get(connector.name)).toBeUndefined();
    expect(d.offsets.get(connector.name)).toEqual([]);
  });

  it("reads only committed transactions, as Kafka Connect's exactly-once workers write offsets", async () => {
    const reader = await worker();
    const producer = new Producer<Buffer, Buffer, Buffer, Buffer>({
      clientId: 'onramp-cluster-test',
      bootstrapBrokers: brokers,
      idempotent: true,
      acks: ProduceAcks.ALL,
      transactionalId: `cluster-stores-${run}-task-0`,
      partitioner: javaCompatiblePartitioner(),
    });
    const partition = { server: `tx-${run}` };
    const offsetRecord = (lsn: number) => ({
      topic: config.offsetTopic.name,
      key: encodeOffsetKey(`tx-${run}`, partition),
      value: Buffer.from(JSON.stringify({ lsn })),
    });
    try {
      const aborted = await producer.beginTransaction();
      await aborted.send({ messages: [offsetRecord(1)] });
      await aborted.abort();
      const committed = await producer.beginTransaction();
      await committed.send({ messages: [offsetRecord(2)] });
      await committed.commit();
      // A transaction left open holds nothing up: the barrier ends at the last stable offset.
      const open = await producer.beginTransaction();
      await open.send({ messages: [offsetRecord(3)] });
      await reader.offsets.refresh();
      expect(reader.offsets.get(`tx-${run}`)).toEqual([{ partition, offset: { lsn: 2 } }]);
      await open.abort();
      const fresh = await worker();
      expect(fresh.offsets.get(`tx-${run}`)).toEqual([{ partition, offset: { lsn: 2 } }]);
    } finally {
      await producer.close();
    }
  });
});
