import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { OP, type SnapshotMarker, type SourceRecord, type TaskContext } from '../../src/plugin/index.ts';
import type { RecordQueue } from '../shared/record-queue.ts';
import type { SourceMetrics } from '../shared/source-metrics.ts';
import type { PostgresSourceConfig } from './config.ts';
import { connect, quoteIdent, quoteLiteral, quoteTable } from './connection.ts';
import { databaseError } from './errors.ts';
import { changeRecord, type ServerInfo } from './events.ts';
import type { Lsn } from './lsn.ts';
import { snapshotOffset } from './offset.ts';
import { CopyLineSplitter, parseCopyLine } from './pg-text.ts';
import type { Tuple } from './pgoutput-parser.ts';
import type { TableSchema } from './table-schema.ts';

// The initial snapshot: every captured table read inside one exported snapshot (the slot's, so
// the rows meet the stream at the slot's consistent point exactly), with COPY ... TO STDOUT, on up
// to snapshot.max.threads connections in parallel: tables side by side, and a large table in
// ranges of its pages (ctid ranges, read by TID range scans on PostgreSQL 14+) by several
// connections at once. Every reader imports the same exported snapshot, so the ranges together are
// exactly the table at the consistent point. Rows become `r` events marked as Debezium marks them:
// the very first `first`, each table's first and last `first_in_data_collection` /
// `last_in_data_collection`, the very last `last` (whose offset also says the snapshot is done).
//
// After an interrupted snapshot, `catchUp` runs once every reader has imported the snapshot and
// before any reads: it streams the connector's slot up to this snapshot's consistent point, so the
// changes committed between the two attempts are emitted before the rows (per key: older first).

export interface SnapshotTable {
  schema: TableSchema;
  estimatedRows: number;
}

export interface SnapshotDeps {
  config: PostgresSourceConfig;
  context: TaskContext;
  queue: RecordQueue<SourceRecord>;
  server: ServerInfo;
  metrics: SourceMetrics;
  tables: SnapshotTable[];
  /** The exported snapshot every reader imports. */
  snapshotName: string;
  /** Where the snapshot meets the stream (the slot's consistent point). */
  lsn: Lsn;
  /** Transaction id reported in source.txId (the snapshot's xmin). */
  txId: number;
  /** Called once every reader has imported the snapshot: the exporting connection may close. */
  onImported(): void;
  /** Emits the changes from an interrupted snapshot's position up to `lsn` (see above). */
  catchUp?: () => Promise<void>;
}

export interface SnapshotResult {
  rows: number;
  tables: number;
}

interface HeldRow {
  table: SnapshotTable;
  tuple: Tuple;
  readTime: bigint;
  firstInTable: boolean;
}

/** A table being read, by one reader or by several (in page ranges). */
interface TableRead {
  table: SnapshotTable;
  /** One row of look-ahead for the whole table: a row's marker depends on whether another follows. */
  held: HeldRow | undefined;
  rows: number;
  rangesLeft: number;
  readTime: bigint | undefined;
}

/** What one reader reads at a time: a whole table, or its pages from `from` up to `to` (open: the end). */
interface ReadUnit {
  read: TableRead;
  pages?: { from: number; to: number | undefined };
}

/** A table is split into page ranges of at least this many pages (8 MiB at the default block size). */
export const MIN_RANGE_PAGES = 1024;

/**
 * How a table of `pages` pages is read by up to `threads` readers: page ranges of at least
 * MIN_RANGE_PAGES each, the last one open-ended (the table may have grown since it was measured;
 * the snapshot sees only what it sees). One range: the whole table.
 */
export function pageRanges(pages: number, threads: number): Array<{ from: number; to: number | undefined }> {
  const count = Math.max(1, Math.min(threads, Math.floor(pages / MIN_RANGE_PAGES)));
  const size = Math.ceil(pages / count);
  return Array.from({ length: count }, (_, index) => ({
    from: index * size,
    to: index === count - 1 ? undefined : (index + 1) * size,
  }));
}

export class SnapshotReader {
  private readonly deps: SnapshotDeps;
  private readonly clients = new Set<pg.Client>();
  private stopped = false;
  private units: ReadUnit[] = [];
  private nextUnit = 0;
  private tablesLeft: number;
  private firstEmitted = false;
  private lastRowOfTable: HeldRow | undefined;
  private rowsRead = 0;
  private lastProgress = 0;
  private readonly estimatedTotal: number;

  constructor(deps: SnapshotDeps) {
    this.deps = deps;
    this.tablesLeft = deps.tables.length;
    this.estimatedTotal = deps.tables.reduce((sum, table) => sum + Math.max(0, table.estimatedRows), 0);
  }

  async run(): Promise<SnapshotResult> {
    const { config, tables, context } = this.deps;
    this.units = await this.plan();
    if (this.stopped) return { rows: 0, tables: 0 };
    const workers = Math.max(1, Math.min(config['snapshot.max.threads'], this.units.length));
    context.log.info(
      { tables: tables.length, workers, ranges: this.units.length, lsn: this.deps.lsn.toString() },
      'snapshot started',
    );
    this.report();
    let imported = 0;
    let allImported!: () => void;
    const importing = new Promise<void>((resolve) => {
      allImported = resolve;
    });
    const onImported = () => {
      imported += 1;
      if (imported === workers) {
        this.deps.onImported();
        allImported();
      }
    };
    if (tables.length === 0) {
      this.deps.onImported();
      allImported();
    }
    // The readers hold the snapshot open while the catch-up streams, then read.
    const ready = importing.then(() => this.deps.catchUp?.());
    try {
      await Promise.all([
        ready,
        ...Array.from({ length: tables.length === 0 ? 0 : workers }, (_, index) =>
          this.worker(index, onImported, ready),
        ),
      ]);
    } catch (error) {
      await this.stop();
      throw error;
    }
    if (this.stopped) return { rows: this.rowsRead, tables: tables.length - this.tablesLeft };
    if (this.lastRowOfTable) {
      const row = this.lastRowOfTable;
      this.lastRowOfTable = undefined;
      await this.emit(row, this.marker(row.firstInTable, true, true), true);
    }
    this.report(true);
    context.reportProgress(undefined);
    context.log.info({ rows: this.rowsRead, tables: tables.length }, 'snapshot completed');
    return { rows: this.rowsRead, tables: tables.length };
  }

  /** Aborts the readers (their connections are closed; run() then rejects or resolves early). */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.clients].map((client) => client.end().catch(() => {})));
    this.clients.clear();
  }

  private async worker(index: number, onImported: () => void, ready: Promise<void>): Promise<void> {
    const { config, snapshotName } = this.deps;
    const client = await connect(config, `snapshot ${index}`);
    this.clients.add(client);
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await client.query(`SET TRANSACTION SNAPSHOT ${quoteLiteral(snapshotName)}`);
      onImported();
      await ready;
      for (let next = this.takeUnit(); next !== undefined && !this.stopped; next = this.takeUnit()) {
        await this.readUnit(client, next);
      }
      await client.query('COMMIT');
    } catch (error) {
      if (!this.stopped) throw databaseError(error, `snapshot reader ${index}`);
    } finally {
      this.clients.delete(client);
      await client.end().catch(() => {});
    }
  }

  /**
   * The read units: one per table, and page ranges of the large ones when snapshot.max.threads
   * allows more than one reader and the server has TID range scans (PostgreSQL 14+; before, each
   * range would scan the whole table). Table sizes are measured on a connection of their own.
   */
  private async plan(): Promise<ReadUnit[]> {
    const { config, tables } = this.deps;
    const reads = tables.map(
      (table): TableRead => ({ table, held: undefined, rows: 0, rangesLeft: 1, readTime: undefined }),
    );
    const threads = config['snapshot.max.threads'];
    if (threads <= 1 || tables.length === 0) return reads.map((read) => ({ read }));
    const client = await connect(config, 'snapshot plan');
    this.clients.add(client);
    let pages: Map<number, number>;
    try {
      pages = await tablePages(
        client,
        tables.map((table) => table.schema.spec.oid),
      );
    } finally {
      this.clients.delete(client);
      await client.end().catch(() => {});
    }
    return reads.flatMap((read): ReadUnit[] => {
      const ranges = pageRanges(pages.get(read.table.schema.spec.oid) ?? 0, threads);
      if (ranges.length === 1) return [{ read }];
      read.rangesLeft = ranges.length;
      return ranges.map((range) => ({ read, pages: range }));
    });
  }

  private takeUnit(): ReadUnit | undefined {
    const unit = this.units[this.nextUnit];
    if (unit) this.nextUnit += 1;
    return unit;
  }

  private async readUnit(client: pg.Client, unit: ReadUnit): Promise<void> {
    const { read, pages } = unit;
    const { table } = read;
    const { spec } = table.schema;
    const columns = spec.columns.map((column) => quoteIdent(column.name)).join(', ');
    const range =
      pages === undefined
        ? ''
        : ` WHERE ctid >= '(${pages.from},0)'::tid${pages.to === undefined ? '' : ` AND ctid < '(${pages.to},0)'::tid`}`;
    const select = `SELECT ${columns || 'NULL'} FROM ${quoteTable(spec.schema, spec.name)}${range}`;
    read.readTime ??= BigInt(Date.now()) * 1000n;
    const readTime = read.readTime;
    const splitter = new CopyLineSplitter();
    const stream = client.query(copyTo(`COPY (${select}) TO STDOUT`));
    // The table's look-ahead row is swapped before the await: readers of other ranges of the same
    // table interleave here.
    const next = async (line: string) => {
      const previous = read.held;
      read.held = { table, tuple: parseCopyLine(line), readTime, firstInTable: read.rows === 0 };
      read.rows += 1;
      if (previous) await this.emit(previous, this.marker(previous.firstInTable, false), false);
    };
    for await (const chunk of stream) {
      if (this.stopped) return;
      for (const line of splitter.push(chunk as Buffer)) await next(line);
    }
    for (const line of splitter.end()) await next(line);
    read.rangesLeft -= 1;
    if (read.rangesLeft > 0) return;
    this.tablesLeft -= 1;
    // A table's last row waits until the next table with rows ends (or the snapshot does): only
    // then is it known whether it is the snapshot's very last record.
    const held = read.held;
    read.held = undefined;
    if (held) {
      const previous = this.lastRowOfTable;
      this.lastRowOfTable = held;
      if (previous) await this.emit(previous, this.marker(previous.firstInTable, true), false);
    }
    this.report(true);
    this.deps.context.log.info(
      { table: `${spec.schema}.${spec.name}`, rows: read.rows },
      'snapshot of table done',
    );
  }

  private marker(firstInTable: boolean, lastInTable: boolean, lastOverall = false): SnapshotMarker {
    if (!this.firstEmitted) {
      this.firstEmitted = true;
      return 'first';
    }
    if (lastOverall) return 'last';
    if (firstInTable) return 'first_in_data_collection';
    if (lastInTable) return 'last_in_data_collection';
    return 'true';
  }

  private async emit(row: HeldRow, marker: SnapshotMarker, last: boolean): Promise<void> {
    const { server, lsn, txId, queue, metrics } = this.deps;
    const { schema } = row.table;
    const record = changeRecord(
      server,
      schema,
      OP.read,
      { before: null, after: schema.valueOf(row.tuple), key: schema.keyOf(row.tuple) },
      { time: row.readTime, snapshot: marker, txId, lsn, lastCommitLsn: null },
      snapshotOffset({ lsn, txId, readTime: row.readTime, last }),
    );
    await queue.put(record);
    metrics.event(`${schema.spec.schema}.${schema.spec.name}`, OP.read);
    this.rowsRead += 1;
    if (this.rowsRead - this.lastProgress >= 10_000) this.report();
  }

  private report(force = false): void {
    if (!force && this.rowsRead === this.lastProgress) return;
    this.lastProgress = this.rowsRead;
    const { tables, context, metrics } = this.deps;
    const done = tables.length - this.tablesLeft;
    context.reportProgress({
      phase: 'snapshot',
      done: this.rowsRead,
      total: Math.max(this.estimatedTotal, this.rowsRead),
      unit: 'rows',
      detail: `${done} of ${tables.length} tables done`,
    });
    metrics.snapshot({
      running: this.tablesLeft > 0,
      tablesTotal: tables.length,
      tablesRemaining: this.tablesLeft,
      rowsScanned: this.rowsRead,
    });
  }
}

/**
 * Each table's size in pages, where the server reads a ctid range without scanning the rest
 * (PostgreSQL 14+): an empty map before, so no table is split.
 */
async function tablePages(client: pg.Client, oids: readonly number[]): Promise<Map<number, number>> {
  const version = await client.query<{ version: string }>(
    "SELECT current_setting('server_version_num') AS version",
  );
  if (Number(version.rows[0]?.version ?? 0) < 140000) return new Map();
  const result = await client.query<{ oid: string; pages: string }>(
    `SELECT c.oid::text AS oid, (pg_relation_size(c.oid) / current_setting('block_size')::int)::text AS pages
       FROM pg_class c WHERE c.oid = ANY($1::oid[])`,
    [oids.map(String)],
  );
  return new Map(result.rows.map((row) => [Number(row.oid), Number(row.pages)]));
}
