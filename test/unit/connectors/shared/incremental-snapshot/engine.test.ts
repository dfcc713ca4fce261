import { describe, expect, it } from 'vitest';
import { IncrementalSnapshotEngine } from '../../../../../connectors/shared/incremental-snapshot/engine.ts';
import { InterceptedQueue } from '../../../../../connectors/shared/incremental-snapshot/intercepted-queue.ts';
import type {
  ChunkBounds,
  ChunkRow,
  ChunkTable,
  IncrementalSource,
} from '../../../../../connectors/shared/incremental-snapshot/snapshot-source.ts';
import type { ConnectStruct, SourceRecord } from '../../../../../src/plugin/index.ts';
import { waitFor } from '../../../../support/wait-for.ts';

// The engine's algorithm against a source of our own interface (rows in memory; a chunk "sees"
// the changes whose commit sequence is below its visibility): the rows of keys changed by streamed
// transactions the chunk did not see are dropped, a signal table's window drops the keys changed
// before its close row and sends the rest there, and every record carries the snapshot's offset.

const TOPIC = 'shop.public.items';
const SIGNALS = 'shop.public.debezium_signal';
const log = { debug() {}, info() {}, warn() {}, error() {} };

/** A table of ids 1..n with values, and the commit sequence chunk reads see below. */
class MemorySource implements IncrementalSource<number> {
  readonly rows = new Map<number, number>();
  visibility = 0;
  readonly signals: string[][] = [];

  constructor(count: number) {
    for (let id = 1; id <= count; id += 1) this.rows.set(id, 0);
  }

  async tableIds() {
    return ['public.items'];
  }

  async table(id: string): Promise<ChunkTable> {
    return { id, topic: TOPIC, keyColumns: ['id'], estimatedRows: this.rows.size };
  }

  async maximumKey() {
    return [{ type: 'int' as const, value: Math.max(...this.rows.keys()) }];
  }

  async readChunk(_table: ChunkTable, bounds: ChunkBounds) {
    const after = (bounds.after?.[0] as { value: number } | undefined)?.value ?? 0;
    const upTo = (bounds.upTo[0] as { value: number }).value;
    const ids = [...this.rows.keys()].filter((id) => id > after && id <= upTo).sort((a, b) => a - b);
    const rows = ids.slice(0, bounds.limit).map((id): ChunkRow => {
      const value = this.rows.get(id) as number;
      return {
        key: [{ type: 'int', value: id }],
        eventKey: { id },
        build: (marker, offset) => record('r', id, value, offset, marker),
      };
    });
    return { rows, visibility: this.visibility };
  }

  sees(source: ConnectStruct, visibility: number) {
    return (source.seq as number) < visibility;
  }

  async insertSignal(id: string, type: string, data: string) {
    this.signals.push([id, type, data]);
  }

  async deleteSignal() {}

  async close() {}
}

function record(
  op: string,
  id: number,
  value: number,
  offset: Record<string, unknown>,
  marker = 'false',
  seq = 0,
): SourceRecord {
  return {
    topic: TOPIC,
    key: { schema: null, value: { id } },
    value: {
      schema: null,
      value: { op, before: null, after: { id, value }, source: { snapshot: marker, seq } },
    },
    sourcePartition: { server: 'shop' },
    sourceOffset: offset as SourceRecord['sourceOffset'],
  };
}

function signalRow(id: string, type: string): SourceRecord {
  return {
    topic: SIGNALS,
    key: { schema: null, value: { id } },
    value: { schema: null, value: { op: 'c', before: null, after: { id, type, data: '{}' }, source: {} } },
    sourcePartition: { server: 'shop' },
    sourceOffset: { pos: 99 },
  };
}

function engine(source: MemorySource, signalTable = false) {
  return new IncrementalSnapshotEngine({
    source,
    log,
    chunkSize: 4,
    signalTable: signalTable ? { id: 'public.debezium_signal', topic: SIGNALS } : undefined,
    writeWatermarks: signalTable,
    watermarkStrategy: 'insert_insert',
    sourceChannel: true,
    stored: undefined,
    count: () => {},
    onFailure: (error) => {
      throw error;
    },
  });
}

const reads = (records: readonly SourceRecord[]) =>
  records
    .filter((item) => (item.value?.value as ConnectStruct).op === 'r')
    .map((item) => (item.key?.value as ConnectStruct).id);

describe('the incremental snapshot engine', () => {
  it('drops the rows of keys changed by streamed transactions the chunk did not see', async () => {
    const source = new MemorySource(6);
    const queue = new InterceptedQueue<SourceRecord>(100);
    const snapshots = engine(source);
    snapshots.attach(queue, { pos: 1 });
    // Streamed (committed, flushed) but not yet visible to other sessions: sequence 7.
    source.rows.set(3, 7);
    await queue.put(record('u', 3, 7, { pos: 2 }, 'false', 7));
    source.rows.set(3, 0); // the chunk's view still has the old row
    source.visibility = 5;
    await snapshots.signal(
      { id: 's1', type: 'execute-snapshot', data: { 'data-collections': ['public.items'] }, channel: 'rest' },
      true,
    );
    const taken: SourceRecord[] = [];
    await waitFor('the snapshot to end', async () => {
      taken.push(...(await queue.take(100, 5)));
      return snapshots.progress().tables[0]?.state === 'done';
    });
    taken.push(...(await queue.take(100, 5)));
    expect(reads(taken)).toEqual([1, 2, 4, 5, 6]);
    const firstRead = taken.find((item) => (item.value?.value as ConnectStruct).op === 'r');
    expect(firstRead?.sourceOffset).toMatchObject({ pos: 2, incremental_snapshot_correlation_id: 's1' });
    await snapshots.stop();
  });

  it("drops the keys changed before the signal table's close row and sends the rest there", async () => {
    const source = new MemorySource(3);
    source.visibility = 100;
    const queue = new InterceptedQueue<SourceRecord>(100);
    const snapshots = engine(source, true);
    snapshots.attach(queue, { pos: 1 });
    // The signal arrives through the signal table, as a streamed insert.
    const signal = signalRow('ad-hoc', 'execute-snapshot');
    (signal.value?.value as { after: ConnectStruct }).after.data = '{"data-collections":["public.items"]}';
    await queue.put(signal);
    await waitFor('the open and close rows', () => source.signals.length === 2);
    const [open, close] = source.signals as [string[], string[]];
    expect(open[1]).toBe('snapshot-window-open');
    expect(close[1]).toBe('snapshot-window-close');
    expect(JSON.parse(close[2] as string)).toMatchObject({
      correlationId: 'ad-hoc',
      dataCollectionId: 'public.items',
    });
    // Streamed before the close row: its key leaves the window.
    await queue.put(record('u', 2, 9, { pos: 3 }, 'false', 50));
    expect(reads(await queue.take(100, 5))).toEqual([]);
    await queue.put(signalRow(close[0] as string, 'snapshot-window-close'));
    const taken = await queue.take(100, 5);
    expect(reads(taken)).toEqual([1, 3]);
    // The rows go out just before the close row, with the position before it.
    expect(taken.at(-1)?.topic).toBe(SIGNALS);
    expect(taken[0]?.sourceOffset).toMatchObject({ pos: 3 });
    await snapshots.stop();
  });
});
