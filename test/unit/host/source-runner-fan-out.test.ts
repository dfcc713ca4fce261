import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Metrics } from '../../../src/host/metrics.ts';
import { type SourceTransform, startSourceTask } from '../../../src/host/source-runner.ts';
import type { KafkaPorts, OutgoingMessage } from '../../../src/kafka/types.ts';
import type { ConnectorPlugin } from '../../../src/plugin/index.ts';
import { ConverterFactory } from '../../../src/schema/converter-factory.ts';
import { MemoryOffsetStore } from '../../support/runtime/memory-offset-store.ts';
import { countingSource } from '../../support/runtime/test-plugins.ts';
import { waitFor } from '../../support/wait-for.ts';

// A transform may fan a record out to several topics (the data-product stage does, for a product's
// major versions): every record it returns is sent, in order, and the offsets are the polled ones.

describe('source runner fan-out', () => {
  it('sends every record a transform returns, drops what it nulls, and stores the polled offsets', async () => {
    const sent: OutgoingMessage[] = [];
    const ports = {
      producer: () => ({
        connect: async () => {},
        send: async (messages: readonly OutgoingMessage[]) => {
          sent.push(...messages);
        },
        close: async () => {},
      }),
      consumer: () => {
        throw new Error('not used');
      },
      kafkaAnswers: async () => {},
    } as unknown as KafkaPorts;
    const offsets = new MemoryOffsetStore();
    const source = countingSource({ until: 3, batch: 3 });
    const fanOut: SourceTransform = (record) => {
      const seq = (record.sourceOffset as { seq: number }).seq;
      if (seq === 1) return null;
      return [record, { ...record, topic: `${record.topic}.v2` }];
    };
    const task = startSourceTask(
      {
        connector: 'fan',
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
        stage: () => fanOut,
      },
    );
    await waitFor('all stored', () => offsets.get('fan')[0]?.offset.seq === 2);
    await task.stop();
    expect(sent.map((message) => message.topic)).toEqual(['t', 't.v2', 't', 't.v2']);
  });
});
