import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import pg from 'pg';
import type { BenchArgs } from './lib/args.ts';
import { benchEnv } from './lib/env.ts';
import { pgSourceConfig } from './lib/pg-connector.ts';
import { machine, type ScenarioResult, today, versions, writeResult } from './lib/results.ts';
import { median } from './lib/stats.ts';
import { freePort, type RunningSystem, startSystem } from './lib/systems.ts';

// Broker return: how long Onramp takes to stream again once Kafka comes back. Onramp alone, on a
// throwaway single-node KRaft broker (the stack's Kafka 4.4 jars, its own ports and data folder
// under /tmp: the shared brokers are never touched). A PostgreSQL source streams one small table
// while a writer commits one insert per transaction at a steady rate the whole time. Per outage the
// broker is killed (SIGKILL) for N seconds and started again on the same data folder; measured:
// - resume: the broker's listener accepting TCP connections again -> the LogAppendTime of the first
//   record appended after the restart (the broker's clock; same machine);
// - broker ready: the listener -> the bench's own client reading the partition's end offset (the
//   broker's own start-up, which no client can beat), and resume counted from there;
// - the task's states meanwhile (RUNNING / RESTARTING), polled from /status every 100 ms.
// At the end every committed id is looked up in the topic: lost must be 0; duplicates (at least
// once) and ids seen out of commit order are counted too.

const { Kafka, logLevel } = kafkajs;

const SCHEMA = 'brkret';
const TABLE = 'events';
const PUBLICATION = 'brkret_pub';
const SLOT = 'brkret_slot';
const TOPIC_PREFIX = 'brkret';
const TOPIC = `${TOPIC_PREFIX}.${SCHEMA}.${TABLE}`;
const CONNECTOR = 'broker-return';
/** The bench's own idempotent producer writes here after a restart: when the broker takes writes again. */
const PROBE_TOPIC = 'brkret-probe';
const KAFKA_HOME = '/var/tmp/onramp-stack/kafka-4.4';
const RESUME_TARGET_MS = 3_000;

const LOG4J2 = `status = warn
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = \${sys:onramp.kafka.log.level:-INFO}
rootLogger.appenderRef.stdout.ref = STDOUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.stateChange.name = state.change.logger
logger.stateChange.level = WARN
`;

const trace = (what: string) => {
  if (process.env.BENCH_TRACE) console.log(`${new Date().toISOString()} ${what}`);
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One KRaft node (broker and controller) from the stack's Kafka install, in a scratch folder. */
class ScratchBroker {
  readonly home = mkdtempSync(join(tmpdir(), 'onramp-bench-broker-'));
  port = 0;
  private controllerPort = 0;
  private child: ChildProcess | undefined;
  private starts = 0;

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  private java(args: string[], quiet: boolean): string[] {
    return [
      `-Dlog4j2.configurationFile=${join(this.home, 'log4j2.properties')}`,
      ...(quiet ? ['-Donramp.kafka.log.level=WARN'] : []),
      '-cp',
      `${KAFKA_HOME}/libs/*`,
      ...args,
    ];
  }

  async install(): Promise<void> {
    this.port = await freePort();
    this.controllerPort = await freePort();
    writeFileSync(join(this.home, 'log4j2.properties'), LOG4J2);
    writeFileSync(
      join(this.home, 'server.properties'),
      `process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${this.controllerPort}
listeners=PLAINTEXT://127.0.0.1:${this.port},CONTROLLER://127.0.0.1:${this.controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${this.port}
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=${join(this.home, 'data')}
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
auto.create.topics.enable=false
num.partitions=1
group.initial.rebalance.delay.ms=0
`,
    );
    const format = spawn(
      'java',
      this.java(
        [
          'kafka.tools.StorageTool',
          'format',
          '-t',
          randomBytes(16).toString('base64url'),
          '-c',
          join(this.home, 'server.properties'),
        ],
        true,
      ),
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const code = await new Promise<number | null>((resolve) => format.once('exit', resolve));
    if (code !== 0) throw new Error(`formatting the scratch broker's storage exited with ${code}`);
  }

  start(): void {
    this.starts++;
    const log = createWriteStream(join(this.home, `broker-${this.starts}.log`));
    this.child = spawn(
      'java',
      [
        '-Xms256m',
        '-Xmx512m',
        '-Djava.awt.headless=true',
        `-Dkafka.logs.dir=${this.home}`,
        ...this.java(['kafka.Kafka', join(this.home, 'server.properties')], false),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child.stdout?.pipe(log);
    this.child.stderr?.pipe(log);
    // Never left running: also when the bench itself is interrupted.
    const child = this.child;
    const reap = () => child.kill('SIGKILL');
    process.once('exit', reap);
    child.once('exit', () => process.off('exit', reap));
  }

  /** SIGKILL, as a crash: nothing flushed, no controlled shutdown. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Resolves (Date.now()) once the plaintext listener accepts a TCP connection. */
  async listening(deadlineMs: number): Promise<number> {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      const accepted = await new Promise<boolean>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port: this.port });
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
      if (accepted) return Date.now();
      if (this.child?.exitCode !== null) throw new Error(`the scratch broker exited (logs in ${this.home})`);
      if (Date.now() > deadline) throw new Error(`the scratch broker did not listen within ${deadlineMs} ms`);
      await sleep(10);
    }
  }

  async remove(): Promise<void> {
    await this.kill();
    rmSync(this.home, { recursive: true, force: true });
  }
}

function kafkaFor(broker: ScratchBroker) {
  return new Kafka({
    clientId: 'onramp-bench-broker-return',
    brokers: [broker.address],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 5_000,
    retry: { initialRetryTime: 50, retries: 2 },
  });
}

/**
 * Date.now() once the broker appends a record from a fresh idempotent producer (acks=all), tried
 * every 50 ms: the earliest any client could resume, whatever Onramp does.
 */
async function firstWrite(broker: ScratchBroker, deadlineMs: number): Promise<number> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const producer = kafkaFor(broker).producer({ idempotent: true, maxInFlightRequests: 1 });
    try {
      await producer.connect();
      await producer.send({ topic: PROBE_TOPIC, acks: -1, messages: [{ value: 'probe' }] });
      return Date.now();
    } catch {
      if (Date.now() > deadline) throw new Error(`the broker took no write within ${deadlineMs} ms`);
    } finally {
      await producer.disconnect().catch(() => undefined);
    }
    await sleep(50);
  }
}

/** The topic's end offset, or undefined while the broker (or the partition's leader) cannot say. */
async function endOffset(broker: ScratchBroker): Promise<number | undefined> {
  const admin = kafkaFor(broker).admin();
  try {
    await admin.connect();
    const [partition] = await admin.fetchTopicOffsets(TOPIC);
    return partition ? Number(partition.high) : undefined;
  } catch {
    return undefined;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function waitForRecords(broker: ScratchBroker, count: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (((await endOffset(broker)) ?? 0) < count) {
    if (Date.now() > deadline) throw new Error(`the topic did not reach ${count} records within 120 s`);
    await sleep(100);
  }
}

interface TopicRecord {
  offset: number;
  timestamp: number;
  id: number;
}

/**
 * The records of the topic from offset `from` up to its current end: offset, LogAppendTime and the
 * row's id (the key). A consumer group of its own, with the patient retries of a reader (the group
 * coordinator may still be loading after a restart); a consumer crash fails the read.
 */
async function readTopic(broker: ScratchBroker, from = 0): Promise<TopicRecord[]> {
  const end = (await endOffset(broker)) ?? 0;
  const records: TopicRecord[] = [];
  if (end <= from) return records;
  const kafka = new Kafka({
    clientId: 'onramp-bench-broker-return-reader',
    brokers: [broker.address],
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 100, retries: 10 },
  });
  const consumer = kafka.consumer({
    groupId: `broker-return-reader-${randomBytes(4).toString('hex')}`,
    maxBytesPerPartition: 16 * 1024 * 1024,
    maxBytes: 64 * 1024 * 1024,
    retry: { initialRetryTime: 100, retries: 10 },
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.CRASH, (event) => reject(event.payload.error));
      const timer = setTimeout(() => reject(new Error(`reading ${TOPIC} took over 120 s`)), 120_000);
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const message of batch.messages) {
              const offset = Number(message.offset);
              if (offset < from || offset >= end) continue;
              const key = JSON.parse(message.key?.toString() ?? 'null') as {
                payload?: { id?: number };
              } | null;
              records.push({ offset, timestamp: Number(message.timestamp), id: Number(key?.payload?.id) });
            }
            if (Number(batch.lastOffset()) >= end - 1) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .then(() => {
          if (from > 0) consumer.seek({ topic: TOPIC, partition: 0, offset: String(from) });
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
  return records.sort((a, b) => a.offset - b.offset);
}

/** The first offset whose LogAppendTime is at or after `time` (the broker's time index). */
async function offsetAt(broker: ScratchBroker, time: number): Promise<number> {
  const admin = kafkaFor(broker).admin();
  await admin.connect();
  try {
    const [partition] = await admin.fetchTopicOffsetsByTimestamp(TOPIC, time);
    return Number(partition?.offset ?? 0);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** One insert per transaction, ids 1, 2, 3, ..., at `rate` per second on an open-loop schedule. */
class Writer {
  committed = 0;
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();
  private readonly client = new pg.Client({ connectionString: benchEnv().pgUrl });

  async start(rate: number): Promise<void> {
    await this.client.connect();
    const started = performance.now();
    this.loop = (async () => {
      while (!this.stopped) {
        const id = this.committed + 1;
        await this.client.query(
          `INSERT INTO ${SCHEMA}.${TABLE} (id, committed_at, note) VALUES ($1, clock_timestamp(), repeat('x', 200))`,
          [id],
        );
        this.committed = id;
        const due = started + (id * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
      }
    })();
  }

  async stop(): Promise<number> {
    this.stopped = true;
    await this.loop;
    await this.client.end().catch(() => undefined);
    return this.committed;
  }
}

async function withPg<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: benchEnv().pgUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function dropSlot(client: pg.Client): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const { rows } = await client.query<{ active_pid: number | null }>(
      'SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1',
      [SLOT],
    );
    if (rows.length === 0) return;
    try {
      if (rows[0]?.active_pid) await client.query('SELECT pg_terminate_backend($1)', [rows[0].active_pid]);
      await client.query('SELECT pg_drop_replication_slot($1)', [SLOT]);
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`could not drop the replication slot ${SLOT}`);
}

async function resetDatabase(): Promise<void> {
  await withPg(async (client) => {
    await dropSlot(client);
    await client.query(`DROP PUBLICATION IF EXISTS ${PUBLICATION}`);
    await client.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await client.query(`CREATE SCHEMA ${SCHEMA}`);
    await client.query(
      `CREATE TABLE ${SCHEMA}.${TABLE} (id bigint PRIMARY KEY, committed_at timestamptz NOT NULL, note text)`,
    );
    await client.query(`CREATE PUBLICATION ${PUBLICATION} FOR TABLE ${SCHEMA}.${TABLE}`);
    await client.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [SLOT]);
  });
}

async function cleanDatabase(): Promise<void> {
  await withPg(async (client) => {
    await dropSlot(client);
    await client.query(`DROP PUBLICATION IF EXISTS ${PUBLICATION}`);
    await client.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  }).catch((error: unknown) =>
    console.error(`broker-return: cleaning up PostgreSQL failed: ${String(error)}`),
  );
}

function connectorConfig(): Record<string, string> {
  return pgSourceConfig({
    slot: SLOT,
    snapshotMode: 'no_data',
    tables: [TABLE],
    schema: SCHEMA,
    topicPrefix: TOPIC_PREFIX,
    publication: PUBLICATION,
  });
}

/** The task's state transitions (state, ms since `origin`), polled from /status every 100 ms. */
class StateLog {
  private readonly entries: { state: string; at: number }[] = [];
  private timer: NodeJS.Timeout | undefined;

  start(system: RunningSystem): void {
    this.entries.length = 0;
    let busy = false;
    this.timer = setInterval(() => {
      if (busy) return;
      busy = true;
      system
        .status(CONNECTOR)
        .then((status) => {
          const state = status?.tasks[0]?.state ?? 'none';
          if (this.entries.at(-1)?.state !== state) this.entries.push({ state, at: Date.now() });
        })
        .catch(() => undefined)
        .finally(() => {
          busy = false;
        });
    }, 100);
  }

  stop(origin: number): string {
    clearInterval(this.timer);
    return this.entries
      .map((entry) => `${entry.state}@${((entry.at - origin) / 1000).toFixed(1)}s`)
      .join(' ');
  }
}

interface OutageRun {
  outageS: number;
  repeat: number;
  /** Broker listening -> LogAppendTime of the first record appended after the restart. */
  resumeMs: number;
  /** Broker listening -> the bench's own client reads the partition's end offset. */
  brokerReadyMs: number;
  /** brokerReadyMs -> that first record. */
  resumeAfterReadyMs: number;
  /** Broker listening -> a fresh idempotent producer of the bench's own got a write acknowledged. */
  brokerWritableMs: number;
  /** brokerWritableMs -> that first record (negative: Onramp was first). */
  resumeAfterWritableMs: number;
  /** SIGKILL -> listening again (the outage plus the JVM's start to its listener). */
  downMs: number;
  /** The task's states over the outage, seconds from the broker listening again. */
  states: string;
  loadAvg1m: number;
}

/** `npm run bench -- broker-return [--outages 5,15,30] [--repeats 2] [--rate 100] [--settle 8]`. */
export async function brokerReturnScenario(args: BenchArgs): Promise<void> {
  const outages = args.numbers('outages', [5, 15, 30]);
  const repeats = args.number('repeats', 2);
  const rate = args.number('rate', 100);
  const settleS = args.number('settle', 8);
  const label = args.string('label', '');
  const loadBefore = loadavg().map((load) => load.toFixed(2));
  const broker = new ScratchBroker();
  const writer = new Writer();
  let system: RunningSystem | undefined;
  const runs: OutageRun[] = [];
  let lost = Number.NaN;
  let duplicates = Number.NaN;
  let outOfOrder = Number.NaN;
  let committed = 0;
  try {
    await broker.install();
    broker.start();
    await broker.listening(120_000);
    const admin = kafkaFor(broker).admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: TOPIC,
          numPartitions: 1,
          replicationFactor: 1,
          configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }],
        },
        { topic: PROBE_TOPIC, numPartitions: 1, replicationFactor: 1 },
      ],
    });
    await admin.disconnect();
    await resetDatabase();
    // The host reads KAFKA_BROKERS (bench/lib/systems.ts): point it at the scratch broker.
    process.env.KAFKA_BROKERS = broker.address;
    system = await startSystem('onramp', { logLevel: 'info' });
    await system.createConnector(CONNECTOR, connectorConfig());
    await system.waitRunning(CONNECTOR);
    await writer.start(rate);
    // The first read creates __consumer_offsets, so later reads do not wait for that.
    await waitForRecords(broker, 1);
    await readTopic(broker);
    const states = new StateLog();
    for (let repeat = 1; repeat <= repeats; repeat++) {
      for (const outageS of outages) {
        // Streaming steadily first: the topic caught up with what was committed a moment ago.
        await sleep(settleS * 1000);
        await waitForRecords(broker, writer.committed - rate);
        trace(`outage ${outageS} s: caught up`);
        states.start(system);
        const killedAt = Date.now();
        await broker.kill();
        await sleep(outageS * 1000);
        broker.start();
        const listeningAt = await broker.listening(120_000);
        trace('listening');
        const writable = firstWrite(broker, 180_000);
        let readyAt: number | undefined;
        let before: number | undefined;
        const waitUntil = Date.now() + 180_000;
        // The first end offset the broker gives after its return, then the moment it grows.
        for (;;) {
          const end = await endOffset(broker);
          if (end !== undefined) {
            if (readyAt === undefined) trace(`ready, end ${end}`);
            readyAt ??= Date.now();
            before ??= end;
            if (end > before) break;
          }
          if (Date.now() > waitUntil) throw new Error(`no record within 180 s of the broker's return`);
          await sleep(50);
        }
        trace('grown');
        const writableAt = await writable;
        // The first record appended after the kill (LogAppendTime > kill time) is the first new one.
        const records = await readTopic(broker, Math.max(0, (await offsetAt(broker, killedAt)) - 5));
        trace(`read ${records.length}`);
        const first = records.find((record) => record.timestamp > killedAt);
        if (!first || readyAt === undefined) throw new Error('no record after the restart found');
        await sleep(2000);
        const run: OutageRun = {
          outageS,
          repeat,
          resumeMs: first.timestamp - listeningAt,
          brokerReadyMs: readyAt - listeningAt,
          resumeAfterReadyMs: first.timestamp - readyAt,
          brokerWritableMs: writableAt - listeningAt,
          resumeAfterWritableMs: first.timestamp - writableAt,
          downMs: listeningAt - killedAt,
          states: states.stop(listeningAt),
          loadAvg1m: Number(loadavg()[0]?.toFixed(2)),
        };
        runs.push(run);
        console.log(
          `broker-return outage ${outageS} s (#${repeat}): first event ${run.resumeMs} ms after the listener ` +
            `(broker ready after ${run.brokerReadyMs} ms, +${run.resumeAfterReadyMs} ms; writable after ${run.brokerWritableMs} ms, ` +
            `${run.resumeAfterWritableMs >= 0 ? '+' : ''}${run.resumeAfterWritableMs} ms; down ${(run.downMs / 1000).toFixed(1)} s); task: ${run.states}`,
        );
      }
    }
    committed = await writer.stop();
    // Everything committed must arrive: wait for the topic to hold every id (stalls end the wait).
    let records: TopicRecord[] = [];
    let distinct = 0;
    const deadline = Date.now() + 120_000;
    for (;;) {
      records = await readTopic(broker);
      distinct = new Set(records.map((record) => record.id)).size;
      if (distinct >= committed || Date.now() > deadline) break;
      await sleep(1000);
    }
    lost = committed - distinct;
    duplicates = records.length - distinct;
    const seen = new Set<number>();
    let highest = 0;
    outOfOrder = 0;
    for (const record of records) {
      if (seen.has(record.id)) continue;
      seen.add(record.id);
      if (record.id < highest) outOfOrder++;
      highest = Math.max(highest, record.id);
    }
    console.log(
      `broker-return: ${committed} committed, ${distinct} distinct in Kafka: lost ${lost}, duplicates ${duplicates}, out of order ${outOfOrder}`,
    );
  } finally {
    await writer.stop().catch(() => undefined);
    if (system) await system.stop({ keepWorkDir: args.flag('keep') });
    await broker.remove();
    await cleanDatabase();
  }
  const loadAfter = loadavg().map((load) => load.toFixed(2));
  const byOutage = outages.map((outageS) => {
    const mine = runs.filter((run) => run.outageS === outageS);
    return {
      outageS,
      resumeMs: median(mine.map((run) => run.resumeMs)),
      maxResumeMs: Math.max(...mine.map((run) => run.resumeMs)),
      brokerReadyMs: median(mine.map((run) => run.brokerReadyMs)),
      resumeAfterReadyMs: median(mine.map((run) => run.resumeAfterReadyMs)),
      brokerWritableMs: median(mine.map((run) => run.brokerWritableMs)),
      resumeAfterWritableMs: median(mine.map((run) => run.resumeAfterWritableMs)),
      downMs: median(mine.map((run) => run.downMs)),
    };
  });
  const result: ScenarioResult = {
    scenario: 'broker-return',
    date: today(),
    machine: { ...machine(), loadAvgBefore: loadBefore.join(' '), loadAvgAfter: loadAfter.join(' ') },
    versions: {
      ...(await versions()),
      kafkaBroker: 'scratch single-node KRaft broker from the stack Kafka 4.4 install',
    },
    settings: { outages, repeats, rate, settleS, label, ...args.given() },
    runs,
    summary: {
      target_resume_ms: RESUME_TARGET_MS,
      resume_ms_median: median(runs.map((run) => run.resumeMs)),
      resume_ms_max: Math.max(...runs.map((run) => run.resumeMs)),
      by_outage: byOutage,
      committed,
      lost,
      duplicates,
      out_of_order: outOfOrder,
    },
    table: {
      columns: [
        'outage',
        'resume (listener -> first event), median ms',
        'max ms',
        'broker ready, ms',
        'ready -> first event, ms',
        'broker writable (own producer), ms',
        'writable -> first event, ms',
        'broker down in all, s',
        'target',
      ],
      rows: [
        ...byOutage.map((entry) => [
          `${entry.outageS} s`,
          Math.round(entry.resumeMs),
          entry.maxResumeMs,
          Math.round(entry.brokerReadyMs),
          Math.round(entry.resumeAfterReadyMs),
          Math.round(entry.brokerWritableMs),
          Math.round(entry.resumeAfterWritableMs),
          (entry.downMs / 1000).toFixed(1),
          `< ${RESUME_TARGET_MS}`,
        ]),
        [
          `lost / duplicates / out of order of ${committed}`,
          lost,
          duplicates,
          outOfOrder,
          '',
          '',
          '',
          '',
          '0 lost',
        ],
      ],
    },
    notes: [
      `Onramp alone (compiled host), PostgreSQL source of one table at ${rate} single-insert transactions/s, a scratch broker killed (SIGKILL) for each outage and restarted on its data; ${repeats} repeat(s) per outage; load average ${loadBefore.join(' ')} before, ${loadAfter.join(' ')} after.`,
      'resume = broker listener accepting TCP again -> LogAppendTime of the first record appended after the restart; broker ready = the bench client reading the end offset; broker writable = a fresh idempotent producer of the bench (kafkajs, acks=all) tried every 50 ms got a write acknowledged: the floor no client beats. "outage" is the pause between SIGKILL and the restart; the broker is down longer (JVM start, and a KRaft node killed -9 waits out its old registration, broker.session.timeout.ms 9 s, before its listener opens).',
    ],
  };
  console.log(`results: ${writeResult(result)}`);
}
