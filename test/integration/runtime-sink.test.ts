// Sink runner against real Kafka: every record delivered; group offsets committed only after flush;
// a failed flush redelivers; dead-letter queue with context headers; tolerance=none fails the task;
// static group membership (a second copy of a task fences the first for good).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaRecordProducer } from '../../src/kafka/record-producer.ts';
import type { ConnectorPlugin } from '../../src/plugin/index.ts';
import { AvroConverter } from '../../src/schema/avro-converter.ts';
import { SchemaRegistry } from '../../src/schema/registry.ts';
import { envelopeSchema, keySchema, sampleEnvelope, sampleKey } from '../support/runtime/debezium-sample.ts';
import { readTopic, testAdmin, testConnection } from '../support/runtime/kafka-reader.ts';
import { createHarness, type Harness, startTask, unique } from '../support/runtime/runtime-harness.ts';
import { collectingSink } from '../support/runtime/test-plugins.ts';
import { services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, index) => from + index);
const admin = testAdmin();
const producer = new KafkaRecordProducer(testConnection(), admin);
const converter = new AvroConverter(new SchemaRegistry({ url: services().schemaRegistryUrl }));
let harness: Harness;

beforeAll(() => {
  harness = createHarness();
});

afterAll(async () => {
  await harness.close();
  await producer.close();
  await admin.close();
});

/** Writes `count` Debezium-shaped Avro records (ids 0..count-1) to a new topic. */
async function fillTopic(
  topic: string,
  count: number,
  extra: Array<{ key: Buffer | null; value: Buffer | null }> = [],
) {
  const messages = [];
  for (const id of range(0, count)) {
    messages.push({
      topic,
      key: await converter.fromConnect(topic, true, { schema: keySchema, value: sampleKey(id) }),
      value: await converter.fromConnect(topic, false, { schema: envelopeSchema, value: sampleEnvelope(id) }),
      headers: [{ key: 'origin', value: `row-${id}` }],
    });
  }
  await producer.send([...messages, ...extra.map((message) => ({ topic, ...message }))]);
}

async function committed(group: string, topic: string): Promise<string | undefined> {
  const offsets = await harness.runtime.cluster.groupOffsets(group);
  return offsets.find((offset) => offset.topic === topic && offset.partition === 0)?.offset;
}

/** The group.instance.id of every member of the group. */
async function groupMembers(group: string): Promise<Array<string | null | undefined>> {
  const groups = await admin.client().describeGroups({ groups: [group] });
  return [...(groups.get(group)?.members.values() ?? [])].map((member) => member.groupInstanceId);
}

const ids = (records: ReadonlyArray<{ value: { value: unknown } | null }>) =>
  records.map((record) => (record.value?.value as { after: { id: number } }).after.id);

describe('sink runner', () => {
  it('delivers every record decoded, and commits group offsets only after a successful flush', async () => {
    const connector = unique('sink-ok');
    const topic = unique('runtime-sink');
    await fillTopic(topic, 30);
    const seenAtFlush: Array<string | undefined> = [];
    const sink = collectingSink({
      failFlushes: [1],
      onFlush: async () => {
        seenAtFlush.push(await committed(`connect-${connector}`, topic));
      },
    });
    const started = startTask(harness, connector, sink.plugin as ConnectorPlugin, { topics: topic });
    await waitFor('30 records flushed', () => sink.state.flushed.length >= 30);
    await waitFor(
      'offset 30 committed',
      async () => (await committed(`connect-${connector}`, topic)) === '30',
    );

    // The first flush failed: nothing had been committed then, and the batch came again.
    expect(seenAtFlush[0]).toBeUndefined();
    expect(seenAtFlush[1]).toBeUndefined();
    expect(
      started.statuses.some(
        (status) => status.state === 'RESTARTING' && status.trace?.includes('flush 1 failed on purpose'),
      ),
    ).toBe(true);
    expect(started.statuses.at(-1)?.state).toBe('RUNNING');
    expect(ids(sink.state.flushed)).toEqual(range(0, 30));
    expect(sink.state.received.length).toBeGreaterThan(30);
    const first = sink.state.flushed[0];
    expect(first?.topic).toBe(topic);
    expect(first?.kafkaPartition).toBe(0);
    expect(first?.kafkaOffset).toBe('0');
    expect(first?.key).toEqual({ schema: keySchema, value: sampleKey(0) });
    expect(first?.value?.schema).toEqual(envelopeSchema);
    expect(first?.headers).toEqual([{ key: 'origin', value: Buffer.from('row-0') }]);
    expect([...started.topics]).toEqual([topic]);
    await started.task.stop();
    expect(sink.state.stops).toBeGreaterThanOrEqual(2);
  });

  it('sends rejected and undecodable records to the dead-letter topic with context headers (errors.tolerance=all)', async () => {
    const connector = unique('sink-dlq');
    const topic = unique('runtime-dlq-in');
    const deadLetters = unique('runtime-dlq');
    const garbage = { key: Buffer.from('k'), value: Buffer.from('not avro at all') };
    await fillTopic(topic, 10, [garbage]);
    const sink = collectingSink({ reject: (record) => record.kafkaOffset === '3' });
    const started = startTask(harness, connector, sink.plugin as ConnectorPlugin, {
      topics: topic,
      'errors.tolerance': 'all',
      'errors.deadletterqueue.topic.name': deadLetters,
      'errors.deadletterqueue.topic.replication.factor': '1',
      'errors.deadletterqueue.context.headers.enable': 'true',
      'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    });
    await waitFor(
      'offset 11 committed',
      async () => (await committed(`connect-${connector}`, topic)) === '11',
    );
    expect(ids(sink.state.flushed)).toEqual([0, 1, 2, 4, 5, 6, 7, 8, 9]);

    const offsetOf = (message: { headers: Array<{ key: string; value: unknown }> }) =>
      String(message.headers.find((entry) => entry.key === '__connect.errors.offset')?.value);
    // Conversion runs for the whole batch before put, so the undecodable record (offset 10) comes first.
    const letters = (await readTopic(deadLetters, 2)).sort(
      (a, b) => Number(offsetOf(a)) - Number(offsetOf(b)),
    );
    expect(letters).toHaveLength(2);
    const header = (index: number, key: string) =>
      letters[index]?.headers.find((entry) => entry.key === `__connect.errors.${key}`)?.value?.toString();
    const original = await readTopic(topic, 11);
    // The rejected record: original bytes and headers, plus where it came from and why.
    expect(letters[0]?.value).toEqual(original[3]?.value);
    expect(letters[0]?.key).toEqual(original[3]?.key);
    expect(letters[0]?.headers[0]).toEqual({ key: 'origin', value: Buffer.from('row-3') });
    expect(header(0, 'topic')).toBe(topic);
    expect(header(0, 'partition')).toBe('0');
    expect(header(0, 'offset')).toBe('3');
    expect(header(0, 'connector.name')).toBe(connector);
    expect(header(0, 'task.id')).toBe('0');
    expect(header(0, 'stage')).toBe('TASK_PUT');
    expect(header(0, 'class.name')).toBe('test.CollectingSink');
    expect(header(0, 'exception.class.name')).toBe('Error');
    expect(header(0, 'exception.message')).toBe('rejected record 3');
    expect(header(0, 'exception.stacktrace')).toContain('rejected record 3');
    // The undecodable one failed in the value converter.
    expect(letters[1]?.value?.toString()).toBe('not avro at all');
    expect(header(1, 'offset')).toBe('10');
    expect(header(1, 'stage')).toBe('VALUE_CONVERTER');
    expect(header(1, 'class.name')).toBe('io.confluent.connect.avro.AvroConverter');
    expect(header(1, 'exception.message')).toContain('magic byte');
    expect(await harness.metrics.registry.getSingleMetricAsString('onramp_dlq_records_total')).toContain(
      `onramp_dlq_records_total{connector="${connector}",task="0"} 2`,
    );
    expect(started.statuses.at(-1)?.state).toBe('RUNNING');
    await started.task.stop();
  });

  it('fails the task on a rejected record with errors.tolerance=none, naming topic, partition and offset', async () => {
    const connector = unique('sink-fail');
    const topic = unique('runtime-fail');
    await fillTopic(topic, 5);
    const sink = collectingSink({ reject: (record) => record.kafkaOffset === '2' });
    const started = startTask(harness, connector, sink.plugin as ConnectorPlugin, { topics: topic });
    const failed = await waitFor('task FAILED', () =>
      started.statuses.find((status) => status.state === 'FAILED'),
    );
    expect(failed.trace).toContain('Tolerance exceeded');
    expect(failed.trace).toContain(`topic=${topic}, partition=0, offset=2`);
    expect(failed.trace).toContain('rejected record 2');
    // Nothing of the failed batch was committed.
    expect(await committed(`connect-${connector}`, topic)).toBeUndefined();
    await started.task.stop();
  });

  it('subscribes by topics.regex and pauses/resumes consumption', async () => {
    const connector = unique('sink-regex');
    const prefix = unique('runtime-rx');
    await fillTopic(`${prefix}-a`, 3);
    await fillTopic(`${prefix}-b`, 2);
    const sink = collectingSink();
    const started = startTask(harness, connector, sink.plugin as ConnectorPlugin, {
      'topics.regex': `${prefix}-.*`,
    });
    await waitFor('5 records flushed', () => sink.state.flushed.length >= 5);
    expect(sink.state.flushed.map((record) => record.topic).sort()).toEqual([
      `${prefix}-a`,
      `${prefix}-a`,
      `${prefix}-a`,
      `${prefix}-b`,
      `${prefix}-b`,
    ]);
    expect([...started.topics].sort()).toEqual([`${prefix}-a`, `${prefix}-b`]);

    started.task.pause();
    expect(started.statuses.at(-1)?.state).toBe('PAUSED');
    await fillTopic(`${prefix}-a`, 2);
    // Paused: the new records stay in Kafka; the group offset stays where it was.
    await waitFor(
      'paused consumer saw nothing new',
      async () => (await committed(`connect-${connector}`, `${prefix}-a`)) === '3',
    );
    expect(sink.state.flushed).toHaveLength(5);
    started.task.resume();
    expect(started.statuses.at(-1)?.state).toBe('RUNNING');
    await waitFor('7 records flushed after resume', () => sink.state.flushed.length >= 7);
    await started.task.stop();
  });

  it('stays RUNNING while its topics do not exist, and consumes them once created (topics and topics.regex)', async () => {
    const connector = unique('sink-early');
    const topic = unique('runtime-late');
    const prefix = unique('runtime-late-rx');
    const sink = collectingSink();
    // A short metadata.max.age.ms: the consumer lists the topics again every second.
    const started = startTask(harness, connector, sink.plugin as ConnectorPlugin, {
      topics: `${topic},${topic}-second`,
      'consumer.override.metadata.max.age.ms': '1000',
    });
    const regex = collectingSink();
    const regexStarted = startTask(harness, `${connector}-rx`, regex.plugin as ConnectorPlugin, {
      'topics.regex': `${prefix}-.*`,
      'consumer.override.metadata.max.age.ms': '1000',
    });
    await waitFor(
      'both tasks RUNNING',
      () => started.state === 'RUNNING' && regexStarted.state === 'RUNNING',
    );
    await fillTopic(topic, 3);
    await fillTopic(`${prefix}-a`, 2);
    await waitFor('3 records of the new topic flushed', () => sink.state.flushed.length >= 3);
    await waitFor('2 records of the new regex match flushed', () => regex.state.flushed.length >= 2);
    // The second topic appears later and joins the subscription too.
    await fillTopic(`${topic}-second`, 2);
    await fillTopic(`${prefix}-b`, 1);
    await waitFor('the second topic flushed', () => sink.state.flushed.length >= 5);
    await waitFor('the second regex match flushed', () => regex.state.flushed.length >= 3);
    expect(sink.state.flushed.map((record) => record.topic).sort()).toEqual([
      topic,
      topic,
      topic,
      `${topic}-second`,
      `${topic}-second`,
    ]);
    expect(started.statuses.map((status) => status.state)).not.toContain('FAILED');
    expect(regexStarted.statuses.map((status) => status.state)).not.toContain('FAILED');
    expect(started.statuses.filter((status) => status.state === 'RUNNING')).toHaveLength(1);
    await started.task.stop();
    await regexStarted.task.stop();
  });

  it('joins as a static member: a second copy of the task (another host) fences the first, which fails with TASK_FENCED and never takes the partitions back', async () => {
    const connector = unique('sink-static');
    const topic = unique('runtime-static');
    const group = `connect-${connector}`;
    await fillTopic(topic, 10);
    const first = collectingSink();
    const firstStarted = startTask(harness, connector, first.plugin as ConnectorPlugin, { topics: topic });
    await waitFor(
      'offset 10 committed by the first copy',
      async () => (await committed(group, topic)) === '10',
    );
    expect(await groupMembers(group)).toEqual([`${connector}-0`]);

    // Another host (its own runtime and Kafka clients) starts the same connector's task 0.
    const otherHost = createHarness();
    try {
      const second = collectingSink();
      const secondStarted = startTask(otherHost, connector, second.plugin as ConnectorPlugin, {
        topics: topic,
      });
      // The first copy hears FENCED_INSTANCE_ID on its next heartbeat (every 3 s) and stops for good.
      const fenced = await waitFor(
        'the first copy fenced',
        () => firstStarted.statuses.find((status) => status.state === 'FAILED'),
        { timeoutMs: 20_000 },
      );
      expect(fenced.trace).toContain('[TASK_FENCED]');
      expect(fenced.trace).toContain(`group.instance.id ${connector}-0`);
      expect(firstStarted.statuses.map((status) => status.state)).not.toContain('RESTARTING');

      // The second copy has the partition: it applies what comes next, and the first never took it back
      // (had it rejoined, the second would be fenced in turn and fail).
      const flushedBefore = first.state.flushed.length;
      await fillTopic(topic, 5);
      await waitFor(
        'offset 15 committed by the second copy',
        async () => (await committed(group, topic)) === '15',
      );
      expect(second.state.flushed).toHaveLength(5);
      expect(first.state.flushed).toHaveLength(flushedBefore);
      expect(secondStarted.statuses.map((status) => status.state)).toEqual(['RUNNING']);
      expect(await groupMembers(group)).toEqual([`${connector}-0`]);
      await secondStarted.task.stop();
      await firstStarted.task.stop();
      // A stopped static member leaves: the group is empty (KIP-875's offset endpoints need that).
      expect(await groupMembers(group)).toEqual([]);
    } finally {
      await otherHost.close();
    }
  });

  it('rejects a sink config without topics, naming the field', async () => {
    const sink = collectingSink();
    const started = startTask(harness, unique('sink-noconf'), sink.plugin as ConnectorPlugin, {
      'errors.tolerance': 'sometimes',
    });
    const failed = await waitFor('task FAILED', () =>
      started.statuses.find((status) => status.state === 'FAILED'),
    );
    expect(failed.trace).toContain('topics: Must configure one of topics or topics.regex');
    expect(failed.trace).toContain('errors.tolerance');
    await started.task.stop();
  });
});
