import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { connectClient } from '../../../../connectors/shared/pg-client.ts';

// A port Node refuses makes pg's socket connect throw synchronously after pg armed its connection
// timer; unfixed, the timer later destroys the socket with an 'error' nobody listens to and the
// process exits. No network is involved: the socket never gets to connect.

const uncaught: unknown[] = [];
const record = (error: unknown) => uncaught.push(error);

afterEach(() => {
  vi.useRealTimers();
  process.off('uncaughtException', record);
  uncaught.length = 0;
});

describe('connectClient', () => {
  it.each([70_000, -1, 65_536])('rejects port %s and leaves nothing that errors later', async (port) => {
    process.on('uncaughtException', record);
    // pg's connection timer on fake time: the test runs it instead of waiting for it.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const client = new pg.Client({
      host: '127.0.0.1',
      port,
      user: 'x',
      database: 'x',
      connectionTimeoutMillis: 50,
    });
    await expect(connectClient(client)).rejects.toThrow(/Port should be >= 0 and < 65536/);
    // Past pg's connection timer: it must have been cleared (or find a listener).
    vi.advanceTimersByTime(1_000);
    await new Promise((resolve) => setImmediate(resolve));
    expect(uncaught).toEqual([]);
    expect(client.listenerCount('error')).toBeGreaterThan(0);
  });
});
