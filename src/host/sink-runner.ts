import type { BatchControl, IncomingBatch, IncomingMessage, RecordConsumer } from '../kafka/types.ts';
import type { SchemaAndValue, SinkPlugin, SinkRecord, SinkTask, TaskMetrics } from '../plugin/index.ts';
import { errorMessage, isRetriable, OnrampError } from '../plugin/index.ts';
import type { TaskConverters } from '../schema/converter-factory.ts';
import { DeadLetterQueue } from './dead-letter.ts';
import { ErrorPolicy, type FailureSite, ToleranceExceededError } from './error-policy.ts';
import { parseSinkRunConfig, type SinkRunConfig } from './run-config.ts';
import type { RunningTask, TaskSpec } from './task-runner.ts';
import {
  type AttemptContext,
  type AttemptScope,
  type RunnerDeps,
  superviseTask,
  taskContext,
} from './task-supervisor.ts';

// Sink tasks: consume (group connect-<connector>) -> convert -> transforms -> task.put -> task.flush
// -> commit offsets. Kafka offsets are committed only after the sink flushed (and any dead letter
// was acknowledged), so a crash or failure redelivers instead of losing records.

/** A single message transform for sink records: the record to deliver, or null to drop it. */
export type SinkTransform = ((record: SinkRecord) => SinkRecord | null) & { readonly className?: string };

export function startSinkTask(spec: TaskSpec, deps: RunnerDeps): RunningTask {
  return superviseTask(
    spec,
    deps,
    (log) => parseSinkRunConfig(spec, deps.converters, log),
    (attempt, scope) => runSinkAttempt(spec, deps, attempt, scope),
  );
}

/** Records decoded and handed to SinkTask.put at a time. */
const PUT_SLICE = 1000;

function coordinates(topic: string, partition: number, offset: string): string {
  return `${topic}\u0000${partition}\u0000${offset}`;
}

async function runSinkAttempt(
  spec: TaskSpec,
  deps: RunnerDeps,
  attempt: AttemptContext,
  { log, metrics, config }: AttemptScope<SinkRunConfig>,
): Promise<void> {
  if (spec.plugin.kind !== 'sink')
    throw new OnrampError('INTERNAL', `${spec.plugin.name} is not a sink connector`);
  const plugin: SinkPlugin = spec.plugin;
  const policyConfig = config.errorPolicy;
  const deadLetter = policyConfig.deadLetterTopic
    ? new DeadLetterQueue({
        topic: policyConfig.deadLetterTopic,
        replicationFactor: policyConfig.deadLetterReplicationFactor,
        contextHeaders: policyConfig.deadLetterContextHeaders,
        connector: spec.connector,
        taskId: spec.taskId,
        producer: () => deps.ports.producer(`${spec.connector}-${spec.taskId}-dlq`, config.clients),
      })
    : undefined;
  const policy = new ErrorPolicy(policyConfig, {
    log,
    metrics,
    ...(deadLetter && {
      deadLetter: async (failure) => {
        if (!failure.message) return;
        await deadLetter.send(failure);
        metrics.inc('dlq_records_total');
      },
    }),
  });
  const consumer = deps.ports.consumer(
    config.subscription,
    `${spec.connector}-${spec.taskId}`,
    config.clients,
  );
  const task = plugin.createTask();
  const className = plugin.aliases[0] ?? plugin.name;
  const inFlight = new Map<string, IncomingMessage>();
  const closeOnAbort = () => void consumer.close();
  attempt.signal.addEventListener('abort', closeOnAbort, { once: true });
  try {
    const context = taskContext(spec, attempt, log, metrics, (record, error) =>
      policy.tolerate({
        stage: 'TASK_PUT',
        className,
        origin: { topic: record.topic, partition: record.kafkaPartition, offset: record.kafkaOffset },
        error,
        ...(() => {
          const message = inFlight.get(coordinates(record.topic, record.kafkaPartition, record.kafkaOffset));
          return message ? { message } : {};
        })(),
      }),
    );
    await task.start(config.plugin, context);
    await consumer.connect();
    attempt.onPauseChange((paused) => (paused ? consumer.pause() : consumer.resume()));
    if (attempt.paused) consumer.pause();
    attempt.started();
    const pipeline = new SinkPipeline(
      spec,
      policy,
      config.converters,
      config.transforms,
      consumer,
      task,
      metrics,
      className,
      inFlight,
      attempt,
    );
    // A task keeping its own offsets (exactly-once into the target) says where partitions start.
    const startOffsets = task.startOffsets?.bind(task);
    if (!attempt.signal.aborted)
      await consumer.run((batch, control) => pipeline.handle(batch, control), startOffsets);
  } finally {
    attempt.signal.removeEventListener('abort', closeOnAbort);
    await consumer.close().catch(() => undefined);
    await task
      .stop()
      .catch((error: unknown) => log.warn({ err: error }, `task stop failed: ${errorMessage(error)}`));
    await deadLetter?.close().catch(() => undefined);
  }
}

class SinkPipeline {
  private readonly spec: TaskSpec;
  private readonly policy: ErrorPolicy;
  private readonly converters: TaskConverters;
  private readonly transforms: readonly SinkTransform[];
  private readonly consumer: RecordConsumer;
  private readonly task: SinkTask<unknown>;
  private readonly metrics: TaskMetrics;
  private readonly className: string;
  private readonly inFlight: Map<string, IncomingMessage>;
  private readonly attempt: AttemptContext;
  private readonly topicsSeen = new Set<string>();

  constructor(
    spec: TaskSpec,
    policy: ErrorPolicy,
    converters: TaskConverters,
    transforms: readonly SinkTransform[],
    consumer: RecordConsumer,
    task: SinkTask<unknown>,
    metrics: TaskMetrics,
    className: string,
    inFlight: Map<string, IncomingMessage>,
    attempt: AttemptContext,
  ) {
    this.spec = spec;
    this.policy = policy;
    this.converters = converters;
    this.transforms = transforms;
    this.consumer = consumer;
    this.task = task;
    this.metrics = metrics;
    this.className = className;
    this.inFlight = inFlight;
    this.attempt = attempt;
  }

  /** One topic-partition batch; true once it is flushed and its offsets committed. */
  async handle(batch: IncomingBatch, control: BatchControl): Promise<boolean> {
    if (this.attempt.paused) return false;
    const { signal } = this.attempt;
    if (!this.topicsSeen.has(batch.topic)) {
      this.topicsSeen.add(batch.topic);
      this.spec.onTopic?.(batch.topic);
    }
    this.inFlight.clear();
    // Decoded and put a slice at a time: a fetch of small records can hold tens of thousands, and
    // only the slice (plus what the task buffers) should be decoded in memory at once.
    let delivered = 0;
    for (let start = 0; start < batch.messages.length; start += PUT_SLICE) {
      const records: SinkRecord[] = [];
      for (const message of batch.messages.slice(start, start + PUT_SLICE)) {
        this.inFlight.set(coordinates(message.topic, message.partition, message.offset), message);
        const record = await this.decode(message, signal);
        if (record) records.push(record);
      }
      this.metrics.set('sink_in_flight_records', {}, records.length);
      if (records.length > 0) await this.put(records, batch);
      delivered += records.length;
      await control.heartbeat().catch(() => undefined);
    }
    await this.task.flush();
    this.inFlight.clear();
    if (!control.isActive()) return false;
    const last = batch.messages[batch.messages.length - 1];
    if (last) {
      const next = BigInt(last.offset) + 1n;
      await this.consumer.commit([
        { topic: batch.topic, partition: batch.partition, offset: next.toString() },
      ]);
      const lag = BigInt(batch.highWatermark) - next;
      this.metrics.set(
        'sink_lag_records',
        { topic: batch.topic, partition: String(batch.partition) },
        Number(lag > 0n ? lag : 0n),
      );
    }
    this.metrics.inc('sink_records_total', {}, delivered);
    this.metrics.inc('sink_batches_total');
    this.metrics.set('sink_in_flight_records', {}, 0);
    this.attempt.healthy();
    return true;
  }

  private async put(records: SinkRecord[], batch: IncomingBatch): Promise<void> {
    try {
      await this.task.put(records);
    } catch (error) {
      if (isRetriable(error) || error instanceof ToleranceExceededError) throw error;
      const first = records[0]?.kafkaOffset;
      const last = records[records.length - 1]?.kafkaOffset;
      throw new OnrampError(
        error instanceof OnrampError ? error.code : 'RECORD_FAILED',
        `TASK_PUT failed in ${this.className} for records topic=${batch.topic}, partition=${batch.partition}, offsets ${first}..${last}: ${errorMessage(error)}`,
        { cause: error, retriable: false },
      );
    }
  }

  /** The SinkRecord for `message`, or undefined when its failure was tolerated (or a transform dropped it). */
  private async decode(message: IncomingMessage, signal: AbortSignal): Promise<SinkRecord | undefined> {
    const { key: keyConverter, value: valueConverter } = this.converters;
    const origin = () => ({ topic: message.topic, partition: message.partition, offset: message.offset });
    let key: SchemaAndValue | null | undefined;
    try {
      key = await keyConverter.toConnect(message.topic, true, message.key);
    } catch (error) {
      const site: FailureSite = {
        stage: 'KEY_CONVERTER',
        className: keyConverter.className,
        origin,
        message,
      };
      key = await this.policy.recover(
        site,
        error,
        () => keyConverter.toConnect(message.topic, true, message.key),
        signal,
      );
      if (key === undefined) return undefined;
    }
    let value: SchemaAndValue | null | undefined;
    try {
      value = await valueConverter.toConnect(message.topic, false, message.value);
    } catch (error) {
      const site: FailureSite = {
        stage: 'VALUE_CONVERTER',
        className: valueConverter.className,
        origin,
        message,
      };
      value = await this.policy.recover(
        site,
        error,
        () => valueConverter.toConnect(message.topic, false, message.value),
        signal,
      );
      if (value === undefined) return undefined;
    }
    let record: SinkRecord | null | undefined = {
      topic: message.topic,
      kafkaPartition: message.partition,
      kafkaOffset: message.offset,
      timestamp: message.timestamp,
      key,
      value,
      headers: message.headers,
    };
    for (const transform of this.transforms) {
      const current: SinkRecord = record;
      const site: FailureSite = {
        stage: 'TRANSFORMATION',
        className: transform.className ?? transform.name,
        origin,
        message,
      };
      record = await this.policy.execute(site, () => transform(current), signal);
      if (!record) return undefined;
    }
    return record;
  }
}
