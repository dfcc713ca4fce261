import type { ConnectStruct, SnapshotMarker, SourceOffset, SourceRecord } from '../../../src/plugin/index.ts';
import type { JavaValue } from './java-serialization.ts';

// What the incremental snapshot engine needs of a database: each source connector implements this
// in its incremental-snapshot.ts (PostgreSQL and MySQL/MariaDB), with the SQL in chunk-query.ts
// and the watermark writes and visibility in watermark.ts.

/** A table being snapshotted. */
export interface ChunkTable {
  /** "schema.table" (PostgreSQL) or "database.table" (MySQL): the data-collection id. */
  id: string;
  /** The topic its events go to: streamed changes of the table are recognised by it. */
  topic: string;
  /** The columns chunks are ordered and bounded by (the primary key, or the surrogate key). */
  keyColumns: string[];
  /** The database's estimate of its rows. */
  estimatedRows: number;
}

/** A row of a chunk: its chunk key, its event key, and how to make its `read` event. */
export interface ChunkRow {
  /** The chunk key's values (what the offset stores). */
  key: JavaValue[];
  /** The event key (matched against streamed changes of the same key). */
  eventKey: ConnectStruct | null;
  build(marker: SnapshotMarker, offset: SourceOffset): SourceRecord;
}

export interface Chunk<V> {
  rows: ChunkRow[];
  /** What the read transaction saw, for {@link IncrementalSource.sees}. */
  visibility: V;
}

export interface ChunkBounds {
  /** Rows after this key (undefined: from the table's start). */
  after: JavaValue[] | undefined;
  /** Rows up to this key (inclusive). */
  upTo: JavaValue[];
  limit: number;
  /** An SQL condition the rows must meet too. */
  condition: string | undefined;
}

export interface IncrementalSource<V = unknown> {
  /** The captured tables' ids (what data-collections regexes are matched against). */
  tableIds(): Promise<string[]>;
  /** The table to snapshot, with a fresh schema; a reason (text) when it cannot be. */
  table(id: string, surrogateKey: string | undefined): Promise<ChunkTable | string>;
  /** The table's largest chunk key among the rows meeting `condition`; undefined when none do. */
  maximumKey(table: ChunkTable, condition: string | undefined): Promise<JavaValue[] | undefined>;
  /** Reads a chunk (ordered by the chunk key) in one read-only transaction. */
  readChunk(table: ChunkTable, bounds: ChunkBounds): Promise<Chunk<V>>;
  /**
   * Whether a chunk read with `visibility` sees the transaction of a streamed change, named by the
   * change's source block (PostgreSQL: txId; MariaDB: file and pos). A change already queued that
   * the chunk does not see (committed, but not yet visible to other sessions when the chunk was
   * read) is newer than the chunk's row for its key: that row is dropped. True when unknown.
   */
  sees(source: ConnectStruct, visibility: V): boolean;
  /** Writes a watermark row to the signal table (Debezium's INSERT INTO <signal> VALUES (?, ?, ?)). */
  insertSignal(id: string, type: string, data: string): Promise<void>;
  /** Deletes a watermark row (watermarking strategy insert_delete). */
  deleteSignal(id: string): Promise<void>;
  /** Ends the engine's database connection. */
  close(): Promise<void>;
  /**
   * The table with the structure the stream knows now, when that is not the one `table` has (a
   * DDL streamed since); undefined when unchanged. Without it a table keeps the structure it had
   * when its snapshot began.
   */
  refresh?(table: ChunkTable): ChunkTable | undefined;
  /** Whether a chunk query failed because the table's structure changed (a column dropped or renamed). */
  structureChanged?(error: unknown): boolean;
}

/** A key struct as text, to match a chunk row with streamed changes of the same key. */
export function keyText(key: ConnectStruct | null | undefined): string {
  if (key === null || key === undefined) return '';
  return JSON.stringify(key, (_field, value: unknown) => {
    if (typeof value === 'bigint') return `${value}n`;
    if (value instanceof Uint8Array) return `0x${Buffer.from(value).toString('hex')}`;
    return value;
  });
}

/** A chunk key for messages and progress, e.g. "[42]" or "[\"a\",7]". */
export function describeKey(key: readonly JavaValue[] | undefined): string | null {
  if (key === undefined) return null;
  return JSON.stringify(
    key.map((value) => {
      if (value === null) return null;
      if (value.type === 'long' || value.type === 'biginteger') return value.value.toString();
      if (value.type === 'bytes') return `0x${Buffer.from(value.value).toString('hex')}`;
      return value.value;
    }),
  );
}
