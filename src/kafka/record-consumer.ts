import { subscribe } from 'node:diagnostics_channel';
import { Admin, Consumer, ListOffsetTimestamps } from '@platformatic/kafka';
import { OnrampError } from '../plugin/errors.ts';
import type { RecordHeader } from '../plugin/record.ts';
import type { ConsumerTuning, KafkaConnection } from './client-properties.ts';
import { hasApiError, kafkaError } from './kafka-errors.ts';
import { platformaticOptions } from './platformatic-options.ts';
import type {
  BatchControl,
  ConsumerSubscription,
  IncomingBatch,
  IncomingMessage,
  RecordConsumer,
  StartOffsets,
  TopicOffset,
} from './types.ts';

type FetchResponse = Awaited<ReturnType<Consumer['fetch']>>;

// A sink task's consumer on @platformatic/kafka: a member of group `connect-<connector>` (the
// client keeps the membership alive with timer heartbeats and rejoins on a rebalance), fetching
// with its own positions so that the runner decides exactly where each partition continues: the
// group's committed offset, or the task's own start offsets (exactly-once sinks), after every
// assignment; a batch the runner did not finish is fetched again. Commits are explicit only.
// As Kafka Connect's consumer, it subscribes to topics that do not exist yet: it joins the group
// once one of them exists and picks up the others (and new topics.regex matches) when it lists the
// topics again, every metadata.max.age.ms (5 minutes by default, as Kafka's metadata refresh).
//
// With a group.instance.id (sink tasks always have one, see group-instance-id.ts) it is a static
// member. It still leaves the group when closed (a stopped or deleted connector leaves an empty group,
// whose offsets KIP-875's endpoints may then alter; a config change restarting the task rebalances as
// before); only a crashed process leaves its member behind, and its successor replaces it at once.
// When another consumer joins with the same id (the task runs elsewhere now: another worker after a
// reassignment, or a second host running the same connector), the coordinator fences this one
// (FENCED_INSTANCE_ID). Kafka's Java consumer then fails for good; @platformatic/kafka instead drops
// its member id and joins again, and since a static join replaces the current holder of the id, the
// two copies would take the partitions from each other every heartbeat. So the fence is caught as the
// heartbeat reports it (the client's documented diagnostics channel publishes the error before its
// own handler runs) and the membership is given up before the client can rejoin: the consumer stops,
// uncommitted work is left to the new holder, and run() rejects with TASK_FENCED (not retriable: the
// task fails instead of restarting and fencing the other copy in turn).
// A gap as in Kafka's own client: a commit carries no instance id, so a zombie whose first request
// after a pause is a commit hears UNKNOWN_MEMBER_ID, not FENCED_INSTANCE_ID, rejoins and fences the
// rightful holder instead (in cluster mode the worker's write fence is what keeps a zombie from
// committing at all).

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

/** Record batch attribute: a transaction marker, not data. */
const IS_CONTROL = 1 << 5;
/** Bigger fetches for sinks: per-batch costs (transaction, offset commit, round trip) dominate at 1 MB. */
const MAX_BYTES_PER_PARTITION = 4 * 1024 * 1024;
const MAX_WAIT_MS = 500;
/** The most one fetch asks a broker for (fetch.max.bytes). */
const MAX_BYTES = 64 * 1024 * 1024;
/** How long an idle loop (paused, nothing assigned) waits before looking again. */
const IDLE_MS = 250;
/** Kafka's metadata.max.age.ms default: how often the subscribed topics are listed again. */
const METADATA_MAX_AGE_MS = 300_000;
/** How often a configured topic that does not exist yet is looked for. */
const MISSING_TOPIC_RETRY_MS = 1_000;

/** Static members, by their client: the ones the coordinator may fence. */
const fenceable = new WeakMap<object, KafkaRecordConsumer>();
let watching = false;

/**
 * @platformatic/kafka's tracing channels (its documented diagnostics): a heartbeat's error is
 * published with the client before the client's own handler sees it, and a join's start before the
 * client checks whether it is still a member. A fenced consumer gives up its membership on the first
 * and refuses every later join (a commit's retry, say) on the second.
 */
function watchFencing(): void {
  if (watching) return;
  watching = true;
  subscribe('tracing:plt:kafka:consumer:heartbeat:error', (message) => {
    const { client, error } = message as { client?: object; error?: unknown };
    const consumer = client && fenceable.get(client);
    if (consumer && hasApiError(error, 'FENCED_INSTANCE_ID')) consumer.fencedByCoordinator();
  });
  subscribe('tracing:plt:kafka:consumer:group:start', (message) => {
    const { client, operation } = message as { client?: object; operation?: string };
    if (operation === 'joinGroup' && client) fenceable.get(client)?.refuseJoinIfFenced();
  });
}

function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

function toHeaders(headers: ReadonlyArray<[Buffer | null, Buffer | null]>): RecordHeader[] {
  return headers.map(([key, value]) => ({ key: key?.toString('utf8') ?? '', value }));
}

export class KafkaRecordConsumer implements RecordConsumer {
  private readonly consumer: Consumer<Buffer, Buffer, Buffer, Buffer>;
  private readonly subscription: ConsumerSubscription;
  private readonly connection: KafkaConnection;
  private readonly fallback: bigint;
  private readonly metadataMaxAgeMs: number;
  /** fetch.min.bytes, fetch.max.wait.ms, fetch.max.bytes, max.partition.fetch.bytes. */
  /** max.poll.records: the most records of one batch handed on (undefined: the whole fetch). */
  private readonly maxPollRecords: number | undefined;
  private readonly fetchSizes: {
    minBytes: number;
    maxWaitMs: number;
    maxBytes: number;
    partitionMaxBytes: number;
  };
  /** The subscribed topics that exist (and so are tracked by the group membership). */
  private topics: string[] = [];
  /** Whether the consumer is a member of the group (it joins once a subscribed topic exists). */
  private joined = false;
  /** When the topics were last listed. */
  private listedAt = 0;
  /** Configured topics that did not exist when last listed. */
  private missing: string[] = [];
  private admin: Admin | undefined;
  /** Where each assigned partition is read from next. */
  private readonly positions = new Map<string, bigint>();
  /** Bumped on every (re)join: positions are taken again and batches of older ones go stale. */
  private generation = 0;
  private positionedGeneration = -1;
  private paused = false;
  private stopped = false;
  /** Another consumer took this one's group.instance.id: it has given up its membership for good. */
  private fenced = false;
  private wake: (() => void) | undefined;
  /** The batch the runner is working on: closing waits for it. */
  private inFlight: Promise<unknown> | undefined;

  constructor(
    connection: KafkaConnection,
    subscription: ConsumerSubscription,
    tuning: ConsumerTuning = { autoOffsetReset: 'earliest' },
  ) {
    this.subscription = subscription;
    this.connection = connection;
    this.fallback =
      tuning.autoOffsetReset === 'earliest' ? ListOffsetTimestamps.EARLIEST : ListOffsetTimestamps.LATEST;
    this.metadataMaxAgeMs = tuning.metadataMaxAgeMs ?? METADATA_MAX_AGE_MS;
    // The connector's consumer.override.session.timeout.ms, else the host's consumer.session.timeout.ms.
    const sessionTimeout = tuning.sessionTimeoutMs ?? 45_000;
    this.maxPollRecords = tuning.maxPollRecords;
    this.fetchSizes = {
      minBytes: tuning.fetchMinBytes ?? 1,
      maxWaitMs: tuning.fetchMaxWaitMs ?? MAX_WAIT_MS,
      maxBytes: tuning.fetchMaxBytes ?? MAX_BYTES,
      partitionMaxBytes: tuning.maxPartitionFetchBytes ?? MAX_BYTES_PER_PARTITION,
    };
    this.consumer = new Consumer({
      ...platformaticOptions(connection),
      groupId: subscription.groupId,
      ...(subscription.groupInstanceId !== undefined && { groupInstanceId: subscription.groupInstanceId }),
      sessionTimeout,
      // max.poll.interval.ms is the rebalance timeout Kafka's consumer joins with; never below the session.
      rebalanceTimeout: tuning.rebalanceTimeoutMs ?? Math.max(60_000, sessionTimeout),
      // Kafka's advice: at most a third of the session timeout.
      heartbeatInterval: tuning.heartbeatIntervalMs ?? Math.min(3_000, Math.floor(sessionTimeout / 3)),
      autocommit: false,
      maxBytesPerPartition: this.fetchSizes.partitionMaxBytes,
      maxWaitTime: this.fetchSizes.maxWaitMs,
    });
    this.consumer.on('consumer:group:join', () => {
      this.generation++;
      this.wakeUp();
    });
    if (subscription.groupInstanceId !== undefined) {
      watchFencing();
      fenceable.set(this.consumer, this);
    }
  }

  /**
   * The coordinator answered a heartbeat with FENCED_INSTANCE_ID. Called synchronously before the
   * client handles that answer: leaveGroup() marks the membership inactive at once, so the client's
   * handler drops the answer instead of rejoining (the LeaveGroup it sends names the replaced member
   * id, which the coordinator no longer knows: it removes nobody).
   */
  fencedByCoordinator(): void {
    if (this.fenced) return;
    this.fenced = true;
    this.giveUpMembership();
    this.wakeUp();
  }

  /** Called synchronously as the client starts a join: once fenced, the join finds no membership. */
  refuseJoinIfFenced(): void {
    if (this.fenced) this.giveUpMembership();
  }

  private giveUpMembership(): void {
    // A failed LeaveGroup changes nothing here: the client dropped the membership before sending it.
    this.consumer.leaveGroup(false, () => undefined);
  }

  private fencedError(): OnrampError {
    const { groupId, groupInstanceId } = this.subscription;
    return new OnrampError(
      'TASK_FENCED',
      `Another consumer joined group ${groupId} as group.instance.id ${groupInstanceId}, so Kafka fenced this one: the task runs elsewhere now (another worker, or another host running the same connector). This copy stopped without committing what it had not committed yet, and is not restarted; if nothing else should run it, restart the task.`,
    );
  }

  /**
   * Lists the subscribed topics that exist and joins the group with them; with none yet, it joins
   * later, when run() finds one (the task is RUNNING meanwhile, as in Kafka Connect).
   */
  async connect(): Promise<void> {
    await this.refreshTopics();
  }

  /** Topics the subscription names that Kafka does not have (as of the last listing). */
  missingTopics(): string[] {
    return [...this.missing];
  }

  /** Lists the topics again and, when the subscribed set changed, (re)joins the group with it. */
  private async refreshTopics(): Promise<void> {
    const { topics, topicsRegex } = this.subscription;
    try {
      this.admin ??= new Admin(platformaticOptions(this.connection));
      const existing = new Set(await this.admin.listTopics());
      this.listedAt = Date.now();
      let wanted: string[];
      if (topicsRegex) {
        const pattern = wholeTopicRegex(topicsRegex);
        wanted = [...existing].filter((topic) => pattern.test(topic)).sort();
        this.missing = [];
      } else {
        const configured = [...new Set(topics ?? [])];
        this.missing = configured.filter((topic) => !existing.has(topic));
        wanted = configured.filter((topic) => existing.has(topic));
      }
      const unchanged =
        wanted.length === this.topics.length && wanted.every((topic, index) => topic === this.topics[index]);
      if (unchanged) return;
      const removed = this.topics.filter((topic) => !wanted.includes(topic));
      const added = wanted.filter((topic) => !this.topics.includes(topic));
      if (removed.length > 0) this.consumer.topics.untrackAll(...removed);
      if (added.length > 0) this.consumer.topics.trackAll(...added);
      this.topics = wanted;
      if (wanted.length > 0) {
        // Joining again with the new subscription makes the coordinator rebalance the group.
        await this.consumer.joinGroup({});
        this.joined = true;
      } else if (this.joined) {
        await this.consumer.leaveGroup();
        this.joined = false;
        this.positions.clear();
      }
    } catch (error) {
      throw kafkaError(error, `joining consumer group ${this.subscription.groupId}`, this.connection);
    }
  }

  /**
   * Whether the topics are due to be listed again: a configured topic that is missing is looked for
   * every second (as Kafka's consumer asks again for an unknown topic's metadata, so a sink created
   * just before its source's first event starts at once); new topics.regex matches every
   * metadata.max.age.ms.
   */
  private refreshDue(): boolean {
    const age = Date.now() - this.listedAt;
    if (this.missing.length > 0 && age >= MISSING_TOPIC_RETRY_MS) return true;
    return this.subscription.topicsRegex !== undefined && age >= this.metadataMaxAgeMs;
  }

  async run(
    onBatch: (batch: IncomingBatch, control: BatchControl) => Promise<boolean>,
    startOffsets?: StartOffsets,
  ): Promise<void> {
    while (!this.stopped) {
      if (this.fenced) throw this.fencedError();
      if (this.paused) {
        await this.idle();
        continue;
      }
      if (this.refreshDue()) {
        await this.refreshTopics();
        continue;
      }
      const generation = this.generation;
      const assignment = this.assignment();
      if (this.positionedGeneration !== generation) {
        await this.position(assignment, startOffsets);
        if (generation === this.generation) this.positionedGeneration = generation;
        continue;
      }
      if (assignment.length === 0) {
        await this.idle();
        continue;
      }
      let batches: Array<{ batch: IncomingBatch; next: bigint }>;
      try {
        batches = await this.fetch(assignment);
      } catch (error) {
        if (this.stopped) return;
        if (this.fenced) throw this.fencedError();
        throw error;
      }
      for (const { batch, next } of batches) {
        if (this.stopped || this.fenced || this.paused || generation !== this.generation) break;
        const key = partitionKey(batch.topic, batch.partition);
        if (batch.messages.length === 0) {
          this.positions.set(key, next); // only transaction markers: step over them
          continue;
        }
        const control: BatchControl = {
          heartbeat: async () => undefined, // the client heartbeats on its own timer
          isActive: () => !this.stopped && !this.fenced && generation === this.generation,
        };
        const handling = onBatch(batch, control);
        this.inFlight = handling.catch(() => undefined);
        const done = await handling;
        this.inFlight = undefined;
        if (done) this.positions.set(key, next);
        else break; // not done: fetched again from the same position
      }
    }
  }

  private assignment(): Array<Omit<TopicOffset, 'offset'>> {
    return (this.consumer.assignments ?? []).flatMap(({ topic, partitions }) =>
      partitions.map((partition) => ({ topic, partition })),
    );
  }

  /**
   * Where each assigned partition starts: the task's start offsets, else the group's committed
   * offset, else earliest or latest (auto.offset.reset).
   */
  private async position(
    assignment: ReadonlyArray<Omit<TopicOffset, 'offset'>>,
    startOffsets: StartOffsets | undefined,
  ): Promise<void> {
    this.positions.clear();
    if (assignment.length === 0) return;
    const byTopic = new Map<string, number[]>();
    for (const { topic, partition } of assignment)
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
    try {
      const committed = await this.consumer.listCommittedOffsets({
        topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
      });
      const missing = new Map<string, number[]>();
      for (const { topic, partition } of assignment) {
        const offset = committed.get(topic)?.[partition];
        if (offset !== undefined && offset >= 0n) this.positions.set(partitionKey(topic, partition), offset);
        else missing.set(topic, [...(missing.get(topic) ?? []), partition]);
      }
      if (missing.size > 0) await this.reset(missing);
      for (const { topic, partition, offset } of (await startOffsets?.(assignment)) ?? [])
        this.positions.set(partitionKey(topic, partition), BigInt(offset));
    } catch (error) {
      throw kafkaError(error, `positioning consumer group ${this.subscription.groupId}`, this.connection);
    }
  }

  /** Moves these partitions to earliest or latest (auto.offset.reset). */
  private async reset(partitions: ReadonlyMap<string, number[]>): Promise<void> {
    const offsets = await this.consumer.listOffsets({
      topics: [...partitions.keys()],
      partitions: Object.fromEntries(partitions),
      timestamp: this.fallback,
    });
    for (const [topic, indexes] of partitions)
      for (const partition of indexes) {
        const offset = offsets.get(topic)?.[partition];
        if (offset !== undefined && offset >= 0n) this.positions.set(partitionKey(topic, partition), offset);
      }
  }

  /** One fetch from each leader: per partition, its messages and the position after them. */
  private async fetch(
    assignment: ReadonlyArray<Omit<TopicOffset, 'offset'>>,
  ): Promise<Array<{ batch: IncomingBatch; next: bigint }>> {
    const metadata = await this.consumer.metadata({ topics: this.topics }).catch((error: unknown) => {
      throw kafkaError(error, 'consuming', this.connection);
    });
    const topicNames = new Map<string, string>();
    const requests = new Map<
      number,
      Array<{
        topicId: string;
        partitions: Array<{
          partition: number;
          fetchOffset: bigint;
          partitionMaxBytes: number;
          currentLeaderEpoch: number;
          lastFetchedEpoch: number;
        }>;
      }>
    >();
    const requested = new Map<string, bigint>();
    for (const { topic, partition } of assignment) {
      const info = metadata.topics.get(topic);
      const fetchOffset = this.positions.get(partitionKey(topic, partition));
      if (!info || fetchOffset === undefined) continue;
      const leader = info.partitions[partition]?.leader ?? -1;
      if (leader < 0) continue;
      topicNames.set(info.id, topic);
      requested.set(partitionKey(topic, partition), fetchOffset);
      const list = requests.get(leader) ?? [];
      list.push({
        topicId: info.id,
        partitions: [
          {
            partition,
            fetchOffset,
            partitionMaxBytes: this.fetchSizes.partitionMaxBytes,
            currentLeaderEpoch: -1,
            lastFetchedEpoch: -1,
          },
        ],
      });
      requests.set(leader, list);
    }
    if (requests.size === 0) {
      await this.idle();
      return [];
    }
    const responses = await Promise.all(
      [...requests].map(([node, topics]) =>
        this.consumer
          .fetch({
            node,
            topics,
            maxWaitTime: this.fetchSizes.maxWaitMs,
            minBytes: this.fetchSizes.minBytes,
            maxBytes: this.fetchSizes.maxBytes,
          })
          .catch(async (error: unknown): Promise<FetchResponse | undefined> => {
            if (this.stopped) return undefined;
            if (hasApiError(error, 'OFFSET_OUT_OF_RANGE')) {
              await this.resetOutOfRange(topics.map((entry) => topicNames.get(entry.topicId) ?? ''));
              return undefined;
            }
            throw kafkaError(error, 'consuming', this.connection);
          }),
      ),
    );
    const batches: Array<{ batch: IncomingBatch; next: bigint }> = [];
    for (const response of responses) {
      for (const topicResponse of response?.responses ?? []) {
        const topic = topicNames.get(topicResponse.topicId);
        if (topic === undefined) continue;
        for (const part of topicResponse.partitions) {
          const from = requested.get(partitionKey(topic, part.partitionIndex));
          if (from === undefined || !part.records || part.records.length === 0) continue;
          const messages: IncomingMessage[] = [];
          let next = from;
          for (const recordBatch of part.records) {
            next = recordBatch.firstOffset + BigInt(recordBatch.lastOffsetDelta) + 1n;
            if (recordBatch.attributes & IS_CONTROL) continue;
            for (const record of recordBatch.records) {
              const offset = recordBatch.firstOffset + BigInt(record.offsetDelta);
              if (offset < from) continue; // a compressed batch may start before the fetch offset
              messages.push({
                topic,
                partition: part.partitionIndex,
                offset: offset.toString(),
                timestamp: Number(recordBatch.firstTimestamp + record.timestampDelta),
                key: record.key,
                value: record.value,
                headers: toHeaders(record.headers),
              });
            }
          }
          if (next <= from) continue;
          // max.poll.records: the rest of the batch is fetched again from after the last one handed on.
          const cap = this.maxPollRecords;
          if (cap !== undefined && messages.length > cap) {
            messages.length = cap;
            next = BigInt(messages[cap - 1]?.offset ?? from) + 1n;
          }
          batches.push({
            batch: {
              topic,
              partition: part.partitionIndex,
              messages,
              highWatermark: part.highWatermark.toString(),
            },
            next,
          });
        }
      }
    }
    return batches;
  }

  /** After OFFSET_OUT_OF_RANGE (the log was truncated under a stored position): auto.offset.reset. */
  private async resetOutOfRange(topics: readonly string[]): Promise<void> {
    const partitions = new Map<string, number[]>();
    for (const { topic, partition } of this.assignment())
      if (topics.includes(topic)) partitions.set(topic, [...(partitions.get(topic) ?? []), partition]);
    const earliest = await this.consumer.listOffsets({
      topics: [...partitions.keys()],
      partitions: Object.fromEntries(partitions),
      timestamp: ListOffsetTimestamps.EARLIEST,
    });
    const latest = await this.consumer.listOffsets({
      topics: [...partitions.keys()],
      partitions: Object.fromEntries(partitions),
      timestamp: ListOffsetTimestamps.LATEST,
    });
    const outside = new Map<string, number[]>();
    for (const [topic, indexes] of partitions)
      for (const partition of indexes) {
        const position = this.positions.get(partitionKey(topic, partition));
        const low = earliest.get(topic)?.[partition] ?? 0n;
        const high = latest.get(topic)?.[partition] ?? 0n;
        if (position === undefined || position < low || position > high)
          outside.set(topic, [...(outside.get(topic) ?? []), partition]);
      }
    if (outside.size > 0) await this.reset(outside);
  }

  async commit(offsets: readonly TopicOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    try {
      await this.consumer.commit({
        offsets: offsets.map(({ topic, partition, offset }) => ({
          topic,
          partition,
          offset: BigInt(offset),
          leaderEpoch: -1,
        })),
      });
    } catch (error) {
      if (this.fenced) throw this.fencedError();
      throw kafkaError(error, `committing offsets of group ${this.subscription.groupId}`, this.connection);
    }
  }

  assignedTopics(): string[] {
    return [...new Set(this.assignment().map(({ topic }) => topic))];
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.wakeUp();
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, IDLE_MS);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        if (self.wake === done) self.wake = undefined;
        resolve();
      }
      this.wake = done;
    });
  }

  private wakeUp(): void {
    this.wake?.();
  }

  private closing: Promise<void> | undefined;

  /** Leaves the group; a batch in flight is allowed to finish (run() returns after it). */
  close(): Promise<void> {
    this.stopped = true;
    this.wakeUp();
    this.closing ??= (async () => {
      await this.inFlight;
      await this.consumer.close().catch(() => undefined);
      await this.admin?.close().catch(() => undefined);
    })();
    return this.closing;
  }
}
