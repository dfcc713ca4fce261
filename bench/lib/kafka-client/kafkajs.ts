import { partitionForKey } from '../../../src/kafka/partitioner.ts';
import { type BenchRecord, ONRAMP_MAX_REQUEST_BYTES, splitByBytes } from '../kafka-client-records.ts';
import type { ClientDriver, DriverOptions } from './driver.ts';
import { CompressionTypes, type ICustomPartitioner, Kafka, logLevel } from './kafkajs-patched.ts';
import { kafkajsPatchesApplied } from './kafkajs-patches.ts';
import { packageVersion } from './package-version.ts';

// kafkajs as src/kafka/record-producer.ts ran it before the move to @platformatic/kafka (with its
// patches): idempotent, one request in flight, a Java-compatible partitioner, and each batch split
// into produce requests of at most 768 KB sent one after the other (sendBatch, acks=-1, no
// compression).

/** Java-compatible placement of keyed records (the bench's records all have keys). */
const keyPartitioner: ICustomPartitioner =
  () =>
  ({ partitionMetadata, message }) =>
    message.key ? partitionForKey(Buffer.from(message.key), partitionMetadata.length) : 0;

export function createDriver(options: DriverOptions): ClientDriver {
  if (!kafkajsPatchesApplied)
    throw new Error('kafkajs was loaded before lib/kafka-client/kafkajs-patches.ts');
  const kafka = new Kafka({
    clientId: 'onramp-bench-kafkajs',
    brokers: options.brokers,
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 100, retries: 8 },
  });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: keyPartitioner,
    retry: { initialRetryTime: 300, maxRetryTime: 5_000, retries: 8 },
  });
  return {
    version: `kafkajs ${packageVersion('kafkajs')} (with the encoder and CRC-32C patches Onramp ran it with)`,
    method:
      'sendBatch per <= 768 KB chunk of the batch, chunks sequential (as src/kafka/record-producer.ts did)',
    connect: () => producer.connect(),
    async send(records: readonly BenchRecord[]): Promise<number> {
      const chunks = splitByBytes(records, ONRAMP_MAX_REQUEST_BYTES);
      for (const chunk of chunks) {
        await producer.sendBatch({
          topicMessages: [
            { topic: options.topic, messages: chunk.map(({ key, value }) => ({ key, value })) },
          ],
          acks: -1,
          compression: CompressionTypes.None,
        });
      }
      return chunks.length;
    },
    close: () => producer.disconnect(),
  };
}
