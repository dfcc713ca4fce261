import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openFileStores } from '../../src/stores/file-store.ts';
import { killGroup, spawnGroup } from '../support/child-processes.ts';

// kill -9 a process that is writing configs and offsets as fast as it can; after each kill every
// value the process had acknowledged (printed after its put resolved) must be there, and every
// store file must parse. The writer lives in test/support/store-writer.ts.

const CONNECTORS = 4;
const PARTITIONS = 3;
const ROUNDS = 10;
const writer = join(import.meta.dirname, '../support/store-writer.ts');
const dataDir = mkdtempSync(join(tmpdir(), 'onramp-durability-'));

let current: ChildProcess | undefined;
afterAll(async () => {
  // A round that never reached its acks (a test timeout) leaves its writer running: not past here.
  if (current) await killGroup(current);
  rmSync(dataDir, { recursive: true, force: true });
});

/**
 * Starts the writer and kills it once `acks` arrived; resolves once it is gone and its output read:
 * it may print more acks between the one that triggered the kill and the kill itself, and those
 * values are on disk too.
 */
function runUntilAcks(firstSeq: number, acks: number): Promise<{ acked: number[] }> {
  const child = spawnGroup(process.execPath, [writer, dataDir, String(firstSeq)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  current = child;
  const acked: number[] = [];
  let stderr = '';
  let buffer = '';
  return new Promise((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`writer exited early (${code ?? signal}): ${stderr}`));
      else resolve({ acked });
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const match = /^ack (\d+)$/.exec(line);
        if (match) acked.push(Number(match[1]));
      }
      // Kill it right now, in the middle of its next round of writes.
      if (acked.length >= acks && !child.killed) child.kill('SIGKILL');
    });
  });
}

function storeFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('file store durability under kill -9', () => {
  it('keeps every acknowledged config and offset across repeated crashes', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const firstSeq = round * 1_000_000 + 1;
      const { acked } = await runUntilAcks(firstSeq, 30 + round * 10);
      const lastAcked = Math.max(...acked);

      // Every committed file parses, whatever the kill interrupted (temp files are the only leftovers).
      for (const file of storeFiles(dataDir)) {
        if (file.endsWith('.json')) expect(() => JSON.parse(readFileSync(file, 'utf8')), file).not.toThrow();
        else expect(file).toMatch(/\.json\.tmp-\d+-\d+$/);
      }

      const expectedConfig = new Map<string, number>();
      const expectedOffset = new Map<number, number>();
      for (const seq of acked) {
        expectedConfig.set(`conn ${seq % CONNECTORS}/ü`, seq);
        expectedOffset.set(seq % PARTITIONS, seq);
        expectedOffset.set((seq + 1) % PARTITIONS, seq);
      }

      const stores = await openFileStores(dataDir);
      for (const [name, seq] of expectedConfig) {
        const stored = stores.configs.get(name);
        expect(stored, name).toBeDefined();
        const storedSeq = Number(stored?.config.seq);
        // At least what was acknowledged; at most the round that was in flight when killed.
        expect(storedSeq).toBeGreaterThanOrEqual(seq);
        expect(storedSeq).toBeLessThanOrEqual(lastAcked + 1);
        expect(stored?.tasks).toEqual([{ seq: String(storedSeq) }]);
      }
      const offsets = new Map(
        stores.offsets.get('writer').map((entry) => [entry.partition.p, entry.offset.seq]),
      );
      expect(offsets.size).toBe(PARTITIONS);
      for (const [partition, seq] of expectedOffset) {
        const storedSeq = Number(offsets.get(partition));
        expect(storedSeq).toBeGreaterThanOrEqual(seq);
        expect(storedSeq).toBeLessThanOrEqual(lastAcked + 1);
      }
      await stores.flush();
      // Opening the stores removed whatever temp file the crash left behind.
      expect(storeFiles(dataDir).filter((file) => !file.endsWith('.json'))).toEqual([]);
    }
  });
});
