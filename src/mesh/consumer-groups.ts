// Kafka consumer groups as the catalog sees them: which topics each group has committed offsets
// for, and how far behind the end of each it is (implemented by src/kafka's KafkaCluster).

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

export interface ConsumerGroupDirectory {
  /** Every consumer group with the topics it has committed offsets for. */
  consumerGroups(): Promise<ConsumerGroupReading[]>;
}
