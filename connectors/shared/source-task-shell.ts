import {
  errorMessage,
  type SnapshotProgress,
  type SourceOffset,
  type SourceOffsetEntry,
  type SourceRecord,
  type SourceTask,
  type TaskContext,
  type TaskSignal,
} from '../../src/plugin/index.ts';
import type { InterceptedQueue } from './incremental-snapshot/intercepted-queue.ts';
import type { SourceSnapshots } from './incremental-snapshot/source-snapshots.ts';
import { SourceMetrics } from './source-metrics.ts';
import { type SourceQueueConfig, sourceRecordQueue } from './source-queue.ts';
import { TopicRenames } from './topic-renames.ts';

// What every source task is around its database-specific parts: the lifecycle (start, stop, a
// failure that fails the task once), the one bounded queue poll() takes records from, the metrics,
// the incremental snapshots and signals (incremental-snapshot/), and the phases: an initial
// snapshot in the background and then the stream, or the stream alone; after an interrupted
// snapshot, a catch-up stream that ends where the snapshot taken again begins. A source's task
// extends it with setUp(): decide from snapshot.mode, the stored offset and the server what to
// run, and run it with snapshotThenStream(), catchUp() and startStream().
//
// Where features beside the phases hook in: every record passes `queue`, whose interceptor
// (InterceptedQueue) sees what the stream puts and may put records of its own in between; the
// stream's position before its first record reaches the incremental snapshots just before the
// stream starts (startStream); signal() and snapshots() answer the host.

export interface ShellConfig extends SourceQueueConfig {
  'max.batch.size': number;
  'poll.interval.ms': number;
}

/** A snapshot reader or a stream: whichever runs is stopped when the task stops. */
export interface Stoppable {
  stop(): Promise<void>;
}

export interface Stream extends Stoppable {
  /** Connects and starts reading; resolves once the server streams. */
  start(): Promise<void>;
}

/** A stream that ends by itself: the catch-up after an interrupted snapshot. */
export interface BoundedStream extends Stream {
  /** Resolves once the stream has emitted all it was to; rejects if it fails or is stopped. */
  caughtUp(): Promise<void>;
}

export interface SnapshotRun<R> extends Stoppable {
  /** Reads the tables; the result says where the stream continues (or that the run was stopped). */
  run(): Promise<R>;
}

export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

export abstract class SourceTaskShell<C extends ShellConfig> implements SourceTask<C> {
  protected config!: C;
  protected context!: TaskContext;
  protected queue!: InterceptedQueue<SourceRecord>;
  protected metrics!: SourceMetrics;
  protected renames!: TopicRenames;
  /** Set once the task stops (or failed to start): background work winds down, failures are quiet. */
  protected stopping = false;
  /** Whether a stream (not a catch-up) was started, for sources that check their slot on stop. */
  protected streamed = false;
  /** The snapshot reader while it runs. */
  private snapshot: Stoppable | undefined;
  /** The stream running: a catch-up, then the stream itself. */
  private stream: Stoppable | undefined;
  private adHoc: SourceSnapshots | undefined;
  private background: Promise<void> | undefined;

  /** "PostgreSQL source": names the task in its logs. */
  protected abstract readonly label: string;
  /** Decides what to run and starts it; `from` holds the offsets stored for the connector. */
  protected abstract setUp(from: readonly SourceOffsetEntry[]): Promise<void>;
  /** The error a failed start() rejects with (the connector's own, with a stable code). */
  protected abstract startError(error: unknown): Error;
  /** Ends the connector's own connections, once the snapshot reader and the stream have stopped. */
  protected abstract releaseConnections(): Promise<void>;

  /** State built from the config before setUp() (filters, schema history, ...). */
  protected configure(_from: readonly SourceOffsetEntry[]): void {}

  /** The source's incremental snapshots and signals, created before setUp(). */
  protected adHocSnapshots(_from: readonly SourceOffsetEntry[]): SourceSnapshots | undefined {
    return undefined;
  }

  async start(config: C, context: TaskContext, from: readonly SourceOffsetEntry[]): Promise<void> {
    this.config = config;
    this.context = context;
    this.queue = sourceRecordQueue(config);
    this.metrics = new SourceMetrics(context.metrics);
    this.renames = new TopicRenames(context.log);
    this.configure(from);
    this.adHoc = this.adHocSnapshots(from);
    try {
      await this.setUp(from);
    } catch (error) {
      await this.release();
      throw this.startError(error);
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

  /** Nothing to release by default; a source that acknowledges upstream overrides it. */
  async commit(_offsets: readonly SourceOffsetEntry[]): Promise<void> {}

  async stop(): Promise<void> {
    this.stopping = true;
    this.queue?.close();
    await this.release();
  }

  async signal(signal: TaskSignal): Promise<void> {
    await this.adHoc?.signal(signal);
  }

  snapshots(): SnapshotProgress | undefined {
    return this.adHoc?.progress();
  }

  /** Fails the task (once): poll() throws the error, the host reports and restarts the task. */
  protected fail(error: Error): void {
    if (this.stopping) return;
    this.context.log.error({ error: errorMessage(error) }, `${this.label} failed`);
    this.queue.fail(error);
  }

  /**
   * Runs the snapshot in the background, then `next` with its result (to start the stream) unless
   * the task is stopping. A failure of either fails the task.
   */
  protected snapshotThenStream<R>(snapshot: SnapshotRun<R>, next: (result: R) => Promise<void>): void {
    this.snapshot = snapshot;
    this.background = (async () => {
      const result = await snapshot.run();
      this.snapshot = undefined;
      if (this.stopping) return;
      await next(result);
    })().catch((error: unknown) => this.fail(asError(error)));
  }

  /**
   * Starts the stream. `position` is the offset before its first record: the incremental snapshots
   * carry their state in the offsets of the stream's records from there on.
   */
  protected async startStream(stream: Stream, position: SourceOffset): Promise<void> {
    if (this.stopping) return;
    this.stream = stream;
    this.streamed = true;
    this.adHoc?.attach(this.queue, position);
    await stream.start();
  }

  /** Runs a bounded stream to its end (the changes since an interrupted snapshot), then stops it. */
  protected async catchUp(stream: BoundedStream): Promise<void> {
    if (this.stopping) return;
    this.stream = stream;
    await stream.start();
    await stream.caughtUp();
    this.stream = undefined;
    await stream.stop();
  }

  private async release(): Promise<void> {
    this.stopping = true;
    await this.adHoc?.stop();
    await this.snapshot?.stop();
    await this.stream?.stop();
    await this.background;
    await this.releaseConnections();
  }
}
