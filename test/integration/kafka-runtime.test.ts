// The Kafka runtime's seams against the real services: Cluster (cluster id, sink group offsets),
// the registry client against the stack's registry (global BACKWARD), and behaviour while Kafka is down.
import { afterAll, describe, expect, it } from 'vitest';
import type { ConnectorPlugin } from '../../src/plugin/index.ts';
import { OnrampError } from '../../src/plugin/index.ts';
import { codecForConnect } from '../../src/schema/avro-codec.ts';
import { SchemaRegistry } from '../../src/schema/registry.ts';
import { keySchema } from '../support/runtime/debezium-sample.ts';
import { createHarness, type Harness, startTask, unique } from '../support/runtime/runtime-harness.ts';
import { collectingSink, countingSource } from '../support/runtime/test-plugins.ts';
import { services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

const harnesses: Harness[] = [];
function harness(overrides?: Parameters<typeof createHarness>[0]): Harness {
  const created = createHarness(overrides);
  harnesses.push(created);
  return created;
}

afterAll(async () => {
  await Promise.all(harnesses.map((created) => created.close()));
});

describe('Cluster', () => {
  it('reports the cluster id', async () => {
    const id = await harness().runtime.cluster.clusterId();
    expect(id).toMatch(/^[\w-]{10,}$/);
  });

  it('reads, alters and resets the committed offsets of a sink group', async () => {
    const { runtime } = harness();
    const connector = unique('cluster-sink');
    const topic = unique('runtime-cluster');
    // A source task writes 4 records; a sink task consumes and commits them.
    const writer = harness();
    const source = countingSource({ until: 4, batch: 4 });
    const produced = startTask(writer, unique('cluster-src'), source.plugin as ConnectorPlugin, { topic });
    await waitFor('source stored its offsets', () => source.state.commits.length > 0);
    await produced.task.stop();
    const sink = collectingSink();
    const consuming = startTask(writer, connector, sink.plugin as ConnectorPlugin, { topics: topic });
    await waitFor('4 records flushed', () => sink.state.flushed.length === 4);
    const group = `connect-${connector}`;
    await waitFor('offset 4 committed', async () =>
      (await runtime.cluster.groupOffsets(group)).some((offset) => offset.offset === '4'),
    );
    expect(await runtime.cluster.groupOffsets(group)).toEqual([{ topic, partition: 0, offset: '4' }]);

    // Altering needs the group empty: with the sink running, it is a conflict.
    await expect(
      runtime.cluster.alterGroupOffsets(group, [{ topic, partition: 0, offset: '1' }]),
    ).rejects.toThrow();
    await consuming.task.stop();
    await runtime.cluster.alterGroupOffsets(group, [{ topic, partition: 0, offset: '1' }]);
    expect(await runtime.cluster.groupOffsets(group)).toEqual([{ topic, partition: 0, offset: '1' }]);
    // null removes the partition's committed offset (OffsetDelete), as Kafka Connect does.
    await runtime.cluster.alterGroupOffsets(group, [{ topic, partition: 0, offset: null }]);
    expect(await runtime.cluster.groupOffsets(group)).toEqual([]);
    await runtime.cluster.alterGroupOffsets(group, [{ topic, partition: 0, offset: '2' }]);
    await runtime.cluster.resetGroupOffsets(group);
    expect(await runtime.cluster.groupOffsets(group)).toEqual([]);
    // Resetting a group that does not exist (any more) is fine.
    await runtime.cluster.resetGroupOffsets(group);
  });
});

describe('sink consumer fetch settings', () => {
  it('honours consumer.override.max.partition.fetch.bytes: one record batch per fetch', async () => {
    const writer = harness();
    const topic = unique('runtime-fetch');
    // Four produce requests, so four record batches in the partition, all there before the sinks start.
    const source = countingSource({ until: 4, batch: 1 });
    const produced = startTask(writer, unique('fetch-src'), source.plugin as ConnectorPlugin, { topic });
    await waitFor('the source stored its last offset', () => source.state.commits.length >= 4);
    await produced.task.stop();

    const flushesFor = async (overrides: Record<string, string>) => {
      const sink = collectingSink();
      const consuming = startTask(writer, unique('fetch-sink'), sink.plugin as ConnectorPlugin, {
        topics: topic,
        ...overrides,
      });
      await waitFor('4 records flushed', () => sink.state.flushed.length === 4);
      await consuming.task.stop();
      return sink.state.flushCalls;
    };
    // The broker returns at least one batch per partition, and only one once the limit is reached.
    expect(
      await flushesFor({
        'consumer.override.max.partition.fetch.bytes': '1',
        'consumer.override.fetch.max.wait.ms': '100',
        'consumer.override.heartbeat.interval.ms': '1000',
        'consumer.override.max.poll.interval.ms': '60000',
      }),
    ).toBe(4);
    expect(await flushesFor({})).toBeLessThan(4);
  });

  it('honours consumer.override.max.poll.records: at most that many records handed on at once', async () => {
    const writer = harness();
    const topic = unique('runtime-poll');
    // One produce request: the six records are one record batch, returned by one fetch.
    const source = countingSource({ until: 6, batch: 6 });
    const produced = startTask(writer, unique('poll-src'), source.plugin as ConnectorPlugin, { topic });
    await waitFor('the source stored its offsets', () => source.state.commits.length > 0);
    await produced.task.stop();
    const sink = collectingSink();
    const consuming = startTask(writer, unique('poll-sink'), sink.plugin as ConnectorPlugin, {
      topics: topic,
      'consumer.override.max.poll.records': '2',
    });
    await waitFor('6 records flushed', () => sink.state.flushed.length === 6);
    await consuming.task.stop();
    expect(sink.state.flushCalls).toBe(3);
    expect(sink.state.flushed.map((record) => record.kafkaOffset)).toEqual(['0', '1', '2', '3', '4', '5']);
  });
});

describe('while Kafka is down', () => {
  it('starts without connecting, rejects clusterId with KAFKA_UNAVAILABLE and shows tasks retrying with the reason', async () => {
    const down = harness({ brokers: ['127.0.0.1:1'] });
    const error = await down.runtime.cluster.clusterId().catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(OnrampError);
    expect((error as OnrampError).code).toBe('KAFKA_UNAVAILABLE');
    expect((error as OnrampError).retriable).toBe(true);

    const source = countingSource({ until: 1, batch: 1 });
    const started = startTask(down, unique('down-src'), source.plugin as ConnectorPlugin, {
      topic: unique('never'),
    });
    const retrying = await waitFor('task RESTARTING', () =>
      started.statuses.find((status) => status.state === 'RESTARTING'),
    );
    expect(retrying.trace).toContain('KAFKA_UNAVAILABLE');
    expect(retrying.trace).toMatch(/Retrying in \d+ ms/);
    expect(down.offsets.get('down-src')).toEqual([]);
    await started.task.stop();
  });
});

describe('schema registry client', () => {
  it('registers key and value subjects (TopicNameStrategy) once, without touching subject compatibility', async () => {
    const registry = new SchemaRegistry({ url: services().schemaRegistryUrl });
    const subject = `${unique('runtime-reg')}-key`;
    const codec = codecForConnect(keySchema);
    const id = await registry.idFor(subject, codec);
    expect(await registry.idFor(subject, codec)).toBe(id);
    const url = services().schemaRegistryUrl;
    expect(await (await fetch(`${url}/subjects/${subject}/versions`)).json()).toEqual([1]);
    expect((await fetch(`${url}/config/${subject}`)).status).toBe(404);
    expect((await registry.codecById(id)).connectSchema).toEqual(keySchema);
  });

  it('works under a subject whose compatibility differs from the global level', async () => {
    const url = services().schemaRegistryUrl;
    const subject = `${unique('runtime-full')}-value`;
    const put = await fetch(`${url}/config/${subject}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ compatibility: 'FULL' }),
    });
    expect(put.ok).toBe(true);
    const id = await new SchemaRegistry({ url }).idFor(subject, codecForConnect(keySchema));
    expect(id).toBeGreaterThan(0);
  });

  it('reports an incompatible change as SCHEMA_REJECTED (not retriable)', async () => {
    const registry = new SchemaRegistry({ url: services().schemaRegistryUrl });
    const subject = `${unique('runtime-compat')}-value`;
    await registry.idFor(
      subject,
      codecForConnect({ type: 'struct', name: 'compat.Row', fields: [{ field: 'a', type: 'int32' }] }),
    );
    const incompatible = codecForConnect({
      type: 'struct',
      name: 'compat.Row',
      fields: [
        { field: 'a', type: 'int32' },
        { field: 'b', type: 'string' },
      ],
    });
    const error = await registry.idFor(subject, incompatible).catch((reason: unknown) => reason);
    expect((error as OnrampError).code).toBe('SCHEMA_REJECTED');
    expect((error as OnrampError).retriable).toBe(false);
  });

  it('reports an unreachable registry as REGISTRY_UNAVAILABLE (retriable)', async () => {
    const error = await new SchemaRegistry({ url: 'http://127.0.0.1:1' })
      .codecById(1)
      .catch((reason: unknown) => reason);
    expect((error as OnrampError).code).toBe('REGISTRY_UNAVAILABLE');
    expect((error as OnrampError).retriable).toBe(true);
  });
});
