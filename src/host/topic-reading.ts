import type { ClientOverrides } from '../kafka/client-properties.ts';
import type { KafkaPorts } from '../kafka/types.ts';
import type { TopicReader } from '../plugin/index.ts';

// The TaskContext's readTopic (the Kafka signal channel's reader): one consumer in the given group,
// with the host's consumer settings; a message's offset is committed once the task handled it.

export function topicReader(ports: KafkaPorts, name: string, overrides: ClientOverrides): TopicReader {
  return async (subscription, onMessage, signal) => {
    const consumer = ports.consumer(
      {
        groupId: subscription.groupId,
        topics: [subscription.topic],
        ...(subscription.bootstrapServers && { expectedBrokers: subscription.bootstrapServers }),
      },
      name,
      overrides,
    );
    const close = () => {
      consumer.close().catch(() => undefined);
    };
    signal.addEventListener('abort', close, { once: true });
    try {
      if (signal.aborted) return;
      await consumer.connect();
      await consumer.run(async (batch, control) => {
        for (const message of batch.messages) {
          if (signal.aborted || !control.isActive()) return false;
          await onMessage({
            partition: batch.partition,
            offset: message.offset,
            key: message.key?.toString('utf8') ?? null,
            value: message.value?.toString('utf8') ?? null,
          });
        }
        const last = batch.messages.at(-1);
        if (last)
          await consumer.commit([
            { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
          ]);
        return true;
      });
    } finally {
      signal.removeEventListener('abort', close);
      await consumer.close().catch(() => undefined);
    }
  };
}
