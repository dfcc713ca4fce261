import type { SourceRecord } from '../../src/plugin/index.ts';

// An estimate of the memory a source record holds on the V8 heap (and in its byte arrays), for the
// queue's max.queue.size.in.bytes, as Debezium sizes the records in its queue with an object size
// calculator. It walks the key's and the value's data, not their schemas (one per table, shared by
// every record). Strings count one byte a character (most data is ASCII; V8 stores those that are
// not in two bytes a character, so those are under-counted by half). Measured against the heap:
// pg-stream's 11-column change events (before and after, ~1 KB of column text) take ~2.9 KB of
// heap each and are estimated at ~2.7 KB.
//
// Walking a record costs ~3-5 µs (a few percent of what a change event costs end to end), so
// recordSizer() walks one record in SAMPLE_EVERY of each topic and gives the others that topic's
// running average: rows of one table are alike, and a table whose rows grow (a transaction
// writing large values) moves its average within a few samples.

const OBJECT_BYTES = 32;
const SLOT_BYTES = 8;
const STRING_BYTES = 16;
const NUMBER_BYTES = 16;
const BIGINT_BYTES = 24;
const BYTE_ARRAY_BYTES = 96;
/** The record object itself, its topic, partition and offset, and the envelope around the data. */
const RECORD_BYTES = 320;
/** Values nested deeper than this are not walked (a JSON column's document, say): counted flat. */
const MAX_DEPTH = 8;

function dataBytes(value: unknown, depth: number): number {
  switch (typeof value) {
    case 'string':
      return STRING_BYTES + value.length;
    case 'number':
      return NUMBER_BYTES;
    case 'bigint':
      return BIGINT_BYTES;
    case 'object': {
      if (value === null) return 0;
      if (value instanceof Uint8Array) return BYTE_ARRAY_BYTES + value.byteLength;
      if (depth >= MAX_DEPTH) return OBJECT_BYTES;
      let bytes = OBJECT_BYTES;
      if (Array.isArray(value)) {
        for (const item of value) bytes += SLOT_BYTES + dataBytes(item, depth + 1);
        return bytes;
      }
      for (const key in value)
        bytes += SLOT_BYTES + dataBytes((value as Record<string, unknown>)[key], depth + 1);
      return bytes;
    }
    default:
      return 0;
  }
}

const SAMPLE_EVERY = 8;

/** Estimated bytes of `record` in memory (walks the whole record). */
export function sourceRecordBytes(record: SourceRecord): number {
  let bytes = RECORD_BYTES + dataBytes(record.key?.value, 0) + dataBytes(record.value?.value, 0);
  for (const header of record.headers ?? []) {
    const value = header.value;
    bytes += STRING_BYTES + header.key.length;
    if (typeof value === 'string') bytes += STRING_BYTES + value.length;
    else if (value !== null) bytes += BYTE_ARRAY_BYTES + value.byteLength;
  }
  return bytes;
}

interface TopicSizes {
  seen: number;
  average: number;
}

/** A sizer for a queue of source records: sampled per topic as said above; tombstones are cheap. */
export function recordSizer(): (record: SourceRecord) => number {
  const topics = new Map<string, TopicSizes>();
  return (record) => {
    if (record.value === null) return RECORD_BYTES + dataBytes(record.key?.value, 0);
    let sizes = topics.get(record.topic);
    if (!sizes) {
      sizes = { seen: 0, average: 0 };
      topics.set(record.topic, sizes);
    }
    if (sizes.seen++ % SAMPLE_EVERY !== 0) return sizes.average;
    const bytes = sourceRecordBytes(record);
    sizes.average = sizes.seen === 1 ? bytes : Math.round((sizes.average + bytes) / 2);
    return bytes;
  };
}
