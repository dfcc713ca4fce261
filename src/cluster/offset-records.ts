import type { JsonValue, SourceOffset, SourcePartition } from '../plugin/index.ts';
import { connectJsonBytes, isJsonObject, parseConnectJson } from './connect-json.ts';

// The records of Kafka Connect's offsets topic (KafkaOffsetBackingStore / OffsetStorageWriter):
// key   ["<connector>",{<source partition>}]   the internal JsonConverter, schemas.enable=false
// value {<source offset>}                      null: the partition's offset was reset
// Kafka's default partitioner hashes the key bytes (murmur2), so a partition's offsets always land
// in the same topic partition and compact there. The key bytes must therefore be exactly what
// Connect wrote: a partition map with several keys is written in its map's iteration order, which a
// Java HashMap decides; the offset store reuses the bytes it read for a partition it already knows.

export interface OffsetKey {
  connector: string;
  partition: SourcePartition;
}

export function encodeOffsetKey(connector: string, partition: SourcePartition): Buffer {
  return connectJsonBytes([connector, partition]);
}

export function encodeOffsetValue(offset: SourceOffset | null): Buffer | null {
  return offset === null ? null : connectJsonBytes(offset);
}

function isPartitionValue(value: JsonValue): value is string | number {
  return typeof value === 'string' || typeof value === 'number';
}

/** The connector and partition of an offsets-topic key; undefined for a key Connect would ignore too. */
export function decodeOffsetKey(bytes: Buffer): OffsetKey | undefined {
  const key = parseConnectJson(bytes);
  if (!Array.isArray(key) || key.length !== 2) return undefined;
  const [connector, partition] = key;
  if (typeof connector !== 'string' || !isJsonObject(partition)) return undefined;
  const values = Object.values(partition);
  if (!values.every(isPartitionValue)) return undefined;
  return { connector, partition: partition as SourcePartition };
}

/** The offset of a value; null for a tombstone, undefined when the value is not an offset map. */
export function decodeOffsetValue(bytes: Buffer | null): SourceOffset | null | undefined {
  if (bytes === null) return null;
  const value = parseConnectJson(bytes);
  if (value === null) return null;
  return isJsonObject(value) ? value : undefined;
}

/** Partitions compared by content, independent of key order (the key bytes may order them either way). */
export function partitionIdentity(connector: string, partition: SourcePartition): string {
  const entries = Object.entries(partition).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([connector, entries]);
}
