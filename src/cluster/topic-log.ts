// What the cluster stores need of Kafka for one internal topic (Kafka Connect's KafkaBasedLog): a
// compacted topic that is read from its beginning on start, then followed, with a read-to-end
// barrier and an acknowledged writer. Implemented in src/kafka (KafkaTopicLog); kept in our own
// types so the stores never see the client library.

/** One record of the log, handed over in offset order per partition. */
export interface LogRecord {
  partition: number;
  /** int64 */
  offset: bigint;
  /** The raw key bytes; the internal topics always key their records. */
  key: Buffer | null;
  /** null: a tombstone. */
  value: Buffer | null;
}

export interface LogWrite {
  key: Buffer;
  /** null: a tombstone. */
  value: Buffer | null;
  /** Unset: Kafka's default partitioner (murmur2 of the key bytes), as Kafka Connect's producers use. */
  partition?: number;
}

/** How the topic is created when it does not exist (Kafka Connect's `*.storage.*` settings). */
export interface LogTopicSpec {
  name: string;
  /** -1: the broker's default (num.partitions). The config topic is always 1. */
  partitions: number;
  /** -1: the broker's default (default.replication.factor). */
  replicationFactor: number;
  /** Further topic configs (`config.storage.min.insync.replicas=2` -> min.insync.replicas); cleanup.policy is always compact. */
  configs: Readonly<Record<string, string>>;
}

export interface TopicLog {
  readonly topic: string;
  /**
   * Creates the topic when it is missing, reads it from its beginning to its end (every record
   * passed to `onRecord` before this resolves), then keeps following it in the background.
   */
  start(onRecord: (record: LogRecord) => void): Promise<void>;
  /**
   * Resolves once every record that was in the topic when this was called has been passed to
   * `onRecord` (Kafka Connect's readToEnd); rejects after `timeoutMs`.
   */
  readToEnd(timeoutMs?: number): Promise<void>;
  /** Writes in order and resolves once Kafka acknowledged every record (acks=all, idempotent). */
  send(records: readonly LogWrite[]): Promise<void>;
  /** Partitions of the topic (known after start). */
  partitionCount(): number;
  stop(): Promise<void>;
}
