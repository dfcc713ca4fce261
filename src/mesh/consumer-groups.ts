import type { ConsumerGroupReading } from '../kafka/types.ts';

// Kafka consumer groups as the catalog sees them: which topics each group has committed offsets
// for, and how far behind the end of each it is (implemented by src/kafka's KafkaCluster, whose
// reading types these are).

export type { ConsumerGroupReading, GroupTopicReading } from '../kafka/types.ts';

export interface ConsumerGroupDirectory {
  /** Every consumer group with the topics it has committed offsets for. */
  consumerGroups(): Promise<ConsumerGroupReading[]>;
}
