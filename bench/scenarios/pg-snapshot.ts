import type pg from 'pg';
import { alternate, systemsArg } from '../lib/alternate.ts';
import type { BenchArgs } from '../lib/args.ts';
import { ChangeCheck } from '../lib/change-check.ts';
import { readTopics, recreateTopics, waitForRecords } from '../lib/kafka-topics.ts';
import { pgSourceConfig, pgTableIndex, pgTopics } from '../lib/pg-connector.ts';
import { changeKey, dropBenchSlots, fillTable, resetSchema, withPg } from '../lib/pg-workload.ts';
import { brokerPid, CpuWindow } from '../lib/proc-usage.ts';
import { machine, today, versions, writeResult } from '../lib/results.ts';
import { median, pairRatio, round } from '../lib/stats.ts';
import { DEFAULT_HEAP_MB, PRODUCER_SETTINGS, type SystemKind, startSystem } from '../lib/systems.ts';
import type { Scenario } from './scenario.ts';

// pg-snapshot: one large table (--rows, default 1M; the issue asks for millions — pass --rows
// 5000000 on a quiet machine) plus three small ones of --small-rows each, snapshot.mode=initial
// with a fresh slot the connector creates; timed from connector creation to the broker's append
// time of the last snapshot record. Every row must arrive (by table and key).

const SLOT = 'bench_snapshot';
const BIG = 'big';
const SMALL = ['orders', 'customers', 'shipments'];
const TABLES = [...SMALL, BIG];

interface SnapshotRun {
  rows: number;
  seconds: number;
  rowsPerSec: number;
  mbPerSec: number;
  firstEventMs: number;
  reached: boolean;
  cpuSeconds: { system: number; postgres: number; broker: number };
  cpuPerMillion: { system: number; postgres: number; broker: number };
  peakRssMb: number;
  lost: number;
  duplicates: number;
}

/** The backends doing this snapshot's work: sessions whose query names the bench tables, and the walsender. */
async function snapshotBackends(client: pg.Client): Promise<number[]> {
  const { rows } = await client.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND query ILIKE '%bench%'
     UNION SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL`,
    [SLOT],
  );
  return rows.map((row) => row.pid);
}

async function runOnce(kind: SystemKind, args: BenchArgs): Promise<SnapshotRun> {
  const rows = args.number('rows', 1_000_000);
  const smallRows = args.number('small-rows', 1000);
  const topics = pgTopics(TABLES);
  const expected: number[] = [];
  let system: Awaited<ReturnType<typeof startSystem>> | undefined;
  try {
    await withPg(async (client) => {
      await dropBenchSlots(client);
      await resetSchema(client, [BIG]);
      for (const table of SMALL) await fillTable(client, table, smallRows);
      await fillTable(client, BIG, rows);
      await client.query('CHECKPOINT');
    });
    TABLES.forEach((table, index) => {
      const count = table === BIG ? rows : smallRows;
      for (let id = 1; id <= count; id++) expected.push(changeKey(index, id, 1));
    });
    await recreateTopics(topics, args.number('partitions', 1));

    system = await startSystem(kind, { heapMb: args.number('heap-mb', DEFAULT_HEAP_MB) });
    const broker = brokerPid();
    const systemCpu = new CpuWindow([system.pid]);
    const brokerCpu = new CpuWindow(broker ? [broker] : []);
    // Snapshot readers and the walsender are new backends: charged in full.
    const postgresCpu = new CpuWindow();
    const threads = args.string('snapshot-threads', '1');
    const createdMs = Date.now();
    await system.createConnector(
      'bench-pg-snapshot',
      pgSourceConfig({
        slot: SLOT,
        snapshotMode: 'initial',
        tables: TABLES,
        extra: { 'snapshot.max.threads': threads },
      }),
    );
    const done = await withPg(async (client) =>
      waitForRecords(topics, expected.length, {
        onPoll: async () => {
          for (const pid of await snapshotBackends(client)) postgresCpu.track(pid, true);
          systemCpu.sample();
          brokerCpu.sample();
          postgresCpu.sample();
        },
      }),
    );
    const cpu = { system: systemCpu.seconds(), postgres: postgresCpu.seconds(), broker: brokerCpu.seconds() };
    const peakRssMb = system.usage().peakRssMb;
    await system.stop();
    system = undefined;

    const check = new ChangeCheck(pgTableIndex(TABLES));
    await readTopics(topics, check.add);
    const seconds = (check.lastAppendMs - createdMs) / 1000;
    const total = expected.length;
    const run: SnapshotRun = {
      rows: total,
      seconds: round(seconds, 3),
      rowsPerSec: done.reached ? round(total / seconds, 0) : Number.NaN,
      mbPerSec: done.reached ? round(check.valueBytes / 2 ** 20 / seconds, 2) : Number.NaN,
      firstEventMs: check.firstAppendMs - createdMs,
      reached: done.reached,
      cpuSeconds: {
        system: round(cpu.system, 2),
        postgres: round(cpu.postgres, 2),
        broker: round(cpu.broker, 2),
      },
      cpuPerMillion: {
        system: round((cpu.system / total) * 1e6),
        postgres: round((cpu.postgres / total) * 1e6),
        broker: round((cpu.broker / total) * 1e6),
      },
      peakRssMb: round(peakRssMb),
      lost: check.lost(expected),
      duplicates: check.duplicates,
    };
    console.log(
      `   ${kind}: ${run.rowsPerSec} rows/s (${run.seconds} s, first event ${run.firstEventMs} ms), cpu/M ${run.cpuPerMillion.system} s, peak RSS ${run.peakRssMb} MB, lost ${run.lost}`,
    );
    return run;
  } finally {
    await system?.stop().catch(() => undefined);
    await withPg(dropBenchSlots).catch((error: unknown) =>
      console.error(`   could not drop bench slots: ${String(error)}`),
    );
  }
}

const FIGURES: Record<string, (run: SnapshotRun) => number> = {
  rowsPerSec: (run) => run.rowsPerSec,
  mbPerSec: (run) => run.mbPerSec,
  seconds: (run) => run.seconds,
  firstEventMs: (run) => run.firstEventMs,
  cpuPerMillionSystem: (run) => run.cpuPerMillion.system,
  cpuPerMillionPostgres: (run) => run.cpuPerMillion.postgres,
  cpuPerMillionBroker: (run) => run.cpuPerMillion.broker,
  peakRssMb: (run) => run.peakRssMb,
};

async function run(args: BenchArgs): Promise<void> {
  const runs = args.number('runs', 3);
  const kinds = systemsArg(args.string('systems', 'onramp,debezium'));
  const outcomes = await alternate(runs, (kind) => runOnce(kind, args), kinds);
  const of = (kind: SystemKind) => outcomes.filter((o) => o.kind === kind);
  const summaryOf = (kind: SystemKind) => {
    const results = of(kind).flatMap((o) => (o.result ? [o.result] : []));
    const medians: Record<string, number> = {};
    for (const [name, figure] of Object.entries(FIGURES))
      medians[name] = round(median(results.map(figure)), 1);
    const failedRuns = of(kind).filter((o) => !o.result || o.result.lost > 0 || !o.result.reached).length;
    return { runs: of(kind).length, failedRuns, lost: results.reduce((sum, r) => sum + r.lost, 0), medians };
  };
  const onramp = summaryOf('onramp');
  const debezium = summaryOf('debezium');
  const rps = (kind: SystemKind) =>
    of(kind).map((o) => (o.result && o.result.lost === 0 ? o.result.rowsPerSec : Number.NaN));
  const ratio = round(pairRatio(rps('onramp'), rps('debezium')), 2);
  const failed = onramp.failedRuns + debezium.failedRuns > 0;
  const row = (label: string, name: string, digits = 1) => [
    label,
    String(round(onramp.medians[name] ?? Number.NaN, digits)),
    String(round(debezium.medians[name] ?? Number.NaN, digits)),
  ];
  const rows = args.number('rows', 1_000_000);
  const file = writeResult({
    scenario: 'pg-snapshot',
    date: today(),
    machine: machine(),
    versions: await versions(),
    settings: {
      rows,
      smallTables: SMALL.length,
      smallRows: args.number('small-rows', 1000),
      runs,
      snapshotMaxThreads: args.string('snapshot-threads', '1'),
      partitionsPerTopic: args.number('partitions', 1),
      debeziumHeapMb: args.number('heap-mb', DEFAULT_HEAP_MB),
      converter: 'org.apache.kafka.connect.json.JsonConverter, schemas.enable=true (keys and values)',
      connector:
        'snapshot.mode=initial, slot created by the connector, max.batch.size=2048, max.queue.size=8192',
      producer: PRODUCER_SETTINGS,
      given: args.given(),
    },
    runs: outcomes,
    summary: { onramp, debezium, ratio, lost: { onramp: onramp.lost, debezium: debezium.lost }, failed },
    table: {
      columns: ['pg-snapshot (medians)', 'onramp', 'debezium'],
      rows: [
        row('rows/s', 'rowsPerSec', 0),
        row('MB/s (JSON values)', 'mbPerSec', 2),
        row('time to last snapshot event, s', 'seconds', 2),
        row('time to first event, ms', 'firstEventMs', 0),
        row('CPU s per M rows: connector process', 'cpuPerMillionSystem'),
        row('CPU s per M rows: PostgreSQL backends', 'cpuPerMillionPostgres'),
        row('CPU s per M rows: Kafka broker', 'cpuPerMillionBroker'),
        row('peak RSS, MB', 'peakRssMb'),
        ['lost rows (all runs)', String(onramp.lost), String(debezium.lost)],
        ['failed runs', `${onramp.failedRuns}/${onramp.runs}`, `${debezium.failedRuns}/${debezium.runs}`],
        ['ratio onramp/debezium rows/s (pairwise median)', String(ratio), ''],
      ],
    },
    notes: [
      `One table of ${rows} rows (11 columns, ~250 B of row data, ~4 KB per JSON event with schemas) plus ${SMALL.length} of ${args.number('small-rows', 1000)}; the issue asks for millions of rows: the default is 1M so a run fits a shared 2-core machine, --rows 5000000 for the full size.`,
      'Time = connector creation -> LogAppendTime of the last snapshot record (includes slot creation and the exported snapshot).',
      "PostgreSQL CPU: the backends whose query names the bench tables (snapshot readers) and the slot's walsender, charged in full.",
      failed
        ? 'FAILED: some runs lost rows or did not finish; see runs[].'
        : 'Every row was found in the topics for every run.',
    ],
  });
  console.log(
    `pg-snapshot: onramp ${onramp.medians.rowsPerSec} rows/s, debezium ${debezium.medians.rowsPerSec} rows/s, ratio ${ratio}, lost ${onramp.lost}/${debezium.lost}${failed ? ' — FAILED' : ''}`,
  );
  console.log(`pg-snapshot: results in ${file}`);
}

export const pgSnapshot: Scenario = {
  name: 'pg-snapshot',
  describe:
    'PostgreSQL initial snapshot: one large table plus 3 small ones (--rows 1000000 --small-rows 1000 --runs 3 --snapshot-threads 1 --heap-mb 1024)',
  run,
};
