// What connector management needs from Kafka itself (implemented in src/kafka). Kept small so the
// REST layer never talks to the Kafka client library directly.

export interface SinkOffset {
  topic: string;
  partition: number;
  /** int64 as a decimal string */
  offset: string;
}

export interface Cluster {
  /** The Kafka cluster id; rejects with an OnrampError KAFKA_UNAVAILABLE when Kafka cannot be reached. */
  clusterId(): Promise<string>;
  /** Committed offsets of a consumer group (sink connectors use `connect-<name>`). */
  groupOffsets(groupId: string): Promise<SinkOffset[]>;
  /** Sets (offset string) or removes (null) committed offsets; the group must have no active members. */
  alterGroupOffsets(
    groupId: string,
    offsets: ReadonlyArray<Omit<SinkOffset, 'offset'> & { offset: string | null }>,
  ): Promise<void>;
  /** Deletes every committed offset of the group. */
  resetGroupOffsets(groupId: string): Promise<void>;
  close(): Promise<void>;
}
