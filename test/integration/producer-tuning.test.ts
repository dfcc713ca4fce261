// The producer settings Debezium users set per connector (issue 11): max.request.size bounds each
// record (a larger one fails the task naming it, as Kafka's RecordTooLargeException), and
// linger.ms/batch.size group records into fewer, fuller sends without losing or reordering any.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorPlugin } from '../../src/plugin/index.ts';
import { endOffsets, readTopic, testAdmin } from '../support/runtime/kafka-reader.ts';
import { createHarness, type Harness, startTask, unique } from '../support/runtime/runtime-harness.ts';
import { countingSource } from '../support/runtime/test-plugins.ts';
import { waitFor } from '../support/wait-for.ts';

const admin = testAdmin();
let harness: Harness;

beforeAll(() => {
  harness = createHarness();
});

afterAll(async () => {
  await harness.close();
  await admin.close();
});

const storedSeq = (connector: string): unknown => harness.offsets.get(connector)[0]?.offset.seq;
const seqs = (messages: Awaited<ReturnType<typeof readTopic>>) =>
  messages.map((message) =>
    Number(message.headers.find((header) => header.key === 'seq')?.value?.toString()),
  );

async function metric(name: string, connector: string): Promise<number> {
  const text = await harness.metrics.registry.getSingleMetricAsString(name);
  const line = text.split('\n').find((entry) => entry.startsWith(`${name}{connector="${connector}"`));
  return Number(line?.split(' ').at(-1));
}

describe('producer tuning of a source connector', () => {
  it('fails the task on a record larger than producer.override.max.request.size, naming the record', async () => {
    const connector = unique('src-too-large');
    const topic = unique('runtime-too-large');
    const source = countingSource({
      until: 3,
      batch: 1,
      record: (target, seq) => ({
        topic: target,
        key: { schema: { type: 'int32' }, value: seq },
        value: { schema: { type: 'string' }, value: seq === 2 ? 'x'.repeat(5_000) : `small-${seq}` },
        headers: [{ key: 'seq', value: String(seq) }],
        sourcePartition: { server: 'test' },
        sourceOffset: { seq },
      }),
    });
    const started = startTask(harness, connector, source.plugin as ConnectorPlugin, {
      topic,
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'key.converter.schemas.enable': 'false',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter.schemas.enable': 'false',
      'producer.override.max.request.size': '2000',
    });
    const failed = await waitFor('task FAILED', () =>
      started.statuses.find((status) => status.state === 'FAILED'),
    );
    expect(failed.trace).toContain('RECORD_TOO_LARGE');
    expect(failed.trace).toContain(`topic ${topic} with key 2`);
    expect(failed.trace).toContain('{"seq":2}');
    expect(failed.trace).toMatch(/is 50\d\d bytes once converted, more than max.request.size \(2000\)/);
    // The records before it went through; the large one was neither sent nor stored.
    expect(seqs(await readTopic(topic, 2))).toEqual([0, 1]);
    expect((await endOffsets(admin, topic)).get(0)).toBe(2n);
    expect(storedSeq(connector)).toBe(1);
    await started.task.stop();
  });

  it('groups small polls into fuller sends with linger.ms and batch.size, delivering every record in order', async () => {
    const connector = unique('src-linger');
    const topic = unique('runtime-linger');
    const total = 300;
    const source = countingSource({ until: total, batch: 3 });
    const started = startTask(harness, connector, source.plugin as ConnectorPlugin, {
      topic,
      'producer.override.linger.ms': '50',
      'producer.override.batch.size': '4096',
      'producer.override.max.request.size': '1048576',
    });
    await waitFor(`all ${total} offsets stored`, () => storedSeq(connector) === total - 1);
    expect(seqs(await readTopic(topic, total))).toEqual(Array.from({ length: total }, (_, seq) => seq));
    expect((await endOffsets(admin, topic)).get(0)).toBe(BigInt(total));
    // Without linger every poll of 3 records is its own send (100 sends); lingering fills them.
    const batches = await metric('onramp_source_batches_total', connector);
    expect(batches).toBeGreaterThan(0);
    expect(batches).toBeLessThan(total / 3 / 2);
    expect(await metric('onramp_source_records_total', connector)).toBe(total);
    expect(started.statuses.map((status) => status.state)).toEqual(['RUNNING']);
    await started.task.stop();
  });
});
