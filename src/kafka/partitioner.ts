import { Partitioners } from 'kafkajs';

// The producer places keyed records with kafkajs's DefaultPartitioner: murmur2 of the key bytes,
// masked positive, modulo the partition count, exactly like Java's (and so Debezium's) producer.
// Exposed so tests can pin that compatibility.
const partitioner = Partitioners.DefaultPartitioner();

export function partitionForKey(topic: string, key: Buffer, partitionCount: number): number {
  const partitionMetadata = Array.from({ length: partitionCount }, (_, partitionId) => ({
    partitionId,
    leader: 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }));
  return partitioner({ topic, partitionMetadata, message: { key, value: null } });
}

export const javaCompatiblePartitioner = Partitioners.DefaultPartitioner;
