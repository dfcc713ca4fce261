import { alternate, systemsArg } from '../lib/alternate.ts';
import type { BenchArgs } from '../lib/args.ts';
import { ChangeCheck } from '../lib/change-check.ts';
import { deleteTopics, readTopics, recreateTopics, waitForRecords } from '../lib/kafka-topics.ts';
import {
  connectorClass,
  historyTopic,
  mysqlSourceConfig,
  myTableIndex,
  myTopics,
  nextServerId,
} from '../lib/mysql-connector.ts';
import {
  createBenchDatabase,
  dropBenchDatabases,
  fillTable,
  MY_TABLES,
  mariadbPid,
  serverVersion,
  withMysql,
} from '../lib/mysql-workload.ts';
import { changeKey } from '../lib/pg-workload.ts';
import { brokerPid, CpuWindow } from '../lib/proc-usage.ts';
import { machine, today, versions, writeResult } from '../lib/results.ts';
import { median, pairRatio, round } from '../lib/stats.ts';
import { DEFAULT_HEAP_MB, PRODUCER_SETTINGS, type SystemKind, startSystem } from '../lib/systems.ts';
import type { Scenario } from './scenario.ts';

// mysql-snapshot: pg-snapshot on MariaDB — a fresh database per run with one large table (--rows,
// default 1M) plus three small ones of --small-rows each (filled outside the binlog), then
// snapshot.mode=initial; timed from connector creation to the broker's append time of the last
// snapshot record. Every row must arrive (by table and key).

const CONNECTOR = 'bench-mysql-snapshot';
const BIG = 'big';
const SMALL = [...MY_TABLES];
const TABLES = [...SMALL, BIG];

interface SnapshotRun {
  database: string;
  rows: number;
  seconds: number;
  rowsPerSec: number;
  mbPerSec: number;
  firstEventMs: number;
  reached: boolean;
  cpuSeconds: { system: number; mariadb: number; broker: number };
  cpuPerMillion: { system: number; mariadb: number; broker: number };
  peakRssMb: number;
  lost: number;
  duplicates: number;
}

async function runOnce(kind: SystemKind, index: number, args: BenchArgs): Promise<SnapshotRun> {
  const rows = args.number('rows', 1_000_000);
  const smallRows = args.number('small-rows', 1000);
  const tag = `${Date.now().toString(36)}_${kind}_${index}`;
  const expected: number[] = [];
  let database = '';
  let topics: string[] = [];
  let system: Awaited<ReturnType<typeof startSystem>> | undefined;
  try {
    const fillStart = performance.now();
    const { pid: mariadb, version } = await withMysql(async (connection) => {
      database = await createBenchDatabase(connection, tag, [BIG]);
      for (const table of SMALL) await fillTable(connection, database, table, smallRows);
      await fillTable(connection, database, BIG, rows);
      return { pid: await mariadbPid(connection), version: await serverVersion(connection) };
    });
    console.log(`   filled ${database} in ${round((performance.now() - fillStart) / 1000)} s`);
    TABLES.forEach((table, tableIndex) => {
      const count = table === BIG ? rows : smallRows;
      for (let id = 1; id <= count; id++) expected.push(changeKey(tableIndex, id, 1));
    });
    topics = myTopics(database, TABLES);
    await recreateTopics(topics, args.number('partitions', 1));

    system = await startSystem(kind, { heapMb: args.number('heap-mb', DEFAULT_HEAP_MB) });
    const broker = brokerPid();
    const systemCpu = new CpuWindow([system.pid]);
    const brokerCpu = new CpuWindow(broker ? [broker] : []);
    const mariadbCpu = new CpuWindow(mariadb ? [mariadb] : []);
    const createdMs = Date.now();
    await system.createConnector(
      CONNECTOR,
      mysqlSourceConfig({
        connectorClass: connectorClass(version),
        database,
        tables: TABLES,
        serverId: nextServerId(kind),
        snapshotMode: 'initial',
        extra: { 'snapshot.max.threads': args.string('snapshot-threads', '1') },
      }),
    );
    const running = system;
    const done = await waitForRecords(topics, expected.length, {
      onPoll: async () => {
        systemCpu.sample();
        brokerCpu.sample();
        mariadbCpu.sample();
        const state = await running.status(CONNECTOR);
        const failed = state?.tasks.find((task) => task.state === 'FAILED');
        if (failed) throw new Error(`${kind}: task FAILED: ${(failed.trace ?? '').slice(0, 1500)}`);
      },
    });
    const cpu = { system: systemCpu.seconds(), mariadb: mariadbCpu.seconds(), broker: brokerCpu.seconds() };
    const peakRssMb = system.usage().peakRssMb;
    await system.stop();
    system = undefined;

    const check = new ChangeCheck(myTableIndex(database, TABLES));
    await readTopics(topics, check.add);
    const seconds = (check.lastAppendMs - createdMs) / 1000;
    const total = expected.length;
    const run: SnapshotRun = {
      database,
      rows: total,
      seconds: round(seconds, 3),
      rowsPerSec: done.reached ? round(total / seconds, 0) : Number.NaN,
      mbPerSec: done.reached ? round(check.valueBytes / 2 ** 20 / seconds, 2) : Number.NaN,
      firstEventMs: check.firstAppendMs - createdMs,
      reached: done.reached,
      cpuSeconds: {
        system: round(cpu.system, 2),
        mariadb: round(cpu.mariadb, 2),
        broker: round(cpu.broker, 2),
      },
      cpuPerMillion: {
        system: round((cpu.system / total) * 1e6),
        mariadb: round((cpu.mariadb / total) * 1e6),
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
    if (database) {
      await deleteTopics([...topics, historyTopic(database)]).catch((error: unknown) =>
        console.error(`   could not delete the run's topics: ${String(error)}`),
      );
    }
    await withMysql(dropBenchDatabases).catch((error: unknown) =>
      console.error(`   could not drop the bench databases: ${String(error)}`),
    );
  }
}

const FIGURES: Record<string, (run: SnapshotRun) => number> = {
  rowsPerSec: (run) => run.rowsPerSec,
  mbPerSec: (run) => run.mbPerSec,
  seconds: (run) => run.seconds,
  firstEventMs: (run) => run.firstEventMs,
  cpuPerMillionSystem: (run) => run.cpuPerMillion.system,
  cpuPerMillionMariadb: (run) => run.cpuPerMillion.mariadb,
  cpuPerMillionBroker: (run) => run.cpuPerMillion.broker,
  peakRssMb: (run) => run.peakRssMb,
};

async function run(args: BenchArgs): Promise<void> {
  const runs = args.number('runs', 3);
  const kinds = systemsArg(args.string('systems', 'onramp,debezium'));
  const outcomes = await alternate(runs, (kind, index) => runOnce(kind, index, args), kinds);
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
  const smallRows = args.number('small-rows', 1000);
  const file = writeResult({
    scenario: 'mysql-snapshot',
    date: today(),
    machine: machine(),
    versions: await versions(),
    settings: {
      rows,
      smallTables: SMALL.length,
      smallRows,
      runs,
      snapshotMaxThreads: args.string('snapshot-threads', '1'),
      partitionsPerTopic: args.number('partitions', 1),
      debeziumHeapMb: args.number('heap-mb', DEFAULT_HEAP_MB),
      converter: 'org.apache.kafka.connect.json.JsonConverter, schemas.enable=true (keys and values)',
      connector:
        'the same connector JSON on both (io.debezium.connector.mariadb.MariaDbConnector on MariaDB); snapshot.mode=initial, default snapshot.locking.mode, include.schema.changes=false, schema history of captured tables only, max.batch.size=2048, max.queue.size=8192',
      producer: PRODUCER_SETTINGS,
      given: args.given(),
    },
    runs: outcomes,
    summary: { onramp, debezium, ratio, lost: { onramp: onramp.lost, debezium: debezium.lost }, failed },
    table: {
      columns: ['mysql-snapshot (medians)', 'onramp', 'debezium'],
      rows: [
        row('rows/s', 'rowsPerSec', 0),
        row('MB/s (JSON values)', 'mbPerSec', 2),
        row('time to last snapshot event, s', 'seconds', 2),
        row('time to first event, ms', 'firstEventMs', 0),
        row('CPU s per M rows: connector process', 'cpuPerMillionSystem'),
        row('CPU s per M rows: mariadbd (whole server)', 'cpuPerMillionMariadb'),
        row('CPU s per M rows: Kafka broker', 'cpuPerMillionBroker'),
        row('peak RSS, MB', 'peakRssMb'),
        ['lost rows (all runs)', String(onramp.lost), String(debezium.lost)],
        ['failed runs', `${onramp.failedRuns}/${onramp.runs}`, `${debezium.failedRuns}/${debezium.runs}`],
        ['ratio onramp/debezium rows/s (pairwise median)', String(ratio), ''],
      ],
    },
    notes: [
      `A fresh MariaDB database per run: one table of ${rows} rows (11 columns, as mysql-stream's) plus ${SMALL.length} of ${smallRows}, filled server-side from the SEQUENCE engine with sql_log_bin=0 (the snapshot reads tables, not the binlog).`,
      'Time = connector creation -> LogAppendTime of the last snapshot record (includes the consistent-snapshot start and reading the binlog position).',
      'mariadbd CPU is the whole server process (performance_schema is off; other clients of the shared server count too).',
      failed
        ? 'FAILED: some runs lost rows or did not finish; see runs[].'
        : 'Every row was found in the topics for every run.',
    ],
  });
  console.log(
    `mysql-snapshot: onramp ${onramp.medians.rowsPerSec} rows/s, debezium ${debezium.medians.rowsPerSec} rows/s, ratio ${ratio}, lost ${onramp.lost}/${debezium.lost}${failed ? ' — FAILED' : ''}`,
  );
  console.log(`mysql-snapshot: results in ${file}`);
}

export const mysqlSnapshot: Scenario = {
  name: 'mysql-snapshot',
  describe:
    'MariaDB initial snapshot: one large table plus 3 small ones (--rows 1000000 --small-rows 1000 --runs 3 --snapshot-threads 1 --heap-mb 1024)',
  run,
};
