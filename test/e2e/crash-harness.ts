import { randomUUID } from 'node:crypto';
import type { KafkaMessage } from 'kafkajs';
import type { ConnectStruct } from '../../src/plugin/index.ts';
import { ConverterFactory } from '../../src/schema/converter-factory.ts';
import { type HostProcess, startHostProcess } from '../support/host-process.ts';
import { testAdmin, testKafka } from '../support/runtime/kafka-reader.ts';
import { services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

// What the kill -9 tests share: a seeded random (so a failing run can be replayed with CRASH_SEED),
// a consumer that reads the change topics for the whole test and decodes them as a consumer would,
// and kill/restart of the host on the same data directory.

/** mulberry32: small, fast and the same sequence for the same seed everywhere. */
export function seededRandom(seed: number): { next(): number; int(min: number, max: number): number } {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (min, max) => min + Math.floor(next() * (max - min + 1)) };
}

/** CRASH_SEED from the environment, else a fresh one; printed so a failure can be replayed. */
export function crashSeed(test: string): number {
  const given = Number(process.env.CRASH_SEED);
  const seed = Number.isInteger(given) && given > 0 ? given : Math.floor(Math.random() * 2 ** 31) + 1;
  console.log(`${test}: CRASH_SEED=${seed}`);
  return seed;
}

export interface ChangeEvent {
  topic: string;
  partition: number;
  offset: bigint;
  key: ConnectStruct;
  /** null for a tombstone */
  value: ConnectStruct | null;
}

/**
 * Reads topics from the beginning (a fresh consumer group, nothing committed) for the whole test and
 * keeps every message, duplicates included, in partition order, decoded as a consumer would.
 */
export class TopicCollector {
  readonly events: ChangeEvent[] = [];
  private readonly next = new Map<string, bigint>();
  private readonly consumer = testKafka().consumer({
    groupId: `crash-reader-${randomUUID()}`,
    maxWaitTimeInMs: 200,
  });
  private readonly admin = testAdmin();
  private readonly converters = new ConverterFactory({
    schemaRegistryUrl: services().schemaRegistryUrl,
  }).forConfig({});
  private readonly topics: string[];
  private failure: unknown;

  constructor(topics: string[]) {
    this.topics = topics;
  }

  /** Creates the topics (so the consumer can subscribe before the connector writes) and starts. */
  async start(partitions: number): Promise<void> {
    await this.admin.ensureTopics(this.topics, { partitions });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.topics, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        try {
          await this.add(topic, partition, message);
        } catch (error) {
          this.failure = error;
        }
      },
    });
  }

  private async add(topic: string, partition: number, message: KafkaMessage): Promise<void> {
    if (!message.key) return;
    const key = await this.converters.key.toConnect(topic, true, message.key);
    const value = message.value ? await this.converters.value.toConnect(topic, false, message.value) : null;
    this.events.push({
      topic,
      partition,
      offset: BigInt(message.offset),
      key: key?.value as ConnectStruct,
      value: (value?.value ?? null) as ConnectStruct | null,
    });
    this.next.set(`${topic}/${partition}`, BigInt(message.offset) + 1n);
  }

  /** Messages in the topics now (sum of high watermarks): cheap progress for kill triggers. */
  async written(): Promise<number> {
    let total = 0n;
    const client = await this.admin.connected();
    for (const topic of this.topics) {
      for (const { high } of await client.fetchTopicOffsets(topic)) total += BigInt(high);
    }
    return Number(total);
  }

  /** Waits until everything in the topics right now has been read. */
  async catchUp(timeoutMs = 30_000): Promise<void> {
    const client = await this.admin.connected();
    const ends: Array<[string, bigint]> = [];
    for (const topic of this.topics) {
      for (const { partition, high } of await client.fetchTopicOffsets(topic))
        ends.push([`${topic}/${partition}`, BigInt(high)]);
    }
    await waitFor(
      'the collector to read to the end of the topics',
      () => {
        if (this.failure) throw this.failure;
        return ends.every(([where, end]) => (this.next.get(where) ?? 0n) >= end);
      },
      { timeoutMs },
    );
  }

  async close(deleteTopics: boolean): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
    if (deleteTopics) {
      const client = await this.admin.connected().catch(() => undefined);
      await client?.deleteTopics({ topics: this.topics }).catch(() => undefined);
    }
    await this.admin.close();
  }
}

export function afterImage(event: ChangeEvent): ConnectStruct | null {
  return (event.value?.after ?? null) as ConnectStruct | null;
}

export function op(event: ChangeEvent): string {
  return event.value === null ? 'tombstone' : String(event.value.op);
}

/**
 * Per key, in the order Kafka holds them: each version (by `version(event)`, rising in commit order)
 * must first appear after every lower version did; repeats of earlier ones (a replay after a crash)
 * are fine. Returns the violations, as text.
 */
export function orderViolations(
  events: readonly ChangeEvent[],
  keyOf: (event: ChangeEvent) => string,
  version: (event: ChangeEvent) => number | undefined,
): string[] {
  const highest = new Map<string, number>();
  const seen = new Map<string, Set<number>>();
  const violations: string[] = [];
  for (const event of events) {
    const v = version(event);
    if (v === undefined) continue;
    const key = keyOf(event);
    const versions = seen.get(key) ?? new Set<number>();
    seen.set(key, versions);
    if (versions.has(v)) continue;
    const top = highest.get(key) ?? Number.NEGATIVE_INFINITY;
    if (v < top) {
      violations.push(
        `key ${key}: version ${v} first appears after ${top} (${event.topic}/${event.partition}@${event.offset})`,
      );
    }
    versions.add(v);
    highest.set(key, Math.max(top, v));
  }
  return violations;
}

/** One row change of the load: a new row, or a new version of a hot row (`seq` rises with commit order). */
export interface Change {
  id: number;
  seq: number;
  insert: boolean;
}

export interface Committed<Mark> {
  txn: number;
  changes: Change[];
  /** What the database said right after COMMIT returned (e.g. a WAL position). */
  mark: Mark;
}

/**
 * Small transactions back to back on one connection until stopped: each inserts 1-3 new rows (ids
 * from `firstId` on) and updates one of `hotKeys` rows (ids 1..hotKeys). A transaction is recorded
 * only once `commit` (which must run it and COMMIT) resolved.
 */
export class ChangeLoad<Mark> {
  readonly committed: Committed<Mark>[] = [];
  private readonly random: ReturnType<typeof seededRandom>;
  private readonly hotKeys: number;
  private readonly commit: (txn: number, inserts: Change[], hot: Change) => Promise<Mark>;
  private stopping = false;
  private running: Promise<void> = Promise.resolve();
  private seq = 0;
  private nextId: number;

  constructor(options: {
    seed: number;
    firstId: number;
    hotKeys: number;
    commit: (txn: number, inserts: Change[], hot: Change) => Promise<Mark>;
  }) {
    this.random = seededRandom(options.seed ^ 0x5bd1e995);
    this.nextId = options.firstId;
    this.hotKeys = options.hotKeys;
    this.commit = options.commit;
  }

  start(): void {
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  changes(): Change[] {
    return this.committed.flatMap((tx) => tx.changes);
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      const txn = this.committed.length + 1;
      const inserts: Change[] = [];
      for (let i = this.random.int(1, 3); i > 0; i--) {
        inserts.push({ id: this.nextId++, seq: ++this.seq, insert: true });
      }
      const hot = { id: this.random.int(1, this.hotKeys), seq: ++this.seq, insert: false };
      const mark = await this.commit(txn, inserts, hot);
      this.committed.push({ txn, changes: [...inserts, hot], mark });
    }
  }
}

/**
 * Which row versions the events hold: `id:seq` of every c/r/u event. A hot row's update may be
 * folded into a later snapshot read (a snapshot interrupted by a kill is taken again and reads rows
 * as they are then): that read stands for it.
 */
export function holdings(events: readonly ChangeEvent[]): (change: Change) => boolean {
  const versions = new Set<string>();
  const snapshotSeq = new Map<number, number>();
  for (const event of events) {
    const row = afterImage(event);
    if (!row) continue;
    const id = row.id as number;
    const seq = row.seq as number;
    versions.add(`${id}:${seq}`);
    if (op(event) === 'r') snapshotSeq.set(id, Math.max(seq, snapshotSeq.get(id) ?? -1));
  }
  return (change) =>
    versions.has(`${change.id}:${change.seq}`) ||
    (!change.insert && (snapshotSeq.get(change.id) ?? -1) >= change.seq);
}

/** Events of `topic` against the committed load: what is missing, out of order, or not the end state. */
export function loadViolations(
  events: readonly ChangeEvent[],
  changes: readonly Change[],
  tableNow: ReadonlyArray<{ id: number; seq: number }>,
) {
  const held = holdings(events);
  const last = new Map<number, number>();
  for (const event of events) {
    const row = afterImage(event);
    if (row) last.set(row.id as number, row.seq as number);
  }
  return {
    missing: changes.filter((change) => !held(change)).slice(0, 10),
    outOfOrder: orderViolations(
      events,
      (event) => String(event.key.id),
      (event) => afterImage(event)?.seq as number | undefined,
    ).slice(0, 10),
    // A consumer replaying the topic ends where the table is: the last event per key is the row now.
    notFinal: tableNow.filter((row) => last.get(row.id) !== row.seq).slice(0, 10),
  };
}

/** How many events repeat an earlier one (the at-least-once duplicates a restart causes). */
export function repeats(events: readonly ChangeEvent[]): number {
  const rows = events.flatMap((event) => {
    const row = afterImage(event);
    return row ? [`${row.id}:${row.seq}`] : [];
  });
  return rows.length - new Set(rows).size;
}

/** SIGKILL the host, then start a new one on the same data directory. */
export async function killAndRestart(
  host: HostProcess,
  beforeRestart?: () => Promise<void>,
): Promise<HostProcess> {
  await host.kill();
  await beforeRestart?.();
  return await startHostProcess({}, { dataDir: host.dataDir });
}
