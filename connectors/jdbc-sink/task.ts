import type {
  SinkRecord,
  SinkTask,
  TaskContext,
  TopicPartition,
  TopicPartitionOffset,
} from '../../src/plugin/index.ts';
import { errorMessage, OnrampError, RecordRejectedError } from '../../src/plugin/index.ts';
import { ChangeReader } from './change.ts';
import type { JdbcSinkConfig } from './config.ts';
import { type SqlPool, type SqlSession, tableLabel } from './dialect.ts';
import { isUnavailable, JDBC_WRITE_FAILED, unavailable } from './errors.ts';
import { OffsetTable, offsetTableName, partitionId } from './offset-table.ts';
import { dialectOf, openPool } from './pool.ts';
import { ChangeBuffer, type TableBatch } from './table-batch.ts';
import { TableWriter } from './table-writer.ts';

// put() reads records into changes and buffers them per table; flush() (and a full buffer) applies
// them. The host commits Kafka offsets only after flush resolves, so what is committed is in the
// database. A database outage is retried here (flush.max.retries), then thrown as retriable so the
// host restarts the task with backoff; batches already committed are not applied twice meanwhile.
// With exactly.once.offsets.table the offsets commit with the rows (see offset-table.ts).

export class JdbcSinkTask implements SinkTask<JdbcSinkConfig> {
  private config: JdbcSinkConfig | undefined;
  private context: TaskContext | undefined;
  private pool: SqlPool | undefined;
  private reader: ChangeReader | undefined;
  private writer: TableWriter | undefined;
  private readonly buffer = new ChangeBuffer();
  /** Batches drained from the buffer and not yet committed (kept across a retried flush). */
  private unapplied: TableBatch[] = [];
  private lastTimestamp: number | undefined;
  /** exactly.once.offsets.table, when set. */
  private offsets: OffsetTable | undefined;
  /** Highest offset put per partition since the last flush (for the all-tables offsets row). */
  private readonly seen = new Map<string, bigint>();

  async start(config: JdbcSinkConfig, context: TaskContext): Promise<void> {
    this.config = config;
    this.context = context;
    const dialect = dialectOf(config);
    const pool = openPool(config);
    this.pool = pool;
    this.reader = new ChangeReader(config, dialect);
    this.writer = new TableWriter(dialect, pool, config, context);
    try {
      await pool.run('SELECT 1', []);
    } catch (error) {
      throw unavailable(error, `connecting to ${dialect.name}`);
    }
    const offsetsTable = config['exactly.once.offsets.table'].trim();
    if (offsetsTable !== '') {
      this.offsets = new OffsetTable(dialect, pool, offsetTableName(offsetsTable), context.connector);
      try {
        await this.offsets.ensure();
      } catch (error) {
        if (isUnavailable(error)) throw unavailable(error, `creating table ${offsetsTable}`);
        throw new OnrampError(
          JDBC_WRITE_FAILED,
          `Cannot create the exactly-once offsets table ${offsetsTable}: ${errorMessage(error)}`,
          { cause: error },
        );
      }
    }
  }

  /** Exactly-once: partitions start after what the target holds (the consumer group's offset otherwise). */
  async startOffsets(partitions: readonly TopicPartition[]): Promise<TopicPartitionOffset[]> {
    if (!this.offsets) return [];
    try {
      return await this.offsets.load(partitions);
    } catch (error) {
      throw unavailable(error, 'reading the exactly-once offsets');
    }
  }

  async put(records: readonly SinkRecord[]): Promise<void> {
    const { reader, context, config } = this.ready();
    const { offsets, seen } = this;
    for (const record of records) {
      let id = '';
      let offset = 0n;
      if (offsets) {
        id = partitionId(record.topic, record.kafkaPartition);
        offset = BigInt(record.kafkaOffset);
        const highest = seen.get(id);
        if (highest === undefined || offset > highest) seen.set(id, offset);
      }
      let change: ReturnType<ChangeReader['read']>;
      try {
        change = reader.read(record);
      } catch (error) {
        await context.reportBadRecord(
          record,
          error instanceof RecordRejectedError
            ? error
            : new OnrampError(JDBC_WRITE_FAILED, `Cannot apply record: ${errorMessage(error)}`, {
                cause: error,
              }),
        );
        continue;
      }
      this.lastTimestamp = record.timestamp;
      if (!change) continue;
      // A replay of what this table already holds (exactly-once).
      if (offsets?.isApplied(id, tableLabel(change.table), offset)) continue;
      this.buffer.add(change);
      // A transaction holds at most batch.size records, however large the fetched batch.
      if (this.buffer.size >= config['batch.size']) await this.flush();
    }
  }

  async flush(): Promise<void> {
    const { writer, context } = this.ready();
    const { offsets } = this;
    this.unapplied.push(...this.buffer.drain());
    while (this.unapplied.length > 0) {
      const batch = this.unapplied[0];
      if (!batch) break;
      const storeOffsets =
        offsets && ((session: SqlSession) => offsets.store(session, batch.label, batch.offsets));
      await this.retrying(`writing to table ${batch.label}`, () => writer.write(batch, storeOffsets));
      offsets?.remember(batch.label, batch.offsets);
      this.unapplied.shift();
    }
    if (offsets && this.seen.size > 0) {
      // Every table of this flush committed: the partitions restart after these offsets.
      await this.retrying('storing the exactly-once offsets', () => offsets.storeAll(this.seen));
      this.seen.clear();
    }
    if (this.lastTimestamp !== undefined)
      context.metrics.set('sink_lag_seconds', {}, Math.max(0, Date.now() - this.lastTimestamp) / 1000);
  }

  /** Runs `work`, retrying while the database is unreachable (flush.max.retries), then rethrows as retriable. */
  private async retrying(what: string, work: () => Promise<void>): Promise<void> {
    const { context, config } = this.ready();
    for (let attempt = 0; ; attempt += 1) {
      try {
        await work();
        return;
      } catch (error) {
        if (!isUnavailable(error)) throw error;
        if (attempt >= config['flush.max.retries'] || context.signal.aborted) throw unavailable(error, what);
        context.log.warn(
          { err: error, attempt: attempt + 1 },
          `${what} failed, retrying: ${errorMessage(error)}`,
        );
        await delay(config['flush.retry.delay.ms'], context.signal);
      }
    }
  }

  async stop(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.close();
  }

  private ready() {
    if (!this.reader || !this.writer || !this.context || !this.config)
      throw new OnrampError('INTERNAL', 'JDBC sink task used before start()');
    return { reader: this.reader, writer: this.writer, context: this.context, config: this.config };
  }
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
