import { type MessageToProduce, ProduceAcks, Producer } from '@platformatic/kafka';
import { murmur2 } from '../../../src/kafka/partitioner.ts';
import { type BenchRecord, ONRAMP_MAX_REQUEST_BYTES, splitByBytes } from '../kafka-client-records.ts';
import type { ClientDriver, DriverOptions } from './driver.ts';
import { packageVersion } from './package-version.ts';

// @platformatic/kafka the way Onramp would run it: idempotent (which makes it acks=all with one
// request in flight), no topic auto-creation, Onramp's murmur2 for the Java-compatible partition
// (its own compatibilityPartitioner hashes with BigInt). It puts all of a send's records for one
// partition into one record batch, so batches are split at 768 KB as for kafkajs.

export function createDriver(options: DriverOptions): ClientDriver {
  const producer = new Producer({
    clientId: 'onramp-bench-platformatic',
    bootstrapBrokers: options.brokers,
    idempotent: true,
    acks: ProduceAcks.ALL,
    autocreateTopics: false,
    partitioner: (_message, key) => (key === undefined ? 0 : murmur2(key) & 0x7fffffff),
  });
  return {
    version: `@platformatic/kafka ${packageVersion('@platformatic/kafka')}`,
    method: 'send per <= 768 KB chunk of the batch, chunks sequential',
    async connect(): Promise<void> {
      await producer.metadata({ topics: [options.topic] });
      await producer.initIdempotentProducer({});
    },
    async send(records: readonly BenchRecord[]): Promise<number> {
      const chunks = splitByBytes(records, ONRAMP_MAX_REQUEST_BYTES);
      for (const chunk of chunks) {
        const messages: MessageToProduce[] = chunk.map(({ key, value }) => ({
          topic: options.topic,
          key,
          value,
        }));
        await producer.send({ messages });
      }
      return chunks.length;
    },
    close: () => producer.close(),
  };
}
