import { describe, expect, it } from 'vitest';
import { recordSizer, sourceRecordBytes } from '../../../../connectors/shared/record-size.ts';
import type { SourceRecord } from '../../../../src/plugin/index.ts';

function change(topic: string, note: string): SourceRecord {
  const row = { id: 1, note, price: '12.30', active: true, at: 1_765_000_000_000, big: 2n ** 60n };
  return {
    topic,
    key: { schema: null, value: { id: 1 } },
    value: { schema: null, value: { before: null, after: row, op: 'c', source: { lsn: 10, table: 't' } } },
    headers: [{ key: 'onramp.product', value: 'shop.orders' }],
    sourcePartition: { server: 's' },
    sourceOffset: { lsn: 10 },
  };
}

describe('source record sizes (max.queue.size.in.bytes)', () => {
  it('grows with the data a record holds: strings, byte arrays, nested values', () => {
    const small = sourceRecordBytes(change('t', 'x'));
    const large = sourceRecordBytes(change('t', 'x'.repeat(10_000)));
    expect(large - small).toBe(9_999);
    const withBytes = change('t', 'x');
    (withBytes.value?.value as { after: Record<string, unknown> }).after.blob = new Uint8Array(4096);
    expect(sourceRecordBytes(withBytes)).toBeGreaterThan(small + 4096);
  });

  it('measures one record in eight per topic and gives the others the running average', () => {
    const sizeOf = recordSizer();
    const big = change('wide', 'x'.repeat(100_000));
    const exact = sourceRecordBytes(big);
    expect(sizeOf(big)).toBe(exact);
    // Unmeasured records of the topic count as the average, however small they are.
    for (let i = 0; i < 7; i++) expect(sizeOf(change('wide', ''))).toBe(exact);
    // The next sample moves the average.
    const next = change('wide', 'x'.repeat(50_000));
    expect(sizeOf(next)).toBe(sourceRecordBytes(next));
    expect(sizeOf(change('wide', ''))).toBe(Math.round((exact + sourceRecordBytes(next)) / 2));
    // Another topic has its own average.
    expect(sizeOf(change('narrow', 'y'))).toBe(sourceRecordBytes(change('narrow', 'y')));
  });

  it('sizes a tombstone by its key alone', () => {
    const tombstone: SourceRecord = { ...change('t', 'x'), value: null };
    expect(recordSizer()(tombstone)).toBeLessThan(sourceRecordBytes(change('t', '')));
  });
});
