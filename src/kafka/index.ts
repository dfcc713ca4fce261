import { setTimeout as delay } from 'node:timers/promises';
import { OnrampError } from '../plugin/errors.ts';
import { ClientPool } from './client-pool.ts';
import type { KafkaClientConfig } from './client-properties.ts';
import { KafkaCluster } from './kafka-cluster.ts';
import { KafkaRecordConsumer } from './record-consumer.ts';
import { KafkaRecordProducer } from './record-producer.ts';
import { TopicTail } from './topic-tail.ts';
import type { KafkaPorts } from './types.ts';

// The one place that talks to the Kafka client library, seen from above through ports in our own
// types. Nothing here knows about connectors, tasks or the host: the host composes its worker from
// these ports (src/host/kafka-runtime.ts), so src/kafka imports nothing from the layers above it.

/** Whether two bootstrap lists name the same brokers (in any order, host names case-insensitive). */
function sameBrokers(expected: readonly string[], actual: readonly string[]): boolean {
  const normalize = (list: readonly string[]) => new Set(list.map((broker) => broker.trim().toLowerCase()));
  const [left, right] = [normalize(expected), normalize(actual)];
  return left.size === right.size && [...left].every((broker) => right.has(broker));
}

/** How often a task waiting after a Kafka outage asks whether Kafka is back. */
const RECONNECT_PROBE_MS = 500;

export { type KafkaClientConfig, kafkaClientConfig } from './client-properties.ts';
export type {
  Cluster,
  ConsumerGroupReading,
  KafkaPorts,
  RecordConsumer,
  RecordProducer,
  SinkOffset,
} from './types.ts';

export interface KafkaClients {
  /** Producers and consumers for tasks, per connector (with its `*.override.*` settings). */
  ports: KafkaPorts;
  /** The Kafka cluster: id, sink group offsets, consumer groups and their lag. */
  cluster: KafkaCluster;
  /** The newest records of a topic, read without a consumer group (a product's sample events). */
  tail: TopicTail;
  /** Closes every connection (tasks using the ports must be stopped first). */
  close(): Promise<void>;
}

/**
 * Kafka clients from the host's settings. Nothing connects here: clients connect on first use, so
 * the service starts (and shows why tasks wait) while Kafka is down.
 */
export function createKafkaClients(kafka: KafkaClientConfig): KafkaClients {
  const pool = new ClientPool(kafka);
  const ports: KafkaPorts = {
    producer: (_name, overrides) => {
      const connection = pool.connection('producer', overrides);
      // Topics are created with the admin settings (the host's, or the connector's admin.override.*).
      const admin = pool.admin(pool.connection('admin', overrides));
      return new KafkaRecordProducer(connection, admin, pool.producerTuning(overrides));
    },
    kafkaAnswers: async (overrides, signal) => {
      const admin = pool.admin(pool.connection('admin', overrides));
      while (!signal.aborted) {
        if (
          await admin.clusterId().then(
            () => true,
            () => false,
          )
        )
          return;
        await delay(RECONNECT_PROBE_MS, undefined, { signal }).catch(() => undefined);
      }
    },
    consumer: (subscription, _name, overrides) => {
      const connection = pool.connection('consumer', overrides);
      if (subscription.expectedBrokers && !sameBrokers(subscription.expectedBrokers, connection.brokers))
        throw new OnrampError(
          'INVALID_CONFIG',
          `The brokers ${subscription.expectedBrokers.join(',')} are not the cluster this host's clients use (${connection.brokers.join(',')}): they would get the host's Kafka credentials`,
        );
      return new KafkaRecordConsumer(connection, subscription, pool.consumerTuning(overrides));
    },
  };
  const tail = new TopicTail(pool.connection('consumer'));
  return {
    ports,
    // A sink connector's KIP-875 offsets go through its own admin client settings (admin.override.*).
    cluster: new KafkaCluster(pool.admin(pool.connection('admin')), (overrides) =>
      pool.admin(pool.connection('admin', overrides)),
    ),
    tail,
    close: async () => {
      await tail.close();
      await pool.close();
    },
  };
}
