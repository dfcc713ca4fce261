import type ZongJi from '@vlasky/zongji';
import type {
  AnyBinlogEvent,
  BinlogEventByName,
  BinlogEventName,
  GtidSet,
  MariadbGtidPosition,
} from '@vlasky/zongji';
import type mysql from 'mysql2/promise';
import {
  errorMessage,
  heartbeatKey,
  heartbeatTopic,
  heartbeatValue,
  OnrampError,
  OP,
  type Op,
  type RecordHeader,
  type SourceRecord,
  type TaskContext,
  tombstoneOf,
} from '../../src/plugin/index.ts';
import type { RecordQueue } from '../shared/record-queue.ts';
import type { SourceMetrics } from '../shared/source-metrics.ts';
import type { TopicRenames } from '../shared/topic-renames.ts';
import { binlogBytesAfter } from './binlog-lag.ts';
import { loadTableDefinitions, tableKey } from './catalog.ts';
import type { MysqlSourceConfig } from './config.ts';
import { connectionSettings } from './connection.ts';
import { isDdl, parseDdl, type TableName } from './ddl.ts';
import { databaseError, MYSQL_STREAM_FAILED } from './errors.ts';
import { type ChangePosition, changeRecord, keyHeader, type Rows, type ServerInfo } from './events.ts';
import type { CaptureFilters } from './filters.ts';
import { keepSpatialBytes } from './geometry.ts';
import { type BinlogOffset, compareBinlogPositions, toSourceOffset } from './offset.ts';
import { schemaChangeRecord, type TableChange } from './schema-change.ts';
import { historyPosition, type SchemaHistory } from './schema-history.ts';
import type { Row, TableSchema } from './table-schema.ts';

// Binlog streaming with zongji. Events arrive synchronously; they go into an inbox that one async
// loop works through in order, so DDL can re-read a table's schema and records can wait for room
// in the queue. When the inbox grows past max.queue.size the binlog connection is paused (zongji
// has no backpressure of its own), so memory stays bounded when Kafka is slow.
//
// Offsets point at transaction boundaries (see offset.ts): a record carries the start of its
// transaction plus how many row events and rows of it are emitted; a restart re-reads the
// transaction and skips exactly those. Resuming by GTID (from.gtids, see gtid.ts) the server finds
// that transaction itself: it is the first one streamed.

export interface StreamDeps {
  config: MysqlSourceConfig;
  context: TaskContext;
  queue: RecordQueue<SourceRecord>;
  server: ServerInfo;
  metrics: SourceMetrics;
  filters: CaptureFilters;
  /** Metadata connection, for re-reading schemas after DDL. */
  metadata: mysql.Connection;
  /** The captured tables' structures as of `from`; updated on DDL. */
  history: SchemaHistory;
  mariadb: boolean;
  /** Where to start: a transaction boundary, plus what of that transaction to skip. */
  from: BinlogOffset;
  /** Start from `from.gtids` (the server locates the position) instead of `from.file`/`from.pos`. */
  byGtid: boolean;
  /** Logs, once per table, a topic name sanitized from its table's name. */
  renames: TopicRenames;
  /**
   * Catching up after an interrupted snapshot (task.ts): stream only the transactions before this
   * position (the next snapshot's, a transaction boundary), with `snapshot: true` in every offset
   * since the snapshot is still unfinished; caughtUp() resolves there.
   */
  until?: { file: string; pos: number };
  onFailure(error: Error): void;
}

const EVENTS = [
  'rotate',
  'tablemap',
  'writerows',
  'updaterows',
  'deleterows',
  'query',
  'xid',
  'gtid',
  'anonymousgtid',
  'mariadbgtid',
  'annotaterows',
  'rowsquery',
  // Between transactions they carry the position reached: the start position of a GTID resume
  // (MariaDB's GTID list, MySQL's previous GTIDs) and transactions the server skipped (heartbeats).
  'mariadbgtidlist',
  'previousgtids',
  'heartbeat',
];

/** A lost binlog connection is worth a retry (the runtime restarts from the stored offset). */
function streamError(error: unknown): OnrampError {
  const wrapped = databaseError(error, 'reading the binlog');
  return wrapped.code === 'DATABASE_UNAVAILABLE'
    ? new OnrampError(MYSQL_STREAM_FAILED, wrapped.message, { cause: error })
    : wrapped;
}

/** How often the binlog lag (bytes, and whether the task is caught up) is measured. */
const LAG_CHECK_MS = 2_000;

// zongji (and mysql2 under it) is loaded on first use, not at start: a host without a MySQL source
// never pays for it (~26 MB of RSS and ~0.25 s to load on a 2-core machine, issue 17). The task
// awaits loadBinlogReader() before it builds a BinlogStream.
type ZongjiModule = typeof import('@vlasky/zongji');
let zongjiModule: ZongjiModule | undefined;

export async function loadBinlogReader(): Promise<void> {
  zongjiModule ??= await import('@vlasky/zongji');
}

function binlogReader(): ZongjiModule {
  if (!zongjiModule) throw new Error('internal: loadBinlogReader() was not awaited before the binlog stream');
  return zongjiModule;
}

function is<N extends BinlogEventName>(event: AnyBinlogEvent, name: N): event is BinlogEventByName<N> {
  return event.getEventName() === name;
}

export class BinlogStream {
  private readonly deps: StreamDeps;
  private zongji: ZongJi | undefined;
  private readonly inbox: AnyBinlogEvent[] = [];
  private paused = false;
  private draining = false;
  private stopped = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private lagCheck: NodeJS.Timeout | undefined;
  private lagCheckFailed = false;
  // Position state.
  private file: string;
  /** End of the last complete transaction: where a restart would begin. */
  private completedPos: number;
  private completedGtids: MariadbGtidPosition | undefined;
  /** MySQL: the executed GTID set, when the start position's is known. */
  private executedGtids: GtidSet | undefined;
  private gtidsText: string | undefined;
  private inTransaction = false;
  private txFile = '';
  private txStart = 0;
  private txGtid: string | null = null;
  private txThread: number | null = null;
  private txEvents = 0;
  private lastQuery: string | null = null;
  /**
   * What of the first transaction to skip (resuming in the middle of it); `pos` is unknown until
   * that transaction begins when resuming by GTID.
   */
  private skip: { pos: number | undefined; events: number; rows: number } | undefined;
  private emittedSinceHeartbeat = false;
  /** End of the last event seen: where the next one starts (zongji's event.size is not its length). */
  private lastEnd: number;
  /** Catch-up only: the furthest event end seen in `file`, and whether `until` is reached. */
  private furthest = 0;
  private reachedUntil = false;
  private readonly caughtUpSignal: { promise: Promise<void>; resolve(): void; reject(error: Error): void };

  constructor(deps: StreamDeps) {
    this.deps = deps;
    const { from } = deps;
    this.file = from.file;
    // Resuming by GTID, the stored file and position may be another server's: the stream's
    // opening rotate and the events before the first transaction say where it really starts.
    this.completedPos = deps.byGtid ? 0 : from.pos;
    this.lastEnd = this.completedPos;
    this.gtidsText = from.gtids;
    // Without a known start position there is no complete position to extend: no gtids are
    // written rather than partial ones (which would replay the domains they miss on resume).
    if (from.gtids !== undefined) {
      try {
        const { GtidSet, MariadbGtidPosition } = binlogReader();
        if (deps.mariadb) this.completedGtids = MariadbGtidPosition.parse(from.gtids);
        else this.executedGtids = GtidSet.parse(from.gtids);
      } catch {
        this.gtidsText = undefined;
      }
    }
    if (from.event > 0 || from.row > 0)
      this.skip = { pos: deps.byGtid ? undefined : from.pos, events: from.event, rows: from.row };
    this.caughtUpSignal = deferred();
    // Nobody waits on it outside catch-up; a failure must not count as unhandled.
    this.caughtUpSignal.promise.catch(() => undefined);
  }

  /** Catch-up: resolves once every transaction before `until` is emitted; rejects if the stream fails. */
  caughtUp(): Promise<void> {
    return this.caughtUpSignal.promise;
  }

  /** Connects and starts reading; resolves once the server streams. */
  async start(): Promise<void> {
    const { config, from, context, byGtid } = this.deps;
    const where = byGtid ? `GTID position ${from.gtids}` : `${from.file}:${from.pos}`;
    const zongji = new (binlogReader().default)(connectionSettings(config));
    this.zongji = zongji;
    zongji.on('binlog', (event: AnyBinlogEvent) => this.receive(event));
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => {
        reject(databaseError(error, `starting to read the binlog at ${where}`));
      };
      zongji.once('ready', () => {
        zongji.removeListener('error', onError);
        zongji.on('error', (error: Error) => this.fail(streamError(error)));
        resolve();
      });
      // `on`, not `once`: a failed login errors on both of zongji's connections, and an 'error' with
      // no listener left is thrown by zongji, taking the whole host process down.
      zongji.on('error', onError);
      zongji.start({
        serverId: config['database.server.id'],
        ...(byGtid ? { gtidSet: from.gtids ?? '' } : { filename: from.file, position: from.pos }),
        // Catching up, every event is delivered so that positions are known exactly: the end
        // position can follow an event of a kind the stream otherwise ignores.
        ...(this.deps.until === undefined && { includeEvents: EVENTS }),
        requestAnnotateRows: config['include.query'],
      });
    });
    context.log.info(
      { file: from.file, pos: from.pos, gtids: from.gtids ?? null, byGtid, event: from.event, row: from.row },
      'binlog streaming started',
    );
    this.deps.metrics.connected(true);
    this.lagCheck = setInterval(() => void this.checkLag(), LAG_CHECK_MS);
    const interval = config['heartbeat.interval.ms'];
    if (interval > 0 && this.deps.until === undefined)
      this.heartbeat = setInterval(() => this.emitHeartbeat(), interval);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.caughtUpSignal.reject(new Error('the binlog stream was stopped'));
    clearInterval(this.heartbeat);
    clearInterval(this.lagCheck);
    this.deps.metrics.connected(false);
    const zongji = this.zongji;
    this.zongji = undefined;
    if (!zongji) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      zongji.once('stopped', () => {
        clearTimeout(timer);
        resolve();
      });
      try {
        zongji.stop();
      } catch {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  private fail(error: Error): void {
    if (this.stopped) return;
    clearInterval(this.lagCheck);
    this.deps.metrics.connected(false);
    this.caughtUpSignal.reject(error);
    this.deps.onFailure(error);
  }

  /**
   * The binlog lag metrics: bytes from zongji's read position (which events the stream filters out
   * move too) to the server's end; caught up when there are none and nothing received waits.
   */
  private async checkLag(): Promise<void> {
    const options = this.zongji?.options;
    if (!options?.filename || options.position === undefined) return;
    const { metadata, metrics, context } = this.deps;
    let bytes: number | undefined;
    try {
      bytes = await binlogBytesAfter(metadata, options.filename, options.position);
    } catch (error) {
      if (!this.lagCheckFailed)
        context.log.warn({ error: errorMessage(error) }, 'cannot measure the binlog lag (SHOW BINARY LOGS)');
      this.lagCheckFailed = true;
      return;
    }
    if (bytes === undefined || this.stopped) return;
    metrics.binlogLagBytes(bytes);
    if (bytes > 0 || this.inbox.length > 0) metrics.behind();
    else if (!this.draining) metrics.caughtUp();
  }

  private receive(event: AnyBinlogEvent): void {
    if (this.stopped || this.reachedUntil) return;
    // Before zongji parses this table's rows: spatial values as their bytes (see geometry.ts).
    if (is(event, 'tablemap')) keepSpatialBytes(event);
    this.inbox.push(event);
    if (!this.paused && this.inbox.length >= this.deps.config['max.queue.size']) {
      this.paused = true;
      this.zongji?.connection?.pause();
    }
    if (!this.draining) void this.drain();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (!this.stopped) {
        const event = this.inbox.shift();
        if (!event) break;
        await this.process(event);
        if (this.deps.until !== undefined && this.atUntil()) {
          // Everything after `until` belongs to the snapshot that follows: none of it is emitted.
          this.reachedUntil = true;
          this.inbox.length = 0;
          this.zongji?.connection?.pause();
          this.caughtUpSignal.resolve();
          break;
        }
        if (this.paused && this.inbox.length <= this.deps.config['max.queue.size'] / 2) {
          this.paused = false;
          this.zongji?.connection?.resume();
        }
      }
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.draining = false;
    }
  }

  /** Catch-up: between transactions, at or past `until`. */
  private atUntil(): boolean {
    const until = this.deps.until;
    if (until === undefined || this.inTransaction) return false;
    return compareBinlogPositions({ file: this.file, pos: this.furthest }, until) >= 0;
  }

  private async process(event: AnyBinlogEvent): Promise<void> {
    if (is(event, 'rotate')) {
      // The opening rotate names the start position, a real one the next file's first event.
      if (event.binlogName !== this.file || event.position > this.furthest) this.furthest = event.position;
      this.file = event.binlogName;
      if (event.position > 0) this.lastEnd = event.position;
      if (this.completedPos === 0) this.completedPos = event.position;
      // Only a real rotation (not the stream's opening one) moves the restart point to the new file.
      if (!this.inTransaction && event.position > 0 && event.nextPosition !== 0)
        this.completedPos = event.position;
      return;
    }
    const start = this.lastEnd;
    if (event.nextPosition > 0) this.lastEnd = event.nextPosition;
    if (event.nextPosition > this.furthest) this.furthest = event.nextPosition;
    if (is(event, 'mariadbgtidlist') || is(event, 'previousgtids') || is(event, 'heartbeat')) {
      // A GTID resume starts where the server says (its file was named by the opening rotate).
      if (!this.inTransaction && event.nextPosition > this.completedPos)
        this.completedPos = event.nextPosition;
      return;
    }
    if (is(event, 'mariadbgtid') || is(event, 'gtid') || is(event, 'anonymousgtid')) {
      this.beginTransaction(is(event, 'anonymousgtid') ? null : event.gtid);
      if (is(event, 'mariadbgtid') && event.threadId !== undefined) this.txThread = event.threadId;
      return;
    }
    if (is(event, 'annotaterows') || is(event, 'rowsquery')) {
      this.lastQuery = event.statement;
      return;
    }
    if (is(event, 'xid')) {
      this.completeTransaction(event.nextPosition);
      this.deps.metrics.transactionCommitted();
      return;
    }
    if (is(event, 'query')) {
      await this.query(event, start);
      return;
    }
    if (is(event, 'writerows') || is(event, 'updaterows') || is(event, 'deleterows')) {
      await this.rows(event, start);
    }
  }

  private beginTransaction(gtid: string | null | undefined): void {
    // A transaction starts right after the previous complete one (or the file start after a
    // rotation); restarting there replays at most events that carry no rows.
    this.inTransaction = true;
    this.txFile = this.file;
    this.txStart = this.completedPos;
    if (this.skip && this.skip.pos === undefined) this.skip.pos = this.txStart;
    this.txGtid = gtid ?? null;
    this.txThread = null;
    this.txEvents = 0;
    this.lastQuery = null;
  }

  private completeTransaction(end: number): void {
    this.gtidsText = this.gtidsThrough(this.txGtid);
    this.inTransaction = false;
    this.completedPos = end;
    this.skip = undefined;
    this.lastQuery = null;
  }

  /** The completed GTIDs once the current transaction (`gtid`) is complete too. */
  private gtidsThrough(gtid: string | null): string | undefined {
    if (gtid === null) return this.gtidsText;
    if (this.completedGtids) {
      const [domain, server, seq] = gtid.split('-');
      this.completedGtids.add({ domainId: Number(domain), serverId: Number(server), seqNo: seq ?? '0' });
      return this.completedGtids.toString();
    }
    if (this.executedGtids) {
      this.executedGtids.add(gtid);
      return this.executedGtids.toString();
    }
    return this.gtidsText;
  }

  private async query(event: BinlogEventByName<'query'>, start: number): Promise<void> {
    const sql = event.query.trim();
    if (/^BEGIN$/i.test(sql) || /^XA START/i.test(sql)) {
      if (!this.inTransaction) this.beginTransaction(null);
      this.txThread = event.slaveProxyId;
      return;
    }
    if (/^COMMIT$/i.test(sql) || /^XA COMMIT/i.test(sql)) {
      this.completeTransaction(event.nextPosition);
      this.deps.metrics.transactionCommitted();
      return;
    }
    if (/^ROLLBACK/i.test(sql)) {
      this.completeTransaction(event.nextPosition);
      return;
    }
    if (!this.inTransaction) this.beginTransaction(null);
    if (isDdl(sql)) await this.ddl(event, sql, start);
    this.completeTransaction(event.nextPosition);
  }

  /**
   * The position after a standalone statement (DDL), for its records: the statement is complete
   * there, so its GTID counts as completed and the history is the one after it.
   */
  private afterStatement(event: BinlogEventByName<'query'>): BinlogOffset {
    const gtids = this.gtidsThrough(this.txGtid);
    return {
      file: this.file,
      pos: event.nextPosition,
      ...(gtids !== undefined && { gtids }),
      event: 0,
      row: 0,
      ts_sec: Math.floor(event.timestamp / 1000),
      server_id: this.deps.server.serverId,
      history: this.deps.history.toJson(),
      ...(this.deps.until !== undefined && { snapshot: true }),
    };
  }

  private async ddl(event: BinlogEventByName<'query'>, sql: string, start: number): Promise<void> {
    const { filters, config, queue, history, server, context } = this.deps;
    const statement = parseDdl(sql, event.schema);
    const position = this.position(event.timestamp, start, 0, sql);
    const captured = statement.tables.filter((name) => filters.includesTable(name.database, name.table));
    if (statement.kind === 'truncate') {
      const offset = toSourceOffset(this.afterStatement(event));
      for (const name of captured) {
        const schema = history.get(name.database, name.table);
        if (!schema || filters.skips('t')) continue;
        await this.put(
          changeRecord(
            server,
            schema,
            OP.truncate,
            { before: null, after: null, key: null },
            position,
            offset,
          ),
          schema,
          OP.truncate,
        );
      }
      return;
    }
    const changes = await this.refreshSchemas(statement.kind, captured, event.nextPosition);
    if (statement.tables.length > 0 && captured.length === 0) return;
    const offset = toSourceOffset(this.afterStatement(event));
    const database = statement.tables[0]?.database ?? event.schema;
    if (!config['include.schema.changes'] || (database !== '' && !filters.includesNamespace(database)))
      return;
    context.log.info({ ddl: sql.slice(0, 200) }, 'schema change');
    await queue.put(schemaChangeRecord({ server, database, ddl: sql, changes, position, offset }));
    this.emittedSinceHeartbeat = true;
  }

  /**
   * Re-reads the tables a DDL touched and records them in the history from the DDL's end on; a
   * table that no longer exists is dropped. (The server answers with the table as it is now: when
   * several DDLs on one table are replayed, the rows between them get the latest structure.)
   */
  private async refreshSchemas(kind: string, tables: TableName[], end: number): Promise<TableChange[]> {
    if (tables.length === 0) return [];
    const { metadata, history } = this.deps;
    const definitions = await loadTableDefinitions(
      metadata,
      tables.map((table) => ({ database: table.database, name: table.table })),
    );
    const at = historyPosition(this.file, end);
    return tables.map((name) => {
      const definition = definitions.get(tableKey(name.database, name.table));
      if (definition) this.deps.renames.note(history.apply(definition, at).names);
      else history.drop(name.database, name.table);
      const type = kind === 'create' ? 'CREATE' : definition === undefined ? 'DROP' : 'ALTER';
      return { type, database: name.database, table: name.table, definition };
    });
  }

  private position(timestampMs: number, pos: number, row: number, query: string | null): ChangePosition {
    return {
      time: timestampMs * 1000,
      snapshot: 'false',
      file: this.file,
      pos,
      row,
      gtid: this.txGtid,
      thread: this.txThread,
      query: this.deps.config['include.query'] ? query : null,
    };
  }

  private async rows(
    event: BinlogEventByName<'writerows'> | BinlogEventByName<'updaterows'> | BinlogEventByName<'deleterows'>,
    start: number,
  ): Promise<void> {
    const index = this.txEvents;
    this.txEvents += 1;
    const skip = this.skip && this.txStart === this.skip.pos ? this.skip : undefined;
    if (skip && index < skip.events) return;
    const skipRows = skip && index === skip.events ? skip.rows : 0;
    const entry = event.tableMap[event.tableId];
    if (!entry) return;
    const schema = this.deps.history.get(entry.parentSchema, entry.tableName);
    if (!schema) return;
    this.deps.metrics.changeRead(event.timestamp);
    for (let row = skipRows; row < event.rows.length; row += 1) {
      const position = this.position(event.timestamp, start, row, this.lastQuery);
      const offset = toSourceOffset({
        file: this.txFile,
        pos: this.txStart,
        ...(this.gtidsText !== undefined && { gtids: this.gtidsText }),
        event: index,
        row: row + 1,
        ts_sec: Math.floor(event.timestamp / 1000),
        server_id: this.deps.server.serverId,
        history: this.deps.history.toJson(),
        ...(this.deps.until !== undefined && { snapshot: true }),
      });
      if (is(event, 'writerows')) {
        const after = event.rows[row] as Row;
        await this.emit(
          schema,
          OP.create,
          { before: null, after: schema.valueOf(after), key: schema.keyOf(after) },
          position,
          offset,
        );
      } else if (is(event, 'deleterows')) {
        const before = event.rows[row] as Row;
        await this.emit(
          schema,
          OP.delete,
          { before: schema.valueOf(before), after: null, key: schema.keyOf(before) },
          position,
          offset,
        );
      } else {
        const change = event.rows[row] as { before: Row; after: Row };
        await this.update(schema, change.before, change.after, position, offset);
      }
    }
  }

  private async update(
    schema: TableSchema,
    before: Row,
    after: Row,
    position: ChangePosition,
    offset: ReturnType<typeof toSourceOffset>,
  ): Promise<void> {
    const key = schema.keyOf(after);
    if (schema.keyChanged(before, after)) {
      // A primary key update is, for keyed consumers, the old key's delete and the new key's create.
      const oldKey = schema.keyOf(before);
      await this.emit(
        schema,
        OP.delete,
        { before: schema.valueOf(before), after: null, key: oldKey },
        position,
        offset,
        [keyHeader('__debezium.newkey', key)],
      );
      await this.emit(
        schema,
        OP.create,
        { before: null, after: schema.valueOf(after), key },
        position,
        offset,
        [keyHeader('__debezium.oldkey', oldKey)],
      );
      return;
    }
    await this.emit(
      schema,
      OP.update,
      { before: schema.valueOf(before), after: schema.valueOf(after), key },
      position,
      offset,
    );
  }

  private async emit(
    schema: TableSchema,
    op: Op,
    rows: Rows,
    position: ChangePosition,
    offset: ReturnType<typeof toSourceOffset>,
    headers?: RecordHeader[],
  ): Promise<void> {
    const operation = op as 'c' | 'u' | 'd';
    if (this.deps.filters.skips(operation)) return;
    const record = changeRecord(this.deps.server, schema, op, rows, position, offset, headers);
    await this.put(record, schema, op);
    if (op === OP.delete && this.deps.config['tombstones.on.delete'])
      await this.deps.queue.put(tombstoneOf(record));
  }

  private async put(record: SourceRecord, schema: TableSchema, op: Op): Promise<void> {
    await this.deps.queue.put(record);
    this.deps.metrics.event(`${schema.database}.${schema.table}`, op);
    this.emittedSinceHeartbeat = true;
  }

  /** Carries the latest complete position when nothing was emitted since the last heartbeat. */
  private emitHeartbeat(): void {
    if (this.emittedSinceHeartbeat) {
      this.emittedSinceHeartbeat = false;
      return;
    }
    const { config, server, queue } = this.deps;
    const offset: BinlogOffset = {
      file: this.file,
      pos: this.completedPos,
      ...(this.gtidsText !== undefined && { gtids: this.gtidsText }),
      event: 0,
      row: 0,
      ts_sec: Math.floor(Date.now() / 1000),
      server_id: server.serverId,
      history: this.deps.history.toJson(),
    };
    if (this.inTransaction) return;
    queue.tryPut({
      topic: heartbeatTopic(config['heartbeat.topics.prefix'], server.name),
      key: heartbeatKey(server.name),
      value: heartbeatValue(Date.now()),
      sourcePartition: server.partition,
      sourceOffset: toSourceOffset(offset),
    });
  }
}

function deferred(): { promise: Promise<void>; resolve(): void; reject(error: Error): void } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}
