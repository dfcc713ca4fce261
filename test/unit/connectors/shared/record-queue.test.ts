import { describe, expect, it } from 'vitest';
import { RecordQueue } from '../../../../connectors/shared/record-queue.ts';

describe('record queue', () => {
  it('hands out items in order, at most `max` per take', async () => {
    const queue = new RecordQueue<number>(10);
    for (const item of [1, 2, 3]) await queue.put(item);
    expect(await queue.take(2, 10)).toEqual([1, 2]);
    expect(await queue.take(2, 10)).toEqual([3]);
    expect(await queue.take(2, 10)).toEqual([]);
  });

  it('makes producers wait while full and admits them in arrival order', async () => {
    const queue = new RecordQueue<number>(2);
    await queue.put(1);
    await queue.put(2);
    const admitted: number[] = [];
    const third = queue.put(3).then(() => admitted.push(3));
    const fourth = queue.put(4).then(() => admitted.push(4));
    expect(queue.tryPut(99)).toBe(false);
    expect(queue.size).toBe(4);
    await Promise.resolve();
    expect(admitted).toEqual([]);
    expect(await queue.take(1, 10)).toEqual([1]);
    await third;
    expect(admitted).toEqual([3]);
    expect(await queue.take(10, 10)).toEqual([2, 3]);
    await fourth;
    expect(await queue.take(10, 10)).toEqual([4]);
  });

  it('wakes a waiting taker as soon as an item arrives', async () => {
    const queue = new RecordQueue<string>(4);
    const taken = queue.take(10, 60_000);
    await queue.put('x');
    expect(await taken).toEqual(['x']);
  });

  it('returns nothing when aborted while waiting', async () => {
    const queue = new RecordQueue<string>(4);
    const abort = new AbortController();
    const taken = queue.take(10, 60_000, abort.signal);
    abort.abort();
    expect(await taken).toEqual([]);
  });

  it('fails takers and producers with the failure', async () => {
    const queue = new RecordQueue<number>(1);
    await queue.put(1);
    const waiting = queue.put(2);
    queue.fail(new Error('boom'));
    await expect(waiting).rejects.toThrow('boom');
    await expect(queue.take(1, 10)).rejects.toThrow('boom');
    await expect(queue.put(3)).rejects.toThrow('boom');
  });

  it('rejects waiting producers on close', async () => {
    const queue = new RecordQueue<number>(1);
    await queue.put(1);
    const waiting = queue.put(2);
    queue.close();
    await expect(waiting).rejects.toThrow(/closed/);
    expect(queue.tryPut(3)).toBe(false);
  });

  describe('bounded by bytes as well (max.queue.size.in.bytes)', () => {
    const bytes = { maxBytes: 100, sizeOf: (item: number) => item };

    it('makes producers wait once the items add up to maxBytes, though fewer than capacity', async () => {
      const queue = new RecordQueue<number>(1000, bytes);
      await queue.put(60);
      await queue.put(40);
      expect(queue.bytes).toBe(100);
      const admitted: number[] = [];
      const next = queue.put(30).then(() => admitted.push(30));
      expect(queue.tryPut(1)).toBe(false);
      await Promise.resolve();
      expect(admitted).toEqual([]);
      expect(await queue.take(1, 10)).toEqual([60]);
      await next;
      expect(admitted).toEqual([30]);
      expect(queue.bytes).toBe(70);
      expect(await queue.take(10, 10)).toEqual([40, 30]);
      expect(queue.bytes).toBe(0);
    });

    it('admits an item larger than maxBytes into an empty queue, so nothing gets stuck', async () => {
      const queue = new RecordQueue<number>(1000, bytes);
      await queue.put(500);
      expect(queue.tryPut(1)).toBe(false);
      expect(await queue.take(10, 10)).toEqual([500]);
      expect(queue.tryPut(1)).toBe(true);
    });

    it('still stops at capacity, and maxBytes 0 means no bound by bytes', async () => {
      const capped = new RecordQueue<number>(2, bytes);
      await capped.put(1);
      await capped.put(1);
      expect(capped.tryPut(1)).toBe(false);
      const unbounded = new RecordQueue<number>(3, { maxBytes: 0, sizeOf: (item: number) => item });
      for (const item of [1_000, 1_000, 1_000]) expect(unbounded.tryPut(item)).toBe(true);
      expect(unbounded.maxBytes).toBe(0);
      expect(unbounded.bytes).toBe(0);
    });
  });
});
