import type pg from 'pg';
import { LogicalReplicationService } from 'pg-logical-replication';
import {
  type ConnectStruct,
  errorMessage,
  heartbeatKey,
  heartbeatTopic,
  heartbeatValue,
  OnrampError,
  type SourceOffset,
  type SourceRecord,
  type TaskContext,
  TransactionTracker,
  transactionBeginValue,
  transactionEndValue,
  transactionKey,
  transactionTopic,
} from '../../src/plugin/index.ts';
import type { RecordQueue } from '../shared/record-queue.ts';
import type { SourceMetrics } from '../shared/source-metrics.ts';
import type { TopicRenames } from '../shared/topic-renames.ts';
import { loadTableDefinitions } from './catalog.ts';
import type { PostgresSourceConfig } from './config.ts';
import { clientConfig, quoteIdent, quoteLiteral } from './connection.ts';
import { databaseError, PG_STREAM_FAILED } from './errors.ts';
import type { ChangePosition, ServerInfo } from './events.ts';
import type { CaptureFilters } from './filters.ts';
import { formatLsn, type Lsn, parseLsn } from './lsn.ts';
import { COMPLETE, changeOffset, completeOffset, type ResumePoint } from './offset.ts';
import {
  type CommitMessage,
  type DeleteMessage,
  type InsertMessage,
  type PgoutputMessage,
  parsePgoutput,
  type RelationMessage,
  type TruncateMessage,
  type UpdateMessage,
} from './pgoutput-parser.ts';
import { type EventSettings, rowChangeRecords, truncateRecords } from './row-events.ts';
import { slotWal, walWarning } from './slot.ts';
import { type SchemaSettings, TableSchema, tableSpec } from './table-schema.ts';
import type { TypeCatalog } from './type-catalog.ts';

// Streaming from the slot with pgoutput (protocol 1) through pg-logical-replication, whose socket
// handling and flow control we use, but not its parser and not its acknowledgements: its timer
// confirms the last *received* LSN even with auto-ack off (issue #174), so the timer is off and
// we confirm only what the host committed (Kafka acked + offset stored), from commit().
//
// Each record's offset says exactly how far the stream got: inside a transaction, how many of its
// change messages are emitted; the last record of a transaction carries the transaction's end LSN,
// which is what the slot may confirm. The last record of a transaction is held back until its
// COMMIT arrives so that it can carry that complete offset.
//
// With provide.transaction.metadata, as Debezium's PostgreSQL connector: a BEGIN record when
// pgoutput's BEGIN arrives (PostgreSQL 15+ sends none for a transaction without published
// changes), an END record at COMMIT carrying the complete offset, and every event numbered in its
// transaction block. Debezium spells each id "<xid>:<LSN of the message>" (BEGIN: the BEGIN's,
// an event: its own, END: the commit's end), so BEGIN, events and END of one transaction differ.

export interface StreamDeps {
  config: PostgresSourceConfig;
  context: TaskContext;
  queue: RecordQueue<SourceRecord>;
  server: ServerInfo;
  catalog: TypeCatalog;
  filters: CaptureFilters;
  metadata: pg.Client;
  settings: SchemaSettings;
  metrics: SourceMetrics;
  resume: ResumePoint;
  /** The position before the first streamed record (the stored offset, or the slot's start). */
  initialPosition: SourceOffset;
  /** The LSN already confirmed (stored offset / slot position): never confirm below it. */
  confirmed: Lsn;
  /** Table schemas already built (by the snapshot), reused when a relation matches them. */
  knownSchemas: ReadonlyMap<number, TableSchema>;
  /** Logs, once per table, a topic name sanitized from its table's name. */
  renames: TopicRenames;
  /**
   * Catching up after an interrupted snapshot: emit only the transactions committing before this
   * LSN (the next snapshot's consistent point), with `snapshot: true` in every offset since the
   * snapshot is still unfinished; caughtUp() resolves once they all are.
   */
  until?: Lsn;
  onFailure(error: Error): void;
}

interface TransactionState {
  xid: number;
  commitTime: bigint;
  /** Change messages seen so far (filtered or not): the resume counter. */
  messages: number;
  lastChangeLsn: Lsn;
  /** The partly emitted transaction being replayed after a restart. */
  skipping: boolean;
  /** Replaying: changes seen at the stored lsn_proc (to count off Debezium's lsn_events_processed). */
  atLsnProc?: number;
}

const LSN_LIKE = /^[0-9A-F]+\/[0-9A-F]+$/i;
/** Catching up, how often the server is asked how far it has decoded (a keepalive reply). */
const CATCH_UP_PING_MS = 100;

export class WalStream {
  private readonly deps: StreamDeps;
  private readonly service: LogicalReplicationService;
  private readonly tables = new Map<number, TableSchema | null>();
  private partial: ResumePoint['partial'];
  private transaction: TransactionState | undefined;
  /** Numbers events for transaction metadata; undefined when it is off. */
  private readonly tracker: TransactionTracker | undefined;
  private pending: SourceRecord | undefined;
  private position: SourceOffset;
  private lastCommitEnd: Lsn;
  private confirmed: Lsn;
  private stopping = false;
  /** pgoutput messages parsed (on arrival) and handled (after their records are queued). */
  private received = 0;
  private handled = 0;
  /** A keepalive came while messages before it were still being handled: caught up at this count. */
  private caughtUpAt: number | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private finished: Promise<void> | undefined;
  /** The retained-WAL warning in force, to log only its changes. */
  private walWarning: string | undefined;
  private starting: Promise<void> | undefined;
  /** Catch-up: every transaction before `until` is emitted; nothing after it is. */
  private reachedUntil = false;
  private readonly caughtUpSignal = deferred();

  constructor(deps: StreamDeps) {
    this.deps = deps;
    this.partial = deps.resume.partial;
    this.position = deps.initialPosition;
    this.lastCommitEnd = deps.resume.startLsn;
    this.confirmed = deps.confirmed;
    if (deps.config['provide.transaction.metadata']) this.tracker = new TransactionTracker();
    this.service = new LogicalReplicationService(clientConfig(deps.config, 'stream'), {
      acknowledge: { auto: false, timeoutSeconds: 0 },
      flowControl: { enabled: true },
    });
    // Nobody waits on it outside catch-up; a failure must not count as unhandled.
    this.caughtUpSignal.promise.catch(() => undefined);
  }

  /** Catch-up: resolves once every transaction before `until` is emitted; rejects if the stream fails. */
  caughtUp(): Promise<void> {
    return this.caughtUpSignal.promise;
  }

  /** Starts START_REPLICATION; resolves once the server streams, rejects if it refuses. */
  start(): Promise<void> {
    this.starting = this.subscribe();
    return this.starting;
  }

  private async subscribe(): Promise<void> {
    const { config } = this.deps;
    const slot = config['slot.name'];
    // Until the server streams, failures surface through start()'s rejection, not onFailure.
    let running = false;
    this.service.on('data', (lsn: string, message: PgoutputMessage) => this.onData(lsn, message));
    this.service.on('error', (error: Error) => {
      if (running) this.fail(databaseError(error, 'replication stream'));
    });
    this.service.on('heartbeat', (lsn: string, _time: number, shouldRespond: boolean) => {
      this.onKeepalive(parseLsn(lsn));
      if (shouldRespond) this.sendStatus();
    });
    const started = new Promise<void>((resolve) => this.service.once('start', () => resolve()));
    const publication = config['publication.name'];
    const plugin = {
      options: {},
      name: 'pgoutput',
      parse: (buffer: Buffer) => {
        this.received += 1;
        return parsePgoutput(buffer);
      },
      start: (client: pg.Client, slotName: string, lastLsn: string) => {
        if (!LSN_LIKE.test(lastLsn)) throw new Error(`Invalid start LSN ${lastLsn}`);
        const options = `proto_version '1', publication_names ${quoteLiteral(quoteIdent(publication))}`;
        return client.query(`START_REPLICATION SLOT ${quoteIdent(slotName)} LOGICAL ${lastLsn} (${options})`);
      },
    };
    const subscription = this.service.subscribe(plugin, slot, formatLsn(this.deps.resume.startLsn));
    this.finished = subscription.then(
      () => {
        if (running)
          this.fail(new OnrampError(PG_STREAM_FAILED, `Replication from slot "${slot}" ended unexpectedly`));
      },
      (error: unknown) => {
        if (running) this.fail(databaseError(error, `streaming from slot "${slot}"`));
      },
    );
    try {
      await Promise.race([
        started,
        subscription.then(() => {
          throw new OnrampError(PG_STREAM_FAILED, `Replication from slot "${slot}" ended before it started`);
        }),
      ]);
    } catch (error) {
      this.stopping = true;
      await this.service.stop().catch(() => {});
      throw databaseError(error, `starting replication from slot "${slot}"`);
    }
    if (this.stopping) return;
    running = true;
    this.deps.metrics.connected(true);
    this.startTimers();
    const until = this.deps.until;
    if (until === undefined) void this.watchSlot();
    this.deps.context.log.info(
      {
        slot,
        publication,
        from: formatLsn(this.deps.resume.startLsn),
        ...(until !== undefined && { until: formatLsn(until) }),
      },
      until === undefined
        ? 'streaming changes from the replication slot'
        : 'streaming the changes committed since the interrupted snapshot',
    );
  }

  /** The host stored offsets up to `lsn`: the slot may release WAL before it. */
  confirm(lsn: Lsn): void {
    if (lsn <= this.confirmed) return;
    this.confirmed = lsn;
    this.sendStatus();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.caughtUpSignal.reject(new Error('the replication stream was stopped'));
    this.deps.metrics.connected(false);
    for (const timer of this.timers) clearInterval(timer);
    // Stopping the service while it connects would leave the connection it is opening running.
    await this.starting?.catch(() => {});
    // A last status so the server has our final committed position before we disconnect.
    if (this.confirmed > 0n)
      await this.service.acknowledge(formatLsn(this.confirmed - 1n)).catch(() => false);
    await this.service.stop().catch(() => {});
    await this.finished;
  }

  private startTimers(): void {
    const { config } = this.deps;
    if (this.deps.until !== undefined) {
      // A keepalive answers each ping with how far the server has decoded: what tells an idle
      // catch-up that nothing before `until` is left.
      this.timers.push(setInterval(() => this.ping(), CATCH_UP_PING_MS));
      return;
    }
    this.timers.push(setInterval(() => this.keepalive(), config['status.update.interval.ms']));
    const heartbeatMs = config['heartbeat.interval.ms'];
    if (heartbeatMs > 0) this.timers.push(setInterval(() => this.heartbeat(), heartbeatMs));
  }

  /**
   * Reports the committed position (never a received-but-unstored one). The library adds one to
   * the LSN it is given, so it gets the LSN before ours: the server must restart decoding at the
   * committed transaction end itself, or a transaction committing right there would be skipped.
   */
  private sendStatus(): void {
    if (this.confirmed > 0n && !this.stopping) {
      this.service.acknowledge(formatLsn(this.confirmed - 1n)).catch(() => {});
    }
  }

  private ping(): void {
    if (this.stopping || this.reachedUntil) return;
    this.service.acknowledge(formatLsn(this.confirmed > 0n ? this.confirmed - 1n : 0n), true).catch(() => {});
  }

  private keepalive(): void {
    this.sendStatus();
    void this.watchSlot();
  }

  /**
   * The slot's retained WAL (pg_current_wal_lsn() - restart_lsn) and unconfirmed lag as metrics and
   * in the task's status, with a warning (logged when it starts and when it clears) past
   * slot.retained.wal.warning.bytes or near max_slot_wal_keep_size.
   */
  private async watchSlot(): Promise<void> {
    const { metadata, config, metrics, context } = this.deps;
    const name = config['slot.name'];
    const wal = await slotWal(metadata, name).catch(() => undefined);
    if (!wal || this.stopping) return;
    metrics.slotLagBytes(wal.lagBytes);
    metrics.slotRetainedWalBytes(wal.retainedBytes);
    const warning = walWarning(name, wal, config['slot.retained.wal.warning.bytes']);
    if (warning !== this.walWarning) {
      if (warning) context.log.warn({ slot: name, retainedBytes: wal.retainedBytes }, warning);
      else
        context.log.info(
          { slot: name, retainedBytes: wal.retainedBytes },
          'slot retained WAL is back under its threshold',
        );
      this.walWarning = warning;
    }
    context.reportProgress({
      phase: 'streaming',
      detail: `slot "${name}" retains ${wal.retainedBytes} bytes of WAL`,
      gauges: { retained_wal_bytes: wal.retainedBytes, slot_lag_bytes: wal.lagBytes },
      ...(warning !== undefined && { warning }),
    });
  }

  private heartbeat(): void {
    const { config, server, queue, metadata, context } = this.deps;
    const record: SourceRecord = {
      topic: heartbeatTopic(config['heartbeat.topics.prefix'], server.name),
      key: heartbeatKey(server.name),
      value: heartbeatValue(Date.now()),
      sourcePartition: server.partition,
      sourceOffset: this.position,
    };
    // Skipped while records wait for room: they carry newer positions anyway.
    queue.tryPut(record);
    const action = config['heartbeat.action.query'];
    if (action) {
      metadata.query(action).catch((error: unknown) => {
        context.log.warn({ error: errorMessage(error) }, 'heartbeat.action.query failed');
      });
    }
  }

  private fail(error: Error): void {
    if (this.stopping) return;
    this.stopping = true;
    this.caughtUpSignal.reject(error);
    this.deps.metrics.connected(false);
    for (const timer of this.timers) clearInterval(timer);
    this.deps.onFailure(error);
    this.service.stop().catch(() => {});
  }

  private async onData(lsnText: string, message: PgoutputMessage): Promise<void> {
    if (this.stopping || this.reachedUntil) return;
    try {
      await this.handle(parseLsn(lsnText), message);
    } catch (error) {
      if (!this.stopping) this.fail(error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.handled += 1;
      if (this.caughtUpAt !== undefined && this.handled >= this.caughtUpAt) this.settleCaughtUp();
    }
  }

  /** Every message sent before the last keepalive is handled: caught up, unless inside a transaction. */
  private settleCaughtUp(): void {
    this.caughtUpAt = undefined;
    if (!this.transaction && !this.pending && !this.partial) this.deps.metrics.caughtUp();
  }

  /**
   * A keepalive carries how far the server has decoded. When every message sent before it is
   * handled and no transaction is open, nothing before that LSN is left for us: the position (and
   * so the next heartbeat's offset) may move there. This is what lets heartbeats advance the slot
   * while only other tables change (PostgreSQL 15+ sends nothing for such transactions). It is
   * also what tells the lag metric that the task is caught up (or, when not idle, behind).
   */
  private onKeepalive(lsn: Lsn): void {
    const idle = this.received === this.handled && !this.transaction && !this.pending && !this.partial;
    if (idle && this.deps.until !== undefined && lsn >= this.deps.until) this.reachUntil();
    if (idle) this.deps.metrics.caughtUp();
    else {
      // The server has sent everything before this keepalive: once that is handled, none is left.
      this.deps.metrics.behind();
      this.caughtUpAt = this.received;
    }
    if (!idle || lsn <= this.lastCommitEnd) return;
    this.lastCommitEnd = lsn;
    this.position = {
      lsn: Number(lsn),
      lsn_proc: Number(lsn),
      lsn_commit: Number(lsn),
      messageType: COMPLETE,
    };
  }

  /** Catch-up: the next transaction (if any) belongs after the snapshot: stop emitting here. */
  private reachUntil(): void {
    if (this.reachedUntil) return;
    this.reachedUntil = true;
    for (const timer of this.timers) clearInterval(timer);
    this.caughtUpSignal.resolve();
  }

  private async handle(lsn: Lsn, message: PgoutputMessage): Promise<void> {
    switch (message.tag) {
      case 'begin':
        // The exported snapshot holds every transaction whose commit record is before `until`.
        if (this.deps.until !== undefined && message.finalLsn >= this.deps.until) {
          this.reachUntil();
          return;
        }
        this.transaction = {
          xid: message.xid,
          commitTime: message.commitTime,
          messages: 0,
          lastChangeLsn: message.finalLsn,
          skipping: this.partial?.txId === message.xid,
        };
        if (this.tracker) await this.beginTransaction(lsn, this.transaction, this.tracker);
        return;
      case 'relation':
        return this.onRelation(message);
      case 'type':
        return this.deps.catalog.ensure(this.deps.metadata, [message.typeOid]);
      case 'insert':
      case 'update':
      case 'delete':
        return this.onRowChange(lsn, message);
      case 'truncate':
        return this.onTruncate(lsn, message);
      case 'commit':
        return this.onCommit(lsn, message);
      default:
        return;
    }
  }

  /**
   * Emits the BEGIN record, unless the transaction is being resumed after a restart with its
   * numbering stored in the offset: its BEGIN was emitted, and acknowledged, before.
   */
  private async beginTransaction(
    lsn: Lsn,
    transaction: TransactionState,
    tracker: TransactionTracker,
  ): Promise<void> {
    const resumed = transaction.skipping ? this.partial?.transaction : undefined;
    if (resumed && resumed.id === String(transaction.xid)) {
      tracker.resume(resumed);
      return;
    }
    tracker.begin(String(transaction.xid));
    // Resuming a transaction without stored numbering (the option was off): keep the stored
    // position, which says how much of the transaction is out already.
    const offset = transaction.skipping
      ? this.marked({ ...this.position, ...tracker.offsetFields() })
      : this.marked(
          changeOffset({
            changeLsn: lsn,
            lastCommitEnd: this.lastCommitEnd,
            txId: transaction.xid,
            commitTime: transaction.commitTime,
            messageType: 'BEGIN',
            events: 0,
            transaction: tracker.offsetFields(),
          }),
        );
    const id = `${transaction.xid}:${lsn}`;
    await this.emit(
      this.transactionRecord(id, transactionBeginValue(id, millis(transaction.commitTime)), offset),
    );
  }

  private transactionRecord(id: string, value: SourceRecord['value'], offset: SourceOffset): SourceRecord {
    const { config, server } = this.deps;
    return {
      topic: transactionTopic(server.name, config['topic.transaction']),
      key: transactionKey(id),
      value,
      sourcePartition: server.partition,
      sourceOffset: offset,
    };
  }

  private async onRelation(message: RelationMessage): Promise<void> {
    const { filters, catalog, metadata, settings, context, knownSchemas } = this.deps;
    if (!filters.includesTable(message.schema, message.name)) {
      this.tables.set(message.relationOid, null);
      return;
    }
    await catalog.ensure(
      metadata,
      message.columns.map((column) => column.typeOid),
    );
    const definition = (await loadTableDefinitions(metadata, [message.relationOid])).get(message.relationOid);
    const known = new Map(definition?.columns.map((column) => [column.name, column]));
    const columns = message.columns.map((column) => {
      const catalogColumn = known.get(column.name);
      const comment = catalogColumn?.comment;
      // The catalog's default only while its type is still the one the relation message announces.
      const sameType = catalogColumn?.typeOid === column.typeOid;
      return {
        name: column.name,
        typeOid: column.typeOid,
        typeMod: column.typeMod,
        notNull: catalogColumn?.notNull ?? false,
        ...(comment !== undefined && { comment }),
        ...(sameType &&
          catalogColumn.defaultExpression !== undefined && {
            defaultExpression: catalogColumn.defaultExpression,
          }),
        ...(sameType && catalogColumn.typeName !== undefined && { typeName: catalogColumn.typeName }),
        ...(sameType && catalogColumn.isEnum && { isEnum: true }),
      };
    });
    const spec = tableSpec(
      { oid: message.relationOid, schema: message.schema, name: message.name },
      columns,
      definition?.primaryKey ?? [],
      filters,
    );
    const schema = new TableSchema(spec, catalog.lookup, filters, settings);
    const previous = this.tables.get(message.relationOid) ?? knownSchemas.get(message.relationOid);
    if (previous && previous.fingerprint === schema.fingerprint) {
      this.tables.set(message.relationOid, previous);
      return;
    }
    if (previous)
      context.log.info(
        { table: `${spec.schema}.${spec.name}` },
        'table structure changed: new schema version',
      );
    if (schema.skippedColumns.length > 0) {
      context.log.warn(
        { table: `${spec.schema}.${spec.name}`, columns: schema.skippedColumns },
        'columns of unsupported types are left out (include.unknown.datatypes=false)',
      );
    }
    this.deps.renames.note(schema.names);
    this.tables.set(message.relationOid, schema);
  }

  private tableOf(relationOid: number): TableSchema | null {
    const table = this.tables.get(relationOid);
    if (table === undefined)
      throw new Error(`pgoutput sent a change for relation ${relationOid} before describing it`);
    return table;
  }

  /** Counts the message; true when it was already emitted before a restart. */
  private alreadyEmitted(transaction: TransactionState, lsn: Lsn): boolean {
    transaction.messages += 1;
    transaction.lastChangeLsn = lsn;
    if (!transaction.skipping || !this.partial) return false;
    if (this.partial.events !== undefined) return transaction.messages <= this.partial.events;
    const { lsnProc, lsnProcEvents } = this.partial;
    if (lsnProc === undefined || lsn > lsnProc) return false;
    if (lsn < lsnProc || lsnProcEvents === undefined) return true;
    // Several changes at lsn_proc (a COPY): Debezium 3.7 counted how many of them are out.
    transaction.atLsnProc = (transaction.atLsnProc ?? 0) + 1;
    return transaction.atLsnProc <= lsnProcEvents;
  }

  private currentTransaction(): TransactionState {
    if (!this.transaction) throw new Error('pgoutput sent a change outside a transaction');
    return this.transaction;
  }

  private changePosition(transaction: TransactionState, lsn: Lsn): ChangePosition {
    return {
      time: transaction.commitTime,
      snapshot: 'false',
      txId: transaction.xid,
      lsn,
      lastCommitLsn: this.lastCommitEnd,
    };
  }

  private async onRowChange(lsn: Lsn, message: InsertMessage | UpdateMessage | DeleteMessage): Promise<void> {
    const transaction = this.currentTransaction();
    if (this.alreadyEmitted(transaction, lsn)) return;
    const table = this.tableOf(message.relationOid);
    if (table === null) return;
    const records = rowChangeRecords(
      table,
      message,
      this.changePosition(transaction, lsn),
      this.eventSettings(),
    );
    await this.emitAll(records, transaction, lsn, MESSAGE_TYPES[message.tag]);
  }

  private async onTruncate(lsn: Lsn, message: TruncateMessage): Promise<void> {
    const transaction = this.currentTransaction();
    if (this.alreadyEmitted(transaction, lsn)) return;
    const tables = message.relationOids.flatMap((relationOid) => {
      const table = this.tableOf(relationOid);
      return table === null ? [] : [table];
    });
    const records = truncateRecords(tables, this.changePosition(transaction, lsn), this.eventSettings());
    await this.emitAll(records, transaction, lsn, 'TRUNCATE');
  }

  private settings: EventSettings | undefined;

  /** Built once (the deps do not change), not per change. */
  private eventSettings(): EventSettings {
    if (this.settings) return this.settings;
    const { filters, config, server, metrics } = this.deps;
    this.settings = {
      filters,
      server,
      tombstones: config['tombstones.on.delete'],
      count: (table, op) => metrics.event(table, op),
    };
    return this.settings;
  }

  /**
   * Emits the records of one change message. Only the last one can say the message is done; the
   * ones before it carry the position before the message, so a crash between them replays it.
   */
  private async emitAll(
    records: SourceRecord[],
    transaction: TransactionState,
    lsn: Lsn,
    messageType: string,
  ): Promise<void> {
    const common = {
      changeLsn: lsn,
      lastCommitEnd: this.lastCommitEnd,
      txId: transaction.xid,
      commitTime: transaction.commitTime,
      messageType,
    };
    const tracker = this.tracker;
    // The numbering before this message goes with the records that do not complete it.
    const numberedBefore = tracker?.offsetFields();
    if (tracker) {
      const id = `${transaction.xid}:${lsn}`;
      for (const record of records) {
        const envelope = record.value?.value as ConnectStruct | null | undefined;
        if (!envelope) continue; // tombstones are not events of the transaction
        const source = envelope.source as ConnectStruct;
        envelope.transaction = { ...tracker.event(`${source.schema}.${source.table}`, id) };
      }
    }
    const numberedAfter = tracker?.offsetFields();
    for (const [index, record] of records.entries()) {
      const last = index === records.length - 1;
      const events = last ? transaction.messages : transaction.messages - 1;
      const numbering = last ? numberedAfter : numberedBefore;
      record.sourceOffset = this.marked(
        changeOffset({ ...common, events, ...(numbering && { transaction: numbering }) }),
      );
      await this.emit(record);
    }
  }

  /** Queues the record held back, and holds back this one (the last of a transaction so far). */
  private async emit(record: SourceRecord): Promise<void> {
    if (this.pending) await this.push(this.pending);
    this.pending = record;
  }

  private async onCommit(lsn: Lsn, message: CommitMessage): Promise<void> {
    const transaction = this.transaction;
    this.transaction = undefined;
    if (transaction?.skipping) this.partial = undefined;
    const complete = this.marked(
      completeOffset({
        lastChangeLsn: transaction?.lastChangeLsn ?? message.commitLsn,
        endLsn: message.endLsn,
        txId: transaction?.xid ?? 0,
        commitTime: message.commitTime,
      }),
    );
    const tracker = this.tracker;
    if (tracker?.id !== undefined && transaction) {
      // The END record is the transaction's last: it carries the complete offset.
      const id = `${transaction.xid}:${lsn}`;
      const end = transactionEndValue(id, millis(message.commitTime), tracker.end());
      await this.emit(this.transactionRecord(id, end, complete));
    }
    if (this.pending) {
      const last = this.pending;
      this.pending = undefined;
      last.sourceOffset = complete;
      await this.push(last);
    }
    this.position = complete;
    this.lastCommitEnd = message.endLsn;
    this.deps.context.log.debug(
      { txId: transaction?.xid ?? null, lsn: message.endLsn, messages: transaction?.messages ?? 0 },
      'transaction read',
    );
    this.deps.metrics.changeRead(millis(message.commitTime));
    this.deps.metrics.transactionCommitted();
  }

  /** Catching up, offsets say the snapshot is still unfinished (see offset.ts). */
  private marked(offset: SourceOffset): SourceOffset {
    return this.deps.until === undefined ? offset : { ...offset, snapshot: true };
  }

  private async push(record: SourceRecord): Promise<void> {
    await this.deps.queue.put(record);
    this.position = record.sourceOffset;
  }
}

/** The offset's messageType of a row change. */
const MESSAGE_TYPES = { insert: 'INSERT', update: 'UPDATE', delete: 'DELETE' } as const;

/** µs since the epoch to ms. */
function millis(micros: bigint): number {
  return Number(micros / 1000n);
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
