import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileNameFor } from '../../../src/stores/file-name.ts';
import { openFileStores } from '../../../src/stores/file-store.ts';

// GET /connectors/{n}/offsets and a task restart read the offset store: they must never see an offset
// that is not on disk yet, or a crash right after would restart behind what was shown (a crash test
// once failed in that window).

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'onramp-offsets-'));
  dirs.push(dir);
  return dir;
}

/** The offsets the connector's file holds right now, by partition number. */
function onDisk(dir: string, connector: string): Map<number, number> {
  let doc: { offsets: { partition: { p: number }; offset: { seq: number } }[] };
  try {
    doc = JSON.parse(readFileSync(join(dir, 'offsets', fileNameFor(connector)), 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw error;
  }
  return new Map(doc.offsets.map((entry) => [entry.partition.p, entry.offset.seq]));
}

describe('file offset store', () => {
  it('shows an offset only once its write is durable', async () => {
    const dir = dataDir();
    const stores = await openFileStores(dir);
    const first = stores.offsets.put('c', [{ partition: { p: 0 }, offset: { seq: 1 } }]);
    expect(stores.offsets.get('c')).toEqual([]);
    await first;
    expect(stores.offsets.get('c')).toEqual([{ partition: { p: 0 }, offset: { seq: 1 } }]);

    const second = stores.offsets.put('c', [{ partition: { p: 0 }, offset: { seq: 2 } }]);
    expect(stores.offsets.get('c')).toEqual([{ partition: { p: 0 }, offset: { seq: 1 } }]);
    await second;
    expect(stores.offsets.get('c')).toEqual([{ partition: { p: 0 }, offset: { seq: 2 } }]);

    const reset = stores.offsets.reset('c');
    expect(stores.offsets.get('c')).toEqual([{ partition: { p: 0 }, offset: { seq: 2 } }]);
    await reset;
    expect(stores.offsets.get('c')).toEqual([]);
    expect(onDisk(dir, 'c').size).toBe(0);
  });

  it('never shows more than the file holds while puts overlap, and ends with every put', async () => {
    const dir = dataDir();
    const stores = await openFileStores(dir);
    const PARTITIONS = 3;
    const ROUNDS = 200;
    let checks = 0;
    let running = true;
    // Reads between every turn of the event loop while the writes run.
    const reader = (async () => {
      while (running) {
        const shown = stores.offsets.get('c');
        const file = onDisk(dir, 'c');
        for (const { partition, offset } of shown) {
          expect(file.get(partition.p as number)).toBeGreaterThanOrEqual(offset.seq as number);
        }
        checks++;
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const puts: Promise<void>[] = [];
    for (let seq = 1; seq <= ROUNDS; seq++) {
      puts.push(stores.offsets.put('c', [{ partition: { p: seq % PARTITIONS }, offset: { seq } }]));
      if (seq % 10 === 0) await Promise.all(puts.splice(0));
    }
    await Promise.all(puts);
    running = false;
    await reader;
    expect(checks).toBeGreaterThan(10);
    const last = new Map([...Array(PARTITIONS).keys()].map((p) => [p, ROUNDS - ((ROUNDS - p) % PARTITIONS)]));
    expect(new Map(stores.offsets.get('c').map((e) => [e.partition.p, e.offset.seq]))).toEqual(last);
    expect(onDisk(dir, 'c')).toEqual(last);

    // A reopened store starts from the file.
    const reopened = await openFileStores(dir);
    expect(reopened.offsets.get('c')).toEqual(stores.offsets.get('c'));
  });
});
