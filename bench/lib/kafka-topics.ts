import { randomUUID } from 'node:crypto';
import type { Admin, Kafka as KafkaClient } from 'kafkajs';
import kafkajs from 'kafkajs';
import { benchEnv } from './env.ts';

// Topics for a benchmark run and reading them back. The bench talks to Kafka through kafkajs
// directly (not src/kafka) so that measuring the host never depends on the host's own client code.
// Topics are created before each run with message.timestamp.type=LogAppendTime: every record then
// carries the broker's append time, the end of the commit-to-Kafka latency.

const { Kafka, logLevel } = kafkajs;

export interface TopicRecord {
  topic: string;
  partition: number;
  offset: number;
  /** LogAppendTime, ms. */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
}

export function kafkaClient(): KafkaClient {
  return new Kafka({
    clientId: 'onramp-bench',
    brokers: benchEnv().kafkaBrokers,
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 100, retries: 8 },
  });
}

export async function withAdmin<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafkaClient().admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Deletes `topics` where they exist and creates them empty, LogAppendTime, `partitions` each. */
export async function recreateTopics(topics: string[], partitions = 1): Promise<void> {
  await withAdmin(async (admin) => {
    const existing = new Set(await admin.listTopics());
    const doomed = topics.filter((topic) => existing.has(topic));
    if (doomed.length > 0) await admin.deleteTopics({ topics: doomed, timeout: 30_000 });
    const deadline = Date.now() + 60_000;
    // Deletion is asynchronous on the broker: creating too early fails with "marked for deletion".
    for (;;) {
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: topics.map((topic) => ({
            topic,
            numPartitions: partitions,
            replicationFactor: 1,
            configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }],
          })),
        });
        const created = new Set(await admin.listTopics());
        if (topics.every((topic) => created.has(topic))) return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
      if (Date.now() > deadline) throw new Error(`topics ${topics.join(', ')} not re-created within 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  });
}

export async function deleteTopics(topics: string[]): Promise<void> {
  await withAdmin(async (admin) => {
    const existing = new Set(await admin.listTopics());
    const doomed = topics.filter((topic) => existing.has(topic));
    if (doomed.length > 0) await admin.deleteTopics({ topics: doomed, timeout: 30_000 });
  });
}

/** High watermark per `topic:partition`. */
export async function endOffsets(admin: Admin, topics: string[]): Promise<Map<string, number>> {
  const ends = new Map<string, number>();
  for (const topic of topics) {
    for (const partition of await admin.fetchTopicOffsets(topic)) {
      ends.set(`${topic}:${partition.partition}`, Number(partition.high));
    }
  }
  return ends;
}

export function totalOf(ends: Map<string, number>): number {
  let total = 0;
  for (const end of ends.values()) total += end;
  return total;
}

/**
 * Waits until the topics hold `expected` records in all, polling the end offsets (never a sleep
 * on a guess). Gives up when nothing arrived for `stallMs`, returning what was there: a system that
 * lost events must be reported, not waited for forever. `onPoll` runs on every poll (sampling).
 */
export async function waitForRecords(
  topics: string[],
  expected: number,
  options: { stallMs?: number; intervalMs?: number; onPoll?: () => Promise<void> | void } = {},
): Promise<{ reached: boolean; total: number; ends: Map<string, number> }> {
  const stallMs = options.stallMs ?? 60_000;
  return await withAdmin(async (admin) => {
    let last = -1;
    let lastChange = Date.now();
    for (;;) {
      await options.onPoll?.();
      const ends = await endOffsets(admin, topics);
      const total = totalOf(ends);
      if (total >= expected) return { reached: true, total, ends };
      if (total !== last) {
        last = total;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > stallMs) {
        return { reached: false, total, ends };
      }
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
    }
  });
}

/** Reads every record of `topics` from the beginning up to the current end offsets. */
export async function readTopics(topics: string[], onRecord: (record: TopicRecord) => void): Promise<number> {
  const kafka = kafkaClient();
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `onramp-bench-reader-${randomUUID()}`;
  const consumer = kafka.consumer({
    groupId,
    maxBytesPerPartition: 16 * 1024 * 1024,
    maxBytes: 64 * 1024 * 1024,
    sessionTimeout: 30_000,
  });
  let count = 0;
  try {
    const ends = await endOffsets(admin, topics);
    const remaining = new Set([...ends].filter(([, end]) => end > 0).map(([key]) => key));
    if (remaining.size === 0) return 0;
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    let finish: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const key = `${batch.topic}:${batch.partition}`;
        const end = ends.get(key) ?? 0;
        for (const message of batch.messages) {
          const offset = Number(message.offset);
          if (offset >= end) continue;
          count++;
          onRecord({
            topic: batch.topic,
            partition: batch.partition,
            offset,
            timestamp: Number(message.timestamp),
            key: message.key,
            value: message.value,
          });
          if (offset === end - 1) remaining.delete(key);
        }
        if (remaining.size === 0) finish();
      },
    });
    await done;
    return count;
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}
