import { randomBytes } from 'node:crypto';
import { Partitioners } from 'kafkajs';
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

function metadata(count: number, leaderless: number[] = []) {
  return Array.from({ length: count }, (_, partitionId) => ({
    partitionId,
    leader: leaderless.includes(partitionId) ? -1 : 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }));
}

describe('producer partitioner', () => {
  it.each(JAVA_MURMUR2)('hashes key %s as the Java client does', (key, hash) => {
    expect(murmur2(Buffer.from(key))).toBe(hash);
    for (const partitions of [1, 3, 7, 12, 100]) {
      expect(partitionForKey(Buffer.from(key), partitions)).toBe((hash & 0x7fffffff) % partitions);
    }
  });

  it('places keys of every length where kafkajs’s Java-compatible partitioner does', () => {
    const reference = Partitioners.DefaultPartitioner();
    const ours = javaCompatiblePartitioner();
    const partitionMetadata = metadata(12);
    for (let length = 0; length < 300; length++) {
      const key = randomBytes(length);
      const message = { key, value: null };
      expect(ours({ topic: 't', partitionMetadata, message }), `key of ${length} bytes`).toBe(
        reference({ topic: 't', partitionMetadata, message }),
      );
    }
  });

  it('keeps an explicit partition and spreads keyless records over partitions with a leader', () => {
    const partition = javaCompatiblePartitioner();
    const partitionMetadata = metadata(4, [1]);
    expect(
      partition({ topic: 't', partitionMetadata, message: { key: 'k', value: null, partition: 3 } }),
    ).toBe(3);
    const chosen = new Set<number>();
    for (let i = 0; i < 12; i++)
      chosen.add(partition({ topic: 't', partitionMetadata, message: { value: null } }));
    expect([...chosen].sort()).toEqual([0, 2, 3]);
  });
});
