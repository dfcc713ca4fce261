// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Debezium placeholders under test
import { describe, expect, it } from 'vitest';
import type { ConnectSchema, ConnectStruct, SourceRecord } from '../../../src/plugin/index.ts';
import { envelopeSchema } from '../../../src/plugin/index.ts';
import { configuredTransforms } from '../../../src/transforms/index.ts';
import { sourceSchema } from '../../support/runtime/debezium-sample.ts';

// Debezium's transforms: ExtractNewRecordState's routing and headers, ByLogicalTableRouter and the
// outbox EventRouter, configured as in Debezium's documentation.

function chain(raw: Record<string, string>) {
  const built = configuredTransforms(raw);
  expect(built.errors).toEqual([]);
  return (record: SourceRecord) => {
    let current: SourceRecord | null = record;
    for (const transform of built.transforms) current = current && transform(current);
    return current;
  };
}

function change(
  topic: string,
  row: ConnectSchema,
  key: { schema: ConnectSchema; value: ConnectStruct } | null,
  op: string,
  after: ConnectStruct | null,
  before: ConnectStruct | null = null,
): SourceRecord {
  const base = row.name?.replace(/\.Value$/, '') ?? topic;
  return {
    topic,
    key,
    value: {
      schema: envelopeSchema(`${base}.Envelope`, row, sourceSchema),
      value: {
        before,
        after,
        source: {
          version: 'x',
          connector: 'postgresql',
          name: 'shop',
          ts_ms: 5,
          snapshot: 'false',
          db: 'shop',
          lsn: 9,
        },
        op,
        ts_ms: 1_700_000_000_000,
        ts_us: null,
        ts_ns: null,
        transaction: null,
      },
    },
    sourcePartition: { server: 'shop' },
    sourceOffset: { lsn: 9 },
  };
}

describe('ExtractNewRecordState', () => {
  const row: ConnectSchema = {
    type: 'struct',
    optional: true,
    name: 'shop.public.orders.Value',
    fields: [
      { field: 'id', type: 'int32' },
      { field: 'region', type: 'string' },
    ],
  };
  it('routes by a row column and adds envelope values as headers', () => {
    const unwrap = chain({
      transforms: 'unwrap',
      'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
      'transforms.unwrap.route.by.field': 'region',
      'transforms.unwrap.add.headers': 'op,source.lsn',
    });
    const out = unwrap(change('shop.public.orders', row, null, 'c', { id: 1, region: 'orders_eu' }));
    expect(out?.topic).toBe('orders_eu');
    expect(out?.value?.value).toEqual({ id: 1, region: 'orders_eu' });
    expect(out?.headers).toEqual([
      { key: '__op', value: 'c' },
      { key: '__source_lsn', value: '9' },
    ]);
  });
});

describe('ByLogicalTableRouter', () => {
  const shard = (n: number): ConnectSchema => ({
    type: 'struct',
    optional: true,
    name: `shop.public.customers_shard${n}.Value`,
    fields: [
      { field: 'id', type: 'int32' },
      { field: 'name', type: 'string' },
    ],
  });
  const key = (n: number) => ({
    schema: {
      type: 'struct' as const,
      name: `shop.public.customers_shard${n}.Key`,
      fields: [{ field: 'id', type: 'int32' as const }],
    },
    value: { id: 7 },
  });

  it('merges shard topics, renames schemas and keeps keys unique with the physical table', () => {
    const route = chain({
      transforms: 'Reroute',
      'transforms.Reroute.type': 'io.debezium.transforms.ByLogicalTableRouter',
      'transforms.Reroute.topic.regex': '(.*)customers_shard(.*)',
      'transforms.Reroute.topic.replacement': '$1customers_all_shards',
    });
    const one = route(change('shop.public.customers_shard1', shard(1), key(1), 'c', { id: 7, name: 'a' }));
    const two = route(change('shop.public.customers_shard2', shard(2), key(2), 'c', { id: 7, name: 'b' }));
    expect(one?.topic).toBe('shop.public.customers_all_shards');
    expect(two?.topic).toBe('shop.public.customers_all_shards');
    expect(one?.key?.value).toEqual({
      id: 7,
      __dbz__physicalTableIdentifier: 'shop.public.customers_shard1',
    });
    expect(two?.key?.value).toEqual({
      id: 7,
      __dbz__physicalTableIdentifier: 'shop.public.customers_shard2',
    });
    expect(one?.key?.schema).toEqual({
      type: 'struct',
      name: 'shop.public.customers_all_shards.Key',
      fields: [
        { field: 'id', type: 'int32' },
        { field: '__dbz__physicalTableIdentifier', type: 'string' },
      ],
    });
    expect(one?.value?.schema?.name).toBe('shop.public.customers_all_shards.Envelope');
    expect(one?.value?.schema?.fields?.find((field) => field.field === 'after')?.name).toBe(
      'shop.public.customers_all_shards.Value',
    );
    // Equal schemas for both shards: the registry sees one subject version.
    expect(two?.value?.schema).toEqual(one?.value?.schema);
    expect(two?.key?.schema).toEqual(one?.key?.schema);
  });

  it('key.enforce.uniqueness=false keeps the key; key.field.regex picks the identifier', () => {
    const plain = chain({
      transforms: 'r',
      'transforms.r.type': 'io.debezium.transforms.ByLogicalTableRouter',
      'transforms.r.topic.regex': '(.*)customers_shard(.*)',
      'transforms.r.topic.replacement': '$1customers',
      'transforms.r.key.enforce.uniqueness': 'false',
    });
    expect(
      plain(change('shop.public.customers_shard1', shard(1), key(1), 'c', { id: 7, name: 'a' }))?.key?.value,
    ).toEqual({ id: 7 });
    const picked = chain({
      transforms: 'r',
      'transforms.r.type': 'io.debezium.transforms.ToLogicalTopicRouter',
      'transforms.r.topic.regex': '(.*)customers_shard(.*)',
      'transforms.r.topic.replacement': '$1customers',
      'transforms.r.key.field.regex': '.*_shard(\\d+)',
      'transforms.r.key.field.replacement': 'shard-$1',
    });
    expect(
      picked(change('shop.public.customers_shard3', shard(3), key(3), 'c', { id: 7, name: 'a' }))?.key?.value,
    ).toEqual({
      id: 7,
      __dbz__sourceIdentifier: 'shard-3',
    });
    const untouched = change('shop.public.other', shard(1), key(1), 'c', { id: 7, name: 'a' });
    expect(plain(untouched)).toBe(untouched);
  });
});

describe('outbox EventRouter', () => {
  const outboxRow: ConnectSchema = {
    type: 'struct',
    optional: true,
    name: 'dbserver1.inventory.outboxevent.Value',
    fields: [
      { field: 'id', type: 'string', name: 'io.debezium.data.Uuid', version: 1 },
      { field: 'aggregatetype', type: 'string' },
      { field: 'aggregateid', type: 'string' },
      { field: 'type', type: 'string' },
      { field: 'timestamp', type: 'int64', name: 'io.debezium.time.MicroTimestamp', version: 1 },
      { field: 'payload', type: 'string', optional: true },
    ],
  };
  const event = (
    op: string,
    payload: string | null = '{"orderId":1,"lines":[{"item":"Debezium in Action","qty":2}]}',
  ) =>
    change(
      'dbserver1.inventory.outboxevent',
      outboxRow,
      {
        schema: { type: 'struct', name: 'k', fields: [{ field: 'id', type: 'string' }] },
        value: { id: 'u-1' },
      },
      op,
      op === 'd'
        ? null
        : {
            id: '9a8b5b0e-0000-4000-8000-000000000001',
            aggregatetype: 'Order',
            aggregateid: '42',
            type: 'OrderCreated',
            timestamp: 1_700_000_000_123_456,
            payload,
          },
    );

  it('routes the debezium-examples outbox config: topic, key, payload value, id and eventType headers', () => {
    const outbox = chain({
      transforms: 'outbox',
      'transforms.outbox.type': 'io.debezium.transforms.outbox.EventRouter',
      'transforms.outbox.route.topic.replacement': '${routedByValue}.events',
      'transforms.outbox.table.fields.additional.placement': 'type:header:eventType',
    });
    const out = outbox(event('c'));
    expect(out?.topic).toBe('Order.events');
    expect(out?.key).toEqual({ schema: { type: 'string' }, value: '42' });
    expect(out?.value).toEqual({
      schema: { type: 'string', optional: true },
      value: '{"orderId":1,"lines":[{"item":"Debezium in Action","qty":2}]}',
    });
    expect(out?.headers).toEqual([
      { key: 'id', value: '9a8b5b0e-0000-4000-8000-000000000001' },
      { key: 'eventType', value: 'OrderCreated' },
    ]);
    expect(out?.timestamp).toBe(1_700_000_000_000);
    expect(outbox(event('d'))).toBeNull();
    expect(outbox(event('u'))).toBeNull();
    expect(outbox({ ...event('c'), value: null })).toBeNull();
  });

  it('default routing, envelope placement, event timestamps, expanded JSON and tombstones on empty payloads', () => {
    const outbox = chain({
      transforms: 'outbox',
      'transforms.outbox.type': 'io.debezium.transforms.outbox.EventRouter',
      'transforms.outbox.table.fields.additional.placement': 'type:envelope:eventType',
      'transforms.outbox.table.field.event.timestamp': 'timestamp',
      'transforms.outbox.table.expand.json.payload': 'true',
      'transforms.outbox.route.tombstone.on.empty.payload': 'true',
    });
    const out = outbox(event('c'));
    expect(out?.topic).toBe('outbox.event.Order');
    expect(out?.timestamp).toBe(1_700_000_000_123);
    expect(out?.value?.schema?.name).toBe('dbserver1.inventory.outboxevent.Order.Envelope');
    expect(out?.value?.value).toEqual({
      payload: { orderId: 1, lines: [{ item: 'Debezium in Action', qty: 2 }] },
      eventType: 'OrderCreated',
    });
    expect(out?.value?.schema?.fields?.[0]).toMatchObject({
      field: 'payload',
      type: 'struct',
      fields: [
        { field: 'orderId', type: 'int32', optional: true },
        {
          field: 'lines',
          type: 'array',
          items: { type: 'struct', fields: [{ field: 'item' }, { field: 'qty' }] },
        },
      ],
    });
    expect(outbox(event('c', null))?.value).toBeNull();
    const fatal = chain({
      transforms: 'outbox',
      'transforms.outbox.type': 'io.debezium.transforms.outbox.EventRouter',
      'transforms.outbox.table.op.invalid.behavior': 'fatal',
    });
    expect(() => fatal(event('u'))).toThrow(/Unexpected update message/);
  });
});
