import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { TailRecord } from '../../../src/kafka/topic-tail.ts';
import { FreshnessTracker } from '../../../src/mesh/freshness.ts';
import { type DataProduct, DEFAULT_POLICY } from '../../../src/mesh/product-model.ts';
import { ProductSamples } from '../../../src/mesh/product-samples.ts';

const topic = 'shop.public.customers';

function product(overrides: Partial<DataProduct> = {}): DataProduct {
  return {
    id: 'sales.customers',
    domain: 'sales',
    name: 'customers',
    status: 'draft',
    slaTier: 'tier-3',
    quality: 'raw',
    tags: [],
    version: '1.0.0',
    outputPorts: [
      {
        topic,
        keySubject: `${topic}-key`,
        valueSubject: `${topic}-value`,
        format: 'json',
        table: 'public.customers',
        keyColumns: ['id'],
      },
    ],
    inputPorts: [],
    consumers: [],
    sources: [],
    captured: {},
    classifications: [
      { column: 'public.customers.email', category: 'email', reason: 'name', state: 'suggested' },
      {
        column: 'public.customers.phone',
        category: 'phone',
        reason: 'name',
        state: 'confirmed',
        treatment: 'drop',
      },
      {
        column: 'public.customers.name',
        category: 'name',
        reason: 'name',
        state: 'confirmed',
        treatment: 'mask',
      },
      { column: 'public.customers.city', category: 'address', reason: 'name', state: 'rejected' },
    ],
    policy: DEFAULT_POLICY,
    created: '',
    updated: '',
    ...overrides,
  };
}

function record(offset: number, value: unknown): TailRecord {
  return {
    topic,
    partition: 0,
    offset: String(offset),
    timestamp: 1_700_000_000_000 + offset,
    key: Buffer.from(JSON.stringify({ id: offset })),
    value: value === null ? null : Buffer.from(JSON.stringify(value)),
    headers: [{ key: 'onramp.product', value: Buffer.from('sales.customers') }],
  };
}

describe('product samples', () => {
  it('decodes Connect JSON and treats every classified column the owner did not reject', async () => {
    const row = { id: 1, email: 'ann@example.com', phone: '+49 30 1234', name: 'Ann Smith', city: 'Berlin' };
    const envelope = {
      schema: { type: 'struct' },
      payload: { before: null, after: row, op: 'c', source: { schema: 'public', table: 'customers' } },
    };
    const samples = new ProductSamples({
      tail: { latest: async () => [record(2, envelope), record(1, null)] },
      registry: undefined,
      salt: Buffer.from('salt'),
    });
    const answer = await samples.samples(product(), 5);
    expect(answer.masked).toEqual([
      { column: 'public.customers.email', treatment: 'hash' },
      { column: 'public.customers.phone', treatment: 'drop' },
      { column: 'public.customers.name', treatment: 'mask' },
    ]);
    const [first, tombstone] = answer.ports[0]?.events ?? [];
    const after = (first?.value as { after: Record<string, unknown> }).after;
    expect(after.email).toMatch(/^[0-9a-f]{64}$/);
    expect(after).not.toHaveProperty('phone');
    expect(after.name).toBe('A*******h');
    expect(after.city).toBe('Berlin');
    expect(first?.key).toEqual({ id: 2 });
    expect(first?.headers).toEqual({ 'onramp.product': 'sales.customers' });
    expect(tombstone?.value).toBeNull();
  });

  it('leaves a value the product stage hashed already as it is, and reports a topic it cannot read', async () => {
    const hashed = 'a'.repeat(64);
    const samples = new ProductSamples({
      tail: {
        latest: async () => [
          record(1, { after: { id: 1, email: hashed }, source: { schema: 'public', table: 'customers' } }),
        ],
      },
      registry: undefined,
      salt: Buffer.from('salt'),
    });
    const answer = await samples.samples(product(), 5);
    expect((answer.ports[0]?.events[0]?.value as { after: { email: string } }).after.email).toBe(hashed);
    const broken = new ProductSamples({
      tail: { latest: async () => Promise.reject(new Error('Kafka is down')) },
      registry: undefined,
      salt: Buffer.from('salt'),
    });
    expect((await broken.samples(product(), 5)).ports).toEqual([
      { topic, format: 'json', events: [], error: 'Kafka is down' },
    ]);
  });

  it('shows of a key-only delete only its key, naming the columns the event does not carry', async () => {
    const source = { schema: 'public', table: 'customers' };
    // REPLICA IDENTITY DEFAULT: Debezium's zero values for NOT NULL columns, null for the others; the
    // product stage hashed (email) and masked (name) the '' of the classified ones
    const keyOnly = {
      before: {
        id: 3,
        email: createHmac('sha256', 'salt').update('').digest('hex'),
        name: '**',
        phone: null,
        city: null,
        visits: 0,
        since: 0,
        balance: 'AA==',
      },
      after: null,
      op: 'd',
      source,
    };
    // REPLICA IDENTITY FULL: the whole old row
    const full = {
      before: { id: 4, email: '', name: 'Bo', phone: null, city: null, visits: 0, since: 0, balance: 'AA==' },
      after: null,
      op: 'd',
      source,
    };
    const samples = new ProductSamples({
      tail: { latest: async () => [record(3, keyOnly), record(4, full)] },
      registry: undefined,
      salt: Buffer.from('salt'),
    });
    const [deleted, whole] = (await samples.samples(product(), 5)).ports[0]?.events ?? [];
    expect((deleted?.value as { before: unknown }).before).toEqual({ id: 3 });
    expect(deleted?.absent).toEqual({
      columns: ['email', 'name', 'city', 'visits', 'since', 'balance'], // phone is dropped
      reason: 'not in the delete event (replica identity keeps only the key)',
    });
    expect(whole?.absent).toBeUndefined();
    expect((whole?.value as { before: Record<string, unknown> }).before).toMatchObject({
      id: 4,
      visits: 0,
      since: 0,
    });
  });
});

describe('freshness history', () => {
  it('keeps the worst lag and the event count of each minute of the last hour', () => {
    let now = 10 * 60_000;
    const tracker = new FreshnessTracker(() => now);
    tracker.record(topic, now - 50, now);
    tracker.record(topic, now + 1_000 - 20, now + 1_000);
    now += 60_000;
    tracker.record(topic, undefined, now);
    expect(tracker.history(topic)).toEqual([
      { minute: new Date(10 * 60_000).toISOString(), maxLagMs: 50, events: 2 },
      { minute: new Date(11 * 60_000).toISOString(), events: 1 },
    ]);
    now += 60 * 60_000;
    expect(tracker.history(topic)).toEqual([]);
    expect(tracker.history('other')).toEqual([]);
  });
});
