import { describe, expect, it } from 'vitest';
import { partitionForKey } from '../../../src/kafka/partitioner.ts';

// murmur2 hashes computed by Kafka's Java client (org.apache.kafka.common.utils.Utils#murmur2);
// Java's partitioner then takes (hash & 0x7fffffff) % partitions.
const JAVA_MURMUR2: Array<[string, number]> = [
  ['1', -1993445489],
  ['12', 126087238],
  ['123', -267702483],
  ['1234', -1614185708],
  ['12345', -1188365604],
];

describe('producer partitioner', () => {
  it.each(JAVA_MURMUR2)('places key %s where the Java producer does', (key, hash) => {
    for (const partitions of [1, 3, 7, 12, 100]) {
      expect(partitionForKey('t', Buffer.from(key), partitions)).toBe((hash & 0x7fffffff) % partitions);
    }
  });
});
