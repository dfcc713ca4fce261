import {
  type MessageRecord,
  NumericMap,
  produceV9,
  produceV11,
  Reader,
  readRecordsBatch,
} from '@platformatic/kafka';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { writeProduceRequest } from '../../../src/kafka/produce-request.ts';

const NOW = 1_765_000_000_000n;

function messages(): MessageRecord[] {
  const header = (key: string, value: string | null): [Buffer, Buffer] => [
    Buffer.from(key),
    (value === null ? null : Buffer.from(value)) as Buffer,
  ];
  return [
    {
      topic: 'inventory.public.orders',
      partition: 2,
      key: Buffer.from('{"id":1}'),
      value: Buffer.alloc(5000, 'x'),
      timestamp: NOW,
    },
    {
      topic: 'inventory.public.orders',
      partition: 0,
      key: Buffer.from('{"id":2}'),
      value: Buffer.from('{"after":null}'),
      headers: new Map([header('onramp.product', 'inventory.orders'), header('trace', null)]),
      timestamp: NOW + 5n,
    },
    // a tombstone: no value
    {
      topic: 'inventory.public.orders',
      partition: 2,
      key: Buffer.from('{"id":1}'),
      value: undefined as unknown as Buffer,
      timestamp: NOW - 3n,
    },
    // no key, an empty value, an older timestamp than the batch's first
    { topic: 'ünïcode.tøpic', partition: 1, value: Buffer.alloc(0), timestamp: NOW - 86_400_000n },
    // a value whose length needs a three-byte varint
    {
      topic: 'ünïcode.tøpic',
      partition: 1,
      key: Buffer.from('k'),
      value: Buffer.alloc(70_000, 1),
      timestamp: NOW + 1n,
    },
  ];
}

const clone = (list: MessageRecord[]): MessageRecord[] => list.map((message) => ({ ...message }));

afterEach(() => {
  vi.restoreAllMocks();
});

describe('writeProduceRequest', () => {
  it('writes the bytes @platformatic/kafka writes, for an idempotent producer', () => {
    const sequences = new NumericMap([
      ['inventory.public.orders:2', 17],
      ['ünïcode.tøpic:1', 2_000_000],
    ]);
    const options = { producerId: 4242n, producerEpoch: 3, sequences, compression: 'none' as const };
    const ours = writeProduceRequest(-1, 30_000, clone(messages()), options).buffer;
    const library = produceV11.createRequest(-1, 30_000, clone(messages()), options).buffer;
    expect(ours.equals(library)).toBe(true);
    expect(produceV9.createRequest(-1, 30_000, clone(messages()), options).buffer.equals(ours)).toBe(true);
  });

  it('writes a transactional id, acks=0 and unset timestamps as the library does', () => {
    vi.spyOn(Date, 'now').mockReturnValue(Number(NOW));
    const unset = clone(messages()).map(({ timestamp: _, ...message }) => message);
    const options = { transactionalId: 'onramp-tx', producerId: 1n, producerEpoch: 0 };
    const ours = writeProduceRequest(0, 1000, clone(unset), options);
    const library = produceV11.createRequest(0, 1000, clone(unset), options);
    expect(ours.buffer.equals(library.buffer)).toBe(true);
    expect(ours.context.noResponse).toBe(true);
  });

  it('writes an empty header map and no headers alike', () => {
    const list: MessageRecord[] = [
      { topic: 't', partition: 0, value: Buffer.from('a'), headers: new Map(), timestamp: NOW },
      { topic: 't', partition: 0, value: Buffer.from('b'), timestamp: NOW },
    ];
    const ours = writeProduceRequest(-1, 5000, clone(list), {}).buffer;
    expect(ours.equals(produceV11.createRequest(-1, 5000, clone(list), {}).buffer)).toBe(true);
  });

  it('writes a record 40 days older than its batch with its own timestamp', () => {
    // The library's 64-bit zig-zag takes the sign from bit 31 (`value >> 31n`), which turns a delta
    // below -2^31 ms (~25 days) into a wrong positive one; a snapshot's old source timestamps reach it.
    const old = NOW - 40n * 86_400_000n;
    const list: MessageRecord[] = [
      { topic: 't', partition: 0, value: Buffer.from('new'), timestamp: NOW },
      { topic: 't', partition: 0, value: Buffer.from('old'), timestamp: old },
    ];
    const request = writeProduceRequest(-1, 5000, list, {}).buffer;
    // transactional id, acks, timeout, 1 topic, 't', 1 partition, partition 0, records length
    const reader = Reader.from(request.subarray(1 + 2 + 4 + 1 + 2 + 1 + 4 + 1));
    const batch = readRecordsBatch(reader);
    expect(batch.records.map((record) => batch.firstTimestamp + record.timestampDelta)).toEqual([NOW, old]);
  });
});
