import type { TopicPartition, TopicPartitionOffset } from '../../src/plugin/index.ts';
import {
  type ColumnDef,
  type Dialect,
  qualified,
  type SqlPool,
  type SqlSession,
  type TableName,
} from './dialect.ts';
import { createTable, insertRows } from './statements.ts';

// exactly.once.offsets.table: the Kafka offsets a connector has applied, kept in the target database
// and written in the same transaction as the rows. Batches commit one transaction per table, so a row
// per (connector, topic, partition, table) says how far that table got; the row with an empty table
// name says how far every table got (written once all of a flush's tables committed), which is where
// a partition restarts. On replay a record is skipped when its table's row (or that one) covers it.

/** Key of a topic-partition in the maps below. */
export function partitionId(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

const ALL_TABLES = '';
const KEY_COLUMNS = ['connector', 'topic', 'kafka_partition', 'table_name'];
const COLUMNS: ColumnDef[] = [
  { name: 'connector', kind: { kind: 'string' }, optional: false, isKey: true },
  { name: 'topic', kind: { kind: 'string' }, optional: false, isKey: true },
  { name: 'kafka_partition', kind: { kind: 'int32' }, optional: false, isKey: true },
  { name: 'table_name', kind: { kind: 'string' }, optional: false, isKey: true },
  { name: 'kafka_offset', kind: { kind: 'int64' }, optional: false, isKey: false },
];

/** `schema.table` or `table`, as given (quoted as is). */
export function offsetTableName(configured: string): TableName {
  const dot = configured.indexOf('.');
  return dot < 0
    ? { name: configured }
    : { schema: configured.slice(0, dot), name: configured.slice(dot + 1) };
}

export class OffsetTable {
  private readonly dialect: Dialect;
  private readonly pool: SqlPool;
  private readonly table: TableName;
  private readonly connector: string;
  /** Last applied offset per partition and table: `partitionId\u0000table` (empty table: all tables). */
  private readonly applied = new Map<string, bigint>();

  constructor(dialect: Dialect, pool: SqlPool, table: TableName, connector: string) {
    this.dialect = dialect;
    this.pool = pool;
    this.table = table;
    this.connector = connector;
  }

  /** Creates the table if missing. */
  async ensure(): Promise<void> {
    await this.pool.run(createTable(this.dialect, this.table, COLUMNS), []);
  }

  /**
   * Reloads what is stored for `partitions` (another task may have moved them on before a
   * rebalance) and returns where each starts: after its all-tables row. Partitions without one start
   * from the consumer group's offset; their table rows still skip what is applied.
   */
  async load(partitions: readonly TopicPartition[]): Promise<TopicPartitionOffset[]> {
    const wanted = new Set(partitions.map(({ topic, partition }) => partitionId(topic, partition)));
    const { dialect } = this;
    const rows = await this.pool.select(
      `SELECT ${['topic', 'kafka_partition', 'table_name', 'kafka_offset'].map(dialect.quote).join(',')} FROM ${qualified(dialect, this.table)} WHERE ${dialect.quote('connector')} = ${dialect.param(1)}`,
      [this.connector],
    );
    for (const id of [...this.applied.keys()])
      if (wanted.has(id.slice(0, id.lastIndexOf('\u0000')))) this.applied.delete(id);
    const starts: TopicPartitionOffset[] = [];
    for (const row of rows) {
      const topic = String(row.topic);
      const partition = Number(row.kafka_partition);
      const id = partitionId(topic, partition);
      if (!wanted.has(id)) continue;
      const offset = BigInt(String(row.kafka_offset));
      const table = String(row.table_name);
      this.applied.set(`${id}\u0000${table}`, offset);
      if (table === ALL_TABLES) starts.push({ topic, partition, offset: (offset + 1n).toString() });
    }
    return starts;
  }

  /** Whether the record at `offset` of partition `id` is already in `table` (a replay to skip). */
  isApplied(id: string, table: string, offset: bigint): boolean {
    const all = this.applied.get(`${id}\u0000${ALL_TABLES}`);
    if (all !== undefined && offset <= all) return true;
    const mine = this.applied.get(`${id}\u0000${table}`);
    return mine !== undefined && offset <= mine;
  }

  /** Stores `offsets` (by partition id) as applied to `table` ('' = every table), in `session`'s transaction. */
  async store(session: SqlSession, table: string, offsets: ReadonlyMap<string, bigint>): Promise<void> {
    if (offsets.size === 0) return;
    const rows = [...offsets].map(([id, offset]) => {
      const cut = id.lastIndexOf('\u0000');
      return [this.connector, id.slice(0, cut), Number(id.slice(cut + 1)), table, offset.toString()];
    });
    const statement = insertRows(
      this.dialect,
      this.table,
      COLUMNS.map((column) => column.name),
      rows,
      KEY_COLUMNS,
    );
    await session.run(statement.sql, statement.params);
  }

  /** Records what a committed transaction stored. */
  remember(table: string, offsets: ReadonlyMap<string, bigint>): void {
    for (const [id, offset] of offsets) this.applied.set(`${id}\u0000${table}`, offset);
  }

  /** Stores the all-tables row in its own transaction. */
  async storeAll(offsets: ReadonlyMap<string, bigint>): Promise<void> {
    if (offsets.size === 0) return;
    await this.pool.transaction((session) => this.store(session, ALL_TABLES, offsets));
    this.remember(ALL_TABLES, offsets);
  }
}
