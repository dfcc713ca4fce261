import type {
  ConnectSchema,
  SinkPlugin,
  SinkRecord,
  SourceOffsetEntry,
  SourcePlugin,
  SourceRecord,
  TaskContext,
} from '../../../src/plugin/index.ts';
import { defineConfig, field, OnrampError } from '../../../src/plugin/index.ts';
import { envelopeSchema, keySchema, sampleEnvelope, sampleKey } from './debezium-sample.ts';

// Test-only connector plugins (doubles of our own plugin contract, not of Kafka): a source that
// emits a numbered sequence of Debezium-shaped records with offsets, and a sink that records what it
// receives and can be told to fail.

const testConfig = defineConfig({
  topic: field.string({ doc: 'Topic the test source writes to', default: 'unused' }),
});

export interface CountingSourceState {
  /** Offsets each task start received. */
  starts: SourceOffsetEntry[][];
  /** Every commit() call, in order. */
  commits: SourceOffsetEntry[][];
  /** Records handed out by poll(), by sequence number. */
  emitted: number[];
  stops: number;
}

export function sourceRecord(
  topic: string,
  seq: number,
  schemas: { key: ConnectSchema; value: ConnectSchema } = { key: keySchema, value: envelopeSchema },
): SourceRecord {
  return {
    topic,
    key: { schema: schemas.key, value: sampleKey(seq) },
    value: { schema: schemas.value, value: sampleEnvelope(seq) },
    headers: [{ key: 'seq', value: String(seq) }],
    sourcePartition: { server: 'test' },
    sourceOffset: { seq },
  };
}

/** Emits records seq = (stored offset + 1) .. until - 1, `batch` per poll, then idles. */
export function countingSource(options: {
  until: number;
  batch: number;
  record?: (topic: string, seq: number) => SourceRecord;
}) {
  const state: CountingSourceState = { starts: [], commits: [], emitted: [], stops: 0 };
  let limit = options.until;
  const plugin: SourcePlugin<typeof testConfig.fields> = {
    name: 'counting-source',
    aliases: ['test.CountingSource'],
    kind: 'source',
    version: '0.0.1',
    config: testConfig,
    planTasks: () => [{}],
    createTask() {
      let next = 0;
      let topic = '';
      return {
        async start(config, _context: TaskContext, from) {
          topic = config.topic;
          state.starts.push([...from]);
          const stored = from[0]?.offset.seq;
          next = typeof stored === 'number' ? stored + 1 : 0;
        },
        async poll(signal) {
          if (next >= limit) {
            await new Promise((resolve) => {
              const timer = setTimeout(resolve, 100);
              signal.addEventListener('abort', () => {
                clearTimeout(timer);
                resolve(undefined);
              });
            });
            return [];
          }
          const records: SourceRecord[] = [];
          while (records.length < options.batch && next < limit) {
            records.push((options.record ?? sourceRecord)(topic, next));
            state.emitted.push(next);
            next += 1;
          }
          return records;
        },
        async commit(offsets) {
          state.commits.push([...offsets]);
        },
        async stop() {
          state.stops += 1;
        },
      };
    },
  };
  return {
    plugin,
    state,
    /** Lets the source emit up to `until` (exclusive). */
    extendTo(until: number) {
      limit = until;
    },
  };
}

export interface CollectingSinkState {
  /** Every record put, in order (redeliveries included). */
  received: SinkRecord[];
  /** Records made durable by a successful flush. */
  flushed: SinkRecord[];
  flushCalls: number;
  stops: number;
}

export interface CollectingSinkOptions {
  /** Throw a retriable error from these flush calls (1-based). */
  failFlushes?: number[];
  /** Records the sink rejects through reportBadRecord. */
  reject?: (record: SinkRecord) => boolean;
  /** Called in flush before anything happens (e.g. to look at committed offsets). */
  onFlush?: (call: number) => Promise<void>;
}

export function collectingSink(options: CollectingSinkOptions = {}) {
  const state: CollectingSinkState = { received: [], flushed: [], flushCalls: 0, stops: 0 };
  const plugin: SinkPlugin<typeof testConfig.fields> = {
    name: 'collecting-sink',
    aliases: ['test.CollectingSink'],
    kind: 'sink',
    version: '0.0.1',
    config: testConfig,
    planTasks: () => [{}],
    createTask() {
      let context: TaskContext | undefined;
      let pending: SinkRecord[] = [];
      return {
        async start(_config, taskContext) {
          context = taskContext;
          pending = [];
        },
        async put(records) {
          for (const record of records) {
            if (options.reject?.(record)) {
              await context?.reportBadRecord(record, new Error(`rejected record ${record.kafkaOffset}`));
              continue;
            }
            state.received.push(record);
            pending.push(record);
          }
        },
        async flush() {
          state.flushCalls += 1;
          await options.onFlush?.(state.flushCalls);
          if (options.failFlushes?.includes(state.flushCalls)) {
            pending = [];
            throw new OnrampError('DATABASE_UNAVAILABLE', `flush ${state.flushCalls} failed on purpose`);
          }
          state.flushed.push(...pending);
          pending = [];
        },
        async stop() {
          state.stops += 1;
        },
      };
    },
  };
  return { plugin, state };
}
