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
//
// A full buffer is written in the background while put() reads on (write-behind): the database
// applies one batch while this thread decodes the next, so the two use both cores instead of taking
// turns. At most one write is in flight (the next full buffer waits for it, which bounds memory and
// keeps batches in order), its failure surfaces at the next put() or flush(), and flush() resolves
// only once everything put before it is committed. Only flush()'s last commit waits for the disk:
// the batches before it commit without (PostgreSQL's synchronous_commit=off for that transaction),
// and a durable commit flushes the log up to itself, so when flush() resolves they are all on disk.
// A crash before that loses nothing the host has acknowledged: Kafka offsets are committed only
// after flush(), and the exactly-once offsets travel in the same transactions as the rows.

export class JdbcSinkTask implements SinkTask<JdbcSinkConfig> {
  private config: JdbcSinkConfig | undefined;
  private context: TaskContext | undefined;
  private pool: SqlPool | undefined;
  private reader: ChangeReader | undefined;
  private writer: TableWriter | undefined;
  private readonly buffer = new ChangeBuffer();
  /** Batches drained from the buffer and not yet committed (kept across a retried flush). */
  private unapplied: TableBatch[] = [];
  /** The background write of `unapplied`, while one runs. */
  private writing: Promise<void> | undefined;
  /** A transaction committed without waiting for the disk since the last durable commit. */
  private undurable = false;
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
      if (this.buffer.size >= config['batch.size']) await this.writeBehind();
    }
  }

  /** Hands the buffer to a background write, after the one before it finished. */
  private async writeBehind(): Promise<void> {
    await this.settle();
    this.unapplied.push(...this.buffer.drain());
    const writing = this.applyUnapplied(false);
    // Awaited by the next put() or flush(); until then a failure must not count as unhandled.
    writing.catch(() => undefined);
    this.writing = writing;
  }

  /** Waits for the background write, rethrowing its failure. */
  private async settle(): Promise<void> {
    const writing = this.writing;
    if (!writing) return;
    try {
      await writing;
    } finally {
      if (this.writing === writing) this.writing = undefined;
    }
  }

  async flush(): Promise<void> {
    const { context } = this.ready();
    const { offsets } = this;
    await this.settle();
    this.unapplied.push(...this.buffer.drain());
    await this.applyUnapplied(true);
    if (this.undurable) {
      const { pool } = this.ready();
      await this.retrying('making the commits durable', () => pool.syncCommits());
      this.undurable = false;
    }
    if (offsets && this.seen.size > 0) {
      // Every table of this flush committed: the partitions restart after these offsets.
      await this.retrying('storing the exactly-once offsets', () => offsets.storeAll(this.seen));
      this.seen.clear();
    }
    if (this.lastTimestamp !== undefined)
      context.metrics.set('sink_lag_seconds', {}, Math.max(0, Date.now() - this.lastTimestamp) / 1000);
  }

  /** Applies the drained batches in order, each in its own transaction; `durableLast`: the last one waits for the disk. */
  private async applyUnapplied(durableLast: boolean): Promise<void> {
    const { writer } = this.ready();
    const { offsets } = this;
    while (this.unapplied.length > 0) {
      const batch = this.unapplied[0];
      if (!batch) break;
      const durable = durableLast && this.unapplied.length === 1;
      const storeOffsets =
        offsets && ((session: SqlSession) => offsets.store(session, batch.label, batch.offsets));
      await this.retrying(`writing to table ${batch.label}`, async () => {
        if (await writer.write(batch, storeOffsets, { durable })) this.undurable = !durable;
      });
      offsets?.remember(batch.label, batch.offsets);
      this.unapplied.shift();
    }
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
    // A background write ends (commits or fails) before its connection goes away.
    await this.writing?.catch(() => undefined);
    const pool = this.pool;
    this.pool = undefined;
    await pool?.close();
  }

  private ready() {
    if (!this.reader || !this.writer || !this.context || !this.config)
      throw new OnrampError('INTERNAL', 'JDBC sink task used before start()');
    if (!this.pool) throw new OnrampError('INTERNAL', 'JDBC sink task used before start()');
    return {
      reader: this.reader,
      writer: this.writer,
      context: this.context,
      config: this.config,
      pool: this.pool,
    };
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
