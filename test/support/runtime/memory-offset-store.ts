import type { SourceOffsetEntry } from '../../../src/plugin/index.ts';
import type { OffsetStore } from '../../../src/stores/stores.ts';

type Entry = { partition: SourceOffsetEntry['partition']; offset: SourceOffsetEntry['offset'] | null };

// An in-memory OffsetStore for runtime tests. `beforePut` lets a test check the world at the moment
// an offset is stored (e.g. that Kafka already has the record).
export class MemoryOffsetStore implements OffsetStore {
  private readonly data = new Map<string, Map<string, SourceOffsetEntry>>();
  readonly puts: Array<{ connector: string; entries: Entry[] }> = [];
  beforePut: ((connector: string, entries: readonly Entry[]) => Promise<void>) | undefined;

  get(connector: string): SourceOffsetEntry[] {
    return [...(this.data.get(connector)?.values() ?? [])];
  }

  async put(connector: string, entries: readonly Entry[]): Promise<void> {
    await this.beforePut?.(connector, entries);
    const map = this.data.get(connector) ?? new Map<string, SourceOffsetEntry>();
    for (const { partition, offset } of entries) {
      const key = JSON.stringify(partition);
      if (offset === null) map.delete(key);
      else map.set(key, { partition, offset });
    }
    this.data.set(connector, map);
    this.puts.push({ connector, entries: [...entries] });
  }

  async reset(connector: string): Promise<void> {
    this.data.delete(connector);
  }
}
