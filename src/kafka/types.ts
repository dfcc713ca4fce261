import type { RecordHeader } from '../plugin/record.ts';
import type { ClientOverrides, ProducerTuning } from './client-properties.ts';

// What the runners need of Kafka, in our own types: the client library stays inside src/kafka.

export interface OutgoingMessage {
  topic: string;
  /** Unset: the Java-compatible partitioner picks by key (murmur2), like Kafka Connect. */
  partition?: number;
  key: Buffer | null;
  value: Buffer | null;
  headers?: readonly RecordHeader[];
  /** Milliseconds since the epoch; defaults to the send time. */
  timestamp?: number;
}

/** A message's size in a produce request, estimated from above (Kafka's record overhead included). */
export function messageSize(message: OutgoingMessage): number {
  let size = 64 + (message.key?.length ?? 0) + (message.value?.length ?? 0);
  for (const header of message.headers ?? []) size += header.key.length + (header.value?.length ?? 0) + 8;
  return size;
}

export interface TopicSettings {
  /** Partitions for topics created on first use (default 1). */
  partitions?: number;
  /** Replication factor for created topics (default min(3, brokers)). */
  replicationFactor?: number;
}

export interface RecordProducer {
  /** Connects now (sends connect on demand too); rejects with KAFKA_UNAVAILABLE when Kafka is down. */
  connect(): Promise<void>;
  /**
   * Sends the messages in order and resolves once Kafka acknowledged every one of them (acks=all).
   * Topics are created on first use. Rejects with an OnrampError (KAFKA_UNAVAILABLE is retriable).
   */
  send(messages: readonly OutgoingMessage[], topics?: TopicSettings, options?: SendOptions): Promise<void>;
  close(): Promise<void>;
  /**
   * The producer settings the task's sends honour (max.request.size, batch.size, linger.ms,
   * delivery.timeout.ms); unset: the defaults.
   */
  readonly tuning?: ProducerTuning;
}

export interface SendOptions {
  /**
   * Awaited right before each produce request of the send; rejecting stops the send there (what
   * was not handed to the client yet is not sent). A cluster worker's source task confirms here
   * that it still owns the task, so a worker resumed after a pause sends nothing it had queued.
   */
  beforeRequest?: () => Promise<void>;
}

export interface IncomingMessage {
  topic: string;
  partition: number;
  /** int64 as a decimal string */
  offset: string;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

export interface IncomingBatch {
  topic: string;
  partition: number;
  messages: IncomingMessage[];
  /** The partition's high watermark when fetched (next offset to be written), int64 as a decimal string. */
  highWatermark: string;
}

export interface BatchControl {
  /** Keeps the group membership alive during long work. */
  heartbeat(): Promise<void>;
  /** False once the partition was revoked or the consumer failed (stop early, commit nothing). */
  isActive(): boolean;
}

export interface TopicOffset {
  topic: string;
  partition: number;
  /** The next offset to read (last processed + 1), int64 as a decimal string. */
  offset: string;
}

/** Where the given partitions start (the next offset to read); partitions left out keep the group's. */
export type StartOffsets = (
  partitions: ReadonlyArray<Omit<TopicOffset, 'offset'>>,
) => Promise<readonly TopicOffset[]>;

export interface ConsumerSubscription {
  groupId: string;
  /**
   * Static membership (KIP-345): a consumer joining with the group.instance.id of a dead one takes
   * its place at once. Another consumer joining with this id fences this one: run() then rejects with
   * TASK_FENCED and the consumer never rejoins. Unset: a dynamic member.
   */
  groupInstanceId?: string;
  topics?: readonly string[];
  /** Kafka Connect's topics.regex, matched against the whole topic name. */
  topicsRegex?: string;
  /**
   * The brokers the caller expects (host:port): the consumer is refused (INVALID_CONFIG) unless its
   * connection's bootstrap servers are these, so no credentials go to a cluster someone named.
   */
  expectedBrokers?: readonly string[];
}

export interface RecordConsumer {
  /** Connects and subscribes; rejects with KAFKA_UNAVAILABLE when Kafka is down. */
  connect(): Promise<void>;
  /**
   * Joins the group and calls `onBatch` per fetched topic-partition batch, one at a time, until
   * closed (resolves) or failed (rejects, also when `onBatch` throws, and with TASK_FENCED when
   * another consumer took its group.instance.id). `onBatch` resolves true once
   * the batch is done (committed); false leaves it to be fetched again. `startOffsets`, when given,
   * is asked after every (re)assignment, before the first batch, where the assigned partitions
   * start; the offsets it returns win over the group's committed ones.
   */
  run(
    onBatch: (batch: IncomingBatch, control: BatchControl) => Promise<boolean>,
    startOffsets?: StartOffsets,
  ): Promise<void>;
  /** Commits offsets to the group (explicitly; there is no auto-commit). */
  commit(offsets: readonly TopicOffset[]): Promise<void>;
  /** Stops fetching from (resumes) every assigned topic-partition. */
  pause(): void;
  resume(): void;
  /** Leaves the group; an in-flight onBatch is allowed to finish. */
  close(): Promise<void>;
  /** Topics this consumer has been assigned so far. */
  assignedTopics(): string[];
}

/**
 * What the runners get from the Kafka runtime. `overrides` are the connector's
 * `producer.override.*`, `consumer.override.*` and `admin.override.*` settings: the runtime builds
 * the clients from the host's settings with those on top (throws INVALID_CONFIG when they do not
 * parse, which validation normally caught first).
 */
export interface KafkaPorts {
  producer(name: string, overrides?: ClientOverrides): RecordProducer;
  consumer(subscription: ConsumerSubscription, name: string, overrides?: ClientOverrides): RecordConsumer;
  /**
   * Resolves once the Kafka cluster this connector's clients use answers again (asked every half
   * second), or when `signal` aborts: a task waiting out a backoff after an outage restarts at once.
   */
  kafkaAnswers(overrides: ClientOverrides, signal: AbortSignal): Promise<void>;
}

// What connector management (the herder, KIP-875 sink offsets, /health) and the data-product
// catalog (consumer groups and their lag) need of the Kafka cluster itself. Implemented by
// KafkaCluster; kept here so that src/kafka depends on nothing above it.

export interface SinkOffset {
  topic: string;
  partition: number;
  /** int64 as a decimal string */
  offset: string;
}

export interface Cluster {
  /** The Kafka cluster id; rejects with an OnrampError KAFKA_UNAVAILABLE when Kafka cannot be reached. */
  clusterId(): Promise<string>;
  /**
   * Committed offsets of a consumer group (sink connectors use `connect-<name>`). `overrides`: a
   * connector's client settings, whose `admin.override.*` the admin client asking takes (as Kafka
   * Connect's KIP-875 endpoints use the connector's admin client); unset: the host's admin client.
   */
  groupOffsets(groupId: string, overrides?: ClientOverrides): Promise<SinkOffset[]>;
  /** Sets (offset string) or removes (null) committed offsets; the group must have no active members. */
  alterGroupOffsets(
    groupId: string,
    offsets: ReadonlyArray<Omit<SinkOffset, 'offset'> & { offset: string | null }>,
    overrides?: ClientOverrides,
  ): Promise<void>;
  /** Deletes every committed offset of the group. */
  resetGroupOffsets(groupId: string, overrides?: ClientOverrides): Promise<void>;
  close(): Promise<void>;
}

export interface GroupTopicReading {
  topic: string;
  /** Sum over partitions of (end offset - committed offset); undefined when the ends are unknown. */
  lag: number | undefined;
}

export interface ConsumerGroupReading {
  group: string;
  state: string;
  topics: GroupTopicReading[];
}
