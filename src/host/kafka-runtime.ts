import type { KafkaClientConfig } from '../kafka/client-properties.ts';
import { createKafkaClients } from '../kafka/index.ts';
import type { TopicTail } from '../kafka/topic-tail.ts';
import type { Cluster } from '../kafka/types.ts';
import type { ConsumerGroupDirectory } from '../mesh/consumer-groups.ts';
import { ConverterFactory, type RegistryAccess } from '../schema/converter-factory.ts';
import type { OffsetStore } from '../stores/stores.ts';
import type { RootLogger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import { startSinkTask } from './sink-runner.ts';
import { type SourceRunnerDeps, startSourceTask } from './source-runner.ts';
import type { RunningTask, TaskRunner, TaskSpec } from './task-runner.ts';
import type { RunnerDeps, TaskOwnership } from './task-supervisor.ts';

// The worker's Kafka side, composed here from src/kafka's ports: the task runner (source and sink
// runners over producers, consumers, converters and the offset store), the Kafka cluster seam, and
// the catalog's consumer groups and topic tail. src/kafka stays below: it knows no runner.

export interface KafkaRuntimeOptions {
  /** The host's Kafka client settings (bootstrap.servers, security, per-kind settings, override policy). */
  kafka: KafkaClientConfig;
  /** The host's schema registry; converters may override it with `*.schema.registry.url`. */
  schemaRegistryUrl: string;
  /** Its TLS trust and credentials, when it needs them. */
  schemaRegistry?: RegistryAccess;
  /** The worker's converters (host config key.converter / value.converter keys), for connectors naming none. */
  workerConverters?: Readonly<Record<string, string>>;
  log: RootLogger;
  metrics: Metrics;
  offsets: OffsetStore;
  /** How long stopping a task waits for its in-flight batch (default 10 s). */
  taskStopTimeoutMs?: number;
  /** A per-task stage for source records (the data-product stage: headers, governance), run before the connector's own transforms. */
  sourceStage?: SourceRunnerDeps['stage'];
  /** In a cluster: whether this worker still owns a connector's tasks (its membership's fence). */
  ownership?: TaskOwnership;
}

export interface KafkaRuntime {
  runner: TaskRunner;
  cluster: Cluster;
  /** Consumer groups and their lag, for the data-product catalog (the same admin connection). */
  groups: ConsumerGroupDirectory;
  /** The newest records of a topic, read without a consumer group (a product's sample events). */
  tail: TopicTail;
  /** Stops every task still running, then closes the Kafka connections. */
  close(): Promise<void>;
}

/** Nothing connects here: clients connect on first use, so the service starts while Kafka is down. */
export function createKafkaRuntime(options: KafkaRuntimeOptions): KafkaRuntime {
  const clients = createKafkaClients(options.kafka);
  const deps: RunnerDeps = {
    ports: clients.ports,
    converters: new ConverterFactory({
      schemaRegistryUrl: options.schemaRegistryUrl,
      ...(options.schemaRegistry && { schemaRegistry: options.schemaRegistry }),
      ...(options.workerConverters && { workerConverters: options.workerConverters }),
    }),
    offsets: options.offsets,
    log: options.log,
    metrics: options.metrics,
    ...(options.taskStopTimeoutMs !== undefined && { stopTimeoutMs: options.taskStopTimeoutMs }),
    ...(options.ownership && { ownership: options.ownership }),
  };
  const running = new Set<RunningTask>();

  const runner: TaskRunner = {
    start(spec: TaskSpec): RunningTask {
      const task =
        spec.plugin.kind === 'source'
          ? startSourceTask(spec, { ...deps, ...(options.sourceStage && { stage: options.sourceStage }) })
          : startSinkTask(spec, deps);
      running.add(task);
      return {
        get status() {
          return task.status;
        },
        pause: () => task.pause(),
        resume: () => task.resume(),
        stop: async () => {
          try {
            await task.stop();
          } finally {
            running.delete(task);
          }
        },
        ...(task.signal && { signal: task.signal }),
        ...(task.snapshots && { snapshots: task.snapshots }),
      };
    },
  };

  return {
    runner,
    cluster: clients.cluster,
    groups: clients.cluster,
    tail: clients.tail,
    close: async () => {
      await Promise.all([...running].map((task) => task.stop().catch(() => undefined)));
      running.clear();
      await clients.close();
    },
  };
}
