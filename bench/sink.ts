import { loadavg } from 'node:os';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { alternateWithCeiling, DEFAULT_SYSTEMS, systemsArg } from './lib/alternate.ts';
import type { BenchArgs } from './lib/args.ts';
import { wantsCeiling } from './lib/ceiling-run.ts';
import { closingRows, compare, medianRow, tableColumns, writeComparison } from './lib/comparison.ts';
import { sinkConfigFor, TUNING_SETTINGS } from './lib/debezium-tuning.ts';
import { benchEnv, urlParts } from './lib/env.ts';
import { recreateTopics } from './lib/kafka-topics.ts';
import { machine } from './lib/results.ts';
import { round } from './lib/stats.ts';
import {
  checkFormatSystems,
  converterFormat,
  convertersFor,
  DEFAULT_HEAP_MB,
  isOnramp,
  type SystemKind,
  startSystem,
} from './lib/systems.ts';
import type { Scenario } from './scenarios/scenario.ts';
import { sinkCeiling } from './sink-ceiling.ts';
import { produceWorkload, type Workload } from './sink-workload.ts';

// mysql-sink / pg-sink: a topic pre-filled with --records (default 200k) Debezium change events
// (Kafka Connect JSON with schemas, or --format avro for Onramp alone), then the host starts with a
// fresh data dir, the JDBC sink connector is created over REST (upsert, deletes on, table created
// by the sink) and the clock runs until the target table equals the expected final state (count
// and sums polled; every row compared at the end). Figures: records/s, p99 apply latency (Onramp's
// sink_apply_latency_p99_ms), peak RSS (VmHWM) and CPU seconds of the process.

type Target = 'mysql' | 'postgres';

interface SinkRun {
  records: number;
  seconds: number;
  recordsPerSec: number;
  /** Onramp: p99 of the table batches' apply time (a histogram bucket's bound). */
  p99ApplyMs: number | null;
  /** Onramp: mean apply time of a table batch, and how many there were. */
  meanApplyMs: number | null;
  tableBatches: number | null;
  peakRssMb: number;
  /** Onramp's highest sampled V8 heap in use; null for Debezium. */
  peakHeapUsedMb: number | null;
  cpuSeconds: number;
  cpuPerMillion: number;
  wrongRows: number;
  /** Rows that differ from the expected final state (the comparison's `lost`). */
  lost: number;
}

interface TargetDb {
  jdbcUrl: string;
  user: string;
  password: string;
  drop(table: string): Promise<void>;
  totals(table: string): Promise<{ rows: number; qty: number; version: number } | undefined>;
  rows(table: string): Promise<Map<number, { qty: number; version: number }>>;
  close(): Promise<void>;
}

function mysqlTarget(): TargetDb {
  const url = benchEnv().mysqlUrl;
  const parts = urlParts(url, 3306);
  const pool = mysql.createPool({ uri: url, connectionLimit: 2 });
  const quoted = (table: string) => `\`${table}\``;
  return {
    jdbcUrl: `jdbc:mysql://${parts.hostname}:${parts.port}/${parts.database}`,
    user: parts.user,
    password: parts.password,
    async drop(table) {
      await pool.query(`DROP TABLE IF EXISTS ${quoted(table)}`);
    },
    async totals(table) {
      try {
        const [rows] = await pool.query(
          `SELECT COUNT(*) AS n, COALESCE(SUM(qty),0) AS q, COALESCE(SUM(version),0) AS v FROM ${quoted(table)}`,
        );
        const [row] = rows as Array<{ n: number; q: string; v: string }>;
        return { rows: Number(row?.n), qty: Number(row?.q), version: Number(row?.v) };
      } catch {
        return undefined; // not created yet
      }
    },
    async rows(table) {
      const [rows] = await pool.query(`SELECT id, qty, version FROM ${quoted(table)}`);
      return new Map(
        (rows as Array<{ id: number; qty: number; version: number }>).map((row) => [
          Number(row.id),
          { qty: Number(row.qty), version: Number(row.version) },
        ]),
      );
    },
    close: () => pool.end(),
  };
}

function postgresTarget(): TargetDb {
  const url = benchEnv().pgUrl;
  const parts = urlParts(url, 5432);
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  const quoted = (table: string) => `"${table}"`;
  return {
    jdbcUrl: `jdbc:postgresql://${parts.hostname}:${parts.port}/${parts.database}`,
    user: parts.user,
    password: parts.password,
    async drop(table) {
      await pool.query(`DROP TABLE IF EXISTS ${quoted(table)}`);
    },
    async totals(table) {
      try {
        const { rows } = await pool.query(
          `SELECT COUNT(*) AS n, COALESCE(SUM(qty),0) AS q, COALESCE(SUM(version),0) AS v FROM ${quoted(table)}`,
        );
        const row = rows[0] as { n: string; q: string; v: string } | undefined;
        return { rows: Number(row?.n), qty: Number(row?.q), version: Number(row?.v) };
      } catch {
        return undefined;
      }
    },
    async rows(table) {
      const { rows } = await pool.query(`SELECT id, qty, version FROM ${quoted(table)}`);
      return new Map(
        (rows as Array<{ id: number; qty: number; version: number }>).map((row) => [
          Number(row.id),
          { qty: Number(row.qty), version: Number(row.version) },
        ]),
      );
    },
    close: () => pool.end(),
  };
}

/**
 * Onramp's apply times of a table's batches, ms: the p99 (the sink_apply_latency_p99_ms gauge where
 * the host has it, else the upper bound of the sink_apply_duration_seconds histogram bucket holding
 * the 99th percentile), the mean and the number of table batches.
 */
async function applyTimes(
  restUrl: string,
  table: string,
): Promise<{ p99: number | null; mean: number | null; batches: number | null }> {
  const text = await (await fetch(`${restUrl}/metrics`)).text();
  const buckets: Array<{ le: number; count: number }> = [];
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    if (!line.includes(`table="${table}"`)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (line.startsWith('onramp_sink_apply_latency_p99_ms{'))
      return { p99: value, mean: null, batches: null };
    if (line.startsWith('onramp_sink_apply_duration_seconds_sum{')) sum = value;
    const le = /^onramp_sink_apply_duration_seconds_bucket\{(?:[^}]*,)?le="([^"]+)"/.exec(line)?.[1];
    if (le !== undefined)
      buckets.push({ le: le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), count: value });
  }
  buckets.sort((a, b) => a.le - b.le);
  const total = buckets[buckets.length - 1]?.count ?? 0;
  if (total === 0) return { p99: null, mean: null, batches: null };
  const bucket = buckets.find((candidate) => candidate.count >= 0.99 * total);
  return {
    p99: bucket && Number.isFinite(bucket.le) ? bucket.le * 1000 : null,
    mean: sum === undefined ? null : round((sum / total) * 1000, 1),
    batches: total,
  };
}

async function runOnce(
  kind: SystemKind,
  index: number,
  target: Target,
  db: TargetDb,
  topic: string,
  workload: Workload,
  args: BenchArgs,
): Promise<SinkRun> {
  const table = `bench_sink_${kind}_${index}`;
  const connector = `bench-${target}-sink-${kind}-${index}-${Date.now()}`;
  const timeoutMs = args.number('timeout-s', 900) * 1000;
  await db.drop(table);
  const system = await startSystem(kind, { heapMb: args.number('heap-mb', DEFAULT_HEAP_MB) });
  try {
    const cpuBefore = system.usage().cpuSeconds;
    const started = performance.now();
    await system.createConnector(
      connector,
      sinkConfigFor(kind, {
        'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
        'tasks.max': '1',
        topics: topic,
        'connection.url': db.jdbcUrl,
        'connection.username': db.user,
        'connection.password': db.password,
        'insert.mode': 'upsert',
        'primary.key.mode': 'record_key',
        'delete.enabled': 'true',
        'schema.evolution': 'basic',
        'collection.name.format': table,
        'batch.size': String(args.number('batch-size', 500)),
        ...convertersFor(converterFormat(args.string('format', 'json'))),
      }),
    );
    const { totals } = workload;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const now = await db.totals(table);
      if (now && now.rows === totals.rows && now.qty === totals.qty && now.version === totals.version) break;
      const state = await system.status(connector);
      const failed = state?.tasks.find((task) => task.state === 'FAILED');
      if (failed) throw new Error(`${kind}: task FAILED: ${failed.trace ?? ''}`.slice(0, 2000));
      if (Date.now() > deadline)
        throw new Error(
          `${kind}: target not at the final state within ${timeoutMs / 1000} s (${JSON.stringify(now)})`,
        );
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const seconds = (performance.now() - started) / 1000;
    const usage = system.usage();
    const apply = isOnramp(kind)
      ? await applyTimes(system.restUrl, table)
      : { p99: null, mean: null, batches: null };
    const stored = await db.rows(table);
    let wrongRows = Math.abs(stored.size - workload.expected.size);
    for (const [id, want] of workload.expected) {
      const have = stored.get(id);
      if (!have || have.qty !== want.qty || have.version !== want.version) wrongRows += 1;
    }
    const peakHeapUsedMb = system.peakHeapUsedMb();
    const cpuSeconds = usage.cpuSeconds - cpuBefore;
    const run: SinkRun = {
      records: workload.records,
      seconds: round(seconds, 2),
      recordsPerSec: Math.round(workload.records / seconds),
      p99ApplyMs: apply.p99,
      meanApplyMs: apply.mean,
      tableBatches: apply.batches,
      peakRssMb: round(usage.peakRssMb, 1),
      peakHeapUsedMb: peakHeapUsedMb === undefined ? null : round(peakHeapUsedMb, 1),
      cpuSeconds: round(cpuSeconds, 2),
      cpuPerMillion: round((cpuSeconds / workload.records) * 1e6, 1),
      wrongRows,
      lost: wrongRows,
    };
    console.log(`   ${kind}: ${JSON.stringify(run)}`);
    await system.deleteConnector(connector).catch(() => undefined);
    return run;
  } finally {
    await system.stop();
    await db.drop(table).catch(() => undefined);
  }
}

async function sinkBench(target: Target, args: BenchArgs): Promise<void> {
  const records = args.number('records', 200_000);
  const runs = args.number('runs', 1);
  const format = converterFormat(args.string('format', 'json'));
  const kinds = systemsArg(args.string('systems', format === 'avro' ? 'onramp' : DEFAULT_SYSTEMS));
  checkFormatSystems(format, kinds);
  const scenario = `${target === 'mysql' ? 'mysql' : 'pg'}-sink`;
  const topic = `bench.sink.${target}.${format}`;
  const db = target === 'mysql' ? mysqlTarget() : postgresTarget();
  try {
    await recreateTopics([topic], 1);
    const loadBefore = loadavg()[0] ?? 0;
    const producedAt = performance.now();
    const workload = await produceWorkload(topic, records, format);
    console.log(
      `${scenario}: ${workload.records} records (${workload.creates} creates, ${workload.updates} updates, ${workload.deletes} deletes + tombstones), ${(workload.bytes / 2 ** 20).toFixed(0)} MB ${format}, produced in ${((performance.now() - producedAt) / 1000).toFixed(1)} s; final rows ${workload.totals.rows}`,
    );
    const { outcomes, ceilings } = await alternateWithCeiling(
      runs,
      (kind, index) => runOnce(kind, index, target, db, topic, workload, args),
      kinds,
      wantsCeiling(args) ? () => sinkCeiling(target, topic, workload) : undefined,
    );
    const comparison = compare(
      outcomes,
      {
        figures: {
          recordsPerSec: (run) => run.recordsPerSec,
          seconds: (run) => run.seconds,
          p99ApplyMs: (run) => run.p99ApplyMs ?? Number.NaN,
          meanApplyMs: (run) => run.meanApplyMs ?? Number.NaN,
          cpuSeconds: (run) => run.cpuSeconds,
          cpuPerMillion: (run) => run.cpuPerMillion,
          peakRssMb: (run) => run.peakRssMb,
          peakHeapUsedMb: (run) => run.peakHeapUsedMb ?? Number.NaN,
        },
        finished: () => true,
        throughput: (run) => run.recordsPerSec,
        cpuPerMillion: (run) => run.cpuPerMillion,
      },
      ceilings,
    );
    const row = (label: string, name: string, digits = 1) => medianRow(comparison, label, name, digits);
    await writeComparison({
      scenario,
      settings: {
        records,
        runs,
        format,
        batchSize: args.number('batch-size', 500),
        systems: kinds,
        debeziumHeapMb: args.number('heap-mb', DEFAULT_HEAP_MB),
        debeziumTuned: TUNING_SETTINGS.sink,
        given: args.given(),
      },
      outcomes,
      ceilings,
      comparison,
      memory: { peakRssMb: 'peakRssMb', peakHeapUsedMb: 'peakHeapUsedMb' },
      table: {
        columns: tableColumns(comparison, `${scenario} (medians)`),
        rows: [
          row('records/s', 'recordsPerSec', 0),
          row('time to the final table state, s', 'seconds', 2),
          row('apply of one table batch (transaction), mean ms', 'meanApplyMs'),
          row('apply of one table batch, p99 ms (histogram bucket bound)', 'p99ApplyMs'),
          row('CPU s per M records: connector process', 'cpuPerMillion'),
          row('peak RSS, MB', 'peakRssMb'),
          row('peak V8 heap in use, MB (sampled each second)', 'peakHeapUsedMb'),
          ...closingRows(comparison, 'records').map((cells) =>
            cells.map((cell) => cell.replace(/^lost records/, 'wrong rows')),
          ),
        ],
      },
      notes: [
        `${workload.records} Debezium change events (${workload.creates} c, ${workload.updates} u, ${workload.deletes} d + tombstones), ${format}, one partition; upsert, deletes on, table created by the sink; timed from connector creation to the target equal to the final state`,
        `debezium = the JDBC sink with its defaults (batch.size ${args.number('batch-size', 500)}, Connect's consumer: max.poll.records 500, 1 MB fetches); debezium-tuned = batch.size 5000, use.reduction.buffer, max.poll.records 5000, 8 MB fetches, reWriteBatchedInserts / rewriteBatchedStatements in the JDBC URL (bench/lib/debezium-tuning.ts); Onramp gets the defaults' JSON. Ratios are against the better of the two.`,
        "Ceiling (per round): ConsumerPerformance reading the topic (fetch rate, group join left out), and the target bulk-loading the final table state in one transaction (COPY FROM STDIN / LOAD DATA LOCAL INFILE into a fresh table with the primary key), both as the workload's records/s; the lower of the two.",
        // Wall-clock figures mean little on a busy shared machine: say how busy it was.
        `1-minute load average ${round(loadBefore, 1)} before, ${round(loadavg()[0] ?? 0, 1)} after, ${machine().cores} cores`,
      ],
      verdict: {
        passed: 'Every run left the target table equal to the expected final state.',
        failed: 'FAILED: some runs left wrong rows or did not finish; see runs[].',
      },
      throughput: { figure: 'recordsPerSec', unit: 'records/s' },
    });
  } finally {
    await db.close();
  }
}

export const mysqlSink: Scenario = {
  name: 'mysql-sink',
  describe:
    'JDBC sink into MariaDB/MySQL from a pre-filled topic: records/s to the final table state, p99 apply, peak RSS, CPU (--records 200000 --runs 1 --format json|avro --batch-size 500 --systems onramp,debezium,debezium-tuned --ceiling true)',
  run: (args) => sinkBench('mysql', args),
};

export const pgSink: Scenario = {
  name: 'pg-sink',
  describe: 'the same into PostgreSQL (same options)',
  run: (args) => sinkBench('postgres', args),
};
