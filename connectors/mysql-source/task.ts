import type mysql from 'mysql2/promise';
import {
  errorMessage,
  OnrampError,
  type SourceOffsetEntry,
  type SourceRecord,
  type SourceTask,
  type TaskContext,
} from '../../src/plugin/index.ts';
import { RecordQueue } from '../shared/record-queue.ts';
import { SourceMetrics } from '../shared/source-metrics.ts';
import { type CatalogTable, listCapturedTables, loadTableDefinitions, tableKey } from './catalog.ts';
import { effectiveSnapshotMode, type MysqlSourceConfig } from './config.ts';
import { connect } from './connection.ts';
import { databaseError } from './errors.ts';
import type { ServerInfo } from './events.ts';
import { CaptureFilters } from './filters.ts';
import { type BinlogOffset, partitionOf, readStoredOffset, snapshotCompleted } from './offset.ts';
import { readServerSettings, type ServerSettings, serverProblems } from './server-settings.ts';
import {
  type BinlogPosition,
  currentBinlogPosition,
  SnapshotReader,
  type SnapshotTable,
} from './snapshot.ts';
import { BinlogStream } from './stream.ts';
import { type SchemaSettings, TableSchema } from './table-schema.ts';
import { CONNECTOR_VERSION } from './version.ts';

// The MySQL/MariaDB source task: decides from snapshot.mode, the stored offset and the binlogs on
// the server whether to snapshot, then snapshots and/or streams the binlog from the position the
// snapshot (or the stored offset) names. Records flow through one bounded queue to poll(). The
// binlog needs no acknowledgement, so commit() has nothing to release.

type Mode = ReturnType<typeof effectiveSnapshotMode>;

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

export function purgedMessage(stored: BinlogOffset, available: readonly string[]): string {
  return `The binlog to resume from (${stored.file} at ${stored.pos}) is no longer on the server (its oldest binlog is ${available[0] ?? 'none'}): changes made since the offset was stored are lost to this connector. Set snapshot.mode=when_needed to take a new snapshot automatically, or delete the stored offsets (PATCH/DELETE /connectors/{name}/offsets) to start over.`;
}

export class MysqlSourceTask implements SourceTask<MysqlSourceConfig> {
  private config!: MysqlSourceConfig;
  private context!: TaskContext;
  private queue!: RecordQueue<SourceRecord>;
  private metrics!: SourceMetrics;
  private server!: ServerInfo;
  private filters!: CaptureFilters;
  private settings!: ServerSettings;
  private metadata: mysql.Connection | undefined;
  private snapshot: SnapshotReader | undefined;
  private stream: BinlogStream | undefined;
  private background: Promise<void> | undefined;
  private readonly schemas = new Map<string, TableSchema>();
  private stopping = false;

  async start(
    config: MysqlSourceConfig,
    context: TaskContext,
    from: readonly SourceOffsetEntry[],
  ): Promise<void> {
    this.config = config;
    this.context = context;
    this.queue = new RecordQueue(config['max.queue.size']);
    this.metrics = new SourceMetrics(context.metrics);
    this.filters = new CaptureFilters(config);
    try {
      await this.setUp(readStoredOffset(from, config['topic.prefix']));
    } catch (error) {
      await this.release();
      throw databaseError(error, 'starting the MySQL source');
    }
  }

  async poll(signal: AbortSignal): Promise<SourceRecord[]> {
    const records = await this.queue.take(
      this.config['max.batch.size'],
      this.config['poll.interval.ms'],
      signal,
    );
    this.metrics.flush();
    this.metrics.queue(this.queue.size, this.queue.capacity);
    return records;
  }

  /** Nothing to release: the server keeps binlogs by its own retention, not by our position. */
  async commit(_offsets: readonly SourceOffsetEntry[]): Promise<void> {}

  async stop(): Promise<void> {
    this.stopping = true;
    this.queue?.close();
    await this.release();
  }

  private async setUp(stored: BinlogOffset | undefined): Promise<void> {
    const { config, context } = this;
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
        throw new OnrampError('MYSQL_BINLOG_CONFIG', problems.map((problem) => problem.message).join('; '));
      }
    }
    const tables = await listCapturedTables(metadata, this.filters);
    await this.buildSchemas(metadata, tables);
    const binlogs = await listBinlogs(metadata);
    const purged = stored !== undefined && snapshotCompleted(stored) && !binlogs.includes(stored.file);
    const snapshot = needsSnapshot(mode, stored, purged);
    context.log.info(
      { snapshotMode: mode, snapshot, storedOffset: stored ?? null, server: this.settings.version },
      'MySQL source starting',
    );
    if (purged && !snapshot) throw new OnrampError('MYSQL_BINLOG_PURGED', purgedMessage(stored, binlogs));
    if (purged)
      context.log.warn(
        { storedOffset: stored },
        'the stored binlog position was purged: taking a new snapshot (snapshot.mode=when_needed)',
      );

    if (snapshot) {
      this.background = this.snapshotThenStream(tables, streaming).catch((error: unknown) =>
        this.fail(error instanceof Error ? error : new Error(String(error))),
      );
      return;
    }
    if (!streaming) {
      context.log.info({}, 'snapshot.mode=initial_only and the snapshot is complete: nothing more to do');
      return;
    }
    await this.startStream(await this.streamStart(mode, stored, binlogs));
  }

  /** Where to stream from without a snapshot. */
  private async streamStart(
    mode: Mode,
    stored: BinlogOffset | undefined,
    binlogs: string[],
  ): Promise<BinlogOffset> {
    if (stored) return stored.snapshot ? { ...stored, event: 0, row: 0 } : stored;
    if (mode === 'never' && binlogs[0]) return { file: binlogs[0], pos: 4, event: 0, row: 0 };
    const current = await currentBinlogPosition(this.metadata as mysql.Connection);
    return { file: current.file, pos: current.pos, event: 0, row: 0 };
  }

  private async buildSchemas(connection: mysql.Connection, tables: readonly CatalogTable[]): Promise<void> {
    const definitions = await loadTableDefinitions(connection, tables);
    for (const definition of definitions.values()) {
      const schema = new TableSchema(definition, this.filters, this.schemaSettings());
      if (schema.skippedColumns.length > 0) {
        this.context.log.warn(
          { table: `${definition.database}.${definition.name}`, columns: schema.skippedColumns },
          'columns of unsupported types are left out',
        );
      }
      this.schemas.set(tableKey(definition.database, definition.name), schema);
    }
  }

  private schemaSettings(): SchemaSettings {
    const { config } = this;
    return {
      topicPrefix: config['topic.prefix'],
      typeOptions: {
        decimalMode: config['decimal.handling.mode'],
        timePrecisionMode: config['time.precision.mode'],
        bigintUnsignedMode: config['bigint.unsigned.handling.mode'],
        binaryMode: config['binary.handling.mode'],
      },
    };
  }

  private async snapshotThenStream(tables: readonly CatalogTable[], streaming: boolean): Promise<void> {
    const snapshotTables: SnapshotTable[] = tables.flatMap((table) => {
      const schema = this.schemas.get(tableKey(table.database, table.name));
      return schema ? [{ schema, estimatedRows: table.estimatedRows }] : [];
    });
    this.snapshot = new SnapshotReader({
      config: this.config,
      context: this.context,
      queue: this.queue,
      server: this.server,
      metrics: this.metrics,
      mariadb: this.settings.mariadb,
      tables: snapshotTables,
    });
    const position: BinlogPosition | undefined = await this.snapshot.run();
    this.snapshot = undefined;
    if (this.stopping || !streaming || !position) return;
    await this.startStream({
      file: position.file,
      pos: position.pos,
      ...(position.gtids !== undefined && { gtids: position.gtids }),
      event: 0,
      row: 0,
    });
  }

  private async startStream(from: BinlogOffset): Promise<void> {
    if (this.stopping) return;
    this.stream = new BinlogStream({
      config: this.config,
      context: this.context,
      queue: this.queue,
      server: this.server,
      metrics: this.metrics,
      filters: this.filters,
      settings: this.schemaSettings(),
      metadata: this.metadata as mysql.Connection,
      schemas: this.schemas,
      mariadb: this.settings.mariadb,
      from,
      onFailure: (error) => this.fail(error),
    });
    await this.stream.start();
  }

  private fail(error: Error): void {
    if (this.stopping) return;
    this.context.log.error({ error: errorMessage(error) }, 'MySQL source failed');
    this.queue.fail(error);
  }

  private async release(): Promise<void> {
    this.stopping = true;
    await this.snapshot?.stop();
    await this.stream?.stop();
    await this.background;
    const metadata = this.metadata;
    this.metadata = undefined;
    await metadata?.end().catch(() => {});
  }
}

async function listBinlogs(connection: mysql.Connection): Promise<string[]> {
  const [rows] = await connection.query<mysql.RowDataPacket[]>('SHOW BINARY LOGS');
  return rows.map((row) => String(row.Log_name));
}
