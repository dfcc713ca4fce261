import { alternateWithCeiling, DEFAULT_SYSTEMS, type RunOutcome, systemsArg } from '../lib/alternate.ts';
import type { BenchArgs } from '../lib/args.ts';
import {
  type CeilingResult,
  ceilingOf,
  producerPart,
  recordSizeOf,
  wantsCeiling,
} from '../lib/ceiling-run.ts';
import { mariadbTableRead } from '../lib/ceiling-tools.ts';
import { ChangeCheck } from '../lib/change-check.ts';
import { sourceConfigFor } from '../lib/debezium-tuning.ts';
import { readTopics, recreateTopics, waitForRecords } from '../lib/kafka-topics.ts';
import {
  cleanUpRun,
  connectorClass,
  mysqlSourceConfig,
  myTableIndex,
  myTopics,
  nextServerId,
  runTag,
  throwIfTaskFailed,
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
import { brokerPid, CpuWindows } from '../lib/proc-usage.ts';
import { writeSnapshotReport } from '../lib/snapshot-report.ts';
import { BIG_TABLE, type SnapshotFigures, snapshotFigures, snapshotKeys } from '../lib/snapshot-run.ts';
import { round } from '../lib/stats.ts';
import { DEFAULT_HEAP_MB, type SystemKind, startSystem } from '../lib/systems.ts';
import type { Scenario } from './scenario.ts';

// mysql-snapshot: pg-snapshot on MariaDB — a fresh database per run with one large table (--rows,
// default 1M) plus three small ones of --small-rows each (filled outside the binlog), then
// snapshot.mode=initial; timed from connector creation to the broker's append time of the last
// snapshot record. Every row must arrive (by table and key).

const CONNECTOR = 'bench-mysql-snapshot';
const SMALL = [...MY_TABLES];
const TABLES = [...SMALL, BIG_TABLE];

interface SnapshotRun extends SnapshotFigures<'mariadb'> {
  database: string;
}

async function runOnce(kind: SystemKind, index: number, args: BenchArgs): Promise<SnapshotRun> {
  const rows = args.number('rows', 1_000_000);
  const smallRows = args.number('small-rows', 1000);
  let database = '';
  let topics: string[] = [];
  let system: Awaited<ReturnType<typeof startSystem>> | undefined;
  try {
    const fillStart = performance.now();
    const { pid: mariadb, version } = await withMysql(async (connection) => {
      database = await createBenchDatabase(connection, runTag(kind, index), [BIG_TABLE]);
      for (const table of SMALL) await fillTable(connection, database, table, smallRows);
      await fillTable(connection, database, BIG_TABLE, rows);
      return { pid: await mariadbPid(connection), version: await serverVersion(connection) };
    });
    console.log(`   filled ${database} in ${round((performance.now() - fillStart) / 1000)} s`);
    const expected = snapshotKeys(TABLES, rows, smallRows);
    topics = myTopics(database, TABLES);
    await recreateTopics(topics, args.number('partitions', 1));

    system = await startSystem(kind, { heapMb: args.number('heap-mb', DEFAULT_HEAP_MB) });
    const cpu = new CpuWindows({ system: [system.pid], mariadb: [mariadb], broker: [brokerPid()] });
    const createdMs = Date.now();
    await system.createConnector(
      CONNECTOR,
      sourceConfigFor(
        kind,
        mysqlSourceConfig({
          connectorClass: connectorClass(version),
          database,
          tables: TABLES,
          serverId: nextServerId(kind),
          snapshotMode: 'initial',
          extra: { 'snapshot.max.threads': args.string('snapshot-threads', '1') },
        }),
      ),
    );
    const running = system;
    const done = await waitForRecords(topics, expected.length, {
      onPoll: async () => {
        cpu.sample();
        await throwIfTaskFailed(running, CONNECTOR);
      },
    });
    const cpuSeconds = cpu.seconds();
    const peakRssMb = system.usage().peakRssMb;
    const peakHeapUsedMb = system.peakHeapUsedMb();
    await system.stop();
    system = undefined;

    const check = new ChangeCheck(myTableIndex(database, TABLES));
    await readTopics(topics, check.add);
    const figures = snapshotFigures({
      kind,
      expected,
      reached: done.reached,
      createdMs,
      cpu: cpuSeconds,
      peakRssMb,
      peakHeapUsedMb,
      check,
    });
    return { database, ...figures };
  } finally {
    await system?.stop().catch(() => undefined);
    await cleanUpRun(database, topics);
  }
}

/**
 * The round's ceiling: the same tables in a fresh database, the big one read whole by the mariadb
 * client (--quick, into /dev/null), and Kafka's ProducerPerformance at the JSON value size the
 * systems wrote; in rows/s.
 */
async function ceiling(
  args: BenchArgs,
  index: number,
  round: RunOutcome<SnapshotRun>[],
): Promise<CeilingResult> {
  const rows = args.number('rows', 1_000_000);
  const smallRows = args.number('small-rows', 1000);
  try {
    const database = await withMysql(async (connection) => {
      const created = await createBenchDatabase(connection, `ceiling_${index}_${Date.now().toString(36)}`, [
        BIG_TABLE,
      ]);
      for (const table of SMALL) await fillTable(connection, created, table, smallRows);
      await fillTable(connection, created, BIG_TABLE, rows);
      return created;
    });
    const reader = await mariadbTableRead(`\`${database}\`.${BIG_TABLE}`, rows);
    return ceilingOf({
      mariadb_table_read: { perSec: reader.perSec, measured: reader },
      kafka_producer: await producerPart(rows + SMALL.length * smallRows, recordSizeOf(round)),
    });
  } finally {
    await withMysql(dropBenchDatabases).catch(() => undefined);
  }
}

async function run(args: BenchArgs): Promise<void> {
  const kinds = systemsArg(args.string('systems', DEFAULT_SYSTEMS));
  const { outcomes, ceilings } = await alternateWithCeiling(
    args.number('runs', 3),
    (kind, index) => runOnce(kind, index, args),
    kinds,
    wantsCeiling(args) ? (index, round) => ceiling(args, index, round) : undefined,
  );
  const rows = args.number('rows', 1_000_000);
  const smallRows = args.number('small-rows', 1000);
  await writeSnapshotReport(args, outcomes, ceilings, {
    scenario: 'mysql-snapshot',
    database: { key: 'mariadb', label: 'mariadbd (whole server)' },
    smallTables: SMALL.length,
    connector:
      'the same connector JSON on both (io.debezium.connector.mariadb.MariaDbConnector on MariaDB); snapshot.mode=initial, default snapshot.locking.mode, include.schema.changes=false, schema history of captured tables only, max.batch.size=2048, max.queue.size=8192',
    notes: [
      `A fresh MariaDB database per run: one table of ${rows} rows (11 columns, as mysql-stream's) plus ${SMALL.length} of ${smallRows}, filled server-side from the SEQUENCE engine with sql_log_bin=0 (the snapshot reads tables, not the binlog).`,
      'Time = connector creation -> LogAppendTime of the last snapshot record (includes the consistent-snapshot start and reading the binlog position).',
      'mariadbd CPU is the whole server process (performance_schema is off; other clients of the shared server count too).',
      "debezium = Connect and Debezium with their defaults; debezium-tuned = producer batch.size 1 MB, linger.ms 10, max.batch.size 8192, max.queue.size 32768, poll.interval.ms 50 (bench/lib/debezium-tuning.ts); Onramp gets the defaults' JSON. Ratios are against the better of the two.",
      'Ceiling (per round): the big table read whole by the mariadb client (--quick into /dev/null), and ProducerPerformance at the JSON value size the systems wrote (1 MB batches, 5 in flight), in rows/s; the lower of the two.',
    ],
  });
}

export const mysqlSnapshot: Scenario = {
  name: 'mysql-snapshot',
  describe:
    'MariaDB initial snapshot: one large table plus 3 small ones (--rows 1000000 --small-rows 1000 --runs 3 --snapshot-threads 1 --heap-mb 1024 --systems onramp,debezium,debezium-tuned --ceiling true)',
  run,
};
