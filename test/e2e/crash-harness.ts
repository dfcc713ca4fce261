import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { KafkaRecordConsumer } from '../../src/kafka/record-consumer.ts';
import type { IncomingMessage } from '../../src/kafka/types.ts';
import type { ConnectStruct } from '../../src/plugin/index.ts';
import { ConverterFactory } from '../../src/schema/converter-factory.ts';
import { type HostProcess, startHostProcess } from '../support/host-process.ts';
import { testAdmin, testConnection } from '../support/runtime/kafka-reader.ts';
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
  /** The record's Kafka timestamp (CreateTime: when the producer built its batch), ms since the epoch. */
  timestamp: number;
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
  private readonly consumer: KafkaRecordConsumer;
  private running: Promise<void> | undefined;
  private readonly admin = testAdmin();
  private readonly converters = new ConverterFactory({
    schemaRegistryUrl: services().schemaRegistryUrl,
  }).forConfig({});
  private readonly topics: string[];
  private failure: unknown;

  constructor(topics: string[]) {
    this.topics = topics;
    this.consumer = new KafkaRecordConsumer(testConnection(), {
      groupId: `crash-reader-${randomUUID()}`,
      topics,
    });
  }

  /** Creates the topics (so the consumer can subscribe before the connector writes) and starts. */
  async start(partitions: number): Promise<void> {
    await this.admin.ensureTopics(this.topics, { partitions });
    await this.consumer.connect();
    // Nothing is committed: a fresh group reads every topic from the beginning.
    this.running = this.consumer
      .run(async (batch) => {
        for (const message of batch.messages) await this.add(batch.topic, batch.partition, message);
        return true;
      })
      .catch((error: unknown) => {
        this.failure = error;
      });
  }

  private async add(topic: string, partition: number, message: IncomingMessage): Promise<void> {
    if (!message.key) return;
    const key = await this.converters.key.toConnect(topic, true, message.key);
    const value = message.value ? await this.converters.value.toConnect(topic, false, message.value) : null;
    this.events.push({
      topic,
      partition,
      offset: BigInt(message.offset),
      timestamp: message.timestamp,
      key: key?.value as ConnectStruct,
      value: (value?.value ?? null) as ConnectStruct | null,
    });
    this.next.set(`${topic}/${partition}`, BigInt(message.offset) + 1n);
  }

  /** Messages in the topics now (sum of high watermarks): cheap progress for kill triggers. */
  async written(): Promise<number> {
    let total = 0n;
    for (const topic of this.topics) {
      for (const high of (await this.admin.endOffsets(topic)).values()) total += high;
    }
    return Number(total);
  }

  /** Waits until everything in the topics right now has been read. */
  async catchUp(timeoutMs = 30_000): Promise<void> {
    const ends: Array<[string, bigint]> = [];
    for (const topic of this.topics) {
      for (const [partition, high] of await this.admin.endOffsets(topic))
        ends.push([`${topic}/${partition}`, high]);
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
    await this.consumer.close();
    await this.running;
    if (deleteTopics) {
      await this.admin.deleteTopics(this.topics).catch(() => undefined);
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

/** One row change of the load; `seq` rises with commit order (a delete takes one too). */
export interface Change {
  id: number;
  seq: number;
  kind: 'insert' | 'update' | 'delete';
}

/** What one transaction of the load does: insert rows, update a hot row, maybe delete a row. */
export interface LoadTransaction {
  txn: number;
  inserts: Change[];
  hot: Change;
  deleted?: Change;
}

export interface Committed<Mark> {
  txn: number;
  changes: Change[];
  /** What the database said right after COMMIT returned (e.g. a WAL position). */
  mark: Mark;
}

/**
 * Small transactions back to back on one connection until stopped: each inserts 1-3 new rows (ids
 * from `firstId` on), updates one of `hotKeys` rows (ids 1..hotKeys) and, once `deleting` is set,
 * every third or so deletes a row (one of the others: pre-filled ids hotKeys+1..firstId-1 or
 * inserted ones). A transaction is recorded only once `commit` (which must run it and COMMIT)
 * resolved.
 */
export class ChangeLoad<Mark> {
  readonly committed: Committed<Mark>[] = [];
  deleting = false;
  private readonly random: ReturnType<typeof seededRandom>;
  private readonly hotKeys: number;
  private readonly commit: (tx: LoadTransaction) => Promise<Mark>;
  private readonly deletable: number[] = [];
  private stopping = false;
  private running: Promise<void> = Promise.resolve();
  private seq = 0;
  private nextId: number;

  constructor(options: {
    seed: number;
    firstId: number;
    hotKeys: number;
    commit: (tx: LoadTransaction) => Promise<Mark>;
  }) {
    this.random = seededRandom(options.seed ^ 0x5bd1e995);
    this.nextId = options.firstId;
    this.hotKeys = options.hotKeys;
    this.commit = options.commit;
    for (let id = options.hotKeys + 1; id < options.firstId; id++) this.deletable.push(id);
  }

  /** Starts (again, after stop(): the transactions go on where they stopped). */
  start(): void {
    this.stopping = false;
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
        inserts.push({ id: this.nextId++, seq: ++this.seq, kind: 'insert' });
      }
      const hot: Change = { id: this.random.int(1, this.hotKeys), seq: ++this.seq, kind: 'update' };
      const tx: LoadTransaction = { txn, inserts, hot };
      let victim = -1;
      if (this.deleting && this.deletable.length > 0 && this.random.int(0, 2) === 0) {
        victim = this.random.int(0, this.deletable.length - 1);
        tx.deleted = { id: this.deletable[victim] as number, seq: ++this.seq, kind: 'delete' };
      }
      const mark = await this.commit(tx);
      if (tx.deleted) {
        this.deletable[victim] = this.deletable[this.deletable.length - 1] as number;
        this.deletable.pop();
      }
      this.deletable.push(...inserts.map((change) => change.id));
      this.committed.push({ txn, changes: [...inserts, hot, ...(tx.deleted ? [tx.deleted] : [])], mark });
    }
  }
}

/** The load's transaction as SQL statements (identifiers as given, values are numbers). */
export function loadStatements(table: string, tx: LoadTransaction): string[] {
  const rows = tx.inserts.map((row) => `(${row.id}, ${tx.txn}, ${row.seq})`).join(', ');
  return [
    `INSERT INTO ${table} (id, txn, seq) VALUES ${rows}`,
    `UPDATE ${table} SET txn = ${tx.txn}, seq = ${tx.hot.seq} WHERE id = ${tx.hot.id}`,
    ...(tx.deleted ? [`DELETE FROM ${table} WHERE id = ${tx.deleted.id}`] : []),
  ];
}

/**
 * Which changes the events hold: an insert or update by `id:seq` of a c/r/u event, a delete by a
 * `d` event of its key (or by no event of that key at all). A hot row's update may be folded into a later snapshot read (a snapshot
 * interrupted by a kill is taken again and reads rows as they are then): that read stands for it.
 */
export function holdings(events: readonly ChangeEvent[]): (change: Change) => boolean {
  const versions = new Set<string>();
  const emitted = new Set<number>();
  const deletes = new Set<number>();
  const snapshotSeq = new Map<number, number>();
  for (const event of events) {
    if (op(event) === 'd') deletes.add(event.key.id as number);
    const row = afterImage(event);
    if (!row) continue;
    const id = row.id as number;
    const seq = row.seq as number;
    versions.add(`${id}:${seq}`);
    emitted.add(id);
    if (op(event) === 'r') snapshotSeq.set(id, Math.max(seq, snapshotSeq.get(id) ?? -1));
  }
  return (change) => {
    // A row never published needs no delete (it was gone before a snapshot read it).
    if (change.kind === 'delete') return deletes.has(change.id) || !emitted.has(change.id);
    // A row inserted before a snapshot that was killed before it read the row, and deleted before
    // the snapshot taken again: no snapshot saw it, and the catch-up in between streams only its
    // delete. Its insert is folded into that delete (as a snapshot folds what precedes it).
    if (change.kind === 'insert' && !emitted.has(change.id) && deletes.has(change.id)) return true;
    return (
      versions.has(`${change.id}:${change.seq}`) ||
      (change.kind === 'update' && (snapshotSeq.get(change.id) ?? -1) >= change.seq)
    );
  };
}

/**
 * Events of one topic against the committed load and the table now: changes missing, versions out
 * of commit order per key, and keys where a consumer replaying the topic does not end at the
 * table's state (the row's seq, or gone: last event a delete or tombstone).
 */
export function loadViolations(
  events: readonly ChangeEvent[],
  changes: readonly Change[],
  tableNow: ReadonlyArray<{ id: number; seq: number }>,
) {
  const held = holdings(events);
  const last = new Map<number, number | 'deleted'>();
  for (const event of events) {
    const row = afterImage(event);
    last.set(event.key.id as number, row ? (row.seq as number) : 'deleted');
  }
  const now = new Map(tableNow.map((row) => [row.id, row.seq]));
  const notFinal: Array<{ id: number; table: number | 'deleted'; replayed: number | 'deleted' | 'none' }> =
    [];
  for (const id of new Set([...now.keys(), ...last.keys()])) {
    const table = now.get(id) ?? 'deleted';
    const replayed = last.get(id) ?? 'none';
    if (table !== replayed && !(table === 'deleted' && replayed === 'none')) {
      notFinal.push({ id, table, replayed });
    }
  }
  return {
    missing: changes.filter((change) => !held(change)).slice(0, 10),
    outOfOrder: orderViolations(
      events,
      (event) => String(event.key.id),
      (event) => afterImage(event)?.seq as number | undefined,
    ).slice(0, 10),
    notFinal: notFinal.slice(0, 10),
  };
}

/** For a failure report: the transactions of the missing changes, as ranges of txn numbers. */
export function missingTransactions<Mark>(
  committed: readonly Committed<Mark>[],
  events: readonly ChangeEvent[],
): string {
  const held = holdings(events);
  const txns = committed.filter((tx) => !tx.changes.every(held)).map((tx) => tx.txn);
  const ranges: string[] = [];
  for (let i = 0; i < txns.length; ) {
    let j = i;
    while (j + 1 < txns.length && txns[j + 1] === (txns[j] as number) + 1) j++;
    ranges.push(i === j ? `${txns[i]}` : `${txns[i]}-${txns[j]}`);
    i = j + 1;
  }
  return `${txns.length} of ${committed.length} transactions incomplete: ${ranges.slice(0, 40).join(', ')}`;
}

/** How many events repeat an earlier one (the at-least-once duplicates a restart causes). */
export function repeats(events: readonly ChangeEvent[]): number {
  const rows = events.flatMap((event) => {
    const row = afterImage(event);
    return row ? [`${row.id}:${row.seq}`] : [];
  });
  return rows.length - new Set(rows).size;
}

/**
 * Whether the source connector's stored offset says its snapshot is complete (PostgreSQL:
 * last_snapshot_record, MySQL: snapshot_completed, or a streaming offset): from then on a restart
 * streams from the stored position instead of snapshotting again.
 */
export async function snapshotStored(host: HostProcess, connector: string): Promise<boolean> {
  const { status, body } = await host.call('GET', `/connectors/${connector}/offsets`);
  const offset = status === 200 ? body?.offsets?.[0]?.offset : undefined;
  return (
    offset !== undefined &&
    (offset.snapshot !== true || offset.last_snapshot_record === true || offset.snapshot_completed === true)
  );
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

/**
 * The first kill of a source test: starts the load (deletes included from the first transaction),
 * SIGKILLs the host in the middle of the initial snapshot (checked), restarts it and waits until the
 * snapshot taken again is complete in the stored offset. What was committed between the two
 * snapshot attempts, deletes included, must reach Kafka before the second snapshot's rows.
 */
export async function killDuringSnapshot<Mark>(test: {
  host: HostProcess;
  connector: string;
  load: ChangeLoad<Mark>;
  collector: TopicCollector;
  chance: ReturnType<typeof seededRandom>;
  prefill: number;
}): Promise<HostProcess> {
  const { connector, load, collector, chance, prefill } = test;
  load.deleting = true;
  // The load starts once the snapshot has written a record, so after the position it was taken at.
  // A row inserted and deleted before that position is rightly in no snapshot and no stream, but
  // here it would look like a lost insert and a lost delete (CI saw it once, seed 880638932).
  await waitFor('the first snapshot record in Kafka', async () => (await collector.written()) >= 1, {
    timeoutMs: 30_000,
    intervalMs: 20,
  });
  load.start();
  const snapshotKillAt = chance.int(prefill / 10, prefill / 2);
  await waitFor(
    `${snapshotKillAt} snapshot records in Kafka`,
    async () => (await collector.written()) >= snapshotKillAt,
    { timeoutMs: 30_000, intervalMs: 20 },
  );
  const host = await killAndRestart(test.host, async () => {
    const written = await collector.written();
    console.log(
      `kill 1 during the snapshot: ${written} of ${prefill} snapshot records written, ${load.committed.length} transactions committed`,
    );
    expect(written, 'the first kill must land inside the snapshot').toBeLessThan(prefill);
  });
  // The snapshot taken again first streams what was committed since the first one began.
  await waitFor('the snapshot complete in the stored offset', () => snapshotStored(host, connector), {
    timeoutMs: 60_000,
    intervalMs: 20,
  });
  console.log(`snapshot taken again and stored by transaction ${load.committed.length}`);
  return host;
}
