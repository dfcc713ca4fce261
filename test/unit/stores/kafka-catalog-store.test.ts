import { describe, expect, it } from 'vitest';
import { type DataProduct, draftProduct } from '../../../src/mesh/product-model.ts';
import { catalogTopicSpec, KafkaCatalogStore } from '../../../src/stores/kafka-catalog-store.ts';
import { MemoryTopic } from '../cluster/memory-topic-log.ts';

// Cluster mode keeps the data-product catalog in a compacted topic beside the config topic: what one
// worker writes, every worker reads (and its catalog revision moves, so its source tasks re-plan).

function product(id: string, overrides: Partial<DataProduct> = {}): DataProduct {
  const [domain = '', name = ''] = id.split('.');
  return { ...draftProduct(domain, name, '2026-12-07T00:00:00.000Z'), ...overrides };
}

async function opened(topic: MemoryTopic, skipped: string[] = []): Promise<KafkaCatalogStore> {
  const store = new KafkaCatalogStore({
    log: topic.open(),
    onSkipped: (key, reason) => skipped.push(`${key}: ${reason}`),
  });
  await store.start();
  await store.readToEnd();
  return store;
}

describe('KafkaCatalogStore', () => {
  it('names its topic after the config topic, with one partition and its settings', () => {
    expect(
      catalogTopicSpec({
        name: 'connect-configs',
        partitions: 1,
        replicationFactor: 3,
        configs: { 'min.insync.replicas': '2' },
      }),
    ).toEqual({
      name: 'connect-configs-products',
      partitions: 1,
      replicationFactor: 3,
      configs: { 'min.insync.replicas': '2' },
    });
  });

  it("shows one worker's writes and deletes to every other worker, and to one that starts later", async () => {
    const topic = new MemoryTopic('configs-products', 1);
    const a = await opened(topic);
    const b = await opened(topic);
    const before = b.revision();

    await a.put(product('sales.customers'));
    expect(a.get('sales.customers')?.status).toBe('draft'); // its own write at once
    await b.readToEnd();
    expect(b.get('sales.customers')?.status).toBe('draft');
    expect(b.revision()).toBeGreaterThan(before);

    await b.put(product('sales.customers', { status: 'published', owner: 'sales-data-team' }));
    await a.put(product('sales.orders'));
    await Promise.all([a.readToEnd(), b.readToEnd()]);
    for (const store of [a, b]) {
      expect(store.list().map((entry) => [entry.id, entry.status])).toEqual([
        ['sales.customers', 'published'],
        ['sales.orders', 'draft'],
      ]);
    }

    await a.delete('sales.orders');
    await b.readToEnd();
    expect(b.get('sales.orders')).toBeUndefined();

    const late = await opened(topic);
    expect(late.list().map((entry) => [entry.id, entry.owner])).toEqual([
      ['sales.customers', 'sales-data-team'],
    ]);
    await Promise.all([a.flush(), b.flush()]);
  });

  it('skips records that are not product documents, saying why', async () => {
    const topic = new MemoryTopic('configs-products', 1);
    topic.append([
      { key: Buffer.from('x.y'), value: Buffer.from('not json') },
      {
        key: Buffer.from('x.z'),
        value: Buffer.from(JSON.stringify({ format: 1, product: product('x.other') })),
      },
      { key: Buffer.from('x.w'), value: Buffer.from(JSON.stringify({ format: 1, product: product('x.w') })) },
    ]);
    const skipped: string[] = [];
    const store = await opened(topic, skipped);
    expect(store.list().map((entry) => entry.id)).toEqual(['x.w']);
    expect(skipped).toEqual(['x.y: not JSON', 'x.z: unexpected shape (format 1)']);
  });
});
