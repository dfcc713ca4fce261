import { describe, expect, it } from 'vitest';
import { KeyedLock } from '../../../src/host/keyed-lock.ts';

describe('KeyedLock', () => {
  it('runs work for one key in order, even after a failure, and other keys independently', async () => {
    const lock = new KeyedLock();
    const events: string[] = [];
    let releaseFirst: () => void = () => undefined;
    const first = lock.run('a', async () => {
      events.push('a1 start');
      await new Promise<void>((resolve) => {
        releaseFirst = resolve;
      });
      events.push('a1 end');
      throw new Error('a1 failed');
    });
    const second = lock.run('a', async () => {
      events.push('a2');
      return 2;
    });
    const other = lock.run('b', async () => {
      events.push('b1');
      return 'b';
    });
    expect(await other).toBe('b');
    expect(events).toEqual(['a1 start', 'b1']);
    releaseFirst();
    await expect(first).rejects.toThrow('a1 failed');
    expect(await second).toBe(2);
    expect(events).toEqual(['a1 start', 'b1', 'a1 end', 'a2']);
  });
});
