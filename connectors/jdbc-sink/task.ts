import type { SinkRecord, SinkTask, TaskContext } from '../../src/plugin/index.ts';
import { errorMessage, OnrampError } from '../../src/plugin/index.ts';
import { ChangeReader } from './change.ts';
import type { JdbcSinkConfig } from './config.ts';
import type { SqlPool } from './dialect.ts';
import { isUnavailable, unavailable } from './errors.ts';
import { dialectOf, openPool } from './pool.ts';
import { ChangeBuffer, type TableBatch } from './table-batch.ts';
import { TableWriter } from './table-writer.ts';

// put() reads records into changes and buffers them per table; flush() (and a full buffer) applies
// them. The host commits Kafka offsets only after flush resolves, so what is committed is in the
// database. A database outage is retried here (flush.max.retries), then thrown as retriable so the
// host restarts the task with backoff; batches already committed are not applied twice meanwhile.

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
  }

  async put(records: readonly SinkRecord[]): Promise<void> {
    const { reader, context, config } = this.ready();
    for (const record of records) {
      let change: ReturnType<ChangeReader['read']>;
      try {
        change = reader.read(record);
      } catch (error) {
        await context.reportBadRecord(
          record,
          new OnrampError('JDBC_WRITE_FAILED', `Cannot apply record: ${errorMessage(error)}`, {
            cause: error,
          }),
        );
        continue;
      }
      this.lastTimestamp = record.timestamp;
      if (change) this.buffer.add(change);
    }
    if (this.buffer.size >= config['batch.size']) await this.flush();
  }

  async flush(): Promise<void> {
    const { writer, context, config } = this.ready();
    this.unapplied.push(...this.buffer.drain());
    while (this.unapplied.length > 0) {
      const batch = this.unapplied[0];
      if (!batch) break;
      for (let attempt = 0; ; attempt += 1) {
        try {
          await writer.write(batch);
          break;
        } catch (error) {
          if (!isUnavailable(error)) throw error;
          if (attempt >= config['flush.max.retries'] || context.signal.aborted)
            throw unavailable(error, `writing to table ${batch.label}`);
          context.log.warn(
            { err: error, table: batch.label, attempt: attempt + 1 },
            `write failed, retrying: ${errorMessage(error)}`,
          );
          await delay(config['flush.retry.delay.ms'], context.signal);
        }
      }
      this.unapplied.shift();
    }
    if (this.lastTimestamp !== undefined)
      context.metrics.set('sink_lag_ms', {}, Math.max(0, Date.now() - this.lastTimestamp));
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
