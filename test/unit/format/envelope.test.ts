import { describe, expect, it } from 'vitest';
import { postgresSourceSchema } from '../../../connectors/postgres-source/source-block.ts';
import {
  envelopeSchema,
  envelopeValue,
  eventTimeFromMicros,
  heartbeatKey,
  heartbeatTopic,
  heartbeatValue,
  OP,
  recordNames,
  tombstoneOf,
} from '../../../src/format/index.ts';
import type { ConnectSchema } from '../../../src/plugin/index.ts';
import golden from '../../fixtures/postgres/envelope-schema.golden.json' with { type: 'json' };

const row: ConnectSchema = {
  type: 'struct',
  name: 'shop.public.users.Value',
  optional: true,
  fields: [
    { field: 'id', type: 'int32', optional: false },
    { field: 'email', type: 'string', optional: true },
  ],
};

describe('record names', () => {
  it('follows <prefix>.<namespace>.<table> with Key/Value/Envelope', () => {
    expect(recordNames('shop', 'public', 'users')).toEqual({
      topic: 'shop.public.users',
      key: 'shop.public.users.Key',
      value: 'shop.public.users.Value',
      envelope: 'shop.public.users.Envelope',
    });
  });
});

describe('envelope schema', () => {
  it("matches Debezium's PostgreSQL envelope (golden): field order, versions, source block", () => {
    const schema = envelopeSchema('shop.public.users.Envelope', row, postgresSourceSchema);
    expect(JSON.parse(JSON.stringify(schema))).toEqual(golden);
  });

  it('makes a required row schema optional for before/after', () => {
    const schema = envelopeSchema('x.Envelope', { ...row, optional: false }, postgresSourceSchema);
    expect(schema.fields?.[0]).toMatchObject({
      field: 'before',
      optional: true,
      name: 'shop.public.users.Value',
    });
    expect(schema.fields?.[1]).toMatchObject({ field: 'after', optional: true });
  });
});

describe('envelope value', () => {
  it('carries op, images, source and processing time in ms/us/ns', () => {
    const time = eventTimeFromMicros(1_718_000_000_123_456n);
    const value = envelopeValue({
      op: OP.update,
      before: { id: 1 },
      after: { id: 2 },
      source: { name: 'shop' },
      time,
    });
    expect(Object.keys(value)).toEqual([
      'before',
      'after',
      'source',
      'transaction',
      'op',
      'ts_ms',
      'ts_us',
      'ts_ns',
    ]);
    expect(value).toEqual({
      before: { id: 1 },
      after: { id: 2 },
      source: { name: 'shop' },
      op: 'u',
      ts_ms: 1_718_000_000_123,
      ts_us: 1_718_000_000_123_456,
      ts_ns: 1_718_000_000_123_456_000n,
      transaction: null,
    });
  });

  it('uses the current time when none is given', () => {
    const before = Date.now();
    const value = envelopeValue({ op: OP.create, before: null, after: { id: 1 }, source: {} });
    expect(value.ts_ms).toBeGreaterThanOrEqual(before - 1);
    expect(value.ts_us).toBe(Math.floor(Number(value.ts_ns) / 1000));
    expect(Math.floor((value.ts_us as number) / 1000)).toBe(value.ts_ms);
  });

  it('floors times before the epoch like Instant.toEpochMilli', () => {
    expect(eventTimeFromMicros(-1n)).toEqual({ ts_ms: -1, ts_us: -1, ts_ns: -1000n });
  });

  it('fills the transaction block when given', () => {
    const value = envelopeValue({
      op: OP.create,
      before: null,
      after: {},
      source: {},
      transaction: { id: '771:24023128', total_order: 2, data_collection_order: 1 },
    });
    expect(value.transaction).toEqual({ id: '771:24023128', total_order: 2, data_collection_order: 1 });
  });
});

describe('tombstones and heartbeats', () => {
  it('a tombstone keeps the key and nulls the value', () => {
    const record = {
      topic: 't',
      key: { schema: null, value: { id: 1 } },
      value: { schema: null, value: { op: 'd' } },
    };
    expect(tombstoneOf(record)).toEqual({ topic: 't', key: { schema: null, value: { id: 1 } }, value: null });
  });

  it("heartbeats use Debezium's topic and schemas", () => {
    expect(heartbeatTopic('__debezium-heartbeat', 'shop')).toBe('__debezium-heartbeat.shop');
    expect(heartbeatKey('shop')).toEqual({
      schema: {
        type: 'struct',
        name: 'io.debezium.connector.common.ServerNameKey',
        version: 1,
        optional: false,
        fields: [{ field: 'serverName', type: 'string', optional: false }],
      },
      value: { serverName: 'shop' },
    });
    expect(heartbeatValue(5).value).toEqual({ ts_ms: 5 });
    expect(heartbeatValue(5).schema?.name).toBe('io.debezium.connector.common.Heartbeat');
  });
});
