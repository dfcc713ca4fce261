import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { kafkaHome } from '../../scripts/stack/kafka-paths.ts';
import { BENCH_HOME, debeziumRuntimeDir, ensureDebezium } from './debezium-install.ts';
import { benchEnv, urlParts } from './env.ts';
import { deleteTopics, recreateTopics } from './kafka-topics.ts';
import { type BinlogPosition, binlogFilesBetween, mariadbPid, withMysql } from './mysql-workload.ts';
import { PUBLICATION, slotWalsender, withPg } from './pg-workload.ts';
import { CpuWindow } from './proc-usage.ts';
import { round } from './stats.ts';

// What no connector on this machine can beat, measured with the tools the databases and Kafka ship:
// pg_recvlogical (PostgreSQL's own logical replication client), mariadb-binlog (MariaDB's binlog
// reader), Kafka's ProducerPerformance and ConsumerPerformance (kafka-producer-perf-test and
// kafka-consumer-perf-test, from the stack's Kafka install), a table read by psql / the mariadb
// client, and a bulk load (COPY, LOAD DATA). The ceilings scenario runs them alone; every comparison
// scenario runs the ones that bound it once per run index, beside the systems.

export interface Measured {
  seconds: number;
  /** Changes, rows or records per second, as the caller counts them. */
  perSec: number;
  cpuSeconds: Record<string, number>;
}

export type ProducerMeasured = Measured & { mbPerSec: number; avgLatencyMs: number };
export type BinlogMeasured = Measured & { mbPerSec: number; bytes: number };

/** The class path of Kafka's tools: the stack's Kafka install, else the bench's Kafka Connect copy. */
async function kafkaToolsClassPath(): Promise<{ classPath: string; from: string }> {
  const libs = join(kafkaHome(), 'libs');
  if (existsSync(libs) && readdirSync(libs).some((name) => name.startsWith('kafka-tools-')))
    return { classPath: `${libs}/*`, from: libs };
  await ensureDebezium();
  return { classPath: `${debeziumRuntimeDir()}/*`, from: debeziumRuntimeDir() };
}

/** The Kafka version of the tools' jar, e.g. 4.4.0. */
export async function kafkaToolsVersion(): Promise<string> {
  const { from } = await kafkaToolsClassPath();
  const jar = readdirSync(from).find((name) => /^kafka-tools-\d/.test(name));
  return jar?.replace(/^kafka-tools-/, '').replace(/\.jar$/, '') ?? 'unknown';
}

function exitOf(child: ReturnType<typeof spawn>, what: string): Promise<string> {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${what} exited ${code}: ${output.slice(-2000)}`)),
    );
  });
}

/** Runs a command to completion, charging its own CPU (and `others`') to the measurement. */
async function timed(
  command: string,
  args: string[],
  others: Record<string, number | undefined> = {},
): Promise<{ seconds: number; output: string; cpuSeconds: Record<string, number> }> {
  const windows = Object.fromEntries(
    Object.entries(others).map(([name, pid]) => [name, new CpuWindow(pid ? [pid] : [])]),
  );
  const started = performance.now();
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = exitOf(child, command);
  const own = new CpuWindow([]);
  own.track(child.pid ?? 0, true);
  let running = true;
  void exited.then(
    () => {
      running = false;
    },
    () => {
      running = false;
    },
  );
  while (running) {
    own.sample();
    for (const window of Object.values(windows)) window.sample();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const output = await exited;
  const cpuSeconds: Record<string, number> = { [command]: round(own.seconds(), 2) };
  for (const [name, window] of Object.entries(windows)) cpuSeconds[name] = round(window.seconds(), 2);
  return { seconds: (performance.now() - started) / 1000, output, cpuSeconds };
}

/** pg_recvlogical from `slot` up to `endLsn` to /dev/null, with its CPU and the walsender's. */
export async function recvlogical(
  slot: string,
  protoVersion: 1 | 2,
  endLsn: string,
  changes: number,
): Promise<Measured> {
  const options = ['-o', `proto_version=${protoVersion}`, '-o', `publication_names=${PUBLICATION}`];
  if (protoVersion === 2) options.push('-o', 'streaming=on');
  const started = performance.now();
  const child = spawn(
    'pg_recvlogical',
    [
      '-d',
      benchEnv().pgUrl,
      '--slot',
      slot,
      '--start',
      '--no-loop',
      '-E',
      endLsn,
      '-f',
      '/dev/null',
      ...options,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = exitOf(child, 'pg_recvlogical');
  const client = new CpuWindow([]);
  const walsender = new CpuWindow([]);
  client.track(child.pid ?? 0, true);
  let running = true;
  void exited.then(
    () => {
      running = false;
    },
    () => {
      running = false;
    },
  );
  await withPg(async (pgc) => {
    while (running) {
      const pid = await slotWalsender(pgc, slot).catch(() => undefined);
      if (pid) walsender.track(pid, true);
      client.sample();
      walsender.sample();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  await exited;
  const seconds = (performance.now() - started) / 1000;
  return {
    seconds: round(seconds, 3),
    perSec: round(changes / seconds, 0),
    cpuSeconds: { pgRecvlogical: round(client.seconds(), 2), walsender: round(walsender.seconds(), 2) },
  };
}

/** mariadb-binlog reading `from`..`to` from the server, decoded to /dev/null or --raw to a scratch folder. */
export async function mariadbBinlog(
  from: BinlogPosition,
  to: BinlogPosition,
  changes: number,
  raw: boolean,
): Promise<BinlogMeasured> {
  const db = urlParts(benchEnv().mysqlUrl, 3306);
  const { files, server } = await withMysql(async (connection) => ({
    files: await binlogFilesBetween(connection, from.file, to.file),
    server: await mariadbPid(connection),
  }));
  const scratch = raw ? mkdtempSync(join(BENCH_HOME, 'binlog-raw-')) : undefined;
  const range = raw
    ? ['--raw', `--result-file=${scratch}/`, `--start-position=${from.pos}`]
    : [`--start-position=${from.pos}`, `--stop-position=${to.pos}`, '--result-file=/dev/null'];
  try {
    const run = await timed(
      'mariadb-binlog',
      [
        '--read-from-remote-server',
        `--host=${db.hostname}`,
        `--port=${db.port}`,
        `--user=${db.user}`,
        `--password=${db.password}`,
        ...range,
        ...files,
      ],
      { mariadbd: server },
    );
    // Decoded: the range itself (one file, or the files between); raw: what was copied.
    const bytes = scratch
      ? readdirSync(scratch).reduce((sum, name) => sum + statSync(join(scratch, name)).size, 0)
      : from.file === to.file
        ? to.pos - from.pos
        : Number.NaN;
    return {
      seconds: round(run.seconds, 3),
      perSec: round(changes / run.seconds, 0),
      mbPerSec: round(bytes / 2 ** 20 / run.seconds, 2),
      bytes,
      cpuSeconds: run.cpuSeconds,
    };
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Producer settings of the producer ceilings: `connect` is Connect's worker producer with Kafka's
 * defaults (at ~4 KB records a 16 KB batch holds 3 records); `batched` sends 1 MB batches with up
 * to 5 requests in flight (idempotence keeps them in order): the most this broker takes from one
 * producer, the real ceiling (both systems send 1 request at a time).
 */
export const PRODUCER_VARIANTS = {
  connect: ['max.in.flight.requests.per.connection=1', 'linger.ms=0', 'batch.size=16384'],
  batched: ['max.in.flight.requests.per.connection=5', 'linger.ms=10', 'batch.size=1048576'],
} as const;

/** Kafka's ProducerPerformance: `records` records of `recordSize` bytes, acks=all, idempotent. */
export async function producerPerformance(
  topic: string,
  records: number,
  recordSize: number,
  variant: keyof typeof PRODUCER_VARIANTS,
): Promise<ProducerMeasured> {
  const { classPath } = await kafkaToolsClassPath();
  await recreateTopics([topic], 1);
  const props = [
    'acks=all',
    'enable.idempotence=true',
    'compression.type=none',
    ...PRODUCER_VARIANTS[variant],
  ];
  try {
    const run = await timed('java', [
      '-Xmx512m',
      '-cp',
      classPath,
      'org.apache.kafka.tools.ProducerPerformance',
      '--topic',
      topic,
      '--num-records',
      String(records),
      '--record-size',
      String(recordSize),
      '--throughput',
      '-1',
      '--producer-props',
      `bootstrap.servers=${benchEnv().kafkaBrokers.join(',')}`,
      ...props,
    ]);
    // "200000 records sent, 51234.5 records/sec (200.13 MB/sec), 12.34 ms avg latency, ..."
    const summary =
      /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency/.exec(
        run.output.trim().split('\n').pop() ?? '',
      );
    if (!summary) throw new Error(`could not read ProducerPerformance's summary: ${run.output.slice(-500)}`);
    return {
      seconds: round(run.seconds, 3),
      perSec: round(Number(summary[2]), 0),
      mbPerSec: round(Number(summary[3]), 2),
      avgLatencyMs: round(Number(summary[4]), 1),
      cpuSeconds: { producerPerformance: run.cpuSeconds.java ?? Number.NaN },
    };
  } finally {
    await deleteTopics([topic]).catch(() => undefined);
  }
}

/** Kafka's ConsumerPerformance reading `records` records of `topic` from the start (a fresh group). */
export async function consumerPerformance(
  topic: string,
  records: number,
): Promise<Measured & { mbPerSec: number }> {
  const { classPath } = await kafkaToolsClassPath();
  const run = await timed('java', [
    '-Xmx512m',
    '-cp',
    classPath,
    'org.apache.kafka.tools.ConsumerPerformance',
    '--bootstrap-server',
    benchEnv().kafkaBrokers.join(','),
    '--topic',
    topic,
    '--num-records',
    String(records),
    '--group',
    `bench-ceiling-${Date.now().toString(36)}`,
    '--hide-header',
    '--timeout',
    '30000',
    // As large as the sinks fetch (Onramp: 4 MB a partition; the tuned Debezium: 8 MB).
    '--fetch-size',
    String(8 * 1024 * 1024),
  ]);
  // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms,
  // fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec: the fetch figures leave out the group join.
  const line = run.output
    .trim()
    .split('\n')
    .reverse()
    .find((text) => text.split(',').length >= 10);
  const fields = line?.split(',').map((field) => field.trim());
  const fetchMs = Number(fields?.[7]);
  const consumed = Number(fields?.[4]);
  if (!fields || !Number.isFinite(fetchMs) || fetchMs <= 0 || consumed < records)
    throw new Error(`could not read ConsumerPerformance's result: ${run.output.slice(-500)}`);
  return {
    seconds: round(fetchMs / 1000, 3),
    perSec: round(Number(fields[9]), 0),
    mbPerSec: round(Number(fields[8]), 2),
    cpuSeconds: { consumerPerformance: run.cpuSeconds.java ?? Number.NaN },
  };
}

/** psql reading a whole table with COPY ... TO STDOUT into /dev/null (a snapshot's read, alone). */
export async function pgTableRead(table: string, rows: number): Promise<Measured> {
  const run = await timed('psql', [
    benchEnv().pgUrl,
    '-X',
    '-q',
    '-c',
    `\\copy (SELECT * FROM ${table}) TO '/dev/null'`,
  ]);
  return { seconds: round(run.seconds, 3), perSec: round(rows / run.seconds, 0), cpuSeconds: run.cpuSeconds };
}

/** The mariadb client reading a whole table row by row (--quick) into /dev/null. */
export async function mariadbTableRead(table: string, rows: number): Promise<Measured> {
  const db = urlParts(benchEnv().mysqlUrl, 3306);
  const server = await withMysql(mariadbPid);
  const run = await timed(
    'sh',
    [
      '-c',
      'exec mariadb --quick --batch --skip-column-names -h "$1" -P "$2" -u "$3" "-p$4" -e "$5" > /dev/null',
      'sh',
      db.hostname,
      String(db.port),
      db.user,
      db.password,
      `SELECT * FROM ${table}`,
    ],
    { mariadbd: server },
  );
  return { seconds: round(run.seconds, 3), perSec: round(rows / run.seconds, 0), cpuSeconds: run.cpuSeconds };
}
