import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { createKafkaRuntime, type KafkaRuntime } from '../../../src/host/kafka-runtime.ts';
import { Metrics } from '../../../src/host/metrics.ts';
import type { RunningTask, TaskStatus } from '../../../src/host/task-runner.ts';
import type { TaskOwnership } from '../../../src/host/task-supervisor.ts';
import { type KafkaClientConfig, kafkaClientConfig } from '../../../src/kafka/index.ts';
import type { ConnectorPlugin } from '../../../src/plugin/index.ts';
import { services } from '../services.ts';
import { MemoryOffsetStore } from './memory-offset-store.ts';

// A Kafka runtime against the test services, with an in-memory offset store and helpers to start
// tasks and watch their statuses and topics.

export function unique(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export interface Harness {
  runtime: KafkaRuntime;
  offsets: MemoryOffsetStore;
  metrics: Metrics;
  close(): Promise<void>;
}

export function createHarness(
  overrides: {
    brokers?: string[];
    schemaRegistryUrl?: string;
    kafka?: KafkaClientConfig;
    /** A cluster worker's ownership check (its membership's fence). */
    ownership?: TaskOwnership;
  } = {},
): Harness {
  const offsets = new MemoryOffsetStore();
  const metrics = new Metrics();
  const runtime = createKafkaRuntime({
    kafka:
      overrides.kafka ??
      kafkaClientConfig({
        brokers: overrides.brokers ?? services().kafkaBrokers,
        clientId: 'onramp-runtime-test',
      }),
    schemaRegistryUrl: overrides.schemaRegistryUrl ?? services().schemaRegistryUrl,
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    metrics,
    offsets,
    ...(overrides.ownership && { ownership: overrides.ownership }),
  });
  return { runtime, offsets, metrics, close: () => runtime.close() };
}

export interface StartedTask {
  task: RunningTask;
  statuses: TaskStatus[];
  topics: Set<string>;
  /** The latest status. */
  readonly state: TaskStatus['state'] | undefined;
}

export function startTask(
  harness: Harness,
  connector: string,
  plugin: ConnectorPlugin,
  config: Record<string, string>,
): StartedTask {
  const statuses: TaskStatus[] = [];
  const topics = new Set<string>();
  const task = harness.runtime.runner.start({
    connector,
    taskId: 0,
    plugin,
    config,
    taskConfig: {},
    onStatus: (status) => statuses.push(status),
    onTopic: (topic) => topics.add(topic),
  });
  return {
    task,
    statuses,
    topics,
    get state() {
      return statuses.at(-1)?.state;
    },
  };
}
