import { type MessageToProduce, ProduceAcks, type Producer } from '@platformatic/kafka';
import { OnrampError } from '../plugin/errors.ts';
import type { RecordHeader } from '../plugin/record.ts';
import {
  DEFAULT_DELIVERY_TIMEOUT_MS,
  type KafkaConnection,
  type ProducerTuning,
  requestBytes,
} from './client-properties.ts';
import { kafkaError } from './kafka-errors.ts';
import { javaCompatiblePartitioner } from './partitioner.ts';
import { platformaticOptions } from './platformatic-options.ts';
import { OnrampProducer } from './produce-request.ts';
import type { TopicAdmin } from './topic-admin.ts';
import {
  messageSize,
  type OutgoingMessage,
  type RecordProducer,
  type SendOptions,
  type TopicSettings,
} from './types.ts';

type Message = MessageToProduce<Buffer, Buffer, Buffer, Buffer>;

/** Header keys repeat on every record: encode each distinct key once. */
const headerKeys = new Map<string, Buffer>();
function headerKey(key: string): Buffer {
  let bytes = headerKeys.get(key);
  if (!bytes) {
    bytes = Buffer.from(key);
    if (headerKeys.size < 10_000) headerKeys.set(key, bytes);
  }
  return bytes;
}

/** Kafka headers in order; a Map keyed by Buffer objects keeps repeated keys apart, as Kafka does. */
export function toKafkaHeaders(
  headers: readonly RecordHeader[] | undefined,
): Map<Buffer, Buffer> | undefined {
  if (headers === undefined || headers.length === 0) return undefined;
  const result = new Map<Buffer, Buffer>();
  for (const { key, value } of headers) {
    const bytes =
      value === null
        ? null
        : typeof value === 'string'
          ? Buffer.from(value)
          : Buffer.isBuffer(value)
            ? value
            : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    const cached = headerKey(key);
    // The client writes a null value as Kafka's null header (length -1); its types just do not say so.
    result.set(result.has(cached) ? Buffer.from(cached) : cached, bytes as Buffer);
  }
  return result;
}

/**
 * An idempotent producer (acks=all, Java-compatible murmur2 partitioner) for one task, on
 * @platformatic/kafka. Sends are serialized: a batch is sent only once the one before it is
 * acknowledged, which keeps per-partition order and idempotence sequence numbers in step.
 */
export class KafkaRecordProducer implements RecordProducer {
  private readonly producer: Producer<Buffer, Buffer, Buffer, Buffer>;
  private readonly admin: TopicAdmin;
  private readonly connection: KafkaConnection;
  readonly tuning: ProducerTuning;
  private readonly requestBytes: number;
  private connected: Promise<void> | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    connection: KafkaConnection,
    admin: TopicAdmin,
    tuning: ProducerTuning = {
      compression: 'none',
      lingerMs: 0,
      deliveryTimeoutMs: DEFAULT_DELIVERY_TIMEOUT_MS,
    },
  ) {
    this.admin = admin;
    this.connection = connection;
    this.tuning = tuning;
    this.requestBytes = requestBytes(tuning);
    this.producer = new OnrampProducer({
      ...platformaticOptions(connection),
      idempotent: true,
      acks: ProduceAcks.ALL,
      compression: tuning.compression,
      autocreateTopics: false,
      partitioner: javaCompatiblePartitioner(),
    });
  }

  send(messages: readonly OutgoingMessage[], topics?: TopicSettings, options?: SendOptions): Promise<void> {
    const run = this.queue.then(() => this.sendNow(messages, topics, options?.beforeRequest));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Connects and logs in now (sends do on demand too); rejects when Kafka is down or refuses us. */
  connect(): Promise<void> {
    this.connected ??= this.producer
      .metadata({ topics: [] })
      .then(() => undefined)
      .catch((error: unknown) => {
        this.connected = undefined;
        throw kafkaError(error, 'connecting the producer', this.connection);
      });
    return this.connected;
  }

  private async sendNow(
    messages: readonly OutgoingMessage[],
    topics?: TopicSettings,
    beforeRequest?: () => Promise<void>,
  ): Promise<void> {
    if (messages.length === 0) return;
    await this.admin.ensureTopics(new Set(messages.map((message) => message.topic)), topics);
    await this.connect();
    let chunk: Message[] = [];
    let bytes = 0;
    const maxRecord = this.tuning.maxRequestBytes;
    if (maxRecord !== undefined)
      for (const message of messages) {
        const size = messageSize(message);
        if (size > maxRecord)
          throw new OnrampError(
            'RECORD_TOO_LARGE',
            `A record for ${message.topic} is ${size} bytes, more than max.request.size (${maxRecord}); nothing of this send was written`,
          );
      }
    for (const message of messages) {
      const size = messageSize(message);
      if (chunk.length > 0 && bytes + size > this.requestBytes) {
        await this.sendChunk(chunk, beforeRequest);
        chunk = [];
        bytes = 0;
      }
      const headers = toKafkaHeaders(message.headers);
      chunk.push({
        topic: message.topic,
        key: message.key ?? undefined,
        value: message.value ?? undefined,
        ...(message.partition !== undefined && { partition: message.partition }),
        ...(headers !== undefined && { headers }),
        ...(message.timestamp !== undefined && { timestamp: BigInt(message.timestamp) }),
      });
      bytes += size;
    }
    await this.sendChunk(chunk, beforeRequest);
  }

  private async sendChunk(messages: Message[], beforeRequest?: () => Promise<void>): Promise<void> {
    // Right before the client's send (which may still look up cached metadata before it writes).
    if (beforeRequest) await beforeRequest();
    try {
      await this.producer.send({ messages });
    } catch (error) {
      const topics = [...new Set(messages.map((message) => message.topic))];
      this.admin.forget(topics);
      throw kafkaError(error, `producing to ${topics.join(', ')}`, this.connection);
    }
  }

  private closing: Promise<void> | undefined;

  close(): Promise<void> {
    this.closing ??= this.queue.then(() => this.producer.close().catch(() => undefined));
    return this.closing;
  }
}
