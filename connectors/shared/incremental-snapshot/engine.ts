import { randomUUID } from 'node:crypto';
import {
  type ConnectStruct,
  errorMessage,
  isRetriable,
  type Logger,
  type SnapshotMarker,
  type SnapshotProgress,
  type SourceOffset,
  type SourceRecord,
  type TableSnapshotProgress,
} from '../../../src/plugin/index.ts';
import { SignalProcessor, type SnapshotControl } from '../signals/signal-processor.ts';
import { CLOSE_WINDOW, OPEN_WINDOW, type SignalRecord, signalFromChange } from '../signals/signal-record.ts';
import {
  conditionFor,
  expandCollections,
  type SnapshotRequest,
  SnapshotRequestError,
  type StopRequest,
} from '../signals/snapshot-request.ts';
import type { InterceptedQueue, PutInterceptor } from './intercepted-queue.ts';
import type { JavaValue } from './java-serialization.ts';
import {
  type Chunk,
  type ChunkRow,
  type ChunkTable,
  describeKey,
  type IncrementalSource,
  keyText,
} from './snapshot-source.ts';
import { type DataCollection, SnapshotState, withoutSnapshotFields } from './snapshot-state.ts';

// Incremental and blocking snapshots while streaming (Debezium's AbstractIncrementalSnapshot-
// ChangeEventSource, DBLog's algorithm). A table is read in chunks ordered by its primary key, each
// in its own short read-only transaction, between the streamed changes:
//
// 1. The stream is held (the queue's interceptor makes the stream's next put wait): position P0.
// 2. With a signal table (and not read.only) the open-window row is written, as Debezium does.
// 3. The chunk is read into a buffer keyed by the event key.
// 4. Changes already queued that the chunk's transaction does not see yet (committed, flushed and
//    streamed, but not yet visible to other sessions: PostgreSQL's commit waits for a synchronous
//    standby, a group commit on MariaDB) drop their keys from the buffer: their event is newer than
//    the row read. The last changes streamed are remembered for this (a ring of RECENT_CHANGES).
// 5a. Read-only (in-memory watermarks): the buffer is sent as `read` events right away, still at P0.
//     Every change streamed after P0 is newer than the chunk or, if the chunk saw it, leaves the key
//     at the value the chunk read once its last such change is streamed; either way a consumer ends
//     with the table's value. So the window opens and closes at P0.
// 5b. Signal table: the close-window row is written, the stream goes on, and every change streamed
//     before that row comes through drops its key from the buffer (the DBLog window, opened at P0,
//     a little before Debezium's open row); at the close row the rest of the buffer is sent.
//
// Every record the stream sends meanwhile carries the snapshot's state in its offset (Debezium's
// incremental_snapshot_* keys, snapshot-state.ts), so a restart continues after the last key Kafka
// holds. A blocking snapshot holds the stream for the whole read and is not resumed after a restart.

/** Streamed changes remembered for step 4. */
const RECENT_CHANGES = 8192;
/** How long a chunk waits for its close-window row before a warning. */
const CLOSE_WAIT_WARNING_MS = 60_000;
/** Finished tables shown in the progress, at most. */
const PROGRESS_KEPT = 100;

export interface EngineOptions<V> {
  source: IncrementalSource<V>;
  log: Logger;
  chunkSize: number;
  /** signal.data.collection and the topic of its events; undefined without a signal table. */
  signalTable: { id: string; topic: string } | undefined;
  /** Watermark rows go to the signal table (it is set and read.only is not). */
  writeWatermarks: boolean;
  watermarkStrategy: 'insert_insert' | 'insert_delete';
  /** Signals are read from the signal table (signal.enabled.channels has source). */
  sourceChannel: boolean;
  /** The stored offset (its incremental_snapshot_* fields resume a snapshot). */
  stored: SourceOffset | undefined;
  /** Counts a `read` event (metrics). */
  count(table: string): void;
  /** A failure the task must restart from (the database went away). */
  onFailure(error: Error): void;
  /**
   * incremental.snapshot.allow.schema.changes: a chunk whose table changed structure while its
   * window was open (or whose query failed on a changed structure) is read again in a new window,
   * with the structure the stream knows by then (needs watermark rows: see schemaChanged()).
   */
  allowSchemaChanges?: boolean;
}

interface Window {
  chunkId: string;
  table: ChunkTable;
  rows: Map<string, ChunkRow>;
  /** The chunk was the table's last (fewer rows than the chunk size). */
  last: boolean;
  /** Where the chunk began: it is read again from there if the table's structure changed. */
  after: JavaValue[] | undefined;
  /** Its query failed on a changed structure: it is read again once the window closes. */
  reread: boolean;
  /** Resolves once the rows are sent (or the window is abandoned). */
  done: () => void;
}

interface BlockingRequest {
  request: SnapshotRequest;
  ids: string[];
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

export class IncrementalSnapshotEngine<V> implements PutInterceptor<SourceRecord>, SnapshotControl {
  private readonly options: EngineOptions<V>;
  private readonly state: SnapshotState;
  private readonly processor: SignalProcessor;
  private queue: InterceptedQueue<SourceRecord> | undefined;
  /** The stream's position: the offset of the last record it put (without snapshot fields). */
  private position: SourceOffset = {};
  private decorated = false;
  private gateClosed = false;
  private gateOpened = deferred();
  private window: Window | undefined;
  private paused = false;
  private stopped = false;
  private readonly blocking: BlockingRequest[] = [];
  private table: ChunkTable | undefined;
  private wakeLoop: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private readonly tables = new Map<string, TableSnapshotProgress>();
  // The ring of recent streamed changes (step 4): topic, event key and source block.
  private readonly recentTopics: string[] = new Array(RECENT_CHANGES);
  private readonly recentKeys: (ConnectStruct | null)[] = new Array(RECENT_CHANGES);
  private readonly recentSources: (ConnectStruct | undefined)[] = new Array(RECENT_CHANGES);
  private recentNext = 0;

  constructor(options: EngineOptions<V>) {
    this.options = options;
    this.processor = new SignalProcessor(this, options.log);
    this.state = SnapshotState.fromOffset(options.stored);
    // Offsets that carried a snapshot's fields are cleaned of them from now on (see decorate()).
    this.decorated = options.stored !== undefined && withoutSnapshotFields(options.stored) !== options.stored;
    for (const collection of this.state.collections) this.track(collection, 'incremental', 'queued');
    if (this.state.running)
      options.log.info(
        {
          tables: this.state.collections.map((collection) => collection.id),
          after: describeKey(this.state.chunkEnd),
        },
        'incremental snapshot in progress: it continues from the stored offset',
      );
  }

  /** Starts working with the stream: its records now pass through here. */
  attach(queue: InterceptedQueue<SourceRecord>, position: SourceOffset): void {
    this.queue = queue;
    this.position = withoutSnapshotFields(position);
    if (this.position !== position) this.decorated = true;
    queue.intercept(this);
    this.loop ??= this.run();
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.openGate();
    this.window?.done();
    this.window = undefined;
    this.wake();
    // Closing the connection ends a chunk query in progress, so the loop can finish.
    await this.options.source.close().catch(() => undefined);
    await this.loop;
    this.queue?.intercept(undefined);
  }

  /** A signal from the REST API or the Kafka topic (the signal table's come through put()). */
  signal(signal: SignalRecord, strict: boolean): Promise<void> {
    return this.processor.process(signal, strict);
  }

  progress(): SnapshotProgress {
    const tables = [...this.tables.values()].map((table) => ({
      ...table,
      estimatedRemaining: Math.max(0, table.estimatedRows - table.rowsRead),
    }));
    return {
      running:
        this.state.running || this.blocking.length > 0 || tables.some((table) => table.state === 'running'),
      paused: this.paused,
      chunkSize: this.options.chunkSize,
      watermarks: this.options.writeWatermarks ? 'signal-table' : 'in-memory',
      ...(this.state.correlationId !== undefined && { correlationId: this.state.correlationId }),
      tables,
    };
  }

  // --- the stream's side (PutInterceptor)

  put(record: SourceRecord, enqueue: (record: SourceRecord) => Promise<void>): Promise<void> {
    // The common case stays synchronous (no extra promise per streamed record).
    if (this.gateClosed || record.topic === this.options.signalTable?.topic)
      return this.slowPut(record, enqueue);
    this.observe(record);
    record.sourceOffset = this.decorate(record.sourceOffset);
    return enqueue(record);
  }

  /** A record that waits for a chunk being read, or a signal table row (a signal, a watermark). */
  private async slowPut(
    record: SourceRecord,
    enqueue: (record: SourceRecord) => Promise<void>,
  ): Promise<void> {
    while (this.gateClosed) await this.gateOpened.promise;
    const signal = this.signalOf(record);
    if (signal === undefined) this.observe(record);
    else if (signal.type === CLOSE_WINDOW) {
      if (this.window !== undefined && signal.id.startsWith(this.window.chunkId)) await this.sendWindow();
    } else if (signal.type !== OPEN_WINDOW && this.options.sourceChannel)
      await this.processor.process(signal);
    record.sourceOffset = this.decorate(record.sourceOffset);
    await enqueue(record);
  }

  tryPut(record: SourceRecord, enqueue: (record: SourceRecord) => boolean): boolean {
    if (this.gateClosed) return false;
    const before = record.sourceOffset;
    record.sourceOffset = this.decorate(before);
    if (enqueue(record)) return true;
    record.sourceOffset = before;
    return false;
  }

  /** The offset with the snapshot's state; remembers the stream's position. */
  private decorate(offset: SourceOffset): SourceOffset {
    const base = this.decorated ? withoutSnapshotFields(offset) : offset;
    this.position = base;
    if (!this.state.running) return base;
    this.decorated = true;
    return { ...base, ...this.state.offsetFields() };
  }

  /** The signal a change of the signal table carries. */
  private signalOf(record: SourceRecord): SignalRecord | undefined {
    const { signalTable } = this.options;
    return signalTable !== undefined && record.topic === signalTable.topic
      ? signalFromChange(record)
      : undefined;
  }

  /** Remembers a streamed change; one inside the open window drops its key from the window. */
  private observe(record: SourceRecord): void {
    const envelope = record.value?.value as ConnectStruct | null | undefined;
    const op = envelope?.op;
    if (op === 't' && this.window?.table.topic === record.topic) this.window.rows.clear();
    if (op !== 'c' && op !== 'u' && op !== 'd') return;
    const key = (record.key?.value ?? null) as ConnectStruct | null;
    const slot = this.recentNext;
    this.recentTopics[slot] = record.topic;
    this.recentKeys[slot] = key;
    this.recentSources[slot] = envelope?.source as ConnectStruct | undefined;
    this.recentNext = (slot + 1) % RECENT_CHANGES;
    if (this.window && this.window.table.topic === record.topic) this.window.rows.delete(keyText(key));
  }

  // --- the snapshot's side

  private wake(): void {
    const wake = this.wakeLoop;
    this.wakeLoop = undefined;
    wake?.();
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      this.wakeLoop = resolve;
    });
  }

  private closeGate(): void {
    this.gateClosed = true;
    this.gateOpened = deferred();
  }

  private openGate(): void {
    if (!this.gateClosed) return;
    this.gateClosed = false;
    this.gateOpened.resolve();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const blocking = this.blocking.shift();
        if (blocking) await this.runBlocking(blocking);
        else if (!this.state.running || this.paused || !this.queue) await this.idle();
        else await this.step(this.state.current as DataCollection);
      } catch (error) {
        if (this.stopped) return;
        if (isRetriable(error)) {
          this.stopped = true;
          this.options.onFailure(error as Error);
          return;
        }
        // Debezium skips a table whose chunk query fails (a bad additional condition, a dropped
        // table) and carries on with the next one.
        const current = this.state.current;
        this.options.log.warn(
          { table: current?.id, error: errorMessage(error) },
          'incremental snapshot of the table failed: skipping it',
        );
        if (current) this.finishTable(current, 'skipped', errorMessage(error));
      }
    }
  }

  /** One chunk of the current table (resolving the table and its maximum key first). */
  private async step(collection: DataCollection): Promise<void> {
    const { source, log } = this.options;
    const progress = this.track(collection, 'incremental', 'running');
    if (this.table?.id !== collection.id) {
      const table = await source.table(collection.id, collection.surrogateKey);
      if (this.state.current !== collection) return;
      if (typeof table === 'string') {
        log.warn({ table: collection.id, reason: table }, 'incremental snapshot of the table skipped');
        this.finishTable(collection, 'skipped', table);
        return;
      }
      this.table = table;
      progress.estimatedRows = table.estimatedRows;
    }
    // Each chunk is read with the structure the stream knows now (a DDL streamed since the last).
    const table = source.refresh?.(this.table) ?? this.table;
    this.table = table;
    if (this.state.maximumKey === undefined) {
      const maximum = await source.maximumKey(table, collection.additionalCondition);
      if (this.state.current !== collection) return;
      if (maximum === undefined) {
        log.info({ table: table.id }, 'incremental snapshot of the table done: it has no rows');
        this.finishTable(collection, 'done');
        return;
      }
      this.state.setMaximumKey(maximum);
      log.info(
        { table: table.id, maximumKey: describeKey(maximum), chunkSize: this.options.chunkSize },
        'incremental snapshot of the table started',
      );
    }
    await this.chunk(collection, table, progress);
  }

  private async chunk(
    collection: DataCollection,
    table: ChunkTable,
    progress: TableSnapshotProgress,
  ): Promise<void> {
    const { source, chunkSize, writeWatermarks } = this.options;
    const chunkId = randomUUID();
    const opened = new Date().toISOString();
    const metadata = (closed?: string) =>
      JSON.stringify({
        openWindowTimestamp: opened,
        ...(closed !== undefined && { closeWindowTimestamp: closed }),
        ...(collection.correlationId !== undefined && { correlationId: collection.correlationId }),
        dataCollectionId: collection.id,
      });
    progress.chunk = { id: chunkId, from: describeKey(this.state.chunkEnd), to: null };
    this.closeGate();
    let handedOver = false;
    try {
      if (writeWatermarks) await source.insertSignal(`${chunkId}-open`, OPEN_WINDOW, metadata());
      const after = this.state.chunkEnd;
      const bounds = {
        after,
        upTo: this.state.maximumKey as JavaValue[],
        limit: chunkSize,
        condition: collection.additionalCondition,
      };
      let reread = false;
      let chunk: Chunk<V>;
      try {
        chunk = await source.readChunk(table, bounds);
      } catch (error) {
        // A column dropped or renamed before the stream got to its DDL: once the window closes,
        // the stream has, and the chunk is read again.
        if (!(this.rereads() && source.structureChanged?.(error))) throw error;
        reread = true;
        chunk = { rows: [], visibility: undefined as V };
      }
      if (this.state.current !== collection || this.stopped) return;
      const rows = new Map<string, ChunkRow>();
      for (const row of chunk.rows) rows.set(keyText(row.eventKey), row);
      this.dropUnseen(table.topic, rows, chunk.visibility);
      progress.chunks += 1;
      const lastRow = chunk.rows.at(-1);
      if (lastRow) this.state.chunkEnd = lastRow.key;
      progress.chunk.to = describeKey(this.state.chunkEnd);
      const last = !reread && chunk.rows.length < chunkSize;
      if (!writeWatermarks) {
        await this.send(rows, table, progress, 'incremental');
        if (last) this.finishTable(collection, 'done');
        return;
      }
      const sent = deferred();
      this.window = { chunkId, table, rows, last, after, reread, done: sent.resolve };
      if (this.options.watermarkStrategy === 'insert_delete') await source.deleteSignal(`${chunkId}-open`);
      else await source.insertSignal(`${chunkId}-close`, CLOSE_WINDOW, metadata(new Date().toISOString()));
      this.openGate();
      handedOver = true;
      // The close row comes through the stream; if it does not, say where to look (once).
      const late = setTimeout(
        () =>
          this.options.log.warn(
            { table: table.id, chunk: chunkId, waitedMs: CLOSE_WAIT_WARNING_MS },
            "the chunk's close-window row has not come through the stream yet: the stream may be far behind, or the signal table is not captured (publication, filters)",
          ),
        CLOSE_WAIT_WARNING_MS,
      );
      try {
        await sent.promise;
      } finally {
        clearTimeout(late);
      }
    } finally {
      if (!handedOver) this.openGate();
    }
  }

  /** The close-window row came through the stream: the buffer's rows go out now. */
  private async sendWindow(): Promise<void> {
    const window = this.window;
    if (!window) return;
    this.window = undefined;
    try {
      const collection = this.state.current;
      if (collection?.id !== window.table.id) return;
      if (this.schemaChanged(window)) return;
      const progress = this.track(collection, 'incremental', 'running');
      await this.send(window.rows, window.table, progress, 'incremental');
      if (window.last) this.finishTable(collection, 'done');
    } finally {
      window.done();
    }
  }

  /** Whether chunks are read again when their table's structure changes (it takes watermark rows). */
  private rereads(): boolean {
    return this.options.allowSchemaChanges === true && this.options.writeWatermarks;
  }

  /**
   * At the close row (incremental.snapshot.allow.schema.changes): the stream has applied every DDL
   * committed before it. If the table's structure is not the one the chunk was read with (a DDL
   * while the window was open), or the chunk's query failed on it, the rows are dropped and the
   * chunk is read again, from where it began, with the structure the stream knows now. Otherwise
   * rows read before an ALTER would go out after the stream's events with the new structure, in the
   * old one (Debezium re-selects the chunk the same way).
   */
  private schemaChanged(window: Window): boolean {
    if (!this.rereads()) return false;
    const fresh = this.options.source.refresh?.(window.table);
    if (!fresh && !window.reread) return false;
    this.options.log.info(
      { table: window.table.id, chunk: window.chunkId, from: describeKey(window.after) },
      "the table's structure changed while its chunk was read: the chunk is read again",
    );
    if (fresh) this.table = fresh;
    this.state.chunkEnd = window.after;
    return true;
  }

  /** Sends rows as `read` events, each offset naming its key as the last one sent. */
  private async send(
    rows: ReadonlyMap<string, ChunkRow>,
    table: ChunkTable,
    progress: TableSnapshotProgress,
    marker: SnapshotMarker | ((row: ChunkRow, index: number) => SnapshotMarker),
    track = true,
  ): Promise<void> {
    const queue = this.queue as InterceptedQueue<SourceRecord>;
    let index = 0;
    for (const row of rows.values()) {
      if (track) this.state.sent(row.key);
      const offset = this.state.running ? { ...this.position, ...this.state.offsetFields() } : this.position;
      await queue.enqueue(row.build(typeof marker === 'function' ? marker(row, index) : marker, offset));
      index += 1;
      progress.rowsRead += 1;
      this.options.count(table.id);
    }
  }

  /** Step 4: keys of recent streamed changes the chunk's transaction did not see leave the buffer. */
  private dropUnseen(topic: string, rows: Map<string, ChunkRow>, visibility: V): void {
    for (let slot = 0; slot < RECENT_CHANGES; slot += 1) {
      if (this.recentTopics[slot] !== topic) continue;
      const source = this.recentSources[slot];
      if (source === undefined || this.options.source.sees(source, visibility)) continue;
      rows.delete(keyText(this.recentKeys[slot]));
    }
  }

  private finishTable(
    collection: DataCollection,
    state: 'done' | 'stopped' | 'skipped',
    reason?: string,
  ): void {
    const progress = this.track(collection, 'incremental', state);
    delete progress.chunk;
    if (this.window?.table.id === collection.id) {
      // A table stopped or failed with a chunk waiting for its close row: that chunk is dropped.
      this.window.done();
      this.window = undefined;
    }
    if (reason !== undefined) progress.reason = reason;
    if (this.state.current === collection) {
      this.state.next();
      this.table = undefined;
    }
    if (state === 'done')
      this.options.log.info(
        { table: collection.id, rows: progress.rowsRead },
        'incremental snapshot of the table done',
      );
    if (!this.state.running) this.options.log.info({}, 'incremental snapshot completed');
  }

  private track(
    collection: { id: string; additionalCondition?: string },
    type: 'incremental' | 'blocking',
    state: TableSnapshotProgress['state'],
  ): TableSnapshotProgress {
    let progress = this.tables.get(collection.id);
    if (!progress || (state === 'queued' && progress.state !== 'queued' && progress.state !== 'running')) {
      this.tables.delete(collection.id);
      progress = {
        table: collection.id,
        type,
        state,
        rowsRead: 0,
        estimatedRows: 0,
        estimatedRemaining: 0,
        chunks: 0,
      };
      if (collection.additionalCondition !== undefined) progress.condition = collection.additionalCondition;
      this.tables.set(collection.id, progress);
      for (const [id, entry] of this.tables) {
        if (this.tables.size <= PROGRESS_KEPT) break;
        if (entry.state !== 'queued' && entry.state !== 'running') this.tables.delete(id);
      }
    }
    progress.state = state;
    progress.type = type;
    return progress;
  }

  // --- blocking snapshots: the stream waits until every table is read

  private async runBlocking({ request, ids }: BlockingRequest): Promise<void> {
    const { source, log, chunkSize } = this.options;
    log.info({ tables: ids }, 'blocking snapshot started: streaming waits until it is done');
    this.closeGate();
    // One row held back: its marker depends on what follows (Debezium's first/last markers).
    let held:
      | { row: ChunkRow; table: ChunkTable; progress: TableSnapshotProgress; firstInTable: boolean }
      | undefined;
    let first = true;
    const markerOf = (firstInTable: boolean, lastInTable: boolean, lastOverall: boolean): SnapshotMarker => {
      if (first) {
        first = false;
        return 'first';
      }
      if (lastOverall) return 'last';
      if (firstInTable) return 'first_in_data_collection';
      return lastInTable ? 'last_in_data_collection' : 'true';
    };
    const release = async (lastInTable: boolean, lastOverall: boolean) => {
      if (!held) return;
      const { row, table, progress, firstInTable } = held;
      held = undefined;
      const marker = markerOf(firstInTable, lastInTable, lastOverall);
      await this.send(new Map([['', row]]), table, progress, marker, false);
    };
    try {
      for (const id of ids) {
        const condition = conditionFor(id, request.additionalConditions);
        const collection = { id, ...(condition !== undefined && { additionalCondition: condition }) };
        const progress = this.track(collection, 'blocking', 'running');
        const table = await source.table(id, request.surrogateKey);
        if (typeof table === 'string') {
          log.warn({ table: id, reason: table }, 'blocking snapshot of the table skipped');
          progress.state = 'skipped';
          progress.reason = table;
          continue;
        }
        progress.estimatedRows = table.estimatedRows;
        const maximum = await source.maximumKey(table, condition);
        let after: JavaValue[] | undefined;
        let firstInTable = true;
        while (maximum !== undefined && !this.stopped) {
          const chunk = await source.readChunk(table, { after, upTo: maximum, limit: chunkSize, condition });
          const rows = new Map<string, ChunkRow>();
          for (const row of chunk.rows) rows.set(keyText(row.eventKey), row);
          this.dropUnseen(table.topic, rows, chunk.visibility);
          progress.chunks += 1;
          for (const row of rows.values()) {
            await release(false, false);
            held = { row, table, progress, firstInTable };
            firstInTable = false;
          }
          after = chunk.rows.at(-1)?.key;
          if (chunk.rows.length < chunkSize) break;
        }
        if (ids.at(-1) !== id) await release(true, false);
        progress.state = 'done';
      }
      await release(true, true);
      log.info({ tables: ids }, 'blocking snapshot completed: streaming goes on');
    } finally {
      this.openGate();
    }
  }

  // --- actions (SnapshotControl)

  async executeSnapshot(request: SnapshotRequest, signalId: string): Promise<void> {
    const known = await this.options.source.tableIds();
    const ids = expandCollections(request.dataCollections, known);
    const unknown = ids.filter((id) => !known.includes(id));
    if (unknown.length > 0)
      throw new SnapshotRequestError(
        `data-collections: ${unknown.join(', ')} ${unknown.length === 1 ? 'is not a table' : 'are not tables'} this connector captures`,
      );
    if (request.type === 'blocking') {
      this.blocking.push({ request, ids });
      for (const id of ids) this.track({ id }, 'blocking', 'queued');
      this.wake();
      return;
    }
    const collections: DataCollection[] = ids.map((id) => {
      const condition = conditionFor(id, request.additionalConditions);
      return {
        id,
        ...(condition !== undefined && { additionalCondition: condition }),
        ...(request.surrogateKey !== undefined && { surrogateKey: request.surrogateKey }),
        ...(signalId !== '' && { correlationId: signalId }),
      };
    });
    const added = this.state.add(collections, signalId === '' ? undefined : signalId);
    for (const collection of added) this.track(collection, 'incremental', 'queued');
    this.options.log.info(
      {
        signal: signalId,
        tables: added.map((collection) => collection.id),
        alreadyQueued: ids.length - added.length,
      },
      'incremental snapshot requested',
    );
    this.wake();
  }

  stopSnapshot(request: StopRequest): void {
    if (request.type === 'blocking') throw new SnapshotRequestError('a blocking snapshot cannot be stopped');
    const queued = this.state.collections.map((collection) => collection.id);
    const ids = new Set(
      request.dataCollections ? expandCollections(request.dataCollections, queued) : queued,
    );
    for (const id of this.state.removeQueued(ids)) this.track({ id }, 'incremental', 'stopped');
    const current = this.state.current;
    if (current && ids.has(current.id)) this.finishTable(current, 'stopped', 'stop-snapshot');
    this.options.log.info({ tables: [...ids] }, 'incremental snapshot stopped for these tables');
    this.wake();
  }

  pauseSnapshot(): void {
    if (!this.state.running || this.paused) return;
    this.paused = true;
    this.options.log.info({}, 'incremental snapshot paused');
  }

  resumeSnapshot(): void {
    if (!this.paused) return;
    this.paused = false;
    this.options.log.info({}, 'incremental snapshot resumed');
    this.wake();
  }

  describePosition(): string {
    const { schema_history: _history, ...shown } = this.position;
    return JSON.stringify({ ...shown, ...this.state.offsetFields() });
  }
}
