import type mysql from 'mysql2/promise';
import { OnrampError, type SourceOffset, type SourceOffsetEntry } from '../../src/plugin/index.ts';
import { ColumnMappers } from '../shared/column-mappers.ts';
import type { SourceSnapshots } from '../shared/incremental-snapshot/source-snapshots.ts';
import { SourceTaskShell } from '../shared/source-task-shell.ts';
import { type CatalogTable, listCapturedTables, loadTableDefinitions } from './catalog.ts';
import { effectiveSnapshotMode, type MysqlSourceConfig } from './config.ts';
import { connect } from './connection.ts';
import { databaseError, MYSQL_BINLOG_CONFIG, MYSQL_BINLOG_PURGED, MYSQL_GTID_MISMATCH } from './errors.ts';
import type { ServerInfo } from './events.ts';
import { CaptureFilters } from './filters.ts';
import { checkStoredGtids, mariadbGtidsAt } from './gtid.ts';
import { mysqlSnapshots } from './incremental-snapshot.ts';
import {
  type BinlogOffset,
  compareBinlogPositions,
  partitionOf,
  readStoredOffset,
  snapshotCompleted,
  snapshotInterrupted,
  toSourceOffset,
} from './offset.ts';
import { decodeHistory, historyPosition, SchemaHistory } from './schema-history.ts';
import { readServerSettings, type ServerSettings, serverProblems } from './server-settings.ts';
import { type BinlogPosition, currentBinlogPosition, SnapshotReader } from './snapshot.ts';
import { BinlogStream, loadBinlogReader } from './stream.ts';
import type { SchemaSettings } from './table-schema.ts';
import { CONNECTOR_VERSION } from './version.ts';

// The MySQL/MariaDB source task: decides from snapshot.mode, the stored offset and the binlogs on
// the server whether to snapshot, then snapshots and/or streams the binlog from the position the
// snapshot (or the stored offset) names, in the shared source task shell (queue, poll, stop,
// phases: source-task-shell.ts). The binlog needs no acknowledgement, so commit() has nothing to
// release. Resuming, the tables'
// structures come from the stored offset's schema history, and the stream starts by GTID where the
// offset has GTIDs and the server allows it (file/position otherwise).
//
// An interrupted initial snapshot loses nothing: its stored offset names the position it was taken
// at (or how far the catch-up below got). The snapshot taken again holds its transaction open at
// its own position while the binlog is streamed from the stored position up to exactly there, then
// reads the tables, then streams on: every change committed between the two attempts is emitted,
// deletes included, and before the newer snapshot's rows.

type Mode = ReturnType<typeof effectiveSnapshotMode>;

/** How a stored offset is resumed, once checked against the server. */
export interface ResumePlan {
  byGtid: boolean;
  purged: boolean;
  /** GTID resume: the server's purged GTIDs, for the message. */
  serverPurged?: string;
}

/** Whether this start needs a snapshot, by Debezium's snapshot.mode rules. */
export function needsSnapshot(mode: Mode, stored: BinlogOffset | undefined, purged: boolean): boolean {
  switch (mode) {
    case 'always':
      return true;
    case 'initial':
    case 'initial_only':
      return stored === undefined || !snapshotCompleted(stored);
    case 'when_needed':
      return stored === undefined || !snapshotCompleted(stored) || purged;
    default:
      return false;
  }
}

const PURGED_ADVICE =
  'changes made since the offset was stored are lost to this connector. Set snapshot.mode=when_needed to take a new snapshot automatically, or delete the stored offsets (PATCH/DELETE /connectors/{name}/offsets) to start over.';

export function purgedMessage(stored: BinlogOffset, available: readonly string[], plan?: ResumePlan): string {
  if (plan?.byGtid)
    return `The binlog to resume from (after GTIDs ${stored.gtids}) is no longer on the server (it has purged everything up to ${plan.serverPurged || 'an unknown position'}, its oldest binlog is ${available[0] ?? 'none'}): ${PURGED_ADVICE}`;
  return `The binlog to resume from (${stored.file} at ${stored.pos}) is no longer on the server (its oldest binlog is ${available[0] ?? 'none'}): ${PURGED_ADVICE}`;
}

export function gtidMismatchMessage(stored: BinlogOffset, serverGtids: string): string {
  return `The stored offset's GTID position (${stored.gtids}) is not in this server's binlog (gtid_binlog_pos / gtid_executed is ${serverGtids || 'empty'}): the server is not the one the offset came from, or it lost transactions in a failover. Point the connector at a server of the original replication topology, or delete the stored offsets (DELETE /connectors/{name}/offsets) to start over with a new snapshot.`;
}

export class MysqlSourceTask extends SourceTaskShell<MysqlSourceConfig> {
  protected readonly label = 'MySQL source';
  private server!: ServerInfo;
  private filters!: CaptureFilters;
  private settings!: ServerSettings;
  private metadata: mysql.Connection | undefined;
  private history!: SchemaHistory;

  protected override configure(): void {
    this.filters = new CaptureFilters(this.config);
    this.history = new SchemaHistory(this.filters, this.schemaSettings());
  }

  protected override adHocSnapshots(from: readonly SourceOffsetEntry[]): SourceSnapshots {
    const { config, context } = this;
    return mysqlSnapshots({
      config,
      context,
      server: () => this.server,
      filters: this.filters,
      history: this.history,
      mariadb: () => this.settings?.mariadb ?? false,
      metrics: this.metrics,
      stored: from.find((entry) => entry.partition.server === config['topic.prefix'])?.offset,
      onFailure: (error) => this.fail(error),
    });
  }

  protected startError(error: unknown): Error {
    return databaseError(error, 'starting the MySQL source');
  }

  // commit() stays the shell's no-op: the server keeps binlogs by its own retention, not by our
  // position.

  protected async setUp(offsets: readonly SourceOffsetEntry[]): Promise<void> {
    const { config, context } = this;
    const stored = readStoredOffset(offsets, config['topic.prefix']);
    await loadBinlogReader();
    const metadata = await connect(config);
    this.metadata = metadata;
    metadata.on('error', (error: unknown) => this.fail(databaseError(error, 'metadata connection')));
    this.settings = await readServerSettings(metadata);
    this.server = {
      version: CONNECTOR_VERSION,
      name: config['topic.prefix'],
      serverId: this.settings.serverId,
      partition: partitionOf(config['topic.prefix']),
    };
    const mode = effectiveSnapshotMode(config['snapshot.mode']);
    const streaming = mode !== 'initial_only';
    if (streaming) {
      const problems = serverProblems(this.settings, config);
      if (problems.length > 0) {
        throw new OnrampError(MYSQL_BINLOG_CONFIG, problems.map((problem) => problem.message).join('; '));
      }
    }
    const tables = await listCapturedTables(metadata, this.filters);
    const binlogs = await listBinlogs(metadata);
    const plan =
      stored !== undefined && snapshotCompleted(stored) && streaming && mode !== 'always'
        ? await this.resumePlan(stored, binlogs)
        : undefined;
    const purged = plan?.purged ?? false;
    const snapshot = needsSnapshot(mode, stored, purged);
    const { history: _history, ...shown } = stored ?? {};
    context.log.info(
      {
        snapshotMode: mode,
        snapshot,
        storedOffset: stored ? shown : null,
        byGtid: plan?.byGtid ?? false,
        server: this.settings.version,
      },
      'MySQL source starting',
    );
    if (purged && !snapshot && stored)
      throw new OnrampError(MYSQL_BINLOG_PURGED, purgedMessage(stored, binlogs, plan));
    if (purged)
      context.log.warn(
        { storedOffset: shown },
        'the stored binlog position was purged: taking a new snapshot (snapshot.mode=when_needed)',
      );

    if (snapshot) {
      const catchUpFrom = streaming ? this.catchUpStart(stored, binlogs) : undefined;
      if (catchUpFrom) await this.restoreHistory(tables, stored, catchUpFrom);
      this.startSnapshot(tables, streaming, catchUpFrom);
      return;
    }
    if (!streaming) {
      context.log.info({}, 'snapshot.mode=initial_only and the snapshot is complete: nothing more to do');
      return;
    }
    const from = await this.streamStart(mode, stored, binlogs);
    await this.restoreHistory(tables, stored, from);
    await this.startBinlog(from, plan?.byGtid ?? false);
  }

  /**
   * Checks a stored offset against the server: by GTID where the offset has GTIDs and the server
   * resumes by them (then the stored file may be another server's), by file and position otherwise.
   */
  private async resumePlan(stored: BinlogOffset, binlogs: string[]): Promise<ResumePlan> {
    const metadata = this.metadata as mysql.Connection;
    if (stored.gtids !== undefined) {
      const check = await checkStoredGtids(metadata, this.settings.mariadb, stored.gtids, binlogs[0]);
      if (check.resumable) {
        const { verdict } = check;
        if (verdict.status === 'mismatch')
          throw new OnrampError(MYSQL_GTID_MISMATCH, gtidMismatchMessage(stored, verdict.serverGtids));
        return verdict.status === 'purged'
          ? { byGtid: true, purged: true, serverPurged: verdict.serverPurged }
          : { byGtid: true, purged: false };
      }
    }
    if (stored.server_id !== undefined && stored.server_id !== this.settings.serverId) {
      this.context.log.warn(
        { storedServerId: stored.server_id, serverId: this.settings.serverId },
        'the stored offset was written reading a server with another server_id and has no GTIDs to resume by: its binlog file and position are used as they are',
      );
    }
    return { byGtid: false, purged: !binlogs.includes(stored.file) };
  }

  /**
   * Where to catch up from before a snapshot taken again: the stored position of an interrupted
   * snapshot, while the server still has its binlog.
   */
  private catchUpStart(stored: BinlogOffset | undefined, binlogs: string[]): BinlogOffset | undefined {
    if (stored === undefined || !snapshotInterrupted(stored)) return undefined;
    const { file, pos, event, row, gtids } = stored;
    if (!binlogs.includes(file)) {
      this.context.log.warn(
        { file, pos, oldestBinlog: binlogs[0] ?? null },
        'the interrupted snapshot is taken again, but the binlog from its position was purged: changes committed in between (deletes in particular) are not emitted',
      );
      return undefined;
    }
    return { file, pos, event, row, ...(gtids !== undefined && { gtids }) };
  }

  /** Streams the binlog from `from` up to `until` (the new snapshot's position), emitting the changes. */
  private async catchUpTo(from: BinlogOffset, until: BinlogPosition): Promise<void> {
    const where = { from: `${from.file}:${from.pos}`, until: `${until.file}:${until.pos}` };
    if (this.stopping) return;
    if (compareBinlogPositions(from, until) >= 0) {
      this.context.log.info(where, 'nothing committed since the interrupted snapshot');
      return;
    }
    this.context.log.info(where, 'interrupted snapshot: streaming the changes committed since');
    await this.catchUp(this.newStream(from, false, until));
    this.context.log.info(where, 'caught up with the snapshot taken again');
  }

  /** Where to stream from without a snapshot. */
  private async streamStart(
    mode: Mode,
    stored: BinlogOffset | undefined,
    binlogs: string[],
  ): Promise<BinlogOffset> {
    let from: BinlogOffset;
    if (stored) from = stored.snapshot ? { ...stored, event: 0, row: 0 } : stored;
    else if (mode === 'never' && binlogs[0]) from = { file: binlogs[0], pos: 4, event: 0, row: 0 };
    else {
      const current = await currentBinlogPosition(this.metadata as mysql.Connection);
      from = { file: current.file, pos: current.pos, event: 0, row: 0 };
      if (current.gtids !== undefined) from.gtids = current.gtids;
    }
    if (from.gtids === undefined && this.settings.mariadb) {
      // Offsets written before GTIDs were tracked (or edited by hand): the server knows them.
      const gtids = await mariadbGtidsAt(this.metadata as mysql.Connection, from.file, from.pos);
      if (gtids !== undefined) from = { ...from, gtids };
    }
    return from;
  }

  /**
   * The captured tables' structures as of `from`: from the stored offset's schema history, and
   * from the server for tables it does not name (no history stored, or newly captured tables).
   */
  private async restoreHistory(
    tables: readonly CatalogTable[],
    stored: BinlogOffset | undefined,
    from: BinlogOffset,
  ): Promise<void> {
    const recorded = stored?.history === undefined ? [] : decodeHistory(stored.history);
    for (const entry of recorded) {
      const { database, name } = entry.definition;
      if (this.filters.includesTable(database, name)) this.history.apply(entry.definition, entry.at);
    }
    const missing = tables.filter((table) => !this.history.has(table.database, table.name));
    const definitions = await loadTableDefinitions(this.metadata as mysql.Connection, missing);
    const at = historyPosition(from.file, from.pos);
    for (const definition of definitions.values()) this.history.apply(definition, at);
    for (const schema of this.history.schemas()) {
      this.renames.note(schema.names);
      if (schema.skippedColumns.length > 0) {
        this.context.log.warn(
          { table: `${schema.database}.${schema.table}`, columns: schema.skippedColumns },
          'columns of unsupported types are left out',
        );
      }
    }
    this.context.log.info(
      { fromHistory: this.history.size - definitions.size, fromServer: definitions.size },
      stored?.history === undefined
        ? 'table structures read from the server (the stored offset has no schema history)'
        : 'table structures restored from the schema history',
    );
  }

  private schemaSettings(): SchemaSettings {
    const { config } = this;
    return {
      topicPrefix: config['topic.prefix'],
      includeComments: config['include.schema.comments'],
      typeOptions: {
        decimalMode: config['decimal.handling.mode'],
        timePrecisionMode: config['time.precision.mode'],
        bigintUnsignedMode: config['bigint.unsigned.handling.mode'],
        binaryMode: config['binary.handling.mode'],
      },
      columnMappers: new ColumnMappers(config),
    };
  }

  private startSnapshot(
    tables: readonly CatalogTable[],
    streaming: boolean,
    catchUpFrom: BinlogOffset | undefined,
  ): void {
    const reader = new SnapshotReader({
      config: this.config,
      context: this.context,
      queue: this.queue,
      server: this.server,
      metrics: this.metrics,
      mariadb: this.settings.mariadb,
      tables: [...tables],
      history: this.history,
      renames: this.renames,
      ...(catchUpFrom
        ? { catchUp: (position: BinlogPosition) => this.catchUpTo(catchUpFrom, position) }
        : { atStart: (offset: SourceOffset) => this.storeSnapshotStart(offset) }),
    });
    this.snapshotThenStream(reader, async (position) => {
      if (!streaming || !position) return;
      await this.startBinlog(
        {
          file: position.file,
          pos: position.pos,
          ...(position.gtids !== undefined && { gtids: position.gtids }),
          event: 0,
          row: 0,
        },
        false,
      );
    });
  }

  /**
   * Stores where a snapshot (without an interrupted one before it) begins, before its first record:
   * records reach Kafka before their offset is stored, so a kill in between would otherwise leave
   * no trace of this attempt, and the next one, taken at a later position, would never emit what
   * was committed in between (a row of this attempt deleted since would stay downstream). With it,
   * the next attempt catches up from here (catchUpTo). PostgreSQL gets the same from its slot.
   */
  private async storeSnapshotStart(offset: SourceOffset): Promise<void> {
    if (!this.context.storeOffsets) return;
    await this.context.storeOffsets([{ partition: this.server.partition, offset }]);
    const { file, pos, gtids } = offset;
    this.context.log.info({ file, pos, gtids: gtids ?? null }, 'snapshot position stored');
  }

  private async startBinlog(from: BinlogOffset, byGtid: boolean): Promise<void> {
    await this.startStream(this.newStream(from, byGtid), toSourceOffset(from));
  }

  private newStream(from: BinlogOffset, byGtid: boolean, until?: BinlogPosition): BinlogStream {
    return new BinlogStream({
      config: this.config,
      context: this.context,
      queue: this.queue,
      server: this.server,
      metrics: this.metrics,
      filters: this.filters,
      metadata: this.metadata as mysql.Connection,
      history: this.history,
      mariadb: this.settings.mariadb,
      from,
      byGtid,
      renames: this.renames,
      ...(until && { until }),
      onFailure: (error) => this.fail(error),
    });
  }

  protected async releaseConnections(): Promise<void> {
    const metadata = this.metadata;
    this.metadata = undefined;
    await metadata?.end().catch(() => {});
  }
}

async function listBinlogs(connection: mysql.Connection): Promise<string[]> {
  const [rows] = await connection.query<mysql.RowDataPacket[]>('SHOW BINARY LOGS');
  return rows.map((row) => String(row.Log_name));
}
