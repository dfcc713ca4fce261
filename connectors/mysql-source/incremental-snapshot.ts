import type mysql from 'mysql2/promise';
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
import { listCapturedTables } from './catalog.ts';
import { type ChunkKeyColumn, chunkQuery, javaValueOf, maximumKeyQuery } from './chunk-query.ts';
import type { MysqlSourceConfig } from './config.ts';
import { connect } from './connection.ts';
import { databaseError } from './errors.ts';
import { changeRecord, type ServerInfo } from './events.ts';
import type { CaptureFilters } from './filters.ts';
import type { SchemaHistory } from './schema-history.ts';
import type { Row, TableSchema } from './table-schema.ts';
import { beginChunk, deleteSignal, insertSignal, type SnapshotPosition, seesChange } from './watermark.ts';

// Incremental and blocking snapshots of MySQL/MariaDB tables (the engine is shared, see
// connectors/shared/incremental-snapshot/engine.ts): a table's structure is the schema history's
// (what the stream uses), chunks are read on a connection of their own in consistent-snapshot
// read-only transactions, and on MariaDB each chunk's binlog snapshot position tells which streamed
// changes it saw.

export interface MysqlSnapshotDeps {
  config: MysqlSourceConfig;
  context: TaskContext;
  /** Known once the task connected. */
  server: () => ServerInfo;
  filters: CaptureFilters;
  history: SchemaHistory;
  /** Known once the task connected. */
  mariadb: () => boolean;
  metrics: SourceMetrics;
  stored: SourceOffset | undefined;
  onFailure(error: Error): void;
}

interface MysqlChunkTable extends ChunkTable {
  schema: TableSchema;
  key: ChunkKeyColumn[];
  surrogateKey: string | undefined;
}

/** A table to snapshot with `schema`'s structure; a reason (text) when its chunk key is missing. */
function chunkTable(
  id: string,
  schema: TableSchema,
  surrogateKey: string | undefined,
  estimatedRows: number,
): MysqlChunkTable | string {
  const keyNames = surrogateKey ? [surrogateKey] : schema.definition.primaryKey;
  if (keyNames.length === 0)
    return 'it has no primary key (name a unique column as the execute-snapshot signal\'s "surrogate-key")';
  const key: ChunkKeyColumn[] = [];
  for (const name of keyNames) {
    const column = schema.definition.columns.find((candidate) => candidate.name === name);
    if (!column) return `it has no column "${name}" (the surrogate-key)`;
    key.push({ ...column, name });
  }
  return { id, topic: schema.names.topic, keyColumns: keyNames, estimatedRows, schema, key, surrogateKey };
}

type Visibility = SnapshotPosition | undefined;

class MysqlIncrementalSource implements IncrementalSource<Visibility> {
  private readonly deps: MysqlSnapshotDeps;
  private connection: mysql.Connection | undefined;
  private readonly signalTable: [string, string] | undefined;
  private closed = false;

  constructor(deps: MysqlSnapshotDeps) {
    this.deps = deps;
    this.signalTable = signalTableName(deps.config);
  }

  private async open(): Promise<mysql.Connection> {
    if (this.closed) throw new Error('the incremental snapshot connection is closed');
    if (!this.connection) {
      const connection = await connect(this.deps.config);
      connection.on('error', () => {
        if (this.connection === connection) this.connection = undefined;
      });
      this.connection = connection;
    }
    return this.connection;
  }

  /** Runs `work` on the connection, classifying failures (a lost connection is retriable). */
  private async run<T>(what: string, work: (connection: mysql.Connection) => Promise<T>): Promise<T> {
    const connection = await this.open().catch((error: unknown) => {
      throw databaseError(error, what);
    });
    try {
      return await work(connection);
    } catch (error) {
      await connection.query('ROLLBACK').catch(() => {
        if (this.connection === connection) this.connection = undefined;
        connection.destroy();
      });
      throw databaseError(error, what);
    }
  }

  tableIds(): Promise<string[]> {
    return this.run('listing the captured tables', async (connection) =>
      (await listCapturedTables(connection, this.deps.filters)).map(
        (table) => `${table.database}.${table.name}`,
      ),
    );
  }

  table(id: string, surrogateKey: string | undefined): Promise<MysqlChunkTable | string> {
    return this.run(`reading table ${id}`, async (connection) => {
      const table = (await listCapturedTables(connection, this.deps.filters)).find(
        (candidate) => `${candidate.database}.${candidate.name}` === id,
      );
      const schema = table && this.deps.history.get(table.database, table.name);
      if (!table || !schema) return 'it is not a table this connector captures';
      return chunkTable(id, schema, surrogateKey, Math.max(0, table.estimatedRows));
    });
  }

  /** The table as the stream's schema history has it now, when that is not the structure it has. */
  refresh(table: ChunkTable): ChunkTable | undefined {
    const { schema, surrogateKey, estimatedRows, id } = table as MysqlChunkTable;
    const current = this.deps.history.get(schema.database, schema.table);
    if (!current || current === schema) return undefined;
    const fresh = chunkTable(id, current, surrogateKey, estimatedRows);
    // A key column gone: the chunk query fails and the table is skipped, as before.
    return typeof fresh === 'string' ? undefined : fresh;
  }

  structureChanged(error: unknown): boolean {
    const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
    // ER_BAD_FIELD_ERROR: a column the chunk's SELECT names is gone (dropped or renamed).
    return typeof cause === 'object' && cause !== null && (cause as { errno?: unknown }).errno === 1054;
  }

  maximumKey(chunkTable: ChunkTable, condition: string | undefined): Promise<JavaValue[] | undefined> {
    const table = chunkTable as MysqlChunkTable;
    return this.run(`reading the largest key of ${table.id}`, async (connection) => {
      const [rows] = await connection.query<mysql.RowDataPacket[]>(
        maximumKeyQuery(table.schema, table.key, condition),
      );
      const row = rows[0];
      return row ? table.key.map((column) => javaValueOf(row[column.name], column)) : undefined;
    });
  }

  readChunk(chunkTable: ChunkTable, bounds: ChunkBounds): Promise<Chunk<Visibility>> {
    const table = chunkTable as MysqlChunkTable;
    const { schema } = table;
    return this.run(`reading a chunk of ${table.id}`, async (connection) => {
      const visibility = await beginChunk(connection, this.deps.mariadb());
      const query = chunkQuery(schema, schema.selectList, table.key, bounds);
      const [rows] = await connection.query<mysql.RowDataPacket[]>(query.sql, query.values);
      await connection.query('COMMIT');
      return { rows: rows.map((row) => this.row(table, row as Row)), visibility };
    });
  }

  private row(table: MysqlChunkTable, row: Row): ChunkRow {
    const server = this.deps.server();
    const { schema } = table;
    const eventKey = schema.keyOf(row);
    return {
      key: table.key.map((column) => javaValueOf(row[column.name], column)),
      eventKey,
      build: (marker, offset) =>
        changeRecord(
          server,
          schema,
          OP.read,
          { before: null, after: schema.valueOf(row), key: eventKey },
          {
            time: Date.now() * 1000,
            snapshot: marker,
            file: typeof offset.file === 'string' ? offset.file : '',
            pos: typeof offset.pos === 'number' ? offset.pos : 0,
            row: 0,
            gtid: null,
            thread: null,
            query: null,
          },
          offset,
        ),
    };
  }

  sees(source: ConnectStruct, visibility: Visibility): boolean {
    return seesChange(source, visibility);
  }

  insertSignal(id: string, type: string, data: string): Promise<void> {
    const table = this.signalTable;
    if (!table) return Promise.resolve();
    return this.run('writing a watermark to the signal table', (connection) =>
      insertSignal(connection, table, { id, type, data }),
    );
  }

  deleteSignal(id: string): Promise<void> {
    const table = this.signalTable;
    if (!table) return Promise.resolve();
    const idColumn = this.deps.history.get(...table)?.definition.columns[0]?.name ?? 'id';
    return this.run('deleting a watermark from the signal table', (connection) =>
      deleteSignal(connection, table, id, idColumn),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    const connection = this.connection;
    this.connection = undefined;
    connection?.destroy();
  }
}

/** The MySQL task's ad hoc snapshots and signals. */
export function mysqlSnapshots(deps: MysqlSnapshotDeps): SourceSnapshots<Visibility> {
  const { config, context, metrics } = deps;
  const signal = signalTableName(config);
  return new SourceSnapshots({
    settings: config,
    context,
    source: new MysqlIncrementalSource(deps),
    signalTable: signal && {
      id: signal.join('.'),
      topic: recordNames(config['topic.prefix'], signal[0], signal[1]).topic,
    },
    stored: deps.stored,
    count: (table) => metrics.event(table, OP.read),
    onFailure: deps.onFailure,
  });
}
