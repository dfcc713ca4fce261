// What a source task may read from Kafka beside its database (Debezium's Kafka signal channel):
// one topic, in a consumer group, through the host's own Kafka clients and settings.

export interface TopicSubscription {
  topic: string;
  groupId: string;
  /**
   * The cluster to read from (signal.kafka.bootstrap.servers). It must be the one the host writes
   * to, whose security settings the host uses; undefined: that one.
   */
  bootstrapServers?: readonly string[];
}

export interface TopicMessage {
  partition: number;
  /** int64 as a decimal string */
  offset: string;
  key: string | null;
  value: string | null;
}

/**
 * Reads the topic (waiting for it to exist) until `signal` aborts, handing messages over one at a
 * time; the group's offset moves past a message once `onMessage` resolved. Rejects with an
 * OnrampError (INVALID_CONFIG for a cluster other than the host's, KAFKA_UNAVAILABLE, ...).
 */
export type TopicReader = (
  subscription: TopicSubscription,
  onMessage: (message: TopicMessage) => Promise<void>,
  signal: AbortSignal,
) => Promise<void>;
