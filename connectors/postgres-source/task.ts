import type pg from 'pg';
import {
  errorMessage,
  OnrampError,
  type SourceOffset,
  type SourceOffsetEntry,
} from '../../src/plugin/index.ts';
import { ColumnMappers } from '../shared/column-mappers.ts';
import type { SourceSnapshots } from '../shared/incremental-snapshot/source-snapshots.ts';
import { SourceTaskShell } from '../shared/source-task-shell.ts';
import { type CatalogTable, currentWalLsn, listCapturedTables, loadTableDefinitions } from './catalog.ts';
import type { PostgresSourceConfig } from './config.ts';
import { connect, connectReplication } from './connection.ts';
import { databaseError, PG_WAL_LEVEL } from './errors.ts';
import type { ServerInfo } from './events.ts';
import { CaptureFilters } from './filters.ts';
import { postgresSnapshots } from './incremental-snapshot.ts';
import { formatLsn, type Lsn, maxLsn, parseLsn } from './lsn.ts';
import {
  asPgOffset,
  COMPLETE,
  confirmableLsn,
  type PgOffset,
  partitionOf,
  type ResumePoint,
  readStoredOffset,
  resumePoint,
  snapshotCompleted,
  snapshotInterrupted,
  snapshotOffset,
  toSourceOffset,
} from './offset.ts';
import { ensurePublication } from './publication.ts';
import { applyReplicaIdentities, parseAutosetValues } from './replica-identity.ts';
import {
  createSlot,
  createSlotWithSnapshot,
  createTemporarySlotWithSnapshot,
  dropSlot,
  releasedSlot,
  type SlotInfo,
  slotInUse,
} from './slot.ts';
import { SnapshotReader, type SnapshotTable } from './snapshot.ts';
import { WalStream } from './stream.ts';
import { type SchemaSettings, TableSchema, tableSpec } from './table-schema.ts';
import { TypeCatalog } from './type-catalog.ts';
import { CONNECTOR_VERSION } from './version.ts';

// The PostgreSQL source task: decides from snapshot.mode, the stored offset and the slot whether to
// snapshot, then snapshots (in the slot's exported snapshot) and/or streams, in the shared source
// task shell (queue, poll, stop, phases: source-task-shell.ts). commit() confirms to the slot only
// what the host has stored.
//
// An interrupted initial snapshot loses nothing: the slot it was taken with stays where it was
// (nothing past what Kafka holds is ever confirmed), and the stored offset says how far the
// changes are emitted. The snapshot taken again exports its snapshot from a temporary slot (at L2)
// while the readers hold it open, the connector's slot is streamed from the stored position up to
// L2 (the transactions committed before it), then the tables are read and the slot streams on from
// L2: every change committed between the two attempts is emitted, deletes included, and before the
// newer snapshot's rows.

type SnapshotMode = PostgresSourceConfig['snapshot.mode'];

/** Whether this start needs a snapshot, by Debezium's snapshot.mode rules. */
export function needsSnapshot(
  mode: SnapshotMode,
  stored: PgOffset | undefined,
  slot: SlotInfo | undefined,
): boolean {
  switch (mode) {
    case 'always':
      return true;
    case 'initial':
    case 'initial_only':
      return stored === undefined || !snapshotCompleted(stored);
    case 'when_needed':
      if (stored === undefined || !snapshotCompleted(stored) || slot === undefined) return true;
      // The slot moved past the stored position: the changes in between are gone from the WAL.
      return slot.confirmedFlushLsn !== null && slot.confirmedFlushLsn > resumePoint(stored).startLsn;
    default:
      return false;
  }
}

export class PostgresSourceTask extends SourceTaskShell<PostgresSourceConfig> {
  protected readonly label = 'PostgreSQL source';
  private server!: ServerInfo;
  private filters!: CaptureFilters;
  private readonly catalog = new TypeCatalog();
  private metadata: pg.Client | undefined;
  /** Holds the exported snapshot open until every snapshot reader has imported it. */
  private exporter: pg.Client | undefined;
  /** The stream from the slot, which commit() confirms stored positions to. */
  private wal: WalStream | undefined;
  private readonly schemas = new Map<number, TableSchema>();
  private confirmed: Lsn = 0n;

  protected override configure(): void {
    const { config } = this;
    this.filters = new CaptureFilters(config);
    this.server = {
      version: CONNECTOR_VERSION,
      name: config['topic.prefix'],
      db: config['database.dbname'],
      partition: partitionOf(config['topic.prefix']),
    };
  }

  protected override adHocSnapshots(from: readonly SourceOffsetEntry[]): SourceSnapshots {
    const { config, context } = this;
    return postgresSnapshots({
      config,
      context,
      server: this.server,
      catalog: this.catalog,
      filters: this.filters,
      settings: this.schemaSettings(),
      metrics: this.metrics,
      stored: from.find((entry) => entry.partition.server === config['topic.prefix'])?.offset,
      onFailure: (error) => this.fail(error),
    });
  }

  protected startError(error: unknown): Error {
    return databaseError(error, 'starting the PostgreSQL source');
  }

  override async commit(offsets: readonly SourceOffsetEntry[]): Promise<void> {
    const entry = offsets.find((candidate) => candidate.partition.server === this.server.name);
    const offset = entry ? asPgOffset(entry.offset) : undefined;
    if (!offset) return;
    const lsn = confirmableLsn(offset);
    if (lsn <= this.confirmed) return;
    this.confirmed = lsn;
    this.wal?.confirm(lsn);
  }

  protected async setUp(from: readonly SourceOffsetEntry[]): Promise<void> {
    const { config, context } = this;
    const stored = readStoredOffset(from, config['topic.prefix']);
    const metadata = await connect(config, 'metadata', (error) =>
      this.fail(databaseError(error, 'metadata connection')),
    );
    this.metadata = metadata;
    const mode: SnapshotMode = config['snapshot.mode'] === 'never' ? 'no_data' : config['snapshot.mode'];
    const streaming = mode !== 'initial_only';
    if (streaming) await this.checkWalLevel(metadata);
    await this.catalog.load(metadata);
    const tables = await listCapturedTables(metadata, this.filters);
    const identities = parseAutosetValues(config['replica.identity.autoset.values']).rules;
    const changed = await applyReplicaIdentities(metadata, tables, identities);
    if (changed.length > 0)
      context.log.info({ tables: changed }, 'replica identity set (replica.identity.autoset.values)');
    await this.buildSchemas(metadata, tables);

    const slotName = config['slot.name'];
    // A previous task's walsender (this host's after a restart, or a crashed one's) may still be
    // exiting: wait for it briefly before calling the slot taken.
    const slot = streaming ? await releasedSlot(metadata, slotName) : undefined;
    if (slot?.active) throw slotInUse(slot);
    const snapshot = needsSnapshot(mode, stored, slot);
    context.log.info(
      {
        snapshotMode: mode,
        snapshot,
        storedOffset: stored ?? null,
        slot: slot ? formatLsn(slot.confirmedFlushLsn ?? 0n) : null,
      },
      'PostgreSQL source starting',
    );
    if (streaming) await ensurePublication(metadata, config, tables);

    if (snapshot) {
      const catchUp = streaming ? this.catchUpStart(stored, slot) : undefined;
      let exported: ExportedSnapshot;
      if (catchUp) {
        exported = await this.exportFromTemporarySlot();
        this.confirmed = catchUp.confirmed;
      } else {
        exported = streaming
          ? await this.exportFromNewSlot(metadata, slot)
          : await this.exportPlainSnapshot();
        this.confirmed = exported.lsn;
      }
      this.startSnapshot(tables, exported, streaming, catchUp);
      return;
    }
    if (!streaming) {
      context.log.info({}, 'snapshot.mode=initial_only and the snapshot is complete: nothing more to do');
      return;
    }
    let resume: ResumePoint;
    let initialPosition: SourceOffset;
    if (!slot) {
      const created = await createSlot(metadata, slotName);
      if (stored) {
        context.log.warn(
          { slot: slotName, storedLsn: stored.lsn },
          'the replication slot was missing and is created anew: changes made while it was gone are not captured (snapshot.mode=when_needed would re-snapshot)',
        );
      }
      resume = { startLsn: created };
      initialPosition = positionAt(created);
      this.confirmed = created;
    } else {
      const slotLsn = slot.confirmedFlushLsn ?? 0n;
      resume = stored ? resumePoint(stored) : { startLsn: slotLsn };
      initialPosition = stored ? storedOffset(stored) : positionAt(slotLsn);
      if (slotLsn > resume.startLsn) {
        context.log.warn(
          { slot: formatLsn(slotLsn), offset: formatLsn(resume.startLsn) },
          'the slot has confirmed more than the stored offset: changes in between cannot be read again',
        );
      }
      this.confirmed = maxLsn(resume.startLsn, slotLsn);
    }
    await this.startWal(resume, initialPosition);
  }

  private async checkWalLevel(client: pg.Client): Promise<void> {
    const level = (await client.query<{ wal_level: string }>('SHOW wal_level')).rows[0]?.wal_level;
    if (level !== 'logical') {
      throw new OnrampError(
        PG_WAL_LEVEL,
        `wal_level is "${level}" on ${this.config['database.hostname']}:${this.config['database.port']}; logical decoding needs wal_level=logical (ALTER SYSTEM SET wal_level = logical, then restart PostgreSQL)`,
      );
    }
  }

  private async buildSchemas(client: pg.Client, tables: readonly CatalogTable[]): Promise<void> {
    const definitions = await loadTableDefinitions(
      client,
      tables.map((table) => table.oid),
    );
    const typeOids = [...definitions.values()].flatMap((definition) =>
      definition.columns.map((column) => column.typeOid),
    );
    await this.catalog.ensure(client, typeOids);
    for (const table of tables) {
      const definition = definitions.get(table.oid);
      if (!definition) continue;
      const spec = tableSpec(table, definition.columns, definition.primaryKey, this.filters);
      const schema = new TableSchema(spec, this.catalog.lookup, this.filters, this.schemaSettings());
      this.renames.note(schema.names);
      if (schema.skippedColumns.length > 0) {
        this.context.log.warn(
          { table: `${table.schema}.${table.name}`, columns: schema.skippedColumns },
          'columns of unsupported types are left out (include.unknown.datatypes=false)',
        );
      }
      this.schemas.set(table.oid, schema);
    }
  }

  private schemaSettings(): SchemaSettings {
    const { config } = this;
    return {
      topicPrefix: config['topic.prefix'],
      placeholder: config['unavailable.value.placeholder'],
      includeComments: config['include.schema.comments'],
      typeOptions: {
        decimalMode: config['decimal.handling.mode'],
        timePrecisionMode: config['time.precision.mode'],
        binaryMode: config['binary.handling.mode'],
        moneyFractionDigits: config['money.fraction.digits'],
        includeUnknownDatatypes: config['include.unknown.datatypes'],
        intervalMode: config['interval.handling.mode'],
        hstoreMode: config['hstore.handling.mode'],
      },
      columnMappers: new ColumnMappers(config),
    };
  }

  /**
   * Where to catch up from before a snapshot taken again: the stored position of an interrupted
   * snapshot (or, with nothing stored, the slot's own position: a first snapshot interrupted before
   * any offset was stored), while the connector's slot still holds the changes since.
   */
  private catchUpStart(stored: PgOffset | undefined, slot: SlotInfo | undefined): CatchUp | undefined {
    if (stored !== undefined && !snapshotInterrupted(stored)) return undefined;
    if (slot === undefined) {
      if (stored)
        this.context.log.warn(
          { slot: this.config['slot.name'] },
          'the interrupted snapshot is taken again, but its replication slot is gone: changes committed in between (deletes in particular) are not emitted',
        );
      return undefined;
    }
    if (slot.plugin !== 'pgoutput' || slot.database !== this.config['database.dbname']) return undefined;
    const slotLsn = slot.confirmedFlushLsn ?? 0n;
    const resume = stored ? resumePoint(stored) : { startLsn: slotLsn };
    if (slotLsn > resume.startLsn) {
      this.context.log.warn(
        { slot: formatLsn(slotLsn), offset: formatLsn(resume.startLsn) },
        'the slot has confirmed more than the stored offset: changes in between cannot be read again',
      );
    }
    return {
      resume,
      initialPosition: stored ? storedOffset(stored) : positionAt(slotLsn),
      confirmed: slotLsn,
    };
  }

  /** The snapshot taken again: exported from a temporary slot, the connector's slot stays put. */
  private async exportFromTemporarySlot(): Promise<ExportedSnapshot> {
    this.exporter = await connectReplication(this.config, (error) =>
      this.fail(databaseError(error, 'snapshot export connection')),
    );
    const slot = await createTemporarySlotWithSnapshot(this.exporter, this.config['slot.name']);
    const metadata = this.metadata as pg.Client;
    return { name: slot.snapshotName, lsn: slot.consistentPoint, txId: await snapshotXmin(metadata) };
  }

  /** Streams the connector's slot up to `until` (the new snapshot's consistent point). */
  private async catchUpTo(from: CatchUp, until: Lsn): Promise<void> {
    const where = { from: formatLsn(from.resume.startLsn), until: formatLsn(until) };
    if (this.stopping) return;
    if (from.resume.startLsn >= until && !from.resume.partial) {
      this.context.log.info(where, 'nothing committed since the interrupted snapshot');
      return;
    }
    await this.catchUp(this.newStream(from.resume, from.initialPosition, until));
    this.context.log.info(where, 'caught up with the snapshot taken again');
  }

  /**
   * A snapshot must meet the stream exactly, which only a slot created with EXPORT_SNAPSHOT gives:
   * an existing slot (left by an interrupted snapshot, or re-snapshot on `always`) is dropped first.
   */
  private async exportFromNewSlot(
    metadata: pg.Client,
    existing: SlotInfo | undefined,
  ): Promise<ExportedSnapshot> {
    const slotName = this.config['slot.name'];
    if (existing) {
      this.context.log.info(
        { slot: slotName },
        'dropping the existing slot to take a snapshot that meets the stream exactly',
      );
      await dropSlot(metadata, slotName);
    }
    this.exporter = await connectReplication(this.config, (error) =>
      this.fail(databaseError(error, 'slot connection')),
    );
    const slot = await createSlotWithSnapshot(this.exporter, slotName);
    return { name: slot.snapshotName, lsn: slot.consistentPoint, txId: await snapshotXmin(metadata) };
  }

  /** initial_only streams nothing, so it needs no slot: a plain exported snapshot is consistent. */
  private async exportPlainSnapshot(): Promise<ExportedSnapshot> {
    this.exporter = await connect(this.config, 'snapshot export');
    await this.exporter.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const name =
      (await this.exporter.query<{ name: string }>('SELECT pg_export_snapshot() AS name')).rows[0]?.name ??
      '';
    const lsn = parseLsn(await currentWalLsn(this.exporter));
    return { name, lsn, txId: await snapshotXmin(this.exporter) };
  }

  private startSnapshot(
    tables: readonly CatalogTable[],
    exported: ExportedSnapshot,
    streaming: boolean,
    catchUp: CatchUp | undefined,
  ): void {
    const snapshotTables: SnapshotTable[] = tables.flatMap((table) => {
      const schema = this.schemas.get(table.oid);
      return schema ? [{ schema, estimatedRows: table.estimatedRows }] : [];
    });
    const reader = new SnapshotReader({
      config: this.config,
      context: this.context,
      queue: this.queue,
      server: this.server,
      metrics: this.metrics,
      tables: snapshotTables,
      snapshotName: exported.name,
      lsn: exported.lsn,
      txId: exported.txId,
      onImported: () => this.closeExporter(),
      ...(catchUp && { catchUp: () => this.catchUpTo(catchUp, exported.lsn) }),
    });
    this.snapshotThenStream(reader, async () => {
      if (!streaming) return;
      await this.startWal(
        { startLsn: exported.lsn },
        snapshotOffset({
          lsn: exported.lsn,
          txId: exported.txId,
          readTime: BigInt(Date.now()) * 1000n,
          last: true,
        }),
      );
    });
  }

  private async startWal(resume: ResumePoint, initialPosition: SourceOffset): Promise<void> {
    if (this.stopping) return;
    this.wal = this.newStream(resume, initialPosition);
    await this.startStream(this.wal, initialPosition);
  }

  private newStream(resume: ResumePoint, initialPosition: SourceOffset, until?: Lsn): WalStream {
    return new WalStream({
      config: this.config,
      context: this.context,
      queue: this.queue,
      server: this.server,
      catalog: this.catalog,
      filters: this.filters,
      metadata: this.metadata as pg.Client,
      settings: this.schemaSettings(),
      metrics: this.metrics,
      resume,
      initialPosition,
      confirmed: this.confirmed,
      knownSchemas: this.schemas,
      renames: this.renames,
      ...(until !== undefined && { until }),
      onFailure: (error) => this.fail(error),
    });
  }

  private closeExporter(): void {
    const exporter = this.exporter;
    this.exporter = undefined;
    exporter?.end().catch(() => {});
  }

  /** Ends every connection (and drops the slot when slot.drop.on.stop is set). */
  protected async releaseConnections(): Promise<void> {
    this.closeExporter();
    const metadata = this.metadata;
    this.metadata = undefined;
    // Stopped means the slot is free again, so a restart (or a drop) can take it at once.
    if (
      metadata &&
      this.streamed &&
      (await releasedSlot(metadata, this.config['slot.name']).catch(() => undefined))?.active
    )
      this.context.log.warn(
        { slot: this.config['slot.name'] },
        'the replication slot is still held after stopping',
      );
    if (metadata && this.config['slot.drop.on.stop']) {
      await dropSlot(metadata, this.config['slot.name']).then(
        (dropped) =>
          dropped &&
          this.context.log.info(
            { slot: this.config['slot.name'] },
            'replication slot dropped (slot.drop.on.stop)',
          ),
        (error: unknown) =>
          this.context.log.warn({ error: errorMessage(error) }, 'could not drop the replication slot'),
      );
    }
    await metadata?.end().catch(() => {});
  }
}

interface ExportedSnapshot {
  name: string;
  lsn: Lsn;
  txId: number;
}

/** Where the changes since an interrupted snapshot are streamed from. */
interface CatchUp {
  resume: ResumePoint;
  initialPosition: SourceOffset;
  /** What the slot has confirmed: nothing beyond it may be confirmed before Kafka holds it. */
  confirmed: Lsn;
}

async function snapshotXmin(client: pg.Client): Promise<number> {
  const result = await client.query<{ xmin: string }>(
    'SELECT txid_snapshot_xmin(txid_current_snapshot())::text AS xmin',
  );
  return Number(result.rows[0]?.xmin ?? 0);
}

/** The position "everything before `lsn` is done", for heartbeats before the first record. */
function positionAt(lsn: Lsn): SourceOffset {
  const value = Number(lsn);
  return { lsn: value, lsn_proc: value, lsn_commit: value, messageType: COMPLETE };
}

function storedOffset(offset: PgOffset): SourceOffset {
  return toSourceOffset(offset);
}
