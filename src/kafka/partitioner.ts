// Keyed records go where Java's (and so Debezium's) producer puts them: murmur2 of the key bytes,
// masked positive, modulo the partition count. 32-bit Math.imul arithmetic is exactly Java's int
// arithmetic (an emulated 64-bit Long, as kafkajs had, cost a tenth of a streaming source's CPU).

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Kafka's Utils.murmur2 (Java client), as a signed 32-bit int. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k =
      (data[i] as number) |
      ((data[i + 1] as number) << 8) |
      ((data[i + 2] as number) << 16) |
      ((data[i + 3] as number) << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length & 3;
  if (tail > 0) {
    if (tail === 3) h ^= (data[whole + 2] as number) << 16;
    if (tail >= 2) h ^= (data[whole + 1] as number) << 8;
    h ^= data[whole] as number;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

export function partitionForKey(key: Uint8Array, partitionCount: number): number {
  return (murmur2(key) & 0x7fffffff) % partitionCount;
}

/**
 * The producer's partitioner (@platformatic/kafka takes the result modulo the partition count): a
 * key is hashed as above, keyless records go round-robin. An explicit partition never reaches it.
 */
export function javaCompatiblePartitioner(): (message: unknown, key: Buffer | undefined) => number {
  let next = 0;
  return (_message, key) => (key ? murmur2(key) & 0x7fffffff : next++ & 0x7fffffff);
}
