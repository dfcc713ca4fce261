import {
  DEFAULT_DELIVERY_TIMEOUT_MS,
  type ProducerTuning,
  requestBytes,
} from '../kafka/client-properties.ts';
import {
  messageSize,
  type OutgoingMessage,
  type RecordProducer,
  type SendOptions,
  type TopicSettings,
} from '../kafka/types.ts';
import type {
  SchemaAndValue,
  SourceOffsetEntry,
  SourcePlugin,
  SourceRecord,
  SourceTask,
  TaskMetrics,
} from '../plugin/index.ts';
import { errorMessage, OnrampError } from '../plugin/index.ts';
import type { TaskConverters } from '../schema/converter-factory.ts';
import type { SourceRuntimeConfig } from './connector-config.ts';
import { Backoff, ErrorPolicy, type FailureSite, pause, type RecordOrigin } from './error-policy.ts';
import { parseSourceRunConfig, type SourceRunConfig } from './run-config.ts';
import type { RunningTask, TaskSpec } from './task-runner.ts';
import {
  type AttemptContext,
  type AttemptScope,
  type RunnerDeps,
  superviseTask,
  taskContext,
} from './task-supervisor.ts';
import { topicReader } from './topic-reading.ts';

// Source tasks: poll -> transforms -> convert -> produce (acks=all) -> store offsets -> task.commit.
// A polled batch is converted and sent one produce request at a time (batch.size bytes, the split
// the producer makes): two requests at most are under way, one being sent while the next is
// converted (or polled), so the task's CPU work overlaps the broker round trip while only two
// requests' converted bytes are alive, not a whole poll's (issue 17: ~2048 records, ~9 MB of JSON).
// A third is not converted until the first is acknowledged, which is the backpressure that
// reaches the source. A request is sent only once the one before it is acknowledged (so a failed
// one is never overtaken), and a record's offset is acknowledged with the request that holds its
// last message. Acknowledged offsets are stored (fsync) and then committed to the task by one
// writer that always takes the latest: the store's latency is paid once per write, not once per
// request, as Kafka Connect's periodic offset flush does, but nothing is stored, or committed
// upstream, before Kafka acknowledged it.
//
// Kafka going away mid-stream does not end the attempt: the request being sent waits for Kafka to
// answer again (a metadata probe every 500 ms, not a busy loop) and is sent again, on the same
// producer (which starts over with a new producer id after a failure), while the requests behind it
// wait and the source's own backpressure holds the rest in the database. The task stays RUNNING
// and streams again on the first successful reconnect, without restarting the source's connection
// or its stream. This rides an outage of up to the producer's delivery.timeout.ms (default
// 120 s, Kafka Connect's); a longer one fails the attempt, which the supervisor retries.
//
// The producer's linger.ms (default 0: off) and batch.size shape requests as Kafka's producer
// does: a polled batch whose records come to less than batch.size waits up to linger.ms for more
// (polling again, with a signal that aborts when the wait is over), and goes as one request. A
// record larger than max.request.size fails the attempt (RECORD_TOO_LARGE) naming it.
//
// In a cluster, `deps.ownership` is asked before the task starts, before each produce request and
// before each offset commit (to the store, then to the task: the database's slot or binlog
// position). Once refused (the worker's lease ran out: a pause, a partition), the request under way
// fails with TASK_FENCED, so does every request queued behind it, and nothing of them is sent or
// committed: the task's new worker sends them from the last committed offsets instead.

/**
 * A single message transform for source records: the record to send, or null to drop it. The
 * data-product stage may also fan one record out to several topics (a product's major versions).
 */
export type SourceTransform = ((record: SourceRecord) => SourceRecord | readonly SourceRecord[] | null) & {
  readonly className?: string;
};

export interface SourceRunnerDeps extends RunnerDeps {
  /**
   * The host's own stage for a task (the data-product stage: headers, governance), run before the
   * connector's `transforms=...`: it sees the change events as the connector emitted them.
   */
  stage?: (spec: TaskSpec, settings: SourceRuntimeConfig) => SourceTransform | undefined;
}

export function startSourceTask(spec: TaskSpec, deps: SourceRunnerDeps): RunningTask {
  // The task of the attempt running now, for signals from the REST API (between attempts, none).
  let current: SourceTask<unknown> | undefined;
  const supervised = superviseTask(
    spec,
    deps,
    (log) => parseSourceRunConfig(spec, deps.converters, log, deps.stage),
    (attempt, scope) =>
      runSourceAttempt(spec, deps, attempt, scope, (task) => {
        current = task;
      }),
  );
  return {
    get status() {
      return supervised.status;
    },
    pause: () => supervised.pause(),
    resume: () => supervised.resume(),
    stop: () => supervised.stop(),
    signal: async (signal) => {
      if (!current)
        throw new OnrampError('TASK_NOT_RUNNING', `Task ${spec.connector}-${spec.taskId} is not running`);
      if (!current.signal)
        throw new OnrampError('SNAPSHOTS_NOT_SUPPORTED', `${spec.plugin.name} takes no signals`);
      await current.signal(signal);
    },
    snapshots: () => current?.snapshots?.(),
  };
}

/** How long a batch waits for Kafka to come back by default (delivery.timeout.ms unset). */
export const KAFKA_OUTAGE_RIDE_MS = DEFAULT_DELIVERY_TIMEOUT_MS;

const DEFAULT_TUNING: ProducerTuning = {
  compression: 'none',
  lingerMs: 0,
  deliveryTimeoutMs: DEFAULT_DELIVERY_TIMEOUT_MS,
};

/** The cap of the pause between two sends that fail although Kafka answers the probe. */
const RESEND_BACKOFF_MAX_MS = 2_000;

function partitionKey(partition: SourceOffsetEntry['partition']): string {
  return JSON.stringify(Object.entries(partition).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Where a record came from: all of it that is kept once it is converted. */
export type RecordPosition = Pick<SourceRecord, 'sourcePartition' | 'sourceOffset'>;

/** The latest offset of each source partition in `records` (records are in order). */
export function latestOffsets(records: readonly RecordPosition[]): SourceOffsetEntry[] {
  const latest = new Map<string, SourceOffsetEntry>();
  let lastPartition: SourceRecord['sourcePartition'] | undefined;
  let last: SourceOffsetEntry | undefined;
  for (const record of records) {
    if (last !== undefined && record.sourcePartition === lastPartition) {
      // The same partition as the record before (the usual case): its entry is already the latest.
      last.offset = record.sourceOffset;
      continue;
    }
    lastPartition = record.sourcePartition;
    const key = partitionKey(record.sourcePartition);
    last = { partition: record.sourcePartition, offset: record.sourceOffset };
    latest.delete(key);
    latest.set(key, last);
  }
  return [...latest.values()];
}

/** `earlier` updated with `later`: the latest offset of each source partition. */
export function mergeOffsets(
  earlier: readonly SourceOffsetEntry[],
  later: readonly SourceOffsetEntry[],
): SourceOffsetEntry[] {
  const merged = new Map<string, SourceOffsetEntry>();
  for (const entry of [...earlier, ...later]) {
    const key = partitionKey(entry.partition);
    merged.delete(key);
    merged.set(key, entry);
  }
  return [...merged.values()];
}

function renderKey(key: SchemaAndValue | null): string {
  if (key === null) return 'null';
  try {
    const text = JSON.stringify(key.value, (_name, value: unknown) =>
      typeof value === 'bigint'
        ? value.toString()
        : value instanceof Uint8Array
          ? Buffer.from(value).toString('base64')
          : value,
    );
    return text.length > 200 ? `${text.slice(0, 200)}...` : text;
  } catch {
    return String(key.value);
  }
}

async function runSourceAttempt(
  spec: TaskSpec,
  deps: SourceRunnerDeps,
  attempt: AttemptContext,
  { log, metrics, config }: AttemptScope<SourceRunConfig>,
  expose: (task: SourceTask<unknown> | undefined) => void,
): Promise<void> {
  if (spec.plugin.kind !== 'source')
    throw new OnrampError('INTERNAL', `${spec.plugin.name} is not a source connector`);
  const plugin: SourcePlugin = spec.plugin;
  const policy = new ErrorPolicy(config.errorPolicy, { log, metrics });
  const className = plugin.aliases[0] ?? plugin.name;
  const producer = deps.ports.producer(`${spec.connector}-${spec.taskId}`, config.clients);
  const task = plugin.createTask();
  try {
    // A worker that lost the task (a retry after a pause, say) must not take its slot back.
    await deps.ownership?.confirm(spec.connector, 'starting the task');
    await producer.connect();
    const context = {
      ...taskContext(spec, attempt, log, metrics, (record, error) =>
        policy.tolerate({
          stage: 'TASK_POLL',
          className,
          origin: { topic: record.topic, partition: record.kafkaPartition, offset: record.kafkaOffset },
          error,
        }),
      ),
      readTopic: topicReader(deps.ports, `${spec.connector}-${spec.taskId}-signals`, config.clients),
      storeOffsets: (entries: readonly SourceOffsetEntry[]) => deps.offsets.put(spec.connector, entries),
    };
    await task.start(config.plugin, context, deps.offsets.get(spec.connector));
    expose(task);
    attempt.started();
    const pipeline = new SourcePipeline(spec, deps, config, policy, producer, task, metrics, log);
    await pipeline.run(attempt);
  } finally {
    expose(undefined);
    await task
      .stop()
      .catch((error: unknown) => log.warn({ err: error }, `task stop failed: ${errorMessage(error)}`));
    await producer.close().catch(() => undefined);
  }
}

/** One produce request's worth of converted messages, and the records whose offsets it completes. */
interface PendingRequest {
  /** The positions of the records whose offsets the request completes. */
  readonly records: RecordPosition[];
  readonly messages: OutgoingMessage[];
  bytes: number;
}

/** A polled batch (with what linger.ms adds to it) being converted: the request being filled. */
interface PendingBatch {
  request: PendingRequest;
  /** Converted bytes of the whole batch, handed-off requests included (for linger.ms). */
  bytes: number;
}

function newRequest(): PendingRequest {
  return { records: [], messages: [], bytes: 0 };
}

class SourcePipeline {
  private readonly spec: TaskSpec;
  private readonly deps: SourceRunnerDeps;
  private readonly policy: ErrorPolicy;
  private readonly converters: TaskConverters;
  private readonly transforms: readonly SourceTransform[];
  private readonly producer: RecordProducer;
  private readonly task: SourceTask<unknown>;
  private readonly metrics: TaskMetrics;
  private readonly topicSettings: TopicSettings;
  private readonly clients: SourceRunConfig['clients'];
  private readonly log: AttemptScope<SourceRunConfig>['log'];
  private readonly topicsSeen = new Set<string>();
  private inFlight = 0;
  /** Acknowledged by Kafka, not yet stored: the latest offset per source partition. */
  private acknowledged: SourceOffsetEntry[] = [];
  private storing: Promise<void> | undefined;
  private storeFailure: unknown;
  private readonly sendOptions: SendOptions;
  private readonly tuning: ProducerTuning;
  /** batch.size (bounded by max.request.size): how full a batch must be to go without lingering. */
  private readonly batchBytes: number;

  constructor(
    spec: TaskSpec,
    deps: SourceRunnerDeps,
    config: SourceRunConfig,
    policy: ErrorPolicy,
    producer: RecordProducer,
    task: SourceTask<unknown>,
    metrics: TaskMetrics,
    log: AttemptScope<SourceRunConfig>['log'],
  ) {
    this.spec = spec;
    this.log = log;
    this.clients = config.clients;
    this.deps = deps;
    this.policy = policy;
    this.converters = config.converters;
    this.transforms = config.transforms;
    this.producer = producer;
    this.task = task;
    this.metrics = metrics;
    this.topicSettings = config.topicSettings;
    this.tuning = producer.tuning ?? DEFAULT_TUNING;
    this.batchBytes = requestBytes(this.tuning);
    const ownership = deps.ownership;
    this.sendOptions = ownership
      ? { beforeRequest: () => ownership.confirm(spec.connector, 'producing source records') }
      : {};
  }

  async run(attempt: AttemptContext): Promise<void> {
    const { signal } = attempt;
    let previous: Promise<void> = Promise.resolve();
    // Hands a full request to the sender once the one before it is acknowledged: one request is
    // being sent while the next is converted, never more.
    const handOff = async (request: PendingRequest): Promise<void> => {
      const delivered = this.deliver(request, previous, signal);
      // Awaited below or on the next hand-off; until then a failure must not count as unhandled.
      delivered.catch(() => undefined);
      await previous;
      previous = delivered;
      attempt.healthy();
    };
    try {
      while (!signal.aborted) {
        this.throwIfStoreFailed();
        if (attempt.paused) {
          await previous;
          await attempt.whenRunnable();
          continue;
        }
        const records = await this.task.poll(signal);
        if (records.length === 0) continue;
        // Once polled, a batch is finished even while stopping: produced, stored and committed.
        const batch: PendingBatch = { request: newRequest(), bytes: 0 };
        await this.convertInto(batch, records, handOff, signal);
        if (this.tuning.lingerMs > 0) await this.linger(batch, handOff, signal);
        await handOff(batch.request);
      }
    } finally {
      await previous.finally(() => this.storing);
    }
    this.throwIfStoreFailed();
  }

  /**
   * linger.ms: while the batch's records come to less than batch.size, polls for more until
   * linger.ms after the first poll returned; the records polled meanwhile join the batch.
   */
  private async linger(
    batch: PendingBatch,
    handOff: (request: PendingRequest) => Promise<void>,
    signal: AbortSignal,
  ): Promise<void> {
    const until = performance.now() + this.tuning.lingerMs;
    while (batch.bytes < this.batchBytes && !signal.aborted) {
      const left = Math.ceil(until - performance.now());
      if (left <= 0) break;
      const more = await this.task.poll(AbortSignal.any([signal, AbortSignal.timeout(left)]));
      if (more.length === 0) continue;
      await this.convertInto(batch, more, handOff, signal);
    }
  }

  /**
   * Converts `records` into the batch's request, handing each request off as soon as the next
   * message would take it past batch.size (the split the producer makes, so requests are the
   * same as when a whole poll was converted first): only the converted bytes of the request being
   * sent and of the one being filled are alive at a time, not those of a whole poll (up to
   * thousands of records, megabytes). A record's offset goes with the request that holds its last
   * message (or, when transforms or a tolerated failure dropped it, the request being filled).
   */
  private async convertInto(
    batch: PendingBatch,
    records: SourceRecord[],
    handOff: (request: PendingRequest) => Promise<void>,
    signal: AbortSignal,
  ): Promise<void> {
    const transforms = this.transforms.length > 0;
    // The polled array is ours (the plugin contract): each entry is cleared once converted, so
    // that a converted record's decoded values can be collected while the rest of the poll (up
    // to thousands of records) is converted and sent; only its position is kept, for its offset.
    const polled = records as (SourceRecord | undefined)[];
    const add = async (message: OutgoingMessage): Promise<void> => {
      const size = messageSize(message);
      if (batch.request.messages.length > 0 && batch.request.bytes + size > this.batchBytes) {
        const full = batch.request;
        batch.request = newRequest();
        await handOff(full);
      }
      batch.request.messages.push(message);
      batch.request.bytes += size;
      batch.bytes += size;
    };
    for (let index = 0; index < polled.length; index++) {
      const record = polled[index] as SourceRecord;
      polled[index] = undefined;
      if (!transforms) {
        // The hot path without transforms allocates nothing per record beyond the message and its position.
        const message = await this.convert(record, record, signal);
        if (message) await add(message);
      } else {
        for (const output of await this.transform(record, signal)) {
          const message = await this.convert(record, output, signal);
          if (message) await add(message);
        }
      }
      batch.request.records.push({
        sourcePartition: record.sourcePartition,
        sourceOffset: record.sourceOffset,
      });
    }
  }

  /** What the transforms make of `input`: usually one record, none when dropped, several when fanned out. */
  private async transform(input: SourceRecord, signal: AbortSignal): Promise<SourceRecord[]> {
    let records: SourceRecord[] = [input];
    const origin = (): RecordOrigin => ({ topic: input.topic, key: renderKey(input.key) });
    for (const transform of this.transforms) {
      const site: FailureSite = {
        stage: 'TRANSFORMATION',
        className: transform.className ?? transform.name,
        origin,
      };
      const next: SourceRecord[] = [];
      for (const current of records) {
        const result = await this.policy.execute(site, () => transform(current), signal);
        if (!result) continue;
        if (Array.isArray(result)) next.push(...result);
        else next.push(result as SourceRecord);
      }
      records = next;
      if (records.length === 0) break;
    }
    return records;
  }

  /** Once `before` is acknowledged: sends the request and hands its offsets to the store writer. */
  private async deliver(request: PendingRequest, before: Promise<void>, signal: AbortSignal): Promise<void> {
    const { records, messages } = request;
    this.inFlight += records.length;
    this.metrics.set('source_in_flight_records', {}, this.inFlight);
    try {
      await before;
      const sent = performance.now();
      await this.send(messages, signal);
      this.metrics.observe('source_send_duration_seconds', {}, (performance.now() - sent) / 1000);
      for (const message of messages) {
        if (this.topicsSeen.has(message.topic)) continue;
        this.topicsSeen.add(message.topic);
        this.spec.onTopic?.(message.topic);
      }
      this.acknowledged = mergeOffsets(this.acknowledged, latestOffsets(records));
      this.storing ??= this.storeAcknowledged();
      this.metrics.inc('source_records_total', {}, messages.length);
      this.metrics.inc('source_batches_total');
    } finally {
      this.inFlight -= records.length;
      this.metrics.set('source_in_flight_records', {}, this.inFlight);
    }
  }

  /**
   * Sends a batch; while Kafka is unavailable, waits until it answers again and sends the batch
   * again (at least once: a send that failed may have been written). Gives up, failing the attempt,
   * after delivery.timeout.ms, when the task stops, or on any other error.
   */
  private async send(messages: readonly OutgoingMessage[], signal: AbortSignal): Promise<void> {
    let giveUpAt: number | undefined;
    let backoff: Backoff | undefined;
    for (;;) {
      try {
        await this.producer.send(messages, this.topicSettings, this.sendOptions);
        if (giveUpAt !== undefined) this.log.info('Kafka answers again: streaming again');
        return;
      } catch (error) {
        if (!(error instanceof OnrampError) || error.code !== 'KAFKA_UNAVAILABLE' || signal.aborted)
          throw error;
        const now = Date.now();
        if (giveUpAt === undefined) {
          giveUpAt = now + this.tuning.deliveryTimeoutMs;
          this.log.warn(
            { err: error },
            `Kafka is unavailable; the batch waits for it (up to delivery.timeout.ms, ${this.tuning.deliveryTimeoutMs} ms) and is sent again: ${errorMessage(error)}`,
          );
        } else if (now >= giveUpAt) throw error;
        this.metrics.inc('source_send_retries_total');
        // The first retry waits only for Kafka to answer; one that fails again although Kafka
        // answered (leaders still moving, a stale connection) pauses a little longer each time.
        if (backoff) await pause(backoff.next(), signal);
        backoff ??= new Backoff(RESEND_BACKOFF_MAX_MS);
        await this.waitForKafka(giveUpAt - Date.now(), signal);
        if (signal.aborted) throw error;
      }
    }
  }

  /** Resolves when Kafka answers a metadata request, after `limitMs`, or when `signal` aborts. */
  private async waitForKafka(limitMs: number, signal: AbortSignal): Promise<void> {
    const waiting = new AbortController();
    const stop = () => waiting.abort();
    signal.addEventListener('abort', stop, { once: true });
    try {
      await Promise.race([
        pause(Math.max(0, limitMs), waiting.signal),
        this.deps.ports.kafkaAnswers(this.clients, waiting.signal),
      ]);
    } finally {
      waiting.abort();
      signal.removeEventListener('abort', stop);
    }
  }

  /** Stores and commits the latest acknowledged offsets until none are left to store. */
  private async storeAcknowledged(): Promise<void> {
    try {
      while (this.acknowledged.length > 0) {
        const offsets = this.acknowledged;
        this.acknowledged = [];
        await this.deps.ownership?.confirm(this.spec.connector, 'storing source offsets');
        await this.deps.offsets.put(this.spec.connector, offsets);
        await this.deps.ownership?.confirm(this.spec.connector, 'committing source offsets');
        await this.task.commit(offsets);
      }
    } catch (error) {
      this.storeFailure = error;
    } finally {
      this.storing = undefined;
    }
  }

  private throwIfStoreFailed(): void {
    if (this.storeFailure !== undefined) throw this.storeFailure;
  }

  /** The message for a transformed record, or undefined when its conversion failure was tolerated. */
  private async convert(
    input: SourceRecord,
    converted: SourceRecord,
    signal: AbortSignal,
  ): Promise<OutgoingMessage | undefined> {
    const origin = (): RecordOrigin => ({ topic: input.topic, key: renderKey(input.key) });
    const { key: keyConverter, value: valueConverter } = this.converters;
    let key: Buffer | null | undefined;
    try {
      key = await keyConverter.fromConnect(converted.topic, true, converted.key);
    } catch (error) {
      const site: FailureSite = { stage: 'KEY_CONVERTER', className: keyConverter.className, origin };
      key = await this.policy.recover(
        site,
        error,
        () => keyConverter.fromConnect(converted.topic, true, converted.key),
        signal,
      );
      if (key === undefined) return undefined;
    }
    let value: Buffer | null | undefined;
    try {
      value = await valueConverter.fromConnect(converted.topic, false, converted.value);
    } catch (error) {
      const site: FailureSite = { stage: 'VALUE_CONVERTER', className: valueConverter.className, origin };
      value = await this.policy.recover(
        site,
        error,
        () => valueConverter.fromConnect(converted.topic, false, converted.value),
        signal,
      );
      if (value === undefined) return undefined;
    }
    const message: OutgoingMessage = {
      topic: converted.topic,
      key,
      value,
      ...(converted.kafkaPartition !== undefined && { partition: converted.kafkaPartition }),
      ...(converted.headers !== undefined && { headers: converted.headers }),
      ...(converted.timestamp !== undefined && { timestamp: converted.timestamp }),
    };
    const maxBytes = this.tuning.maxRequestBytes;
    if (maxBytes !== undefined) {
      const size = messageSize(message);
      if (size > maxBytes)
        throw new OnrampError(
          'RECORD_TOO_LARGE',
          `The record for topic ${converted.topic} with key ${renderKey(converted.key)} (source offset ${JSON.stringify(input.sourceOffset)}) is ${size} bytes once converted, more than max.request.size (${maxBytes}); raise producer.override.max.request.size (and the topic's max.message.bytes) or make the record smaller`,
        );
    }
    return message;
  }
}
