import {
  Consumer,
  FetchIsolationLevels,
  ListOffsetTimestamps,
  ProduceAcks,
  Producer,
} from '@platformatic/kafka';
import type { LogRecord, LogTopicSpec, LogWrite, TopicLog } from '../cluster/topic-log.ts';
import { OnrampError } from '../plugin/errors.ts';
import type { KafkaConnection } from './client-properties.ts';
import { hasApiError, kafkaError } from './kafka-errors.ts';
import { javaCompatiblePartitioner } from './partitioner.ts';
import { platformaticOptions } from './platformatic-options.ts';
import type { TopicAdmin } from './topic-admin.ts';

// Kafka Connect's KafkaBasedLog on @platformatic/kafka: one internal topic (configs, offsets or
// statuses), read from its beginning with plain fetches (no consumer group: every worker reads every
// partition, as Connect's consumer does with assign()), then followed with long-polling fetches. The
// writer is an idempotent acks=all producer with Kafka's murmur2 partitioner, so a key lands in the
// partition Connect's own producer would pick.
// Reads are read_committed, as Connect's are with exactly-once source support (its offsets and, as
// leader, its config writes are then transactional): records of aborted transactions are skipped,
// and the read-to-end barrier stops at the last stable offset, not behind an open transaction.

/** Record batch attributes. */
const IS_TRANSACTIONAL = 1 << 4;
const IS_CONTROL = 1 << 5;
/** A control record's key: version (int16), type (int16): 0 = ABORT, 1 = COMMIT. */
const CONTROL_ABORT = 0;
const MAX_BYTES_PER_PARTITION = 1024 * 1024;
/** How long a follow fetch waits at the broker for new records. */
const FOLLOW_WAIT_MS = 500;
/** Kafka Connect's READ_WRITE_TOTAL_TIMEOUT_MS. */
const DEFAULT_READ_TIMEOUT_MS = 30_000;
const RETRY_DELAY_MS = 500;

interface EndWaiter {
  ends: Map<number, bigint>;
  resolve: () => void;
}

export interface KafkaTopicLogOptions {
  connection: KafkaConnection;
  /** Creates the topic, describes it and lists its offsets (never the fetching connection). */
  admin: TopicAdmin;
  spec: LogTopicSpec;
  /** Called when following fails for a while (Kafka down); the log keeps retrying. */
  onError?: (error: OnrampError) => void;
}

export class KafkaTopicLog implements TopicLog {
  readonly topic: string;
  private readonly options: KafkaTopicLogOptions;
  private readonly consumer: Consumer<Buffer, Buffer, Buffer, Buffer>;
  private readonly producer: Producer<Buffer, Buffer | null, Buffer, Buffer>;
  /** Next offset to read, per partition. */
  private readonly positions = new Map<number, bigint>();
  private readonly waiters = new Set<EndWaiter>();
  private onRecord: ((record: LogRecord) => void) | undefined;
  private topicId = '';
  private leaders = new Map<number, number>();
  private following: Promise<void> | undefined;
  private stopped = false;
  private sendQueue: Promise<unknown> = Promise.resolve();

  constructor(options: KafkaTopicLogOptions) {
    this.options = options;
    this.topic = options.spec.name;
    const client = platformaticOptions(options.connection);
    // The group id is required by the client but never joined: fetches name their own offsets.
    this.consumer = new Consumer({
      ...client,
      groupId: `onramp-internal-log-${this.topic}`,
      autocommit: false,
      maxBytesPerPartition: MAX_BYTES_PER_PARTITION,
    });
    this.producer = new Producer({
      ...client,
      idempotent: true,
      acks: ProduceAcks.ALL,
      autocreateTopics: false,
      partitioner: javaCompatiblePartitioner(),
    });
  }

  partitionCount(): number {
    return this.positions.size;
  }

  async start(onRecord: (record: LogRecord) => void): Promise<void> {
    this.onRecord = onRecord;
    await this.ensureTopic();
    await this.loadMetadata();
    const starts = await this.listOffsets(ListOffsetTimestamps.EARLIEST);
    for (const [partition, offset] of starts) this.positions.set(partition, offset);
    this.following = this.follow();
    await this.readToEnd();
  }

  async readToEnd(timeoutMs = DEFAULT_READ_TIMEOUT_MS): Promise<void> {
    if (this.stopped) throw new OnrampError('INTERNAL', `The log of ${this.topic} is stopped`);
    const ends = await this.listOffsets(ListOffsetTimestamps.LATEST);
    if (this.reached(ends)) return;
    await new Promise<void>((resolve, reject) => {
      const waiter: EndWaiter = {
        ends,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(
          new OnrampError(
            'KAFKA_UNAVAILABLE',
            `Reading ${this.topic} to its end took longer than ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  send(records: readonly LogWrite[]): Promise<void> {
    const run = this.sendQueue.then(() => this.sendNow(records));
    this.sendQueue = run.catch(() => undefined);
    return run;
  }

  private async sendNow(records: readonly LogWrite[]): Promise<void> {
    if (records.length === 0) return;
    try {
      await this.producer.send({
        messages: records.map((record) => ({
          topic: this.topic,
          key: record.key,
          value: record.value,
          ...(record.partition !== undefined && { partition: record.partition }),
        })),
      });
    } catch (error) {
      throw kafkaError(error, `writing to ${this.topic}`, this.options.connection);
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.following?.catch(() => undefined);
    await this.sendQueue;
    await Promise.all([
      this.producer.close().catch(() => undefined),
      this.consumer.close(true).catch(() => undefined),
    ]);
  }

  private reached(ends: ReadonlyMap<number, bigint>): boolean {
    for (const [partition, end] of ends) if ((this.positions.get(partition) ?? 0n) < end) return false;
    return true;
  }

  private async ensureTopic(): Promise<void> {
    const { spec, admin } = this.options;
    try {
      await admin.client().createTopics({
        topics: [spec.name],
        partitions: spec.partitions,
        replicas: spec.replicationFactor,
        configs: Object.entries({ ...spec.configs, 'cleanup.policy': 'compact' }).map(([name, value]) => ({
          name,
          value,
        })),
      });
    } catch (error) {
      if (!hasApiError(error, 'TOPIC_ALREADY_EXISTS'))
        throw kafkaError(error, `creating topic ${spec.name}`, this.options.connection);
    }
  }

  private async loadMetadata(): Promise<void> {
    try {
      const metadata = await this.options.admin
        .client()
        .metadata({ topics: [this.topic], forceUpdate: true });
      const info = metadata.topics.get(this.topic);
      if (!info) throw new OnrampError('KAFKA_UNAVAILABLE', `Topic ${this.topic} has no metadata yet`);
      this.topicId = info.id;
      this.leaders = new Map(info.partitions.map((partition, index) => [index, partition.leader]));
      for (let partition = 0; partition < info.partitionsCount; partition++)
        if (!this.positions.has(partition)) this.positions.set(partition, 0n);
    } catch (error) {
      throw kafkaError(error, `describing ${this.topic}`, this.options.connection);
    }
  }

  private async listOffsets(timestamp: bigint): Promise<Map<number, bigint>> {
    try {
      // Through the admin connection: the broker answers one connection's requests in order, so a
      // list-offsets request behind the consumer's long-polling fetch would wait for it. The end is
      // the last stable offset (read_committed), so an open transaction does not hold a barrier up.
      const partitions = [...this.leaders.keys()].map((partitionIndex) => ({ partitionIndex, timestamp }));
      const [listed] = await this.options.admin.client().listOffsets({
        topics: [{ name: this.topic, partitions }],
        isolationLevel: FetchIsolationLevels.READ_COMMITTED,
      });
      return new Map(
        (listed?.partitions ?? []).map(({ partitionIndex, offset }) => [partitionIndex, offset]),
      );
    } catch (error) {
      throw kafkaError(error, `listing the offsets of ${this.topic}`, this.options.connection);
    }
  }

  /** Fetches until stopped; a failure is reported and retried (the caller's readToEnd times out). */
  private async follow(): Promise<void> {
    let failingSince: number | undefined;
    while (!this.stopped) {
      try {
        await this.fetchOnce();
        failingSince = undefined;
      } catch (error) {
        if (this.stopped) return;
        failingSince ??= Date.now();
        if (Date.now() - failingSince > RETRY_DELAY_MS)
          this.options.onError?.(kafkaError(error, `reading ${this.topic}`, this.options.connection));
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
        await this.loadMetadata().catch(() => undefined);
      }
    }
  }

  private async fetchOnce(): Promise<void> {
    const byLeader = new Map<number, number[]>();
    for (const [partition, leader] of this.leaders) {
      if (leader < 0) continue;
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), partition]);
    }
    if (byLeader.size === 0) throw new OnrampError('KAFKA_UNAVAILABLE', `${this.topic} has no leaders`);
    await Promise.all(
      [...byLeader].map(async ([node, partitions]) => {
        const response = await this.consumer.fetch({
          node,
          topics: [
            {
              topicId: this.topicId,
              partitions: partitions.map((partition) => ({
                partition,
                fetchOffset: this.positions.get(partition) ?? 0n,
                partitionMaxBytes: MAX_BYTES_PER_PARTITION,
                currentLeaderEpoch: -1,
                lastFetchedEpoch: -1,
              })),
            },
          ],
          maxWaitTime: FOLLOW_WAIT_MS,
          minBytes: 1,
          isolationLevel: FetchIsolationLevels.READ_COMMITTED,
          maxBytes: MAX_BYTES_PER_PARTITION * partitions.length,
        });
        if (this.stopped) return;
        for (const topic of response.responses)
          for (const part of topic.partitions) this.apply(part.partitionIndex, part);
      }),
    );
    for (const waiter of this.waiters) {
      if (this.reached(waiter.ends)) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  private apply(
    partition: number,
    part: {
      errorCode: number;
      logStartOffset: bigint;
      abortedTransactions: readonly { producerId: bigint; firstOffset: bigint }[] | null;
      records?:
        | readonly {
            firstOffset: bigint;
            lastOffsetDelta: number;
            attributes: number;
            producerId: bigint;
            records: readonly {
              offsetDelta: number;
              key: Buffer | null;
              value: Buffer | null;
            }[];
          }[]
        | null;
    },
  ): void {
    if (part.errorCode !== 0) {
      // OFFSET_OUT_OF_RANGE (1): the log start moved past us (records deleted): continue from there.
      if (part.errorCode === 1) this.positions.set(partition, part.logStartOffset);
      else
        throw new OnrampError(
          'KAFKA_UNAVAILABLE',
          `Fetching ${this.topic}-${partition}: error ${part.errorCode}`,
        );
      return;
    }
    // Aborted transactions in this range, by first offset; a producer's data is skipped from its
    // aborted transaction's first offset up to the ABORT marker (Kafka's consumer does the same).
    const pendingAborts = [...(part.abortedTransactions ?? [])].sort((a, b) =>
      a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0,
    );
    const abortedProducers = new Set<bigint>();
    let position = this.positions.get(partition) ?? 0n;
    for (const batch of part.records ?? []) {
      const last = batch.firstOffset + BigInt(batch.lastOffsetDelta);
      while (pendingAborts.length > 0 && (pendingAborts[0]?.firstOffset ?? 0n) <= last) {
        const aborted = pendingAborts.shift();
        if (aborted) abortedProducers.add(aborted.producerId);
      }
      const next = last + 1n;
      if (next <= position) continue;
      if ((batch.attributes & IS_CONTROL) !== 0) {
        const marker = batch.records[0]?.key;
        if (marker && marker.length >= 4 && marker.readInt16BE(2) === CONTROL_ABORT)
          abortedProducers.delete(batch.producerId);
      } else if ((batch.attributes & IS_TRANSACTIONAL) === 0 || !abortedProducers.has(batch.producerId)) {
        for (const record of batch.records) {
          const offset = batch.firstOffset + BigInt(record.offsetDelta);
          if (offset < position) continue;
          this.onRecord?.({
            partition,
            offset,
            key: record.key,
            // A tombstone's value comes back as null or an empty buffer; the internal topics never
            // write an empty value, so both mean "deleted".
            value: record.value && record.value.length > 0 ? record.value : null,
          });
        }
      }
      // Compaction leaves gaps, and a batch may have lost every record: move past its last offset.
      position = next;
    }
    this.positions.set(partition, position);
  }
}
