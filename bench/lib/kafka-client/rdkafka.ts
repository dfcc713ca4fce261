import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { BenchRecord } from '../kafka-client-records.ts';
import type { ClientDriver, DriverOptions } from './driver.ts';
import { packageVersion } from './package-version.ts';

// @confluentinc/kafka-javascript (librdkafka) through its KafkaJS-compatible API, loaded from
// wherever it could be installed (it is not a dependency of this repository: its install builds
// librdkafka, see bench/results/kafka-clients.md). Idempotent producer, acks=all; librdkafka
// batches by itself (batch.size 1 MB, linger.ms 5, up to 5 requests in flight), so a batch is one
// send() that resolves on the last delivery report.

export const RDKAFKA_PACKAGE = '@confluentinc/kafka-javascript';

interface RdkafkaMessage {
  key: Buffer;
  value: Buffer;
}

interface RdkafkaProducer {
  connect(): Promise<void>;
  send(record: { topic: string; messages: RdkafkaMessage[] }): Promise<unknown>;
  disconnect(): Promise<void>;
}

interface RdkafkaModule {
  librdkafkaVersion: string;
  KafkaJS: {
    Kafka: new (config: {
      kafkaJS: { brokers: string[]; clientId: string; logLevel: number };
    }) => {
      producer(config: {
        kafkaJS: { idempotent: boolean; acks: number; allowAutoTopicCreation: boolean };
      }): RdkafkaProducer;
    };
    logLevel: { NOTHING: number };
  };
}

/** Whether the package can be loaded from `dir`, and if not, why. */
export function rdkafkaAvailable(dir: string): { ok: true } | { ok: false; reason: string } {
  try {
    createRequire(join(dir, 'noop.js'))(RDKAFKA_PACKAGE);
    return { ok: true };
  } catch (error) {
    return {
      ok: false,
      reason: error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error),
    };
  }
}

export function createDriver(options: DriverOptions): ClientDriver {
  const rdkafka = createRequire(join(options.rdkafkaDir, 'noop.js'))(RDKAFKA_PACKAGE) as RdkafkaModule;
  const { Kafka, logLevel } = rdkafka.KafkaJS;
  const kafka = new Kafka({
    kafkaJS: { brokers: options.brokers, clientId: 'onramp-bench-rdkafka', logLevel: logLevel.NOTHING },
  });
  const producer = kafka.producer({ kafkaJS: { idempotent: true, acks: -1, allowAutoTopicCreation: false } });
  return {
    version: `${RDKAFKA_PACKAGE} ${packageVersion(RDKAFKA_PACKAGE, options.rdkafkaDir)} (librdkafka ${rdkafka.librdkafkaVersion})`,
    method: 'one KafkaJS-compatible send() per batch; librdkafka batches (defaults)',
    connect: () => producer.connect(),
    async send(records: readonly BenchRecord[]): Promise<number> {
      await producer.send({
        topic: options.topic,
        messages: records.map(({ key, value }) => ({ key, value })),
      });
      return 1;
    },
    close: () => producer.disconnect(),
  };
}
