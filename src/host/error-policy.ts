import type { IncomingMessage } from '../kafka/types.ts';
import type { Logger, TaskMetrics } from '../plugin/index.ts';
import { errorMessage, isFatal, isRetriable, OnrampError } from '../plugin/index.ts';
import type { ErrorHandlingConfig, SinkRuntimeConfig } from './connector-config.ts';

// Kafka Connect's framework error handling (KIP-298) for one task:
// - a retriable failure (Kafka, registry or database unavailable) of a record operation is retried
//   in place with exponential backoff for up to errors.retry.timeout ms; if it persists it is thrown
//   and the task supervisor restarts the task with backoff. Unlike Kafka Connect, a retriable
//   failure is never "tolerated" into a skipped record: an outage must not drop data.
// - any other failure of a record (conversion, transform, rejected by the sink) fails the task with
//   errors.tolerance=none, and with errors.tolerance=all is logged, counted and skipped (sinks: also
//   written to the dead-letter topic when one is set).

/** Kafka Connect's stage names, used in traces, metrics and the DLQ's `__connect.errors.stage` header. */
export type ErrorStage =
  | 'KEY_CONVERTER'
  | 'VALUE_CONVERTER'
  | 'HEADER_CONVERTER'
  | 'TRANSFORMATION'
  | 'TASK_PUT'
  | 'TASK_POLL'
  | 'KAFKA_PRODUCE'
  | 'KAFKA_CONSUME';

export interface ErrorPolicyConfig {
  tolerance: 'none' | 'all';
  /** errors.retry.timeout: 0 = no retry, -1 = retry forever. */
  retryTimeoutMs: number;
  /** errors.retry.delay.max.ms: the cap of every backoff (also task restarts). */
  retryDelayMaxMs: number;
  logEnable: boolean;
  logIncludeMessages: boolean;
  deadLetterTopic: string | undefined;
  deadLetterReplicationFactor: number;
  deadLetterContextHeaders: boolean;
}

/** The policy from a task's parsed settings (sources have no dead-letter topic). */
export function errorPolicyConfig(config: ErrorHandlingConfig | SinkRuntimeConfig): ErrorPolicyConfig {
  const sink = 'errors.deadletterqueue.topic.name' in config ? config : undefined;
  return {
    tolerance: config['errors.tolerance'],
    retryTimeoutMs: config['errors.retry.timeout'],
    retryDelayMaxMs: Math.max(config['errors.retry.delay.max.ms'], 1),
    logEnable: config['errors.log.enable'],
    logIncludeMessages: config['errors.log.include.messages'],
    deadLetterTopic: sink?.['errors.deadletterqueue.topic.name'] || undefined,
    deadLetterReplicationFactor: sink?.['errors.deadletterqueue.topic.replication.factor'] ?? 3,
    deadLetterContextHeaders: sink?.['errors.deadletterqueue.context.headers.enable'] ?? false,
  };
}

/** Exponential backoff with jitter: ~100 ms doubling up to the cap. */
export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private attempt = 0;

  constructor(maxMs: number, initialMs = 100) {
    this.initialMs = initialMs;
    this.maxMs = Math.max(maxMs, 1);
  }

  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt += 1;
    return Math.round(base * (0.8 + Math.random() * 0.2));
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}

/** Waits `ms`, or less if `signal` aborts (never rejects). */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** A failure with its cause chain, for the `trace` in /status. */
export function describeFailure(error: unknown): string {
  const lines: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 8; depth += 1) {
    const prefix = depth === 0 ? '' : 'Caused by: ';
    if (current instanceof Error) {
      const code = current instanceof OnrampError ? ` [${current.code}]` : '';
      lines.push(`${prefix}${current.name}${code}: ${current.message}`);
      const frames = current.stack?.split('\n').filter((line) => line.trimStart().startsWith('at ')) ?? [];
      lines.push(...frames.slice(0, 12));
      current = current.cause;
    } else {
      lines.push(`${prefix}${String(current)}`);
      current = undefined;
    }
  }
  return lines.join('\n');
}

/** Where a failing record came from, for traces, logs and DLQ headers. */
export interface RecordOrigin {
  topic: string;
  partition?: number;
  offset?: string;
  /** A short rendering of the key (source records, which have no offset yet). */
  key?: string;
}

export function describeOrigin(origin: RecordOrigin): string {
  const parts = [`topic=${origin.topic}`];
  if (origin.partition !== undefined) parts.push(`partition=${origin.partition}`);
  if (origin.offset !== undefined) parts.push(`offset=${origin.offset}`);
  if (origin.key !== undefined) parts.push(`key=${origin.key}`);
  return parts.join(', ');
}

export interface FailedRecord {
  stage: ErrorStage;
  /** The class (converter, transform, connector) that failed, as Kafka Connect names it. */
  className: string;
  origin: RecordOrigin;
  error: unknown;
  /** The consumed message as it was in Kafka (sinks), for the dead-letter topic. */
  message?: IncomingMessage;
}

/** The failure that ends a task under errors.tolerance=none; its message names the record. */
export class ToleranceExceededError extends OnrampError {}

/** Where an operation runs, described lazily (only failures pay for it). */
export interface FailureSite {
  stage: ErrorStage;
  className: string;
  origin: () => RecordOrigin;
  message?: IncomingMessage;
}

export class ErrorPolicy {
  readonly config: ErrorPolicyConfig;
  private readonly log: Logger;
  private readonly metrics: TaskMetrics;
  private readonly deadLetter: ((failure: FailedRecord) => Promise<void>) | undefined;

  constructor(
    config: ErrorPolicyConfig,
    options: { log: Logger; metrics: TaskMetrics; deadLetter?: (failure: FailedRecord) => Promise<void> },
  ) {
    this.config = config;
    this.log = options.log;
    this.metrics = options.metrics;
    this.deadLetter = options.deadLetter;
  }

  /**
   * Runs one record operation. Resolves with its result, or with `undefined` when the record failed
   * and is tolerated (skipped); rejects when the task must fail or restart.
   */
  async execute<T>(
    failure: FailureSite,
    operation: () => Promise<T> | T,
    signal: AbortSignal,
  ): Promise<T | undefined> {
    try {
      return await operation();
    } catch (error) {
      return this.recover(failure, error, operation, signal);
    }
  }

  /**
   * The failure path of execute(), for hot loops that try the operation inline: retries a retriable
   * `error` for up to errors.retry.timeout, then tolerates or rethrows.
   */
  async recover<T>(
    failure: FailureSite,
    first: unknown,
    operation: () => Promise<T> | T,
    signal: AbortSignal,
  ): Promise<T | undefined> {
    let error = first;
    if (isRetriable(error) && this.config.retryTimeoutMs !== 0) {
      const deadline =
        this.config.retryTimeoutMs < 0 ? Number.POSITIVE_INFINITY : Date.now() + this.config.retryTimeoutMs;
      const backoff = new Backoff(this.config.retryDelayMaxMs);
      while (isRetriable(error) && Date.now() < deadline && !signal.aborted) {
        await pause(Math.min(backoff.next(), Math.max(0, deadline - Date.now())), signal);
        try {
          return await operation();
        } catch (again) {
          error = again;
        }
      }
    }
    // A fatal failure (a breaking change of a published data product) is never skipped.
    if (isRetriable(error) || isFatal(error)) throw error;
    const { stage, className, message } = failure;
    await this.tolerate({ stage, className, origin: failure.origin(), error, ...(message && { message }) });
    return undefined;
  }

  /**
   * A record that cannot be processed: with tolerance=none rejects with the failure that fails the
   * task; with tolerance=all logs and counts it, sends it to the dead-letter topic if there is one,
   * and resolves once that write is acknowledged.
   */
  async tolerate(failure: FailedRecord): Promise<void> {
    this.metrics.inc('errors_total', { stage: failure.stage });
    const where = describeOrigin(failure.origin);
    if (this.config.tolerance === 'none') {
      const cause = failure.error;
      const code = cause instanceof OnrampError ? cause.code : 'RECORD_FAILED';
      throw new ToleranceExceededError(
        code,
        `Tolerance exceeded in error handler: ${failure.stage} failed in ${failure.className} for record ${where}: ${errorMessage(cause)}`,
        {
          cause,
          retriable: false,
        },
      );
    }
    if (this.config.logEnable) {
      this.log.warn(
        {
          stage: failure.stage,
          className: failure.className,
          ...(this.config.logIncludeMessages ? { record: failure.origin } : {}),
          err: failure.error,
        },
        `Error tolerated in ${failure.stage} for record ${this.config.logIncludeMessages ? where : `from ${failure.origin.topic}`}`,
      );
    }
    if (this.deadLetter) await this.deadLetter(failure);
  }
}
