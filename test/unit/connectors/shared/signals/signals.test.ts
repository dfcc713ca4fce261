import { describe, expect, it } from 'vitest';
import {
  signalFromChange,
  signalFromMessage,
} from '../../../../../connectors/shared/signals/signal-record.ts';
import {
  expandCollections,
  parseSnapshotRequest,
  parseStopRequest,
} from '../../../../../connectors/shared/signals/snapshot-request.ts';
import type { SourceRecord } from '../../../../../src/plugin/index.ts';

// Debezium's signal formats: a signal table row (its first three columns), a Kafka message keyed
// by topic.prefix, and the execute-snapshot / stop-snapshot data.

function change(op: 'c' | 'u' | 'd', row: Record<string, string | null>): SourceRecord {
  return {
    topic: 'shop.public.debezium_signal',
    key: null,
    value: { schema: null, value: { op, before: op === 'c' ? null : row, after: op === 'd' ? null : row } },
    sourcePartition: { server: 'shop' },
    sourceOffset: {},
  };
}

describe('signals', () => {
  it('reads an inserted signal row by column position, whatever the columns are called', () => {
    const record = change('c', {
      sid: 'ad-hoc-1',
      kind: 'execute-snapshot',
      payload: '{"data-collections": ["public.a"]}',
    });
    expect(signalFromChange(record)).toEqual({
      id: 'ad-hoc-1',
      type: 'execute-snapshot',
      data: { 'data-collections': ['public.a'] },
      channel: 'source',
    });
    expect(signalFromChange(change('u', { id: 'x', type: 'log', data: '{}' }))).toBeUndefined();
  });

  it('takes a deleted open-window row as that window closing (insert_delete)', () => {
    expect(signalFromChange(change('d', { id: 'chunk-1-open', type: null, data: null }))).toMatchObject({
      id: 'chunk-1-close',
      type: 'snapshot-window-close',
    });
  });

  it('keeps a signal whose data is not JSON, saying why', () => {
    expect(
      signalFromChange(change('c', { id: 'bad', type: 'execute-snapshot', data: '{nope' })),
    ).toMatchObject({
      id: 'bad',
      dataError: expect.stringContaining('JSON'),
    });
  });

  it('takes Kafka messages keyed by the topic.prefix only', () => {
    const value = JSON.stringify({
      id: 'k-1',
      type: 'execute-snapshot',
      data: { 'data-collections': ['db.t'] },
    });
    expect(signalFromMessage('shop', value, 'shop')).toEqual({
      id: 'k-1',
      type: 'execute-snapshot',
      data: { 'data-collections': ['db.t'] },
      channel: 'kafka',
    });
    expect(signalFromMessage('other', value, 'shop')).toEqual({
      ignored: 'its key "other" is not this connector\'s topic.prefix',
    });
    expect(signalFromMessage('shop', 'not json', 'shop')).toEqual({ ignored: 'its value is not JSON' });
  });

  it("parses execute-snapshot's data as Debezium does", () => {
    const request = parseSnapshotRequest({
      type: 'BLOCKING',
      'data-collections': [' public.orders ', 'public\\.line_.*'],
      'additional-conditions': [{ 'data-collection': 'public.orders', filter: 'id > 5' }],
      'surrogate-key': 'order_no',
    });
    expect(request).toMatchObject({
      type: 'blocking',
      dataCollections: ['public.orders', 'public\\.line_.*'],
      surrogateKey: 'order_no',
    });
    expect(request.additionalConditions[0]?.dataCollection.test('PUBLIC.ORDERS')).toBe(true);
    expect(
      parseSnapshotRequest({ 'data-collections': ['a.b'], 'additional-condition': 'x = 1' })
        .additionalConditions[0]?.filter,
    ).toBe('x = 1');
  });

  it('says what is wrong with a snapshot request', () => {
    expect(() => parseSnapshotRequest({})).toThrow('"data-collections" is missing or empty: name the tables');
    expect(() => parseSnapshotRequest({ 'data-collections': [1] })).toThrow('must be a list of table names');
    expect(() => parseSnapshotRequest({ 'data-collections': ['a.b'], type: 'full' })).toThrow(
      '"type" is "full": use "incremental" or "blocking"',
    );
    expect(() => parseSnapshotRequest({ 'data-collections': ['a.(b'] })).toThrow(
      'is not a regular expression',
    );
    expect(() =>
      parseSnapshotRequest({ 'data-collections': ['a.b'], 'additional-conditions': [{ filter: 'x' }] }),
    ).toThrow('"data-collection"');
  });

  it('stops everything when stop-snapshot names no tables', () => {
    expect(parseStopRequest({})).toEqual({ type: 'incremental' });
    expect(parseStopRequest({ 'data-collections': ['a.b'] })).toEqual({
      type: 'incremental',
      dataCollections: ['a.b'],
    });
  });

  it('expands data-collection regexes over the captured tables, keeping names that match none', () => {
    expect(
      expandCollections(
        ['public\\.line_.*', 'public.orders', 'public.nope'],
        ['public.orders', 'public.line_a', 'public.line_b'],
      ),
    ).toEqual(['public.line_a', 'public.line_b', 'public.orders', 'public.nope']);
  });
});
