import type { Connection as CallbackConnection } from 'mysql2';
import type mysql from 'mysql2/promise';
import {
  OP,
  type SnapshotMarker,
  type SourceOffset,
  type SourceRecord,
  type TaskContext,
} from '../../src/plugin/index.ts';
import type { RecordQueue } from '../shared/record-queue.ts';
import type { SourceMetrics } from '../shared/source-metrics.ts';
import type { TopicRenames } from '../shared/topic-renames.ts';
import { type CatalogTable, loadTableDefinitions, type TableDefinition, tableKey } from './catalog.ts';
import type { MysqlSourceConfig } from './config.ts';
import { connect, quoteIdent, quoteTable } from './connection.ts';
import { databaseError } from './errors.ts';
import { changeRecord, type ServerInfo } from './events.ts';
import { mariadbGtidsAt } from './gtid.ts';
import { toSourceOffset } from './offset.ts';
import { snapshotDdl, snapshotSchemaChangeRecords } from './schema-change.ts';
import { historyPosition, type SchemaHistory } from './schema-history.ts';
import type { Row, TableSchema } from './table-schema.ts';

// The initial snapshot: every captured table read in one consistent-snapshot transaction whose
// binlog position is known exactly, so streaming continues from there without gaps or overlaps.
// MariaDB reports that position for the snapshot itself (Binlog_snapshot_file/_position) and needs
// no lock; MySQL needs FLUSH TABLES WITH READ LOCK while the transaction starts and the position is
// read (snapshot.locking.mode=minimal), or for the whole snapshot (extended). Rows become `r` events
// marked as Debezium marks them: the very first `first`, each table's first and last
// `first_in_data_collection` / `last_in_data_collection`, the very last `last`. The tables'
// structures are read at the snapshot's position (under the lock on MySQL) and start the schema
// history there.
//
// After an interrupted snapshot, `catchUp` runs between opening the transaction and reading the
// tables: it streams the binlog from the stored position up to this snapshot's, so the changes
// committed between the two attempts are emitted before the rows (per key: older first). The
// structures read at the snapshot's position enter the history only after it, since the changes
// caught up are decoded with the structures of their own time.

export interface BinlogPosition {
  file: string;
  pos: number;
  gtids?: string;
}

export interface SnapshotDeps {
  config: MysqlSourceConfig;
  context: TaskContext;
  queue: RecordQueue<SourceRecord>;
  server: ServerInfo;
  metrics: SourceMetrics;
  mariadb: boolean;
  tables: CatalogTable[];
  /** Filled with the tables' structures as of the snapshot position. */
  history: SchemaHistory;
  /** Logs, once per table, a topic name sanitized from its table's name. */
  renames: TopicRenames;
  /** Emits the changes from an interrupted snapshot's position up to this one's (see above). */
  catchUp?: (position: BinlogPosition) => Promise<void>;
  /**
   * Makes the snapshot's offset (its position, the structures as of it) durable before its first
   * record is put (see task.ts). Not with `catchUp`: the stored offset names where that began.
   */
  atStart?: (offset: SourceOffset) => Promise<void>;
}

interface HeldRow {
  schema: TableSchema;
  row: Row;
  readTime: number;
  firstInTable: boolean;
}

/** A table being read, by one connection or by several (in primary key ranges). */
interface TableRead {
  table: CatalogTable;
  /** Absent when the table was dropped since it was listed: nothing to read. */
  schema: TableSchema | undefined;
  /** One row of look-ahead for the whole table: a row's marker depends on whether another follows. */
  held: HeldRow | undefined;
  rows: number;
  rangesLeft: number;
  readTime: number | undefined;
}

/** An integer primary key range: from `from` (inclusive) below `to` (exclusive); open where absent. */
export interface KeyRange {
  from?: bigint;
  to?: bigint;
}

/** What one connection reads at a time: a whole table, or a range of its integer primary key. */
interface ReadUnit {
  read: TableRead;
  range?: { column: string } & KeyRange;
}

/** A table is split into key ranges of about this many rows at least (by its row estimate). */
export const MIN_RANGE_ROWS = 50_000;

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint']);

/** The table's primary key column when it is a single integer column (so it can be cut in ranges). */
export function integerKey(definition: TableDefinition | undefined): string | undefined {
  const [key, ...more] = definition?.primaryKey ?? [];
  if (key === undefined || more.length > 0) return undefined;
  const column = definition?.columns.find((candidate) => candidate.name === key);
  return column && INTEGER_TYPES.has(column.dataType.toLowerCase()) ? key : undefined;
}

/** How many ranges a table of about `rows` rows is read in by up to `threads` connections. */
export function rangeCount(rows: number, threads: number): number {
  return Math.max(1, Math.min(threads, Math.floor(rows / MIN_RANGE_ROWS)));
}

/**
 * Up to `count` key ranges of equal width covering min..max, the first open below and the last open
 * above (rows outside min..max cannot be in the snapshot, but the ranges need no such promise).
 */
export function keyRanges(min: bigint, max: bigint, count: number): KeyRange[] {
  const span = max - min + 1n;
  const parts = span < BigInt(count) ? Number(span > 0n ? span : 1n) : count;
  if (parts <= 1) return [{}];
  const width = (span + BigInt(parts) - 1n) / BigInt(parts);
  return Array.from({ length: parts }, (_, index) => ({
    ...(index > 0 && { from: min + width * BigInt(index) }),
    ...(index < parts - 1 && { to: min + width * BigInt(index + 1) }),
  }));
}

/**
 * Opens the snapshot transaction and reads the binlog position it is consistent with; `atPosition`
 * runs right then (on MySQL while the lock is still held, so no DDL gets in between).
 */
export async function beginConsistentSnapshot(
  connection: mysql.Connection,
  mariadb: boolean,
  lockingMode: MysqlSourceConfig['snapshot.locking.mode'],
  atPosition: (position: BinlogPosition) => Promise<void>,
): Promise<{ position: BinlogPosition; locked: boolean }> {
  await connection.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  if (mariadb) {
    await connection.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    const { file, pos } = await snapshotStatus(connection);
    const gtids = await mariadbGtidsAt(connection, file, pos);
    const position = { file, pos, ...(gtids !== undefined && { gtids }) };
    await atPosition(position);
    return { position, locked: false };
  }
  const locked = lockingMode !== 'none';
  if (locked) await connection.query('FLUSH TABLES WITH READ LOCK');
  await connection.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
  const position = await currentBinlogPosition(connection);
  await atPosition(position);
  if (locked && lockingMode === 'minimal') await connection.query('UNLOCK TABLES');
  return { position, locked: locked && lockingMode === 'extended' };
}

/**
 * Opens one consistent snapshot per connection, all at the same binlog position: the first
 * connection holds FLUSH TABLES WITH READ LOCK (no commit can happen) while every connection starts
 * its transaction and the position is read; the lock is released right after (Debezium's minimal
 * locking) or, with extended locking on MySQL, at the end of the snapshot.
 */
export async function beginParallelSnapshot(
  connections: readonly mysql.Connection[],
  mariadb: boolean,
  lockingMode: MysqlSourceConfig['snapshot.locking.mode'],
  atPosition: (position: BinlogPosition) => Promise<void>,
): Promise<{ position: BinlogPosition; locked: boolean }> {
  const [lead] = connections;
  if (!lead) throw new Error('no snapshot connection');
  await lead.query('FLUSH TABLES WITH READ LOCK');
  let position: BinlogPosition;
  try {
    for (const connection of connections) {
      await connection.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      await connection.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    }
    position = await currentBinlogPosition(lead);
    if (mariadb) {
      // Each MariaDB snapshot reports its own position: under the lock they must all agree.
      for (const connection of connections) {
        const own = await snapshotStatus(connection);
        if (own.file !== position.file || own.pos !== position.pos)
          throw new Error(
            `the parallel snapshot connections disagree on the binlog position (${own.file}:${own.pos} and ${position.file}:${position.pos})`,
          );
      }
      const gtids = await mariadbGtidsAt(lead, position.file, position.pos);
      if (gtids !== undefined) position = { ...position, gtids };
    }
    await atPosition(position);
  } catch (error) {
    await lead.query('UNLOCK TABLES').catch(() => {});
    throw error;
  }
  const extended = lockingMode === 'extended' && !mariadb;
  if (!extended) await lead.query('UNLOCK TABLES');
  return { position, locked: extended };
}

/** MariaDB: the binlog position the current consistent snapshot transaction sees. */
async function snapshotStatus(connection: mysql.Connection): Promise<BinlogPosition> {
  const [rows] = await connection.query<mysql.RowDataPacket[]>("SHOW STATUS LIKE 'binlog_snapshot_%'");
  const status = new Map(rows.map((row) => [String(row.Variable_name).toLowerCase(), String(row.Value)]));
  const file = status.get('binlog_snapshot_file') ?? '';
  const pos = Number(status.get('binlog_snapshot_position') ?? Number.NaN);
  if (file === '' || !Number.isInteger(pos))
    throw new Error('the server reported no binlog snapshot position');
  return { file, pos };
}

/** The server's current binlog end (SHOW BINARY LOG STATUS on MySQL 8.4+, SHOW MASTER STATUS before). */
export async function currentBinlogPosition(connection: mysql.Connection): Promise<BinlogPosition> {
  let rows: mysql.RowDataPacket[];
  try {
    [rows] = await connection.query<mysql.RowDataPacket[]>('SHOW BINARY LOG STATUS');
  } catch {
    [rows] = await connection.query<mysql.RowDataPacket[]>('SHOW MASTER STATUS');
  }
  const row = rows[0];
  if (!row) throw new Error('the server reported no binlog position (is log_bin on?)');
  const gtids = typeof row.Executed_Gtid_Set === 'string' ? row.Executed_Gtid_Set.replaceAll('\n', '') : '';
  return { file: String(row.File), pos: Number(row.Position), ...(gtids !== '' && { gtids }) };
}

export class SnapshotReader {
  private readonly deps: SnapshotDeps;
  private connections: mysql.Connection[] = [];
  private stopped = false;
  private tablesLeft: number;
  private firstEmitted = false;
  private lastRowOfTable: HeldRow | undefined;
  private rowsRead = 0;
  private lastProgress = 0;
  private readonly estimatedTotal: number;
  private position: BinlogPosition = { file: '', pos: 0 };
  private units: ReadUnit[] = [];
  private nextUnit = 0;

  constructor(deps: SnapshotDeps) {
    this.deps = deps;
    this.tablesLeft = deps.tables.length;
    this.estimatedTotal = deps.tables.reduce((sum, table) => sum + Math.max(0, table.estimatedRows), 0);
  }

  /**
   * Connections reading at once: snapshot.max.threads, but no more than there are tables plus key
   * ranges of the large ones (by their row estimates and single integer primary keys) to read.
   */
  private async threads(first: mysql.Connection): Promise<number> {
    const { config, tables, context } = this.deps;
    const max = config['snapshot.max.threads'];
    let units = tables.length;
    const large = max > 1 ? tables.filter((table) => rangeCount(table.estimatedRows, max) > 1) : [];
    if (large.length > 0) {
      const definitions = await loadTableDefinitions(first, large);
      for (const table of large) {
        if (integerKey(definitions.get(tableKey(table.database, table.name))) !== undefined)
          units += rangeCount(table.estimatedRows, max) - 1;
      }
    }
    const wanted = Math.min(max, units);
    if (wanted > 1 && config['snapshot.locking.mode'] === 'none') {
      context.log.warn(
        { 'snapshot.max.threads': config['snapshot.max.threads'] },
        'snapshot.locking.mode=none: parallel snapshot connections cannot be aligned without the lock, so one connection reads every table',
      );
      return 1;
    }
    return Math.max(1, wanted);
  }

  /** Reads every table; resolves with the binlog position the stream continues from. */
  async run(): Promise<BinlogPosition | undefined> {
    const { config, context, tables, mariadb } = this.deps;
    const connections = this.connections;
    try {
      connections.push(await connect(config));
      if (this.stopped) return undefined;
      const threads = await this.threads(connections[0] as mysql.Connection);
      for (let index = 1; index < threads; index += 1) {
        connections.push(await connect(config));
        if (this.stopped) return undefined;
      }
      const [lead] = connections as [mysql.Connection];
      let definitions = new Map<string, TableDefinition>();
      const readSchemas = async () => {
        definitions = await loadTableDefinitions(lead, tables);
      };
      const { position, locked } =
        threads === 1
          ? await beginConsistentSnapshot(lead, mariadb, config['snapshot.locking.mode'], readSchemas)
          : await beginParallelSnapshot(connections, mariadb, config['snapshot.locking.mode'], readSchemas);
      this.position = position;
      await this.deps.catchUp?.(position);
      if (this.stopped) return undefined;
      this.recordSchemas(definitions, position);
      await this.deps.atStart?.(this.snapshotOffset(Date.now() * 1000, false));
      if (this.stopped) return undefined;
      if (config['include.schema.changes']) await this.publishSchemas(lead, definitions);
      this.units = await this.plan(lead, threads);
      context.log.info(
        {
          tables: tables.length,
          threads,
          ranges: this.units.length,
          file: position.file,
          pos: position.pos,
          gtids: position.gtids ?? null,
        },
        'snapshot started',
      );
      this.report(true);
      await Promise.all(connections.map((connection) => this.readUnits(connection)));
      if (this.stopped) return undefined;
      if (locked) await lead.query('UNLOCK TABLES');
      for (const connection of connections) await connection.query('COMMIT');
    } catch (error) {
      if (this.stopped) return undefined;
      throw databaseError(error, 'snapshot');
    } finally {
      this.connections = [];
      for (const connection of connections) connection.destroy();
    }
    if (this.stopped) return undefined;
    if (this.lastRowOfTable) {
      const row = this.lastRowOfTable;
      this.lastRowOfTable = undefined;
      await this.emit(row, this.marker(row.firstInTable, true, true), true);
    }
    this.report(true);
    context.reportProgress(undefined);
    context.log.info({ rows: this.rowsRead, tables: tables.length }, 'snapshot completed');
    return this.position;
  }

  /**
   * Debezium's snapshot DDL on the schema change topic, before the rows (schema-change.ts). The
   * statements are read right after the snapshot's position and structures: a DDL committed in
   * that instant would show in the CREATE TABLE text a little early (and again as it streams).
   */
  private async publishSchemas(
    connection: mysql.Connection,
    definitions: ReadonlyMap<string, TableDefinition>,
  ): Promise<void> {
    const { server, queue, tables } = this.deps;
    const { file, pos } = this.position;
    const time = Date.now() * 1000;
    const records = snapshotSchemaChangeRecords(
      server,
      await snapshotDdl(connection, tables, definitions),
      { time, snapshot: 'true', file, pos, row: 0, gtid: null, thread: null, query: null },
      this.snapshotOffset(time, false),
    );
    for (const record of records) await queue.put(record);
  }

  /** Aborts the reader (its connections are closed; run() then resolves early). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const connection of this.connections) connection.destroy();
  }

  /**
   * The read units, in table order: a table whose primary key is a single integer column and whose
   * row estimate is large enough is cut in key ranges (between its smallest and largest key as this
   * snapshot sees them) for several connections to read at once; any other table is one unit.
   */
  private async plan(connection: mysql.Connection, threads: number): Promise<ReadUnit[]> {
    const { tables, history } = this.deps;
    const units: ReadUnit[] = [];
    for (const table of tables) {
      const schema = history.get(table.database, table.name);
      const read: TableRead = { table, schema, held: undefined, rows: 0, rangesLeft: 1, readTime: undefined };
      const count = threads > 1 ? rangeCount(table.estimatedRows, threads) : 1;
      const column = count > 1 ? integerKey(schema?.definition) : undefined;
      const bounds =
        column === undefined || !schema ? undefined : await keyBounds(connection, schema, column);
      if (column === undefined || bounds === undefined) {
        units.push({ read });
        continue;
      }
      const ranges = keyRanges(bounds.min, bounds.max, count);
      read.rangesLeft = ranges.length;
      for (const range of ranges)
        units.push({ read, ...(ranges.length > 1 && { range: { column, ...range } }) });
    }
    return units;
  }

  /** One connection's share: takes the next unit until none is left. */
  private async readUnits(connection: mysql.Connection): Promise<void> {
    for (let unit = this.takeUnit(); unit !== undefined && !this.stopped; unit = this.takeUnit()) {
      // A table dropped since it was listed has nothing to read.
      if (unit.read.schema) await this.readUnit(connection, unit, unit.read.schema);
      else this.tablesLeft -= 1;
    }
  }

  private takeUnit(): ReadUnit | undefined {
    const unit = this.units[this.nextUnit];
    if (unit) this.nextUnit += 1;
    return unit;
  }

  /** Starts the schema history at the snapshot position with every captured table's structure. */
  private recordSchemas(definitions: Map<string, TableDefinition>, position: BinlogPosition): void {
    const { history, context, renames } = this.deps;
    const at = historyPosition(position.file, position.pos);
    for (const definition of definitions.values()) {
      const schema = history.apply(definition, at);
      renames.note(schema.names);
      if (schema.skippedColumns.length > 0) {
        context.log.warn(
          { table: `${definition.database}.${definition.name}`, columns: schema.skippedColumns },
          'columns of unsupported types are left out',
        );
      }
    }
  }

  private async readUnit(connection: mysql.Connection, unit: ReadUnit, schema: TableSchema): Promise<void> {
    const { read, range } = unit;
    const select = `SELECT ${schema.selectList} FROM ${quoteTable(schema.database, schema.table)}`;
    read.readTime ??= Date.now() * 1000;
    const readTime = read.readTime;
    // The promise wrapper has no row streaming; its underlying connection has.
    const core = (connection as unknown as { connection: CallbackConnection }).connection;
    const stream = core
      .query({ sql: `${select}${range === undefined ? '' : keyRangeCondition(range)}`, rowsAsArray: false })
      .stream({ highWaterMark: this.deps.config['snapshot.fetch.size'] });
    for await (const row of stream) {
      if (this.stopped) {
        stream.destroy();
        return;
      }
      // The table's look-ahead row is swapped before the await: connections reading other ranges
      // of the same table interleave here.
      const previous = read.held;
      read.held = { schema, row: row as Row, readTime, firstInTable: read.rows === 0 };
      read.rows += 1;
      if (previous) await this.emit(previous, this.marker(previous.firstInTable, false), false);
    }
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
      { table: `${schema.database}.${schema.table}`, rows: read.rows },
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

  /** The offset of the snapshot's records: its position, with the structures as of it. */
  private snapshotOffset(time: number, last: boolean): SourceOffset {
    const { file, pos, gtids } = this.position;
    return toSourceOffset({
      file,
      pos,
      ...(gtids !== undefined && { gtids }),
      event: 0,
      row: 0,
      ts_sec: Math.floor(time / 1_000_000),
      server_id: this.deps.server.serverId,
      snapshot: true,
      snapshot_completed: last,
      history: this.deps.history.toJson(),
    });
  }

  private async emit(held: HeldRow, marker: SnapshotMarker, last: boolean): Promise<void> {
    const { server, queue, metrics } = this.deps;
    const { schema } = held;
    const { file, pos } = this.position;
    const record = changeRecord(
      server,
      schema,
      OP.read,
      { before: null, after: schema.valueOf(held.row), key: schema.keyOf(held.row) },
      { time: held.readTime, snapshot: marker, file, pos, row: 0, gtid: null, thread: null, query: null },
      this.snapshotOffset(held.readTime, last),
    );
    await queue.put(record);
    metrics.event(`${schema.database}.${schema.table}`, OP.read);
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

/** The smallest and largest key the snapshot sees; undefined for an empty table. */
async function keyBounds(
  connection: mysql.Connection,
  schema: TableSchema,
  column: string,
): Promise<{ min: bigint; max: bigint } | undefined> {
  const key = quoteIdent(column);
  const [rows] = await connection.query<mysql.RowDataPacket[]>(
    `SELECT CAST(MIN(${key}) AS CHAR) AS lo, CAST(MAX(${key}) AS CHAR) AS hi FROM ${quoteTable(schema.database, schema.table)}`,
  );
  const lo: unknown = rows[0]?.lo;
  const hi: unknown = rows[0]?.hi;
  if (lo === null || lo === undefined || hi === null || hi === undefined) return undefined;
  return { min: BigInt(String(lo)), max: BigInt(String(hi)) };
}

/**
 * The WHERE clause of a key range. The bounds are integers we computed, written as literals: bound
 * as strings, MySQL would compare them to the column as doubles (wrong above 2^53).
 */
function keyRangeCondition(range: { column: string } & KeyRange): string {
  const key = quoteIdent(range.column);
  const parts = [
    ...(range.from === undefined ? [] : [`${key} >= ${range.from.toString()}`]),
    ...(range.to === undefined ? [] : [`${key} < ${range.to.toString()}`]),
  ];
  return parts.length === 0 ? '' : ` WHERE ${parts.join(' AND ')}`;
}
