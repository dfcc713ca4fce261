import type { ClientOverrides } from '../kafka/client-properties.ts';
import type { KafkaPorts } from '../kafka/types.ts';
import type { Logger, SinkRecord, TaskContext, TaskMetrics, TaskProgress } from '../plugin/index.ts';
import { errorMessage, isRetriable, OnrampError } from '../plugin/index.ts';
import type { ConverterFactory } from '../schema/converter-factory.ts';
import type { OffsetStore } from '../stores/stores.ts';
import { Backoff, describeFailure, pause } from './error-policy.ts';
import { taskLogger } from './log-levels.ts';
import type { RootLogger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import type { RunningTask, TaskSpec, TaskStatus } from './task-runner.ts';

// Runs one task as a series of attempts. An attempt is one life of the connector's task (start,
// work, stop). A retriable failure (Kafka, registry or database unavailable) ends the attempt and a
// new one starts after an exponential backoff, showing RESTARTING with the reason meanwhile; any
// other failure is final (FAILED with the trace). Pause/resume and stop reach the attempt through
// its context.

export interface AttemptContext {
  /** Aborted when the task stops or the attempt is abandoned. */
  readonly signal: AbortSignal;
  readonly paused: boolean;
  /** Resolves once not paused (or the attempt is aborted). */
  whenRunnable(): Promise<void>;
  onPauseChange(listener: (paused: boolean) => void): void;
  /** The task is started and Kafka reachable: status RUNNING (or PAUSED). */
  started(): void;
  /** A batch went through end to end: the restart backoff starts over. */
  healthy(): void;
  reportProgress(progress: TaskProgress | undefined): void;
}

export type Attempt = (context: AttemptContext) => Promise<void>;

export interface SupervisorOptions {
  log: Logger;
  metrics: TaskMetrics;
  retryDelayMaxMs: number;
  /** How long stop() waits for the in-flight batch and the task's own stop. */
  stopTimeoutMs: number;
  attempt: Attempt;
  /** Resolves when Kafka answers again: a wait after KAFKA_UNAVAILABLE ends then, not at the backoff's end. */
  kafkaAnswers?: (signal: AbortSignal) => Promise<void>;
  /** Called once the task is stopped (its metrics' series go then). */
  onStopped?: () => void;
}

/** errors.retry.delay.max.ms's default, for a task whose config did not parse (it is not retried). */
const DEFAULT_RETRY_DELAY_MAX_MS = 60_000;

/** An attempt that lived this long before failing is not a crash loop: the backoff starts over. */
const STABLE_MS = 60_000;

export class TaskSupervisor implements RunningTask {
  private readonly spec: TaskSpec;
  private readonly options: SupervisorOptions;
  private current: TaskStatus = { state: 'UNASSIGNED' };
  private progress: TaskProgress | undefined;
  private paused = false;
  private stopping = false;
  private readonly stopController = new AbortController();
  private pauseListeners: Array<(paused: boolean) => void> = [];
  private resumeWaiters: Array<() => void> = [];
  private loop: Promise<void> = Promise.resolve();

  constructor(spec: TaskSpec, options: SupervisorOptions) {
    this.spec = spec;
    this.options = options;
  }

  get status(): TaskStatus {
    return this.current;
  }

  start(): this {
    this.loop = this.run().catch((error: unknown) => {
      this.options.log.error({ err: error }, 'task supervisor crashed');
      this.setStatus({ state: 'FAILED', trace: describeFailure(error) });
    });
    return this;
  }

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    for (const listener of this.pauseListeners) listener(true);
    if (this.current.state === 'RUNNING') this.setStatus({ state: 'PAUSED' });
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    for (const listener of this.pauseListeners) listener(false);
    this.wakeWaiters();
    if (this.current.state === 'PAUSED') this.setStatus({ state: 'RUNNING' });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.stopController.abort();
    this.wakeWaiters();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.options.stopTimeoutMs);
    });
    const outcome = await Promise.race([this.loop.then(() => 'stopped' as const), timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.options.log.warn(
        { timeoutMs: this.options.stopTimeoutMs },
        'task did not stop in time; abandoning it',
      );
    }
    this.options.onStopped?.();
  }

  private setStatus(status: TaskStatus): void {
    this.current = this.progress === undefined ? status : { ...status, progress: this.progress };
    try {
      this.spec.onStatus(this.current);
    } catch (error) {
      this.options.log.warn({ err: error }, 'status listener failed');
    }
  }

  private wakeWaiters(): void {
    const waiters = this.resumeWaiters;
    this.resumeWaiters = [];
    for (const wake of waiters) wake();
  }

  private async run(): Promise<void> {
    const backoff = new Backoff(this.options.retryDelayMaxMs);
    while (!this.stopping) {
      const controller = new AbortController();
      const abort = () => controller.abort();
      this.stopController.signal.addEventListener('abort', abort, { once: true });
      this.pauseListeners = [];
      const startedAt = Date.now();
      try {
        await this.options.attempt(this.contextFor(controller.signal, backoff));
        if (this.stopping) return;
        throw new OnrampError('TASK_FAILED', 'The task ended without being stopped', { retriable: true });
      } catch (error) {
        controller.abort();
        if (this.stopping) return;
        if (!isRetriable(error)) {
          this.options.log.error({ err: error }, `task failed: ${errorMessage(error)}`);
          this.setStatus({ state: 'FAILED', trace: describeFailure(error) });
          return;
        }
        if (Date.now() - startedAt > STABLE_MS) backoff.reset();
        const delay = backoff.next();
        this.options.metrics.inc('task_restarts_total');
        this.options.log.warn(
          { err: error, delayMs: delay },
          `task restarting in ${delay} ms: ${errorMessage(error)}`,
        );
        this.setStatus({
          state: 'RESTARTING',
          trace: `Retrying in ${delay} ms (attempt ${backoff.attempts}) after a retriable failure:\n${describeFailure(error)}`,
        });
        await this.waitBeforeRetry(delay, error);
      } finally {
        this.stopController.signal.removeEventListener('abort', abort);
      }
    }
  }

  /**
   * The backoff's delay, cut short when the failure was Kafka being unreachable and Kafka answers
   * again: back to work within a second of a broker's return instead of the rest of a backoff.
   */
  private async waitBeforeRetry(delay: number, error: unknown): Promise<void> {
    const kafkaAnswers = this.options.kafkaAnswers;
    if (!kafkaAnswers || !(error instanceof OnrampError) || error.code !== 'KAFKA_UNAVAILABLE') {
      await pause(delay, this.stopController.signal);
      return;
    }
    const waiting = new AbortController();
    const stop = () => waiting.abort();
    this.stopController.signal.addEventListener('abort', stop, { once: true });
    try {
      await Promise.race([pause(delay, waiting.signal), kafkaAnswers(waiting.signal)]);
    } finally {
      waiting.abort();
      this.stopController.signal.removeEventListener('abort', stop);
    }
  }

  private contextFor(signal: AbortSignal, backoff: Backoff): AttemptContext {
    const isPaused = () => this.paused;
    return {
      signal,
      get paused() {
        return isPaused();
      },
      whenRunnable: () =>
        this.paused && !signal.aborted
          ? new Promise<void>((resolve) => {
              this.resumeWaiters.push(resolve);
              signal.addEventListener('abort', () => resolve(), { once: true });
            })
          : Promise.resolve(),
      onPauseChange: (listener) => {
        this.pauseListeners.push(listener);
      },
      started: () => {
        if (!signal.aborted) this.setStatus({ state: this.paused ? 'PAUSED' : 'RUNNING' });
      },
      healthy: () => {
        backoff.reset();
      },
      reportProgress: (progress) => {
        this.progress = progress;
        const { progress: _previous, ...status } = this.current;
        this.setStatus(status);
      },
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Shared by the source and sink runners.

/** What both runners are built from (createKafkaRuntime wires them). */
export interface RunnerDeps {
  ports: KafkaPorts;
  converters: ConverterFactory;
  offsets: OffsetStore;
  log: RootLogger;
  metrics: Metrics;
  /** stop() waits this long for the in-flight batch (default 10 s). */
  stopTimeoutMs?: number;
  /**
   * In a cluster: whether this worker still owns a connector's tasks (WorkerGroupMember.fence).
   * A source task asks before it starts, before each produce request and before each offset commit,
   * and drops its records when refused (TASK_FENCED). Standalone: none.
   */
  ownership?: TaskOwnership;
}

export interface TaskOwnership {
  /** Rejects with TASK_FENCED once this worker may have lost the connector's tasks to another worker. */
  confirm(connector: string, action: string): Promise<void>;
}

export function taskContext(
  spec: TaskSpec,
  attempt: AttemptContext,
  log: Logger,
  metrics: TaskMetrics,
  reportBadRecord: (record: SinkRecord, error: unknown) => Promise<void>,
): TaskContext {
  return {
    connector: spec.connector,
    taskId: spec.taskId,
    taskConfig: spec.taskConfig,
    log,
    metrics,
    signal: attempt.signal,
    reportProgress: (progress) => attempt.reportProgress(progress),
    reportBadRecord,
  };
}

/** What an attempt runs with: the task's logger and metrics, and its config parsed once. */
export interface AttemptScope<C> {
  log: RootLogger;
  metrics: TaskMetrics;
  config: C;
}

/**
 * A TaskSupervisor for `spec`, started. `parse` reads the task's config once, when the task starts
 * (a bad config fails the task, not retried); every attempt then runs on the same parsed config.
 */
export function superviseTask<
  C extends { errorPolicy: { retryDelayMaxMs: number }; clients: ClientOverrides },
>(
  spec: TaskSpec,
  deps: RunnerDeps,
  parse: (log: RootLogger) => C,
  attempt: (context: AttemptContext, scope: AttemptScope<C>) => Promise<void>,
): RunningTask {
  // The task's own logger (connector.<name>.task.<n>), which /admin/loggers can set on its own.
  const log = taskLogger(deps.log, spec.connector, spec.taskId).child({
    connector: spec.connector,
    task: spec.taskId,
  });
  // Shared with the rest of this task's pipeline (the product stage): one handle, closed on stop.
  const metrics = deps.metrics.forTask(spec.connector, spec.taskId, spec.config, spec);
  let parsed: { config: C } | { invalid: unknown };
  try {
    parsed = { config: parse(log) };
  } catch (error) {
    parsed = { invalid: error };
  }
  const config = 'config' in parsed ? parsed.config : undefined;
  return new TaskSupervisor(spec, {
    log,
    metrics,
    retryDelayMaxMs: config?.errorPolicy.retryDelayMaxMs ?? DEFAULT_RETRY_DELAY_MAX_MS,
    stopTimeoutMs: deps.stopTimeoutMs ?? 10_000,
    attempt: async (context) => {
      // A config that does not parse fails the first attempt for good (INVALID_CONFIG is not retriable).
      if ('invalid' in parsed) throw parsed.invalid;
      await attempt(context, { log, metrics, config: parsed.config });
    },
    ...(config && { kafkaAnswers: (signal: AbortSignal) => deps.ports.kafkaAnswers(config.clients, signal) }),
    onStopped: () => metrics.close(),
  }).start();
}
