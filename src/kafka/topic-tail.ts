import { Consumer, ListOffsetTimestamps } from '@platformatic/kafka';
import type { RecordHeader } from '../plugin/record.ts';
import type { KafkaConnection } from './client-properties.ts';
import { kafkaError } from './kafka-errors.ts';
import { platformaticOptions } from './platformatic-options.ts';

// The last few records of a topic, for a data product's sample events: one fetch per partition
// from (end - count), without joining or committing any consumer group, so reading samples leaves
// no trace in Kafka and never moves anybody's offsets.

/** Record batch attribute: a transaction marker, not data. */
const IS_CONTROL = 1 << 5;
const MAX_BYTES_PER_PARTITION = 1024 * 1024;

export interface TailRecord {
  topic: string;
  partition: number;
  offset: string;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

export class TopicTail {
  private consumer: Consumer<Buffer, Buffer, Buffer, Buffer> | undefined;
  private readonly connection: KafkaConnection;

  constructor(connection: KafkaConnection) {
    this.connection = connection;
  }

  private client(): Consumer<Buffer, Buffer, Buffer, Buffer> {
    // The group id is required by the client but never joined: fetches name their own offsets.
    this.consumer ??= new Consumer({
      ...platformaticOptions(this.connection),
      groupId: 'onramp-product-samples',
      autocommit: false,
      maxBytesPerPartition: MAX_BYTES_PER_PARTITION,
    });
    return this.consumer;
  }

  /** Up to `count` of the newest records of `topic` (all partitions together), newest first. */
  async latest(topic: string, count: number): Promise<TailRecord[]> {
    try {
      const consumer = this.client();
      const metadata = await consumer.metadata({ topics: [topic] });
      const info = metadata.topics.get(topic);
      if (!info) return [];
      const partitions = info.partitions.map((_, index) => index);
      const query = { topics: [topic], partitions: { [topic]: partitions } };
      const [start, end] = await Promise.all([
        consumer.listOffsets({ ...query, timestamp: ListOffsetTimestamps.EARLIEST }),
        consumer.listOffsets({ ...query, timestamp: ListOffsetTimestamps.LATEST }),
      ]);
      const records: TailRecord[] = [];
      await Promise.all(
        partitions.map(async (partition) => {
          const low = start.get(topic)?.[partition] ?? 0n;
          const high = end.get(topic)?.[partition] ?? 0n;
          if (high <= low) return;
          const from = high - BigInt(count) > low ? high - BigInt(count) : low;
          const leader = info.partitions[partition]?.leader ?? -1;
          if (leader < 0) return;
          const response = await consumer.fetch({
            node: leader,
            topics: [
              {
                topicId: info.id,
                partitions: [
                  {
                    partition,
                    fetchOffset: from,
                    partitionMaxBytes: MAX_BYTES_PER_PARTITION,
                    currentLeaderEpoch: -1,
                    lastFetchedEpoch: -1,
                  },
                ],
              },
            ],
            maxWaitTime: 100,
            minBytes: 1,
            maxBytes: MAX_BYTES_PER_PARTITION,
          });
          for (const topicResponse of response.responses)
            for (const part of topicResponse.partitions)
              for (const batch of part.records ?? []) {
                if (batch.attributes & IS_CONTROL) continue;
                for (const record of batch.records) {
                  const offset = batch.firstOffset + BigInt(record.offsetDelta);
                  if (offset < from || offset >= high) continue;
                  records.push({
                    topic,
                    partition,
                    offset: offset.toString(),
                    timestamp: Number(batch.firstTimestamp + record.timestampDelta),
                    key: record.key,
                    value: record.value,
                    headers: record.headers.map(([key, value]) => ({
                      key: key?.toString('utf8') ?? '',
                      value,
                    })),
                  });
                }
              }
        }),
      );
      // Newest first; equal timestamps (a snapshot's rows) by offset, newest first as well.
      return records
        .sort((a, b) => b.timestamp - a.timestamp || Number(BigInt(b.offset) - BigInt(a.offset)))
        .slice(0, count);
    } catch (error) {
      throw kafkaError(error, `reading the latest records of ${topic}`, this.connection);
    }
  }

  async close(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.close().catch(() => undefined);
  }
}
