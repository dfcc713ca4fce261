import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { javaCompatiblePartitioner, murmur2, partitionForKey } from '../../../src/kafka/partitioner.ts';

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
  it.each(JAVA_MURMUR2)('hashes key %s as the Java client does', (key, hash) => {
    expect(murmur2(Buffer.from(key))).toBe(hash);
    for (const partitions of [1, 3, 7, 12, 100]) {
      expect(partitionForKey(Buffer.from(key), partitions)).toBe((hash & 0x7fffffff) % partitions);
    }
  });

  it('hands the producer the masked hash of a key, and spreads keyless records round-robin', () => {
    const partition = javaCompatiblePartitioner();
    for (let length = 0; length < 300; length++) {
      const key = randomBytes(length);
      expect(partition({}, key) % 12, `key of ${length} bytes`).toBe(partitionForKey(key, 12));
    }
    const chosen = new Set<number>();
    for (let i = 0; i < 12; i++) chosen.add(partition({}, undefined) % 4);
    expect([...chosen].sort()).toEqual([0, 1, 2, 3]);
  });
});
