import type { IHeaders, Kafka, Message, Producer } from 'kafkajs';
import type { RecordHeader } from '../plugin/record.ts';
import type { KafkaConnection, ProducerTuning } from './client-properties.ts';
import { kafkaError } from './kafka-errors.ts';
import { CompressionTypes } from './kafkajs.ts';
import { javaCompatiblePartitioner } from './partitioner.ts';
import type { TopicAdmin } from './topic-admin.ts';
import type { OutgoingMessage, RecordProducer, TopicSettings } from './types.ts';

/**
 * Bytes per produce request. Kafka rejects a record batch above message.max.bytes (1 MiB by default)
 * and kafkajs puts each partition's share of a send into one batch, so sends are split below that.
 */
const MAX_REQUEST_BYTES = 768 * 1024;
/** Producer retries: bounded so an outage surfaces (and the task backs off) instead of hanging. */
const PRODUCER_RETRY = { initialRetryTime: 300, maxRetryTime: 5_000, retries: 8 };

export function toKafkaHeaders(headers: readonly RecordHeader[] | undefined): IHeaders | undefined {
  if (headers === undefined || headers.length === 0) return undefined;
  const result: Record<string, Array<Buffer | string | null>> = {};
  for (const { key, value } of headers) {
    const bytes =
      value instanceof Uint8Array && !Buffer.isBuffer(value)
        ? Buffer.from(value.buffer, value.byteOffset, value.byteLength)
        : value;
    const list = result[key] ?? [];
    list.push(bytes);
    result[key] = list;
  }
  // kafkajs writes a null header value as Kafka's null (length -1); its types just do not say so.
  const flat: Record<string, unknown> = {};
  for (const [key, values] of Object.entries(result)) flat[key] = values.length === 1 ? values[0] : values;
  return flat as IHeaders;
}

function sizeOf(message: OutgoingMessage): number {
  let size = 64 + (message.key?.length ?? 0) + (message.value?.length ?? 0);
  for (const header of message.headers ?? []) size += header.key.length + (header.value?.length ?? 0) + 8;
  return size;
}

/**
 * An idempotent producer (acks=all, one request in flight, Java-compatible murmur2 partitioner)
 * for one task. Sends are serialized: kafkajs assigns idempotence sequence numbers per send, and
 * concurrent sends to one partition break them (kafkajs#598).
 */
export class KafkaRecordProducer implements RecordProducer {
  private readonly producer: Producer;
  private readonly admin: TopicAdmin;
  private connected: Promise<void> | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  private readonly compression: CompressionTypes;
  private readonly connection: KafkaConnection | undefined;

  constructor(
    kafka: Kafka,
    admin: TopicAdmin,
    tuning: ProducerTuning = { compression: 'none' },
    connection?: KafkaConnection,
  ) {
    this.admin = admin;
    this.connection = connection;
    this.compression = tuning.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: PRODUCER_RETRY,
      createPartitioner: javaCompatiblePartitioner,
    });
  }

  send(messages: readonly OutgoingMessage[], topics?: TopicSettings): Promise<void> {
    const run = this.queue.then(() => this.sendNow(messages, topics));
    this.queue = run.catch(() => undefined);
    return run;
  }

  connect(): Promise<void> {
    this.connected ??= this.producer.connect().catch((error: unknown) => {
      this.connected = undefined;
      throw kafkaError(error, 'connecting the producer', this.connection);
    });
    return this.connected;
  }

  private async sendNow(messages: readonly OutgoingMessage[], topics?: TopicSettings): Promise<void> {
    if (messages.length === 0) return;
    await this.admin.ensureTopics(new Set(messages.map((message) => message.topic)), topics);
    await this.connect();
    let chunk: OutgoingMessage[] = [];
    let bytes = 0;
    for (const message of messages) {
      const size = sizeOf(message);
      if (chunk.length > 0 && bytes + size > MAX_REQUEST_BYTES) {
        await this.sendChunk(chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(message);
      bytes += size;
    }
    await this.sendChunk(chunk);
  }

  private async sendChunk(messages: readonly OutgoingMessage[]): Promise<void> {
    // Consecutive messages of one topic stay together; order within a partition is kept.
    const topicMessages: Array<{ topic: string; messages: Message[] }> = [];
    let current: { topic: string; messages: Message[] } | undefined;
    for (const message of messages) {
      if (current?.topic !== message.topic) {
        current = topicMessages.find((entry) => entry.topic === message.topic);
        if (!current) {
          current = { topic: message.topic, messages: [] };
          topicMessages.push(current);
        }
      }
      const headers = toKafkaHeaders(message.headers);
      current.messages.push({
        key: message.key,
        value: message.value,
        ...(message.partition !== undefined && { partition: message.partition }),
        ...(headers !== undefined && { headers }),
        ...(message.timestamp !== undefined && { timestamp: String(message.timestamp) }),
      });
    }
    try {
      await this.producer.sendBatch({ topicMessages, acks: -1, compression: this.compression });
    } catch (error) {
      this.admin.forget(topicMessages.map((entry) => entry.topic));
      throw kafkaError(
        error,
        `producing to ${topicMessages.map((entry) => entry.topic).join(', ')}`,
        this.connection,
      );
    }
  }

  private closing: Promise<void> | undefined;

  close(): Promise<void> {
    this.closing ??= this.queue.then(() => this.producer.disconnect().catch(() => undefined));
    return this.closing;
  }
}
