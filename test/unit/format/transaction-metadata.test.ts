import { describe, expect, it } from 'vitest';
import {
  TransactionTracker,
  transactionBeginValue,
  transactionDataCollectionSchema,
  transactionEndValue,
  transactionKey,
  transactionKeySchema,
  transactionOffsetFields,
  transactionProgressOf,
  transactionTopic,
  transactionValueSchema,
} from '../../../src/format/index.ts';
import { codecForAvroText, codecForConnect } from '../../../src/schema/avro-codec.ts';
import { connectToAvro } from '../../../src/schema/connect-to-avro.ts';

// Debezium's SchemaFactory: transactionKeySchema, transactionValueSchema and
// transactionEventCountPerDataCollectionSchema (names, versions, field order and optionality).
describe('transaction metadata schemas', () => {
  it('key: io.debezium.connector.common.TransactionMetadataKey {id}', () => {
    expect(JSON.parse(JSON.stringify(transactionKeySchema))).toEqual({
      type: 'struct',
      name: 'io.debezium.connector.common.TransactionMetadataKey',
      version: 1,
      optional: false,
      fields: [{ field: 'id', type: 'string', optional: false }],
    });
  });

  it('value: status, id, event_count?, data_collections? (array of event.collection), ts_ms', () => {
    expect(JSON.parse(JSON.stringify(transactionValueSchema))).toEqual({
      type: 'struct',
      name: 'io.debezium.connector.common.TransactionMetadataValue',
      version: 1,
      optional: false,
      fields: [
        { field: 'status', type: 'string', optional: false },
        { field: 'id', type: 'string', optional: false },
        { field: 'event_count', type: 'int64', optional: true },
        {
          field: 'data_collections',
          type: 'array',
          optional: true,
          items: {
            type: 'struct',
            name: 'event.collection',
            version: 1,
            optional: true,
            fields: [
              { field: 'data_collection', type: 'string', optional: false },
              { field: 'event_count', type: 'int64', optional: false },
            ],
          },
        },
        { field: 'ts_ms', type: 'int64', optional: false },
      ],
    });
    expect(transactionDataCollectionSchema.name).toBe('event.collection');
  });

  it('topic is <topic.prefix>.<topic.transaction>', () => {
    expect(transactionTopic('shop', 'transaction')).toBe('shop.transaction');
  });

  it('BEGIN has no counts; END counts events per data collection', () => {
    expect(transactionKey('571:53195829')).toEqual({
      schema: transactionKeySchema,
      value: { id: '571:53195829' },
    });
    expect(transactionBeginValue('571:53195829', 1486500577125).value).toEqual({
      status: 'BEGIN',
      id: '571:53195829',
      event_count: null,
      data_collections: null,
      ts_ms: 1486500577125,
    });
    const counts = {
      total: 2,
      perCollection: new Map([
        ['s1.a', 1],
        ['s2.a', 1],
      ]),
    };
    expect(transactionEndValue('571:53195832', 1486500577691, counts).value).toEqual({
      status: 'END',
      id: '571:53195832',
      event_count: 2,
      data_collections: [
        { data_collection: 's1.a', event_count: 1 },
        { data_collection: 's2.a', event_count: 1 },
      ],
      ts_ms: 1486500577691,
    });
  });

  it('round-trips BEGIN and END through Avro (records event.collection inside an optional array)', () => {
    const avro = connectToAvro(transactionValueSchema) as { name: string; namespace?: string };
    expect(avro).toMatchObject({
      name: 'TransactionMetadataValue',
      namespace: 'io.debezium.connector.common',
    });
    const writer = codecForConnect(transactionValueSchema);
    const reader = codecForAvroText(writer.avroText);
    const end = transactionEndValue('7:100', 5, { total: 1, perCollection: new Map([['public.t', 1]]) });
    const begin = transactionBeginValue('7:90', 5);
    expect(reader.decode(writer.encode(end.value))).toEqual(end.value);
    expect(reader.decode(writer.encode(begin.value))).toEqual(begin.value);
    const key = codecForConnect(transactionKeySchema);
    expect(key.decode(key.encode({ id: '7:90' }))).toEqual({ id: '7:90' });
  });
});

describe('TransactionTracker', () => {
  it('numbers events from 1, in the transaction and per data collection, and starts over', () => {
    const tracker = new TransactionTracker();
    tracker.begin('571');
    expect(tracker.event('public.a', '571:10')).toEqual({
      id: '571:10',
      total_order: 1,
      data_collection_order: 1,
    });
    expect(tracker.event('public.b', '571:11')).toMatchObject({ total_order: 2, data_collection_order: 1 });
    expect(tracker.event('public.a', '571:12')).toMatchObject({ total_order: 3, data_collection_order: 2 });
    const counts = tracker.end();
    expect(counts.total).toBe(3);
    expect([...counts.perCollection]).toEqual([
      ['public.a', 2],
      ['public.b', 1],
    ]);
    expect(tracker.id).toBeUndefined();
    expect(tracker.offsetFields()).toEqual({});
    tracker.begin('572');
    expect(tracker.event('public.b', '572:20')).toMatchObject({ total_order: 1, data_collection_order: 1 });
  });

  it("stores progress in Debezium's offset keys and resumes from them", () => {
    const tracker = new TransactionTracker();
    tracker.begin('571');
    tracker.event('public.a', 'x');
    tracker.event('public.b', 'x');
    tracker.event('public.a', 'x');
    const fields = tracker.offsetFields();
    expect(fields).toEqual({
      transaction_id: '571',
      'transaction_data_collection_order_public.a': 2,
      'transaction_data_collection_order_public.b': 1,
    });
    const progress = transactionProgressOf({ lsn: 5, txId: 571, ...fields });
    expect(progress?.id).toBe('571');
    expect(progress?.counts.total).toBe(3);
    expect(progress && transactionOffsetFields(progress)).toEqual(fields);

    const resumed = new TransactionTracker();
    if (progress) resumed.resume(progress);
    expect(resumed.event('public.b', 'y')).toMatchObject({ total_order: 4, data_collection_order: 2 });
    expect(resumed.end().total).toBe(4);
  });

  it('finds no progress in an offset without a transaction id', () => {
    expect(transactionProgressOf({ lsn: 5, txId: 571, messageType: 'COMMIT' })).toBeUndefined();
  });
});
