import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { sourceRuntimeDef } from '../../../src/host/connector-config.ts';
import { Metrics } from '../../../src/host/metrics.ts';
import { topicCreationSettings } from '../../../src/host/run-config.ts';
import { latestOffsets, mergeOffsets, startSourceTask } from '../../../src/host/source-runner.ts';
import type { TaskStatus } from '../../../src/host/task-runner.ts';
import type { KafkaPorts, OutgoingMessage } from '../../../src/kafka/types.ts';
import type { ConnectorPlugin } from '../../../src/plugin/index.ts';
import { OnrampError, parseConfig } from '../../../src/plugin/index.ts';
import { ConverterFactory } from '../../../src/schema/converter-factory.ts';
import { MemoryOffsetStore } from '../../support/runtime/memory-offset-store.ts';
import { countingSource } from '../../support/runtime/test-plugins.ts';
import { waitFor } from '../../support/wait-for.ts';

describe('latestOffsets', () => {
  it('keeps the last offset of each source partition', () => {
    const record = (server: string, seq: number) => ({
      topic: 't',
      key: null,
      value: null,
      sourcePartition: { server },
      sourceOffset: { seq },
    });
    expect(latestOffsets([record('a', 1), record('b', 2), record('a', 3)])).toEqual([
      { partition: { server: 'b' }, offset: { seq: 2 } },
      { partition: { server: 'a' }, offset: { seq: 3 } },
    ]);
  });
});

describe('mergeOffsets', () => {
  it('updates earlier offsets with later ones, per source partition', () => {
    const entry = (server: string, seq: number) => ({ partition: { server }, offset: { seq } });
    expect(mergeOffsets([entry('a', 1), entry('b', 2)], [entry('a', 3), entry('c', 4)])).toEqual([
      entry('b', 2),
      entry('a', 3),
      entry('c', 4),
    ]);
  });
});

describe('topicCreationSettings', () => {
  it('reads Kafka Connect topic.creation.default.* settings', () => {
    const settings = (raw: Record<string, string>) =>
      topicCreationSettings(parseConfig(sourceRuntimeDef, raw).values);
    expect(settings({ 'topic.creation.default.partitions': '6' })).toEqual({ partitions: 6 });
    expect(
      settings({
        'topic.creation.default.partitions': '3',
        'topic.creation.default.replication.factor': '2',
      }),
    ).toEqual({ partitions: 3, replicationFactor: 2 });
    expect(settings({})).toEqual({});
    // -1: the broker's default, as Kafka Connect allows; 0 and below -1 are refused.
    expect(
      settings({
        'topic.creation.default.partitions': '-1',
        'topic.creation.default.replication.factor': '-1',
      }),
    ).toEqual({ partitions: -1, replicationFactor: -1 });
    const errors = parseConfig(sourceRuntimeDef, {
      'topic.creation.default.partitions': '0',
      'topic.creation.default.replication.factor': '-2',
    }).errors;
    expect(errors.map((error) => error.field).sort()).toEqual([
      'topic.creation.default.partitions',
      'topic.creation.default.replication.factor',
    ]);
    expect(errors[0]?.message).toMatch(/or -1 to use the broker's default/);
  });
});

describe('source runner backpressure', () => {
  it('polls one batch ahead at most, and sends, stores and commits only after Kafka acknowledged the batch before', async () => {
    // A double of our own producer seam whose acknowledgements the test releases by hand.
    const sends: Array<{ messages: readonly OutgoingMessage[]; ack: () => void }> = [];
    const ports: KafkaPorts = {
      producer: () => ({
        connect: async () => {},
        send: (messages) => new Promise<void>((resolve) => sends.push({ messages, ack: resolve })),
        close: async () => {},
      }),
      consumer: () => {
        throw new Error('not used');
      },
      kafkaAnswers: async () => {},
    };
    const offsets = new MemoryOffsetStore();
    const source = countingSource({ until: 9, batch: 3 });
    const statuses: TaskStatus[] = [];
    const task = startSourceTask(
      {
        connector: 'bp',
        taskId: 0,
        plugin: source.plugin as ConnectorPlugin,
        config: {
          topic: 't',
          'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
          'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
        },
        taskConfig: {},
        onStatus: (status) => statuses.push(status),
      },
      {
        ports,
        converters: new ConverterFactory({}),
        offsets,
        log: pino({ level: 'silent' }),
        metrics: new Metrics(),
      },
    );
    await waitFor('first batch sent', () => sends.length === 1);
    expect(sends[0]?.messages).toHaveLength(3);
    // While the send is unacknowledged the next batch is polled, but not sent; no third poll,
    // nothing stored, nothing committed.
    await waitFor('second batch polled', () => source.state.emitted.length === 6);
    await new Promise((resolve) => setImmediate(resolve));
    expect(source.state.emitted).toEqual([0, 1, 2, 3, 4, 5]);
    expect(sends).toHaveLength(1);
    expect(offsets.puts).toEqual([]);
    expect(source.state.commits).toEqual([]);
    sends[0]?.ack();
    await waitFor('second batch sent', () => sends.length === 2);
    await waitFor('first batch committed', () => source.state.commits.length === 1);
    expect(offsets.get('bp')).toEqual([{ partition: { server: 'test' }, offset: { seq: 2 } }]);
    expect(source.state.commits).toEqual([[{ partition: { server: 'test' }, offset: { seq: 2 } }]]);
    await waitFor('third batch polled', () => source.state.emitted.length === 9);
    sends[1]?.ack();
    await waitFor('third batch sent', () => sends.length === 3);
    sends[2]?.ack();
    await waitFor('all stored', () => offsets.get('bp')[0]?.offset.seq === 8);
    await task.stop();
    expect(statuses.map((status) => status.state)).toEqual(['RUNNING']);
  });

  it("converts and sends a poll one batch.size request at a time, storing each request's offsets once it is acknowledged", async () => {
    // batch.size of one byte: every message is a request of its own. A poll of 3 records is sent
    // as 3 requests, in order; while one is unacknowledged the next is converted but not sent, and
    // nothing further is polled until the poll's last request is handed to the producer.
    const sends: Array<{ messages: readonly OutgoingMessage[]; ack: () => void }> = [];
    const ports: KafkaPorts = {
      producer: () => ({
        connect: async () => {},
        send: (messages) => new Promise<void>((resolve) => sends.push({ messages, ack: resolve })),
        close: async () => {},
        tuning: { compression: 'none', lingerMs: 0, deliveryTimeoutMs: 120_000, batchBytes: 1 },
      }),
      consumer: () => {
        throw new Error('not used');
      },
      kafkaAnswers: async () => {},
    };
    const offsets = new MemoryOffsetStore();
    const source = countingSource({ until: 6, batch: 3 });
    const metrics = new Metrics();
    const task = startSourceTask(
      {
        connector: 'split',
        taskId: 0,
        plugin: source.plugin as ConnectorPlugin,
        config: {
          topic: 't',
          'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
          'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
        },
        taskConfig: {},
        onStatus: () => {},
      },
      { ports, converters: new ConverterFactory({}), offsets, log: pino({ level: 'silent' }), metrics },
    );
    const seqOf = (message: OutgoingMessage | undefined) =>
      message?.headers?.find((header) => header.key === 'seq')?.value;
    await waitFor('first request sent', () => sends.length === 1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(sends).toHaveLength(1);
    expect(sends[0]?.messages).toHaveLength(1);
    expect(source.state.emitted).toEqual([0, 1, 2]);
    expect(offsets.puts).toEqual([]);
    sends[0]?.ack();
    await waitFor('second request sent', () => sends.length === 2);
    await waitFor('first request stored', () => offsets.get('split')[0]?.offset.seq === 0);
    expect(source.state.emitted).toEqual([0, 1, 2]);
    sends[1]?.ack();
    await waitFor('third request sent', () => sends.length === 3);
    // The poll's last request is handed off: the next poll is converted while it is sent.
    await waitFor('second poll', () => source.state.emitted.length === 6);
    for (let index = 2; index < 6; index++) {
      sends[index]?.ack();
      await waitFor(`request ${index + 2} sent`, () => sends.length >= Math.min(index + 2, 6));
    }
    await waitFor('all stored', () => offsets.get('split')[0]?.offset.seq === 5);
    expect(sends.map((send) => seqOf(send.messages[0]))).toEqual(['0', '1', '2', '3', '4', '5']);
    expect(await metrics.registry.metrics()).toMatch(
      /onramp_source_batches_total\{connector="split"[^}]*\} 6\n/,
    );
    await task.stop();
  });

  it('stores only the latest acknowledged offsets while a store write is under way, and commits after storing', async () => {
    const ports: KafkaPorts = {
      producer: () => ({ connect: async () => {}, send: async () => {}, close: async () => {} }),
      consumer: () => {
        throw new Error('not used');
      },
      kafkaAnswers: async () => {},
    };
    const offsets = new MemoryOffsetStore();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let blocked = true;
    offsets.beforePut = async () => {
      if (blocked) await gate;
    };
    const source = countingSource({ until: 12, batch: 3 });
    const task = startSourceTask(
      {
        connector: 'co',
        taskId: 0,
        plugin: source.plugin as ConnectorPlugin,
        config: {
          topic: 't',
          'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
          'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
        },
        taskConfig: {},
        onStatus: () => {},
      },
      {
        ports,
        converters: new ConverterFactory({}),
        offsets,
        log: pino({ level: 'silent' }),
        metrics: new Metrics(),
      },
    );
    // The first write is held; the other batches are sent and acknowledged meanwhile.
    await waitFor('every batch polled', () => source.state.emitted.length === 12);
    expect(source.state.commits).toEqual([]);
    blocked = false;
    release();
    await waitFor('the latest offset committed', () => source.state.commits.at(-1)?.[0]?.offset.seq === 11);
    expect(offsets.puts.map((put) => put.entries[0]?.offset?.seq)).toEqual([2, 11]);
    expect(source.state.commits.map((commit) => commit[0]?.offset.seq)).toEqual([2, 11]);
    await task.stop();
  });
});

describe('source runner while Kafka is away', () => {
  it('keeps the task RUNNING and its source open, sends the failed batch again once Kafka answers, in order, and stores offsets only after', async () => {
    // A double of our own producer seam: sends fail as the client reports a broker that is gone,
    // until the test brings "Kafka" back; the probe (kafkaAnswers) resolves only then.
    let kafkaUp = false;
    let probes = 0;
    const answerWaiters: Array<() => void> = [];
    const sent: number[][] = [];
    let failures = 0;
    const ports: KafkaPorts = {
      producer: () => ({
        connect: async () => {},
        send: async (messages) => {
          if (!kafkaUp) {
            failures++;
            throw new OnrampError('KAFKA_UNAVAILABLE', 'Kafka is unavailable: connect ECONNREFUSED');
          }
          sent.push(
            messages.map((message) => Number(message.headers?.find((header) => header.key === 'seq')?.value)),
          );
        },
        close: async () => {},
      }),
      consumer: () => {
        throw new Error('not used');
      },
      kafkaAnswers: (_overrides, signal) => {
        probes++;
        if (kafkaUp) return Promise.resolve();
        return new Promise<void>((resolve) => {
          answerWaiters.push(resolve);
          signal.addEventListener('abort', () => resolve(), { once: true });
        });
      },
    };
    const offsets = new MemoryOffsetStore();
    const source = countingSource({ until: 9, batch: 3 });
    const statuses: TaskStatus[] = [];
    const task = startSourceTask(
      {
        connector: 'away',
        taskId: 0,
        plugin: source.plugin as ConnectorPlugin,
        config: {
          topic: 't',
          'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
          'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
        },
        taskConfig: {},
        onStatus: (status) => statuses.push(status),
      },
      {
        ports,
        converters: new ConverterFactory({}),
        offsets,
        log: pino({ level: 'silent' }),
        metrics: new Metrics(),
      },
    );
    await waitFor('the first send failed and the batch waits for Kafka', () => answerWaiters.length === 1);
    expect(failures).toBe(1);
    expect(offsets.puts).toEqual([]);
    expect(source.state.commits).toEqual([]);
    kafkaUp = true;
    for (const wake of answerWaiters) wake();
    await waitFor('every record stored', () => offsets.get('away')[0]?.offset.seq === 8);
    await task.stop();
    expect(sent).toEqual([
      [0, 1, 2],
      [3, 4, 5],
      [6, 7, 8],
    ]);
    expect(probes).toBe(1);
    expect(source.state.starts).toHaveLength(1);
    expect(statuses.map((status) => status.state)).toEqual(['RUNNING']);
  });
});
