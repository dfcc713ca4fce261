import { randomUUID } from 'node:crypto';
import { plaintextConnection } from '../../../src/kafka/client-properties.ts';
import { KafkaRecordConsumer } from '../../../src/kafka/record-consumer.ts';
import { TopicAdmin } from '../../../src/kafka/topic-admin.ts';
import type { IncomingMessage } from '../../../src/kafka/types.ts';
import { services } from '../services.ts';
import { waitFor } from '../wait-for.ts';

// Reads topics back through our own Kafka wrapper (src/kafka), for tests to check what was written.

/** The test stack's plaintext listener, as the producer and admin clients take it. */
export function testConnection() {
  return plaintextConnection(services().kafkaBrokers, `test-${randomUUID().slice(0, 8)}`);
}

/** The next offset (high watermark) of each partition of `topic`. */
export function endOffsets(admin: TopicAdmin, topic: string): Promise<Map<number, bigint>> {
  return admin.endOffsets(topic);
}

export function testAdmin(): TopicAdmin {
  return new TopicAdmin(testConnection());
}

/** Every message of `topic` from the beginning, once at least `count` arrived. */
export async function readTopic(
  topic: string,
  count: number,
  timeoutMs = 30_000,
): Promise<IncomingMessage[]> {
  const messages: IncomingMessage[] = [];
  // A topic that does not exist yet is looked for again every half second.
  const consumer = new KafkaRecordConsumer(
    testConnection(),
    { groupId: `reader-${randomUUID()}`, topics: [topic] },
    { autoOffsetReset: 'earliest', metadataMaxAgeMs: 500 },
  );
  await consumer.connect();
  const running = consumer.run(async (batch) => {
    messages.push(...batch.messages);
    return true;
  });
  try {
    // The count read so far reaches the timeout's message as the last error.
    await waitFor(
      `${count} messages in ${topic}`,
      () => {
        if (messages.length >= count) return true;
        throw new Error(`have ${messages.length}`);
      },
      { timeoutMs },
    );
  } finally {
    await consumer.close();
    await running.catch(() => undefined);
  }
  return messages;
}
