import type { Consumer, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { OnrampError } from '../plugin/errors.ts';
import type { RecordHeader } from '../plugin/record.ts';
import type { ConsumerTuning, KafkaConnection } from './client-properties.ts';
import { CLIENT_RETRY } from './kafka-client.ts';
import { kafkaError } from './kafka-errors.ts';
import type {
  BatchControl,
  ConsumerSubscription,
  IncomingBatch,
  IncomingMessage,
  RecordConsumer,
  StartOffsets,
  TopicOffset,
} from './types.ts';

export function fromKafkaHeaders(headers: IHeaders | undefined): RecordHeader[] {
  const result: RecordHeader[] = [];
  if (!headers) return result;
  for (const [key, value] of Object.entries(headers)) {
    const values = Array.isArray(value) ? value : [value];
    for (const item of values)
      result.push({
        key,
        value: item === undefined || item === null ? null : Buffer.isBuffer(item) ? item : String(item),
      });
  }
  return result;
}

function toIncoming(topic: string, partition: number, message: KafkaMessage): IncomingMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    timestamp: Number(message.timestamp),
    key: message.key ?? null,
    value: message.value ?? null,
    headers: fromKafkaHeaders(message.headers),
  };
}

/** Kafka Connect matches topics.regex against the whole name (Java's Matcher#matches). */
export function wholeTopicRegex(pattern: string): RegExp {
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch (error) {
    throw new OnrampError(
      'INVALID_CONFIG',
      `Invalid value ${pattern} for configuration topics.regex: ${String(error)}`,
    );
  }
}

/**
 * A sink task's consumer: group `connect-<connector>`, manual commits only, one topic-partition batch
 * at a time. kafkajs does not restart itself on failure here: the task runner decides (back off and
 * rejoin), so a failure surfaces as the rejection of run().
 */
export class KafkaRecordConsumer implements RecordConsumer {
  private readonly consumer: Consumer;
  private readonly subscription: ConsumerSubscription;
  private readonly assigned = new Set<string>();
  /** run()'s startOffsets, asked on every assignment. */
  private startOffsets: StartOffsets | undefined;
  /** Seeking the latest assignment to its start offsets; batches wait for it. */
  private positioning: Promise<void> | undefined;
  /** Fails the current run() (a start-offsets failure outside a batch). */
  private failRun: ((error: unknown) => void) | undefined;
  private paused = false;
  private stopped = false;
  private readonly connection: KafkaConnection | undefined;
  private readonly fromBeginning: boolean;

  constructor(
    kafka: Kafka,
    subscription: ConsumerSubscription,
    tuning: ConsumerTuning = { autoOffsetReset: 'earliest' },
    connection?: KafkaConnection,
  ) {
    this.subscription = subscription;
    this.connection = connection;
    this.fromBeginning = tuning.autoOffsetReset === 'earliest';
    // The connector's own setting wins over the host's consumer.session.timeout.ms.
    const sessionTimeout = subscription.sessionTimeoutMs ?? tuning.sessionTimeoutMs ?? 45_000;
    this.consumer = kafka.consumer({
      groupId: subscription.groupId,
      sessionTimeout,
      rebalanceTimeout: 60_000,
      // Kafka's advice: at most a third of the session timeout.
      heartbeatInterval: Math.min(3_000, Math.floor(sessionTimeout / 3)),
      maxWaitTimeInMs: 500,
      // Bigger batches for sinks: per-batch costs (transaction, offset commit, fetch round trip)
      // dominated with 1 MB (about 250 Connect JSON records of 4 KB).
      maxBytesPerPartition: 4 * 1024 * 1024,
      allowAutoTopicCreation: false,
      retry: { ...CLIENT_RETRY, restartOnFailure: async () => false },
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      this.assigned.clear();
      const assignment: Array<Omit<TopicOffset, 'offset'>> = [];
      for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
        this.assigned.add(topic);
        for (const partition of partitions) assignment.push({ topic, partition });
      }
      if (this.startOffsets)
        this.positioning = this.reposition(this.startOffsets, assignment).catch((error: unknown) =>
          this.failRun?.(error),
        );
      if (this.paused) this.applyPause();
    });
  }

  async connect(): Promise<void> {
    const { topics, topicsRegex } = this.subscription;
    try {
      await this.consumer.connect();
      if (topicsRegex !== undefined && topicsRegex !== '') {
        await this.consumer.subscribe({
          topics: [wholeTopicRegex(topicsRegex)],
          fromBeginning: this.fromBeginning,
        });
      } else {
        await this.consumer.subscribe({ topics: [...(topics ?? [])], fromBeginning: this.fromBeginning });
      }
    } catch (error) {
      throw kafkaError(error, `joining consumer group ${this.subscription.groupId}`, this.connection);
    }
  }

  async run(
    onBatch: (batch: IncomingBatch, control: BatchControl) => Promise<boolean>,
    startOffsets?: StartOffsets,
  ): Promise<void> {
    this.startOffsets = startOffsets;
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const fail = (error: unknown) => {
        if (failed) return;
        failed = true;
        reject(error);
      };
      this.failRun = fail;
      this.consumer.on(this.consumer.events.CRASH, ({ payload }) =>
        fail(kafkaError(payload.error, 'consuming', this.connection)),
      );
      this.consumer.on(this.consumer.events.STOP, () => resolve());
      this.consumer
        .run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: 1,
          eachBatch: async ({ batch, resolveOffset, heartbeat, isStale }) => {
            if (failed || this.stopped || batch.messages.length === 0) return;
            const incoming: IncomingBatch = {
              topic: batch.topic,
              partition: batch.partition,
              messages: batch.messages.map((message) => toIncoming(batch.topic, batch.partition, message)),
              highWatermark: batch.highWatermark,
            };
            try {
              // A batch fetched before the seek to the task's start offsets landed is dropped.
              if (this.positioning) await this.positioning;
              if (isStale()) return;
              // A batch in flight when the consumer stops is still finished (committed): only a
              // revoked partition or a failure makes it stale.
              const handled = await onBatch(incoming, { heartbeat, isActive: () => !isStale() && !failed });
              if (handled) resolveOffset(batch.lastOffset());
            } catch (error) {
              fail(error);
            }
          },
        })
        .catch((error: unknown) => fail(kafkaError(error, 'starting the consumer', this.connection)));
    });
  }

  /**
   * Seeks the assigned partitions to where `startOffsets` says they start. Not awaited by kafkajs
   * (an event listener): batches await it instead, and a failure fails run().
   */
  private async reposition(
    startOffsets: StartOffsets,
    assignment: ReadonlyArray<Omit<TopicOffset, 'offset'>>,
  ): Promise<void> {
    if (assignment.length === 0) return;
    for (const { topic, partition, offset } of await startOffsets(assignment))
      this.consumer.seek({ topic, partition, offset });
  }

  async commit(offsets: readonly TopicOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    try {
      await this.consumer.commitOffsets(
        offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset })),
      );
    } catch (error) {
      throw kafkaError(error, `committing offsets of group ${this.subscription.groupId}`, this.connection);
    }
  }

  assignedTopics(): string[] {
    return [...this.assigned];
  }

  pause(): void {
    this.paused = true;
    this.applyPause();
  }

  resume(): void {
    this.paused = false;
    const topics = this.pausableTopics();
    try {
      if (topics.length > 0) this.consumer.resume(topics.map((topic) => ({ topic })));
    } catch {
      // Not running yet: nothing is paused.
    }
  }

  private pausableTopics(): string[] {
    return [...new Set([...this.assigned, ...(this.subscription.topics ?? [])])];
  }

  private applyPause(): void {
    const topics = this.pausableTopics();
    try {
      if (topics.length > 0) this.consumer.pause(topics.map((topic) => ({ topic })));
    } catch {
      // Not running yet: the GROUP_JOIN listener pauses once partitions are assigned.
    }
  }

  private closing: Promise<void> | undefined;

  close(): Promise<void> {
    this.stopped = true;
    this.closing ??= this.consumer.disconnect().catch(() => undefined);
    return this.closing;
  }
}
