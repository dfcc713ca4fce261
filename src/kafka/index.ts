import type { Cluster } from '../host/cluster.ts';
import { pause } from '../host/error-policy.ts';
import type { RootLogger } from '../host/logger.ts';
import type { Metrics } from '../host/metrics.ts';
import { type SinkTransform, startSinkTask } from '../host/sink-runner.ts';
import { type SourceTransform, startSourceTask } from '../host/source-runner.ts';
import type { RunningTask, TaskRunner, TaskSpec } from '../host/task-runner.ts';
import type { RunnerDeps } from '../host/task-supervisor.ts';
import type { ConsumerGroupDirectory } from '../mesh/consumer-groups.ts';
import { ConverterFactory, type RegistryAccess } from '../schema/converter-factory.ts';
import type { OffsetStore } from '../stores/stores.ts';
import { ClientPool } from './client-pool.ts';
import type { KafkaClientConfig } from './client-properties.ts';
import { KafkaCluster } from './kafka-cluster.ts';
import { KafkaRecordConsumer } from './record-consumer.ts';
import { KafkaRecordProducer } from './record-producer.ts';
import { TopicTail } from './topic-tail.ts';
import type { KafkaPorts } from './types.ts';

/** How often a task waiting after a Kafka outage asks whether Kafka is back. */
const RECONNECT_PROBE_MS = 500;

export { type KafkaClientConfig, kafkaClientConfig } from './client-properties.ts';
export type { KafkaPorts, RecordConsumer, RecordProducer } from './types.ts';

export interface KafkaRuntimeOptions {
  /** The host's Kafka client settings (bootstrap.servers, security, per-kind settings, override policy). */
  kafka: KafkaClientConfig;
  /** The host's schema registry; converters may override it with `*.schema.registry.url`. */
  schemaRegistryUrl: string;
  /** Its TLS trust and credentials, when it needs them. */
  schemaRegistry?: RegistryAccess;
  log: RootLogger;
  metrics: Metrics;
  offsets: OffsetStore;
  workerId: string;
  /** How long stopping a task waits for its in-flight batch (default 10 s). */
  taskStopTimeoutMs?: number;
  /** Transforms the host applies before a connector's own `transforms=...` (tests, embedding). */
  sourceTransforms?: readonly SourceTransform[];
  sinkTransforms?: readonly SinkTransform[];
  /** A per-task stage for source records (the data-product stage: headers, governance), run before the connector's own transforms. */
  sourceStage?: (spec: TaskSpec) => SourceTransform | undefined;
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

/**
 * The Kafka side of the host: task runners (source and sink) and the Cluster seam. Nothing connects
 * here: clients connect on first use, so the service starts (and shows why tasks wait) while Kafka
 * is down.
 */
export function createKafkaRuntime(options: KafkaRuntimeOptions): KafkaRuntime {
  const pool = new ClientPool(options.kafka);
  const hostAdmin = pool.admin(pool.connection('admin'));
  const ports: KafkaPorts = {
    producer: (_name, connectorConfig) => {
      const connection = pool.connection('producer', connectorConfig);
      // Topics are created with the admin settings (the host's, or the connector's admin.override.*).
      const admin = pool.admin(pool.connection('admin', connectorConfig));
      return new KafkaRecordProducer(connection, admin, pool.producerTuning(connectorConfig));
    },
    kafkaAnswers: async (connectorConfig, signal) => {
      const admin = pool.admin(pool.connection('admin', connectorConfig));
      while (!signal.aborted) {
        if (
          await admin.clusterId().then(
            () => true,
            () => false,
          )
        )
          return;
        await pause(RECONNECT_PROBE_MS, signal);
      }
    },
    consumer: (subscription, _name, connectorConfig) => {
      const connection = pool.connection('consumer', connectorConfig);
      return new KafkaRecordConsumer(connection, subscription, pool.consumerTuning(connectorConfig));
    },
  };
  const deps: RunnerDeps = {
    ports,
    converters: new ConverterFactory({
      schemaRegistryUrl: options.schemaRegistryUrl,
      ...(options.schemaRegistry && { schemaRegistry: options.schemaRegistry }),
    }),
    offsets: options.offsets,
    log: options.log,
    metrics: options.metrics,
    ...(options.taskStopTimeoutMs !== undefined && { stopTimeoutMs: options.taskStopTimeoutMs }),
  };
  const running = new Set<RunningTask>();

  const runner: TaskRunner = {
    start(spec: TaskSpec): RunningTask {
      const stage = spec.plugin.kind === 'source' ? options.sourceStage?.(spec) : undefined;
      const sourceTransforms = [...(options.sourceTransforms ?? []), ...(stage ? [stage] : [])];
      const task =
        spec.plugin.kind === 'source'
          ? startSourceTask(spec, {
              ...deps,
              ...(sourceTransforms.length > 0 && { transforms: sourceTransforms }),
            })
          : startSinkTask(spec, {
              ...deps,
              ...(options.sinkTransforms && { transforms: options.sinkTransforms }),
            });
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
      };
    },
  };

  const cluster = new KafkaCluster(hostAdmin);
  const tail = new TopicTail(pool.connection('consumer'));
  return {
    runner,
    cluster,
    groups: cluster,
    tail,
    close: async () => {
      await Promise.all([...running].map((task) => task.stop().catch(() => undefined)));
      running.clear();
      await tail.close();
      await pool.close();
    },
  };
}
