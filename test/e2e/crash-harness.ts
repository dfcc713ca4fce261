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

/** SIGKILL the host, then start a new one on the same data directory. */
export async function killAndRestart(
  host: HostProcess,
  beforeRestart?: () => Promise<void>,
): Promise<HostProcess> {
  await host.kill();
  await beforeRestart?.();
  return await startHostProcess({}, { dataDir: host.dataDir });
}
