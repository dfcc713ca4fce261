import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openFileStores } from '../../../src/stores/file-store.ts';
import type { ConfigListener, StoredConnector } from '../../../src/stores/stores.ts';

// The herder reacts to the config store's notifications (a write on any worker reaches the others
// through the store); the file store tells its own process about every durable change.

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function recorder(): { events: string[]; listener: ConfigListener } {
  const events: string[] = [];
  return {
    events,
    listener: {
      onConnectorConfigUpdate: (name) => events.push(`config ${name}`),
      onConnectorConfigRemove: (name) => events.push(`remove ${name}`),
      onTaskConfigUpdate: (name) => events.push(`tasks ${name}`),
      onTargetStateChange: (name) => events.push(`target ${name}`),
      onRestartRequest: (request) =>
        events.push(`restart ${request.connector} ${request.includeTasks} ${request.onlyFailed}`),
    },
  };
}

const connector: StoredConnector = {
  name: 'c',
  config: { name: 'c', 'connector.class': 'Test' },
  targetState: 'STARTED',
  tasks: [{}],
};

describe('file config store notifications', () => {
  it('tells each listener what changed, once durable, until it unsubscribes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'onramp-notify-'));
    dirs.push(dir);
    const stores = await openFileStores(dir);
    const { events, listener } = recorder();
    const stop = stores.configs.subscribe(listener);

    await stores.configs.put(connector);
    expect(events.splice(0)).toEqual(['config c', 'tasks c']);
    await stores.configs.put({ ...connector });
    expect(events.splice(0)).toEqual([]);
    await stores.configs.put({ ...connector, targetState: 'PAUSED' });
    expect(events.splice(0)).toEqual(['target c']);
    await stores.configs.put({ ...connector, targetState: 'STOPPED', tasks: [] });
    expect(events.splice(0)).toEqual(['target c', 'tasks c']);
    await stores.configs.put({ ...connector, config: { ...connector.config, extra: '1' } });
    expect(events.splice(0)).toEqual(['config c', 'target c', 'tasks c']);
    await stores.configs.putRestartRequest({ connector: 'c', includeTasks: true, onlyFailed: false });
    expect(events.splice(0)).toEqual(['restart c true false']);
    await stores.configs.delete('c');
    await stores.configs.delete('c');
    expect(events.splice(0)).toEqual(['remove c']);

    stop();
    await stores.configs.put(connector);
    expect(events).toEqual([]);
  });

  it('keeps a status generation across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'onramp-generation-'));
    dirs.push(dir);
    const stores = await openFileStores(dir);
    await stores.statuses.putTask('c', 0, { state: 'RUNNING', workerId: 'w1:8083', generation: 7 });
    await stores.flush();
    const reopened = await openFileStores(dir);
    expect(reopened.statuses.getTask('c', 0)).toEqual({
      state: 'RUNNING',
      workerId: 'w1:8083',
      generation: 7,
    });
  });
});
