// Source runner against real Kafka and the schema registry: records land in order, decodable; offsets
// are stored only once Kafka acknowledged the records; task.commit follows; restarts resume.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConnectorPlugin, OnrampError } from '../../src/plugin/index.ts';
import { AvroConverter } from '../../src/schema/avro-converter.ts';
import { JsonConverter } from '../../src/schema/json-converter.ts';
import { SchemaRegistry } from '../../src/schema/registry.ts';
import { sampleEnvelope, sampleKey } from '../support/runtime/debezium-sample.ts';
import { endOffsets, readTopic, testAdmin } from '../support/runtime/kafka-reader.ts';
import { createHarness, type Harness, startTask, unique } from '../support/runtime/runtime-harness.ts';
import { countingSource } from '../support/runtime/test-plugins.ts';
import { services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, index) => from + index);
const admin = testAdmin();
let harness: Harness;

beforeAll(() => {
  harness = createHarness();
});

afterAll(async () => {
  await harness.close();
  await admin.close();
});

function storedSeq(connector: string): unknown {
  return harness.offsets.get(connector)[0]?.offset.seq;
}

describe('source runner', () => {
  it('produces every record in order (Avro via the registry), stores offsets only after acks, then commits', async () => {
    const connector = unique('src-avro');
    const topic = unique('runtime-src');
    const source = countingSource({ until: 50, batch: 7 });
    const violations: string[] = [];
    harness.offsets.beforePut = async (name, entries) => {
      if (name !== connector) return;
      const seq = Number(entries[0]?.offset?.seq);
      const end = (await endOffsets(admin, topic)).get(0) ?? 0n;
      if (end < BigInt(seq) + 1n) violations.push(`offset ${seq} stored while Kafka had only ${end} records`);
    };
    const started = startTask(harness, connector, source.plugin as ConnectorPlugin, { topic });
    await waitFor('all 50 offsets stored', () => storedSeq(connector) === 49);

    const messages = await readTopic(topic, 50);
    expect((await endOffsets(admin, topic)).get(0)).toBe(50n);
    expect(
      messages.map((message) =>
        Number(message.headers.find((header) => header.key === 'seq')?.value?.toString()),
      ),
    ).toEqual(range(0, 50));
    const converter = new AvroConverter(new SchemaRegistry({ url: services().schemaRegistryUrl }));
    for (const [seq, message] of messages.entries()) {
      expect((await converter.toConnect(topic, true, message.key))?.value).toEqual(sampleKey(seq));
      expect((await converter.toConnect(topic, false, message.value))?.value).toEqual(sampleEnvelope(seq));
    }
    // Wire format: magic byte 0 and a registered schema id under TopicNameStrategy subjects.
    expect(messages[0]?.value?.[0]).toBe(0);
    const versions = await fetch(`${services().schemaRegistryUrl}/subjects/${topic}-value/versions`);
    expect(await versions.json()).toEqual([1]);
    // Registering left the registry's governance alone: no subject-level compatibility was set.
    expect((await fetch(`${services().schemaRegistryUrl}/config/${topic}-value`)).status).toBe(404);

    expect(violations).toEqual([]);
    // Each store holds the latest acknowledged batch end (writes coalesce while one is under way),
    // and task.commit follows each store with exactly what was stored.
    const stored = harness.offsets.puts
      .filter((put) => put.connector === connector)
      .map((put) => Number(put.entries[0]?.offset?.seq));
    const batchEnds = [6, 13, 20, 27, 34, 41, 48, 49];
    expect(stored.every((seq) => batchEnds.includes(seq))).toBe(true);
    expect(stored).toEqual([...stored].sort((a, b) => a - b));
    expect(stored.at(-1)).toBe(49);
    expect(source.state.commits.map((commit) => commit[0]?.offset.seq)).toEqual(stored);
    expect(source.state.commits.at(-1)).toEqual([{ partition: { server: 'test' }, offset: { seq: 49 } }]);
    expect(started.statuses.map((status) => status.state)).toEqual(['RUNNING']);
    expect([...started.topics]).toEqual([topic]);
    expect(await harness.metrics.registry.getSingleMetricAsString('onramp_source_records_total')).toContain(
      `onramp_source_records_total{connector="${connector}",task="0"} 50`,
    );
    await started.task.stop();
    expect(source.state.stops).toBe(1);

    // A new task resumes after the stored offset: nothing lost, nothing repeated.
    source.extendTo(60);
    const again = startTask(harness, connector, source.plugin as ConnectorPlugin, { topic });
    await waitFor('offsets up to 59 stored', () => storedSeq(connector) === 59);
    expect(source.state.starts).toEqual([[], [{ partition: { server: 'test' }, offset: { seq: 49 } }]]);
    const all = await readTopic(topic, 60);
    expect(
      all.map((message) => Number(message.headers.find((header) => header.key === 'seq')?.value?.toString())),
    ).toEqual(range(0, 60));
    await again.task.stop();
  });

  it('writes Kafka Connect JSON with the JsonConverter (gzip-compressed batches)', async () => {
    const connector = unique('src-json');
    const topic = unique('runtime-json');
    const source = countingSource({ until: 5, batch: 5 });
    const started = startTask(harness, connector, source.plugin as ConnectorPlugin, {
      topic,
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'key.converter.schemas.enable': 'false',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'producer.override.compression.type': 'gzip',
    });
    await waitFor('offsets stored', () => storedSeq(connector) === 4);
    const messages = await readTopic(topic, 5);
    expect(messages.map((message) => message.key?.toString())).toEqual(
      range(0, 5).map((seq) => `{"id":${seq}}`),
    );
    const value = JSON.parse(messages[3]?.value?.toString() ?? 'null');
    expect(Object.keys(value)).toEqual(['schema', 'payload']);
    expect(value.schema.name).toBe('dbserver1.inventory.customers.Envelope');
    expect(value.payload.after).toEqual({
      id: 3,
      first_name: 'name-3',
      email: 'user3@example.com',
      price: 'BM4=',
      created: 1700000000123456,
      tiny: -3,
    });
    const decoded = await new JsonConverter().toConnect(topic, false, messages[3]?.value ?? null);
    expect(decoded?.value).toEqual(sampleEnvelope(3));
    await started.task.stop();
  });

  it("creates its topic with the broker's defaults for topic.creation.default.* = -1 (as Kafka Connect)", async () => {
    const connector = unique('src-broker-defaults');
    const topic = unique('runtime-defaults');
    const source = countingSource({ until: 5, batch: 5 });
    const started = startTask(harness, connector, source.plugin as ConnectorPlugin, {
      topic,
      'topic.creation.default.partitions': '-1',
      'topic.creation.default.replication.factor': '-1',
    });
    await waitFor('offsets stored', () => storedSeq(connector) === 4);
    // The stack's brokers have num.partitions=1 and one replica.
    expect([...(await endOffsets(admin, topic))]).toEqual([[0, 5n]]);
    expect(await readTopic(topic, 5)).toHaveLength(5);
    await started.task.stop();
  });

  it('sends, stores and commits nothing more once its worker no longer owns the task, and does not start again', async () => {
    const connector = unique('src-fenced');
    const topic = unique('runtime-fenced');
    let owned = true;
    let refusedAt: bigint | undefined;
    const actions = new Set<string>();
    const fenced = createHarness({
      ownership: {
        confirm: async (name, action) => {
          actions.add(action);
          if (owned || name !== connector) return;
          // Every send before this one was acknowledged (sends are serialized): Kafka's end now is final.
          refusedAt ??= (await endOffsets(admin, topic)).get(0) ?? 0n;
          throw new OnrampError('TASK_FENCED', `${action}: ${name} moved to another worker`);
        },
      },
    });
    try {
      const source = countingSource({ until: 1_000_000, batch: 5 });
      const started = startTask(fenced, connector, source.plugin as ConnectorPlugin, { topic });
      await waitFor('some offsets stored', () => Number(fenced.offsets.get(connector)[0]?.offset.seq) >= 50);
      owned = false;
      const failed = await waitFor('task FAILED', () =>
        started.statuses.find((status) => status.state === 'FAILED'),
      );
      expect(failed.trace).toContain('TASK_FENCED');
      expect(refusedAt).toBeDefined();
      const end = (await endOffsets(admin, topic)).get(0) ?? 0n;
      expect(end).toBe(refusedAt);
      // Polled records beyond what Kafka has were dropped; nothing past Kafka's end was stored or committed.
      expect(source.state.emitted.length).toBeGreaterThanOrEqual(Number(end));
      const stored = Number(fenced.offsets.get(connector)[0]?.offset.seq);
      expect(stored).toBeLessThan(Number(end));
      expect(Math.max(...source.state.commits.map((commit) => Number(commit[0]?.offset.seq)))).toBe(stored);
      expect([...actions].sort()).toEqual([
        'committing source offsets',
        'producing source records',
        'starting the task',
        'storing source offsets',
      ]);
      await started.task.stop();

      // Started again on this worker while it does not own the task: the source task never starts.
      const again = startTask(fenced, connector, source.plugin as ConnectorPlugin, { topic });
      await waitFor('FAILED again', () => again.state === 'FAILED');
      expect(source.state.starts).toHaveLength(1);
      await again.task.stop();
    } finally {
      await fenced.close();
    }
  });

  it('fails the task on a record that cannot be converted (errors.tolerance=none), naming its topic and key', async () => {
    const connector = unique('src-bad');
    const topic = unique('runtime-bad');
    const source = countingSource({
      until: 3,
      batch: 3,
      record: (target, seq) => ({
        topic: target,
        key: { schema: { type: 'int32' }, value: seq },
        value: { schema: { type: 'int32' }, value: seq === 1 ? 'not a number' : seq },
        sourcePartition: { server: 'test' },
        sourceOffset: { seq },
      }),
    });
    const started = startTask(harness, connector, source.plugin as ConnectorPlugin, { topic });
    const failed = await waitFor('task FAILED', () =>
      started.statuses.find((status) => status.state === 'FAILED'),
    );
    expect(failed.trace).toContain('Tolerance exceeded');
    expect(failed.trace).toContain(`topic=${topic}`);
    expect(failed.trace).toContain('key=1');
    expect(failed.trace).toContain('VALUE_CONVERTER');
    // Nothing of the failed batch was stored.
    expect(harness.offsets.get(connector)).toEqual([]);
    await started.task.stop();
  });

  it('skips such records with errors.tolerance=all and stores the offsets past them', async () => {
    const connector = unique('src-skip');
    const topic = unique('runtime-skip');
    const source = countingSource({
      until: 3,
      batch: 3,
      record: (target, seq) => ({
        topic: target,
        key: { schema: { type: 'int32' }, value: seq },
        value: { schema: { type: 'int32' }, value: seq === 1 ? 'not a number' : seq },
        sourcePartition: { server: 'test' },
        sourceOffset: { seq },
      }),
    });
    const started = startTask(harness, connector, source.plugin as ConnectorPlugin, {
      topic,
      'errors.tolerance': 'all',
    });
    await waitFor('offsets stored', () => storedSeq(connector) === 2);
    const messages = await readTopic(topic, 2);
    const converter = new AvroConverter(new SchemaRegistry({ url: services().schemaRegistryUrl }));
    expect(
      await Promise.all(
        messages.map(async (message) => (await converter.toConnect(topic, false, message.value))?.value),
      ),
    ).toEqual([0, 2]);
    expect(await harness.metrics.registry.getSingleMetricAsString('onramp_errors_total')).toContain(
      'stage="VALUE_CONVERTER"',
    );
    await started.task.stop();
  });
});
