import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KafkaConfigStore } from '../../../src/cluster/kafka-config-store.ts';
import { KafkaOffsetStore } from '../../../src/cluster/kafka-offset-store.ts';
import { KafkaStatusStore } from '../../../src/cluster/kafka-status-store.ts';
import type { WriteFence } from '../../../src/cluster/write-fence.ts';
import { OnrampError } from '../../../src/plugin/errors.ts';
import { SEALED_PREFIX, SecretCodec } from '../../../src/stores/secret-codec.ts';
import type { ConfigListener, StoredConnector } from '../../../src/stores/stores.ts';
import { bytes, type CapturedTopic, capture } from './kafka-connect-fixture.ts';
import { MemoryTopic } from './memory-topic-log.ts';

// The Kafka stores over an in-memory topic: they read what Kafka Connect 3.9.1 wrote (the captured
// topics), write Connect's records, and tell the other workers' stores.

function capturedTopic(topic: CapturedTopic): MemoryTopic {
  const memory = new MemoryTopic(topic.name, topic.partitions);
  for (const record of topic.records) {
    memory.append([
      { key: Buffer.from(record.key ?? '', 'utf8'), value: bytes(record.value), partition: record.partition },
    ]);
  }
  return memory;
}

function recorder(): { events: string[]; listener: ConfigListener } {
  const events: string[] = [];
  return {
    events,
    listener: {
      onConnectorConfigUpdate: (name) => events.push(`config ${name}`),
      onConnectorConfigRemove: (name) => events.push(`remove ${name}`),
      onTaskConfigUpdate: (name) => events.push(`tasks ${name}`),
      onTargetStateChange: (name) => events.push(`target ${name}`),
      onRestartRequest: (request) => events.push(`restart ${request.connector} ${request.includeTasks}`),
    },
  };
}

const texts = (topic: MemoryTopic, from = 0) =>
  topic
    .records()
    .slice(from)
    .map((record) => `${record.key?.toString()} ${record.value?.toString() ?? 'null'}`);

describe('KafkaConfigStore', () => {
  it("reads a Kafka Connect cluster's config topic", async () => {
    const store = new KafkaConfigStore({ log: capturedTopic(capture.topics.config).open() });
    await store.start();
    expect(
      store
        .list()
        .map((c) => c.name)
        .sort(),
    ).toEqual(['file-source', 'two-task-sink']);
    expect(store.get('file-source')).toMatchObject({ targetState: 'STOPPED', tasks: [] });
    expect(store.get('two-task-sink')?.tasks).toHaveLength(2);
    expect(store.get('two-task-sink')?.tasks[1]).toMatchObject({
      'task.class': 'org.apache.kafka.connect.file.FileStreamSinkTask',
    });
    expect(store.get('failing-sink')).toBeUndefined();
    expect(store.offset).toBe(capture.topics.config.records.length);
    expect(store.view().taskCounts).toEqual(
      new Map([
        ['file-source', 0],
        ['two-task-sink', 2],
      ]),
    );
    expect(store.sessionKey()?.algorithm).toBe('HmacSHA256');
  });

  it("writes Kafka Connect's records and every worker's store hears of them", async () => {
    const topic = new MemoryTopic('configs', 1);
    const a = new KafkaConfigStore({ log: topic.open() });
    const b = new KafkaConfigStore({ log: topic.open() });
    await Promise.all([a.start(), b.start()]);
    const heard = recorder();
    b.subscribe(heard.listener);

    const connector: StoredConnector = {
      name: 'orders',
      config: { 'connector.class': 'PostgresConnector', name: 'orders' },
      targetState: 'STARTED',
      tasks: [{ task: '0' }, { task: '1' }],
    };
    await a.put(connector);
    expect(texts(topic)).toEqual([
      'connector-orders {"properties":{"connector.class":"PostgresConnector","name":"orders"}}',
      'task-orders-0 {"properties":{"task":"0"}}',
      'task-orders-1 {"properties":{"task":"1"}}',
      'commit-orders {"tasks":2}',
    ]);
    await b.refresh();
    expect(b.get('orders')).toEqual(connector);
    expect(heard.events).toEqual(['config orders', 'tasks orders']);

    await a.put({ ...connector, targetState: 'PAUSED' });
    await a.put({ ...connector, targetState: 'STOPPED', tasks: [] });
    expect(texts(topic, 4)).toEqual([
      'target-state-orders {"state":"PAUSED","state.v2":"PAUSED"}',
      'commit-orders {"tasks":0}',
      'target-state-orders {"state":"PAUSED","state.v2":"STOPPED"}',
    ]);
    await a.putRestartRequest({ connector: 'orders', includeTasks: true, onlyFailed: false });
    await a.delete('orders');
    expect(texts(topic, 7)).toEqual([
      'restart-connector-orders {"include-tasks":true,"only-failed":false}',
      'connector-orders null',
      'target-state-orders null',
    ]);
    await b.refresh();
    expect(heard.events.slice(2)).toEqual([
      'target orders',
      'tasks orders',
      'target orders',
      'restart orders true',
      'remove orders',
    ]);
    expect(b.get('orders')).toBeUndefined();
    expect(a.list()).toEqual([]);
  });

  it('runs no tasks of a connector whose task configs are incomplete, until they are written again', async () => {
    const topic = new MemoryTopic('configs', 1);
    const store = new KafkaConfigStore({ log: topic.open() });
    await store.start();
    const connector: StoredConnector = {
      name: 'c',
      config: { name: 'c' },
      targetState: 'STARTED',
      tasks: [{ a: '1' }],
    };
    await store.put(connector);
    // A commit of two tasks whose second config compaction removed.
    await store.refresh();
    topic.append([
      { key: Buffer.from('task-c-0'), value: Buffer.from('{"properties":{"a":"2"}}'), partition: 0 },
      { key: Buffer.from('commit-c'), value: Buffer.from('{"tasks":2}'), partition: 0 },
    ]);
    await store.refresh();
    expect(store.inconsistent()).toEqual(['c']);
    expect(store.get('c')?.tasks).toEqual([]);
    expect(store.view().taskCounts.get('c')).toBe(0);
    await store.put(connector);
    expect(store.inconsistent()).toEqual([]);
    expect(store.get('c')).toEqual(connector);
  });

  it('seals secret values at rest when a key is configured', async () => {
    const topic = new MemoryTopic('configs', 1);
    const codec = new SecretCodec(randomBytes(32));
    const secrets = {
      codec,
      isSecret: (_c: Readonly<Record<string, string>>, key: string) => key.endsWith('password'),
    };
    const store = new KafkaConfigStore({ log: topic.open(), secrets });
    await store.start();
    const connector: StoredConnector = {
      name: 'pg',
      config: { name: 'pg', 'database.password': 'literal-pw-123' },
      targetState: 'STARTED',
      tasks: [{ 'database.password': 'literal-pw-123' }],
    };
    await store.put(connector);
    const written = texts(topic).join('\n');
    expect(written).not.toContain('literal-pw-123');
    expect(written).toContain(SEALED_PREFIX);
    const other = new KafkaConfigStore({ log: topic.open(), secrets });
    await other.start();
    expect(other.get('pg')).toEqual(connector);
  });

  it('refuses a config topic with more than one partition, and writes the guard refuses', async () => {
    const wide = new KafkaConfigStore({ log: new MemoryTopic('configs', 3).open() });
    await expect(wide.start()).rejects.toThrow(/required to have a single partition/);
    const guarded = new KafkaConfigStore({
      log: new MemoryTopic('configs', 1).open(),
      guard: () => {
        throw new OnrampError('CONFLICT', 'not the leader');
      },
    });
    await guarded.start();
    await expect(guarded.delete('x')).rejects.toThrow(/not the leader/);
  });
});

describe('KafkaOffsetStore', () => {
  it("reads Kafka Connect's offsets, tombstones included, and writes to the same key and partition", async () => {
    const topic = capturedTopic(capture.topics.offset);
    const store = new KafkaOffsetStore({ log: topic.open() });
    await store.start();
    // The last record for the file source's partition is a reset (tombstone).
    expect(store.get('file-source')).toEqual([]);
    const partition = { filename: capture.worker.input };
    await store.put('file-source', [{ partition, offset: { position: 42 } }]);
    expect(store.get('file-source')).toEqual([{ partition, offset: { position: 42 } }]);
    const written = topic.records().at(-1);
    const captured = capture.topics.offset.records.at(-1);
    expect(written?.partition).toBe(captured?.partition);
    expect(written?.key?.toString()).toBe(captured?.key);
    expect(written?.value?.toString()).toBe('{"position":42}');
  });

  it('reuses the key bytes it read for a partition whose keys Java ordered otherwise', async () => {
    const topic = new MemoryTopic('offsets', 25);
    const javaKey = Buffer.from('["c",{"server":"s","database":"d"}]');
    topic.append([{ key: javaKey, value: Buffer.from('{"lsn":1}') }]);
    const store = new KafkaOffsetStore({ log: topic.open() });
    await store.start();
    await store.put('c', [{ partition: { database: 'd', server: 's' }, offset: { lsn: 2 } }]);
    const records = topic.records();
    expect(records).toHaveLength(2);
    expect(records[1]?.key).toEqual(javaKey);
    expect(records[1]?.partition).toBe(records[0]?.partition);
    expect(store.get('c')).toEqual([{ partition: { server: 's', database: 'd' }, offset: { lsn: 2 } }]);
    await store.reset('c');
    expect(store.get('c')).toEqual([]);
    expect(topic.records().at(-1)?.value).toBeNull();
  });

  it('refuses to commit offsets for a connector the fence says this worker no longer runs', async () => {
    const topic = new MemoryTopic('offsets', 25);
    const fence: WriteFence = {
      checkMember: () => undefined,
      checkConnector: (connector) => {
        throw new OnrampError('TASK_FAILED', `fenced: ${connector}`);
      },
      confirm: async (connector) => {
        throw new OnrampError('TASK_FAILED', `fenced: ${connector}`);
      },
      confirmMember: async () => undefined,
    };
    const store = new KafkaOffsetStore({ log: topic.open(), fence });
    await store.start();
    await expect(store.put('c', [{ partition: { server: 's' }, offset: { lsn: 1 } }])).rejects.toThrow(
      /fenced: c/,
    );
    expect(topic.records()).toEqual([]);
  });
});

describe('KafkaStatusStore', () => {
  it("reads Kafka Connect's statuses and active topics", async () => {
    const store = new KafkaStatusStore({ log: capturedTopic(capture.topics.status).open() });
    await store.start();
    const workerId = new URL(capture.worker.url).host;
    expect(store.getConnector('two-task-sink')).toEqual({ state: 'UNASSIGNED', workerId, generation: 14 });
    expect(store.getTask('two-task-sink', 1)?.state).toBe('UNASSIGNED');
    expect(store.getConnector('failing-sink')).toBeUndefined();
    expect(store.getTask('failing-sink', 0)).toBeUndefined();
    expect(store.getTask('file-source', 0)).toBeUndefined();
    expect(store.topics.get('two-task-sink')).toEqual([expect.stringMatching(/-lines$/)]);
  });

  it("keeps a newer owner's status over a stale worker's (putSafe), and writes Connect's records", async () => {
    const topic = new MemoryTopic('status', 5);
    const a = new KafkaStatusStore({ log: topic.open() });
    const b = new KafkaStatusStore({ log: topic.open() });
    await Promise.all([a.start(), b.start()]);
    await b.putTask('c', 0, { state: 'RUNNING', workerId: 'b:8083', generation: 7 });
    await a.refresh();
    // The stale worker (generation 6) cannot overwrite it; the same generation can.
    await a.putTask('c', 0, { state: 'FAILED', trace: 'boom', workerId: 'a:8083', generation: 6 });
    expect(texts(topic)).toEqual([
      'status-task-c-0 {"state":"RUNNING","trace":null,"worker_id":"b:8083","generation":7}',
    ]);
    await a.putTask('c', 0, { state: 'FAILED', trace: 'boom', workerId: 'a:8083', generation: 7 });
    await b.refresh();
    expect(b.getTask('c', 0)).toEqual({ state: 'FAILED', trace: 'boom', workerId: 'a:8083', generation: 7 });
  });

  it('ignores a late UNASSIGNED of an older generation over RUNNING', async () => {
    const topic = new MemoryTopic('status', 5);
    const store = new KafkaStatusStore({ log: topic.open() });
    await store.start();
    topic.append([
      {
        key: Buffer.from('status-task-c-0'),
        value: Buffer.from('{"state":"RUNNING","trace":null,"worker_id":"b","generation":5}'),
      },
      {
        key: Buffer.from('status-task-c-0'),
        value: Buffer.from('{"state":"UNASSIGNED","trace":null,"worker_id":"a","generation":4}'),
      },
    ]);
    await store.refresh();
    expect(store.getTask('c', 0)?.state).toBe('RUNNING');
  });

  it('tells a subscriber of the topics new to a connector that another worker recorded', async () => {
    const topic = new MemoryTopic('status', 5);
    const a = new KafkaStatusStore({ log: topic.open() });
    const b = new KafkaStatusStore({ log: topic.open() });
    await Promise.all([a.start(), b.start()]);
    const told: string[] = [];
    b.topics.subscribe?.((connector, topics) => told.push(`${connector}: ${topics.join(',')}`));
    await a.topics.put('c', ['t1']);
    await b.refresh();
    expect(told).toEqual(['c: t1']);
    await a.topics.put('c', ['t1', 't2']);
    await a.topics.put('c', ['t2']);
    await b.refresh();
    expect(told).toEqual(['c: t1', 'c: t1,t2']);
  });

  it('tracks active topics and deletes with tombstones', async () => {
    const topic = new MemoryTopic('status', 5);
    const store = new KafkaStatusStore({ log: topic.open(), now: () => 1700000000000 });
    await store.start();
    await store.topics.put('c', ['t1', 't2']);
    await store.topics.put('c', ['t2']);
    await store.putConnector('c', { state: 'RUNNING', workerId: 'a:8083', generation: 1 });
    await store.putTask('c', 0, { state: 'RUNNING', workerId: 'a:8083', generation: 1 });
    await store.delete('c');
    const written = texts(topic).sort();
    expect(written).toContain(
      'status-topic-t1:connector-c {"topic":{"name":"t1","connector":"c","task":0,"discoverTimestamp":1700000000000}}',
    );
    expect(written).toContain('status-topic-t1:connector-c null');
    expect(written).toContain('status-connector-c null');
    expect(written).toContain('status-task-c-0 null');
    expect(store.topics.get('c')).toEqual(['t2']);
    expect(store.getConnector('c')).toBeUndefined();
    const reader = new KafkaStatusStore({ log: topic.open() });
    await reader.start();
    expect(reader.getTask('c', 0)).toBeUndefined();
    expect(reader.topics.get('c')).toEqual(['t2']);
  });
});
