import type pg from 'pg';
import {
  type ConnectStruct,
  OP,
  recordNames,
  type SourceOffset,
  type TaskContext,
} from '../../src/plugin/index.ts';
import type { JavaValue } from '../shared/incremental-snapshot/java-serialization.ts';
import type {
  Chunk,
  ChunkBounds,
  ChunkRow,
  ChunkTable,
  IncrementalSource,
} from '../shared/incremental-snapshot/snapshot-source.ts';
import { SourceSnapshots } from '../shared/incremental-snapshot/source-snapshots.ts';
import { signalTableName } from '../shared/signals/signal-config.ts';
import type { SourceMetrics } from '../shared/source-metrics.ts';
import { type CatalogTable, listCapturedTables, loadTableDefinitions } from './catalog.ts';
import { type ChunkKeyColumn, chunkQuery, javaValueOf, maximumKeyQuery } from './chunk-query.ts';
import type { PostgresSourceConfig } from './config.ts';
import { connect } from './connection.ts';
import { databaseError } from './errors.ts';
import { changeRecord, type ServerInfo } from './events.ts';
import type { CaptureFilters } from './filters.ts';
import type { Tuple } from './pgoutput-parser.ts';
import { type SchemaSettings, TableSchema, tableSpec } from './table-schema.ts';
import type { TypeCatalog } from './type-catalog.ts';
import { deleteSignal, insertSignal, type ReadSnapshot, readSnapshot, seesChange } from './watermark.ts';

// Incremental and blocking snapshots of PostgreSQL tables (the engine is shared, see
// connectors/shared/incremental-snapshot/engine.ts): tables come from the catalog with a fresh
// schema, chunks are read on a connection of their own in REPEATABLE READ READ ONLY transactions,
// and each chunk's snapshot (txid_current_snapshot) tells which streamed transactions it saw.

export interface PostgresSnapshotDeps {
  config: PostgresSourceConfig;
  context: TaskContext;
  server: ServerInfo;
  catalog: TypeCatalog;
  filters: CaptureFilters;
  settings: SchemaSettings;
  metrics: SourceMetrics;
  /** The stored offset (an incremental snapshot in it continues). */
  stored: SourceOffset | undefined;
  onFailure(error: Error): void;
}

interface PgChunkTable extends ChunkTable {
  schema: TableSchema;
  key: ChunkKeyColumn[];
  /** Positions of the chunk key's columns in a row. */
  keyIndexes: number[];
}

/** Every value as the text PostgreSQL prints: a row is then a tuple, as pgoutput and COPY give. */
const TEXT_TYPES = { getTypeParser: () => (value: string) => value };

class PostgresIncrementalSource implements IncrementalSource<ReadSnapshot> {
  private readonly deps: PostgresSnapshotDeps;
  private client: pg.Client | undefined;
  private readonly signalTable: [string, string] | undefined;
  private closed = false;

  constructor(deps: PostgresSnapshotDeps) {
    this.deps = deps;
    this.signalTable = signalTableName(deps.config);
  }

  private async connection(): Promise<pg.Client> {
    if (this.closed) throw new Error('the incremental snapshot connection is closed');
    if (!this.client) {
      const client = await connect(this.deps.config, 'incremental snapshot', () => {
        if (this.client === client) this.client = undefined;
      });
      this.client = client;
    }
    return this.client;
  }

  /** Runs `work` on the connection, classifying failures (a lost connection is retriable). */
  private async run<T>(what: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = await this.connection().catch((error: unknown) => {
      throw databaseError(error, what);
    });
    try {
      return await work(client);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {
        if (this.client === client) this.client = undefined;
        client.end().catch(() => {});
      });
      throw databaseError(error, what);
    }
  }

  private async captured(client: pg.Client): Promise<CatalogTable[]> {
    return listCapturedTables(client, this.deps.filters);
  }

  tableIds(): Promise<string[]> {
    return this.run('listing the captured tables', async (client) =>
      (await this.captured(client)).map((table) => `${table.schema}.${table.name}`),
    );
  }

  table(id: string, surrogateKey: string | undefined): Promise<PgChunkTable | string> {
    return this.run(`reading table ${id}`, async (client) => {
      const table = (await this.captured(client)).find(
        (candidate) => `${candidate.schema}.${candidate.name}` === id,
      );
      if (!table) return 'it is not a table this connector captures';
      const definition = (await loadTableDefinitions(client, [table.oid])).get(table.oid);
      if (!definition) return 'it no longer exists';
      const { catalog, filters, settings } = this.deps;
      await catalog.ensure(
        client,
        definition.columns.map((column) => column.typeOid),
      );
      const spec = tableSpec(table, definition.columns, definition.primaryKey, filters);
      const schema = new TableSchema(spec, catalog.lookup, filters, settings);
      const keyNames = surrogateKey ? [surrogateKey] : definition.primaryKey;
      if (keyNames.length === 0)
        return 'it has no primary key (name a unique column as the execute-snapshot signal\'s "surrogate-key")';
      const key: ChunkKeyColumn[] = [];
      const keyIndexes: number[] = [];
      for (const name of keyNames) {
        const index = spec.columns.findIndex((column) => column.name === name);
        const column = spec.columns[index];
        if (!column) return `it has no column "${name}" (the surrogate-key)`;
        key.push({ name, typeOid: column.typeOid });
        keyIndexes.push(index);
      }
      return {
        id,
        topic: schema.names.topic,
        keyColumns: keyNames,
        estimatedRows: Math.max(0, table.estimatedRows),
        schema,
        key,
        keyIndexes,
      };
    });
  }

  maximumKey(chunkTable: ChunkTable, condition: string | undefined): Promise<JavaValue[] | undefined> {
    const table = chunkTable as PgChunkTable;
    return this.run(`reading the largest key of ${table.id}`, async (client) => {
      const result = await client.query<string[]>({
        text: maximumKeyQuery(table.schema.spec, table.key, condition),
        rowMode: 'array',
      });
      const row = result.rows[0];
      return row
        ? table.key.map((column, index) => javaValueOf(row[index] ?? null, column.typeOid))
        : undefined;
    });
  }

  readChunk(chunkTable: ChunkTable, bounds: ChunkBounds): Promise<Chunk<ReadSnapshot>> {
    const table = chunkTable as PgChunkTable;
    const { spec } = table.schema;
    return this.run(`reading a chunk of ${table.id}`, async (client) => {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      // The transaction's first statement takes its snapshot: the chunk is read in that snapshot.
      const visibility = await readSnapshot(client);
      const query = chunkQuery(
        spec,
        spec.columns.map((column) => column.name),
        table.key,
        bounds,
      );
      const result = await client.query<Tuple>({ ...query, rowMode: 'array', types: TEXT_TYPES });
      await client.query('COMMIT');
      return { rows: result.rows.map((tuple) => this.row(table, tuple)), visibility };
    });
  }

  private row(table: PgChunkTable, tuple: Tuple): ChunkRow {
    const { server } = this.deps;
    const { schema } = table;
    const key = table.keyIndexes.map((index, position) =>
      javaValueOf(tuple[index] as string | null, (table.key[position] as ChunkKeyColumn).typeOid),
    );
    const eventKey = schema.keyOf(tuple);
    return {
      key,
      eventKey,
      build: (marker, offset) => {
        const lsn = typeof offset.lsn === 'number' ? BigInt(offset.lsn) : null;
        const txId = typeof offset.txId === 'number' ? offset.txId : null;
        return changeRecord(
          server,
          schema,
          OP.read,
          { before: null, after: schema.valueOf(tuple), key: eventKey },
          { time: BigInt(Date.now()) * 1000n, snapshot: marker, txId, lsn, lastCommitLsn: null },
          offset,
        );
      },
    };
  }

  sees(source: ConnectStruct, visibility: ReadSnapshot): boolean {
    return seesChange(source, visibility);
  }

  insertSignal(id: string, type: string, data: string): Promise<void> {
    const table = this.signalTable;
    if (!table) return Promise.resolve();
    return this.run('writing a watermark to the signal table', (client) =>
      insertSignal(client, table, { id, type, data }),
    );
  }

  deleteSignal(id: string): Promise<void> {
    const table = this.signalTable;
    if (!table) return Promise.resolve();
    return this.run('deleting a watermark from the signal table', async (client) => {
      const definitions = await client.query<{ name: string }>(
        `SELECT a.attname AS name FROM pg_attribute a
          WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum LIMIT 1`,
        [`"${table[0].replaceAll('"', '""')}"."${table[1].replaceAll('"', '""')}"`],
      );
      await deleteSignal(client, table, id, definitions.rows[0]?.name ?? 'id');
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }
}

/** The PostgreSQL task's ad hoc snapshots and signals. */
export function postgresSnapshots(deps: PostgresSnapshotDeps): SourceSnapshots<ReadSnapshot> {
  const { config, context, metrics } = deps;
  const signal = signalTableName(config);
  return new SourceSnapshots({
    settings: config,
    context,
    source: new PostgresIncrementalSource(deps),
    signalTable: signal && {
      id: signal.join('.'),
      topic: recordNames(config['topic.prefix'], signal[0], signal[1]).topic,
    },
    stored: deps.stored,
    count: (table) => metrics.event(table, OP.read),
    onFailure: deps.onFailure,
  });
}
