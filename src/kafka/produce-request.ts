import { createRequire } from 'node:module';
import {
  type API,
  type Callback,
  type CreateRecordsBatchOptions,
  createAPI,
  kGetApi,
  crc32c as libraryCrc32c,
  type MessageRecord,
  Producer,
  produceV9,
  produceV10,
  produceV11,
  Writer,
} from '@platformatic/kafka';

/*
 * Produce requests written once, into one buffer.
 *
 * @platformatic/kafka builds a request from a Writer per record (a small Buffer per varint), joins
 * the record buffers into one for the batch's CRC and joins everything again for the socket: about
 * 10 µs of CPU and two extra copies of every ~4 KB event, a fifth of a source's CPU per event
 * (bench/results/profiles/2026-12-07-pg-stream.md). This writer sizes the request first, copies
 * each key, value and header once and computes the CRC-32C in place, and produces the same bytes
 * (test/unit/kafka/produce-request.test.ts compares them with the library's). The client's own
 * producer still does everything else: metadata, partition leaders, the idempotent producer id and
 * sequence numbers, retries; OnrampProducer only hands it this writer for the Produce API.
 *
 * Versions 9-11 (flexible, KIP-482; Kafka 2.4 and later) with no compression; older brokers and
 * compressed batches keep the library's writer.
 */

/**
 * @node-rs/crc32 directly: the library's wrapper of it copies every batch into a new Uint8Array
 * first, which made the CRC 10x slower (1.4 against 13 GB/s here). Its pure-JavaScript one is the
 * fallback on a platform without a prebuilt binary.
 */
const crc32c: (bytes: Buffer) => number = (() => {
  try {
    return (createRequire(import.meta.url)('@node-rs/crc32') as { crc32c: (bytes: Buffer) => number }).crc32c;
  } catch {
    return libraryCrc32c;
  }
})();

type ProduceOptions = Partial<CreateRecordsBatchOptions>;
type ProduceResponse = Awaited<ReturnType<typeof produceV11.api.async>>;
type ProduceApi = API<
  [
    acks: number | undefined,
    timeout: number | undefined,
    topicData: MessageRecord[],
    options?: ProduceOptions,
  ],
  ProduceResponse
>;

const RECORD_BATCH_HEADER_BYTES = 61;
const MAGIC_V2 = 2;
const IS_TRANSACTIONAL = 1 << 4;
/** Offset in a record batch of the attributes, where the CRC's coverage starts. */
const CRC_START = 21;
const CRC_OFFSET = 17;
const ACKS_NONE = 0;

const zigZag32 = (value: number): number => ((value << 1) ^ (value >> 31)) >>> 0;

function unsignedVarIntBytes(value: number): number {
  let bytes = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    bytes++;
  }
  return bytes;
}

const varIntBytes = (value: number): number => unsignedVarIntBytes(zigZag32(value));

/** Zig-zag for a 64-bit delta held in a Number (timestamps differ by far less than 2^52 ms). */
const zigZag64 = (value: number): number => (value >= 0 ? value * 2 : -value * 2 - 1);

function writeUnsignedVarInt(buffer: Buffer, offset: number, value: number): number {
  while (value >= 0x80) {
    buffer[offset++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  buffer[offset++] = value;
  return offset;
}

const writeVarInt = (buffer: Buffer, offset: number, value: number): number =>
  writeUnsignedVarInt(buffer, offset, zigZag32(value));

function bytesFieldSize(bytes: Buffer | null | undefined): number {
  return bytes == null ? 1 : varIntBytes(bytes.length) + bytes.length;
}

function writeBytesField(buffer: Buffer, offset: number, bytes: Buffer | null | undefined): number {
  if (bytes == null) return writeVarInt(buffer, offset, -1);
  offset = writeVarInt(buffer, offset, bytes.length);
  return offset + bytes.copy(buffer, offset);
}

interface PartitionBatch {
  readonly partition: number;
  readonly messages: MessageRecord[];
  /** Each record's size without its length prefix, then the batch's size (header included). */
  recordSizes: number[];
  bytes: number;
  firstTimestamp: bigint;
  maxTimestamp: bigint;
}

interface TopicBatches {
  readonly name: Buffer;
  readonly partitions: PartitionBatch[];
}

function groupMessages(messages: MessageRecord[]): TopicBatches[] {
  const topics = new Map<string, Map<number, MessageRecord[]>>();
  for (const message of messages) {
    let partitions = topics.get(message.topic);
    if (!partitions) {
      partitions = new Map();
      topics.set(message.topic, partitions);
    }
    const partition = message.partition ?? 0;
    let list = partitions.get(partition);
    if (!list) {
      list = [];
      partitions.set(partition, list);
    }
    list.push(message);
  }
  return [...topics].map(([topic, partitions]) => ({
    name: Buffer.from(topic),
    partitions: [...partitions]
      .sort(([a], [b]) => a - b)
      .map(([partition, list]) => ({
        partition,
        messages: list,
        recordSizes: [],
        bytes: 0,
        firstTimestamp: 0n,
        maxTimestamp: 0n,
      })),
  }));
}

/** Sizes one partition's batch; fills in timestamps the way the library does (now when unset). */
function measureBatch(batch: PartitionBatch, now: bigint): void {
  const { messages } = batch;
  for (const message of messages) message.timestamp ??= now;
  const first = messages[0]?.timestamp ?? now;
  let max = first;
  let bytes = RECORD_BATCH_HEADER_BYTES;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i] as MessageRecord;
    const timestamp = message.timestamp as bigint;
    if (timestamp > max) max = timestamp;
    let size =
      1 +
      unsignedVarIntBytes(zigZag64(Number(timestamp - first))) +
      varIntBytes(i) +
      bytesFieldSize(message.key) +
      bytesFieldSize(message.value);
    const headers = message.headers;
    size += varIntBytes(headers?.size ?? 0);
    if (headers) for (const [key, value] of headers) size += bytesFieldSize(key) + bytesFieldSize(value);
    batch.recordSizes.push(size);
    bytes += varIntBytes(size) + size;
  }
  batch.bytes = bytes;
  batch.firstTimestamp = first;
  batch.maxTimestamp = max;
}

function writeBatch(
  buffer: Buffer,
  start: number,
  topic: string,
  batch: PartitionBatch,
  options: ProduceOptions,
): number {
  const { messages, recordSizes, firstTimestamp } = batch;
  buffer.writeBigInt64BE(0n, start); // base offset
  buffer.writeInt32BE(batch.bytes - 12, start + 8);
  buffer.writeInt32BE(options.partitionLeaderEpoch ?? 0, start + 12);
  buffer.writeInt8(MAGIC_V2, start + 16);
  buffer.writeInt16BE(options.transactionalId ? IS_TRANSACTIONAL : 0, start + 21);
  buffer.writeInt32BE(messages.length - 1, start + 23);
  buffer.writeBigInt64BE(firstTimestamp, start + 27);
  buffer.writeBigInt64BE(batch.maxTimestamp, start + 35);
  buffer.writeBigInt64BE(options.producerId ?? -1n, start + 43);
  buffer.writeInt16BE(options.producerEpoch ?? 0, start + 51);
  buffer.writeInt32BE(options.sequences?.getWithDefault(`${topic}:${batch.partition}`, 0) ?? 0, start + 53);
  buffer.writeInt32BE(messages.length, start + 57);
  let offset = start + RECORD_BATCH_HEADER_BYTES;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i] as MessageRecord;
    offset = writeVarInt(buffer, offset, recordSizes[i] as number);
    buffer[offset++] = 0; // record attributes: unused
    offset = writeUnsignedVarInt(
      buffer,
      offset,
      zigZag64(Number((message.timestamp as bigint) - firstTimestamp)),
    );
    offset = writeVarInt(buffer, offset, i);
    offset = writeBytesField(buffer, offset, message.key);
    offset = writeBytesField(buffer, offset, message.value);
    const headers = message.headers;
    offset = writeVarInt(buffer, offset, headers?.size ?? 0);
    if (headers)
      for (const [key, value] of headers) {
        offset = writeBytesField(buffer, offset, key);
        offset = writeBytesField(buffer, offset, value);
      }
  }
  buffer.writeUInt32BE(crc32c(buffer.subarray(start + CRC_START, offset)) >>> 0, start + CRC_OFFSET);
  return offset;
}

/*
 * One buffer for every request of the process, grown to the largest. A fresh multi-megabyte buffer
 * per request costs more than writing it (first-touch page faults and the V8 collections that
 * external memory growth starts: ~2 ms per 8 MB here), and the buffer is free again as soon as
 * the request is framed: the connection calls the payload creator and copies the payload behind
 * its request header in one synchronous step. A client that kept the payload for later would
 * fail loudly, not silently: the broker rejects a batch whose CRC no longer matches.
 */
let scratch = Buffer.alloc(0);
function requestBuffer(size: number): Buffer {
  if (scratch.length < size)
    scratch = Buffer.allocUnsafeSlow(Math.max(size, Math.min(scratch.length * 2, 64 << 20)));
  return scratch.subarray(0, size);
}

/**
 * The body of a Produce request, versions 9-11 (flexible), uncompressed record batches. Its bytes
 * are valid until the next call (see requestBuffer).
 */
export function writeProduceRequest(
  acks = 1,
  timeout = 0,
  messages: MessageRecord[],
  options: ProduceOptions = {},
): Writer {
  const topics = groupMessages(messages);
  const now = BigInt(Date.now());
  const transactionalId = options.transactionalId == null ? null : Buffer.from(options.transactionalId);
  let size =
    (transactionalId ? unsignedVarIntBytes(transactionalId.length + 1) + transactionalId.length : 1) + 2 + 4;
  size += unsignedVarIntBytes(topics.length + 1) + 1;
  for (const topic of topics) {
    size += unsignedVarIntBytes(topic.name.length + 1) + topic.name.length;
    size += unsignedVarIntBytes(topic.partitions.length + 1) + 1;
    for (const batch of topic.partitions) {
      measureBatch(batch, now);
      size += 4 + unsignedVarIntBytes(batch.bytes + 1) + batch.bytes + 1;
    }
  }
  const buffer = requestBuffer(size);
  let offset = 0;
  if (transactionalId) {
    offset = writeUnsignedVarInt(buffer, offset, transactionalId.length + 1);
    offset += transactionalId.copy(buffer, offset);
  } else buffer[offset++] = 0;
  offset = buffer.writeInt16BE(acks, offset);
  offset = buffer.writeInt32BE(timeout, offset);
  offset = writeUnsignedVarInt(buffer, offset, topics.length + 1);
  for (const topic of topics) {
    offset = writeUnsignedVarInt(buffer, offset, topic.name.length + 1);
    offset += topic.name.copy(buffer, offset);
    offset = writeUnsignedVarInt(buffer, offset, topic.partitions.length + 1);
    const topicName = topic.name.toString();
    for (const batch of topic.partitions) {
      offset = buffer.writeInt32BE(batch.partition, offset);
      offset = writeUnsignedVarInt(buffer, offset, batch.bytes + 1);
      offset = writeBatch(buffer, offset, topicName, batch, options);
      buffer[offset++] = 0; // partition tagged fields
    }
    buffer[offset++] = 0; // topic tagged fields
  }
  buffer[offset++] = 0; // request tagged fields
  const writer = Writer.create().append(buffer);
  if (acks === ACKS_NONE) writer.context.noResponse = true;
  return writer;
}

const parsers = {
  9: produceV9.parseResponse,
  10: produceV10.parseResponse,
  11: produceV11.parseResponse,
} as const;

/** The Produce API at `version` with this writer, or `fallback` where it does not apply. */
function produceApi(fallback: ProduceApi): ProduceApi {
  const parse = parsers[fallback.version as keyof typeof parsers];
  if (parse === undefined) return fallback;
  const fast = createAPI(0, fallback.version, writeProduceRequest, parse, true, true) as ProduceApi;
  const api = ((connection, acks, timeout, messages, options, ...callback) => {
    const compression = options?.compression ?? 'none';
    const use = compression === 'none' ? fast : fallback;
    use(connection, acks, timeout, messages, options, ...callback);
  }) as ProduceApi;
  return Object.assign(api, { async: fast.async, key: fast.key, version: fast.version });
}

/** The library's producer, producing through writeProduceRequest. */
export class OnrampProducer extends Producer<Buffer, Buffer, Buffer, Buffer> {
  private readonly produceApis = new Map<ProduceApi, ProduceApi>();

  override [kGetApi]<RequestArguments extends Array<unknown>, ResponseType>(
    name: string,
    callback: Callback<API<RequestArguments, ResponseType>>,
  ): void {
    if (name !== 'Produce') {
      super[kGetApi](name, callback);
      return;
    }
    super[kGetApi]<RequestArguments, ResponseType>(name, (error, api) => {
      if (error) {
        callback(error, api);
        return;
      }
      const library = api as unknown as ProduceApi;
      let ours = this.produceApis.get(library);
      if (!ours) {
        ours = produceApi(library);
        this.produceApis.set(library, ours);
      }
      callback(null, ours as unknown as API<RequestArguments, ResponseType>);
    });
  }
}
