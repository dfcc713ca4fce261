import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Metrics } from '../../../src/host/metrics.ts';
import { startSourceTask } from '../../../src/host/source-runner.ts';
import type { KafkaPorts, OutgoingMessage } from '../../../src/kafka/types.ts';
import type { ConnectorPlugin, SourcePlugin, SourceRecord } from '../../../src/plugin/index.ts';
import { defineConfig, field } from '../../../src/plugin/index.ts';
import { ConverterFactory } from '../../../src/schema/converter-factory.ts';
import { MemoryOffsetStore } from '../../support/runtime/memory-offset-store.ts';
import { sourceRecord } from '../../support/runtime/test-plugins.ts';
import { waitFor } from '../../support/wait-for.ts';

// TaskContext.storeOffsets: a source stores a position before any record carries it (the MySQL
// source: where its initial snapshot begins), durable before the first record is sent.

describe('source runner: offsets a task stores itself', () => {
  it('stores them in the offset store before the task sends anything', async () => {
    const sends: OutgoingMessage[][] = [];
    const ports: KafkaPorts = {
      producer: () => ({
        connect: async () => {},
        send: async (messages) => {
          sends.push([...messages]);
        },
        close: async () => {},
      }),
      consumer: () => {
        throw new Error('not used');
      },
      kafkaAnswers: async () => {},
    };
    const offsets = new MemoryOffsetStore();
    const sentAtPut: number[] = [];
    offsets.beforePut = async () => {
      sentAtPut.push(sends.length);
    };
    const config = defineConfig({ topic: field.string({ doc: 'topic', default: 't' }) });
    let pending: SourceRecord[] = [];
    const plugin: SourcePlugin<typeof config.fields> = {
      name: 'storing-source',
      aliases: ['test.StoringSource'],
      kind: 'source',
      version: '0.0.1',
      config,
      planTasks: () => [{}],
      createTask: () => ({
        async start(_config, context) {
          await context.storeOffsets?.([
            { partition: { server: 'test' }, offset: { seq: -1, snapshot: true } },
          ]);
          pending = [sourceRecord('t', 0)];
        },
        async poll() {
          const records = pending;
          pending = [];
          if (records.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
          return records;
        },
        async commit() {},
        async stop() {},
      }),
    };
    const task = startSourceTask(
      {
        connector: 'so',
        taskId: 0,
        plugin: plugin as ConnectorPlugin,
        config: {
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
    try {
      await waitFor('the record stored', () => offsets.get('so')[0]?.offset.seq === 0);
      expect(offsets.puts.map((put) => put.entries[0]?.offset)).toEqual([
        { seq: -1, snapshot: true },
        { seq: 0 },
      ]);
      // The task's own offset was stored before anything was sent; the record's after its send.
      expect(sentAtPut).toEqual([0, 1]);
    } finally {
      await task.stop();
    }
  });
});
