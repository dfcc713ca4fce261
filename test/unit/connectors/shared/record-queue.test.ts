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
});
