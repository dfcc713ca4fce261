import { alternateWithCeiling, DEFAULT_SYSTEMS, type RunOutcome, systemsArg } from '../lib/alternate.ts';
import type { BenchArgs } from '../lib/args.ts';
import {
  type CeilingResult,
  ceilingOf,
  producerPart,
  recordSizeOf,
  wantsCeiling,
} from '../lib/ceiling-run.ts';
import { mariadbBinlog } from '../lib/ceiling-tools.ts';
import { ChangeCheck } from '../lib/change-check.ts';
import { sourceConfigFor } from '../lib/debezium-tuning.ts';
import { readTopics, recreateTopics, waitForRecords } from '../lib/kafka-topics.ts';
import {
  cleanUpRun,
  connectorClass,
  createAtPosition,
  mysqlSourceConfig,
  myTableIndex,
  myTopics,
  nextServerId,
  runTag,
  throwIfTaskFailed,
} from '../lib/mysql-connector.ts';
import {
  binlogPosition,
  createBenchDatabase,
  dropBenchDatabases,
  MY_TABLES,
  MysqlChangeGenerator,
  mariadbPid,
  serverVersion,
  withMysql,
} from '../lib/mysql-workload.ts';
import { brokerPid, CpuWindows } from '../lib/proc-usage.ts';
import { round } from '../lib/stats.ts';
import { writeStreamReport } from '../lib/stream-report.ts';
import { ratePhases, type StreamFigures, streamFigures } from '../lib/stream-run.ts';
import { DEFAULT_HEAP_MB, type SystemKind, startSystem } from '../lib/systems.ts';
import type { Scenario } from './scenario.ts';

// mysql-stream: pg-stream on MariaDB. (1) backlog drain — a fresh database per run, the binlog
// position read after its tables exist, then N mixed changes committed; the system starts after
// that with its connector created STOPPED, its offset set to that position (KIP-875, the same
// REST calls on both) and then resumed; timed from the resume to the broker's append time of the
// last backlog record. (2) fixed offered rates — commit-to-append latency of every insert/update
// from committed_at (NOW(6) in the transaction's last round trip) to the topic's LogAppendTime.
// Then every change committed is looked up in the topics.
//
// snapshot.mode=recovery on both: Debezium 3.6's no_data takes the schema from its history topic
// whenever an offset is stored (and fails, the per-run topic being empty); recovery reads the
// captured tables' structures and streams from the stored offset. Onramp treats recovery and
// no_data alike when an offset is stored (stream from it, structures from the server).

const CONNECTOR = 'bench-mysql-stream';

interface StreamRun extends StreamFigures<'mariadb'> {
  database: string;
  serverId: number;
  from: { file: string; pos: number };
  to: { file: string; pos: number };
}

async function runOnce(kind: SystemKind, index: number, args: BenchArgs): Promise<StreamRun> {
  const serverId = nextServerId(kind);
  let database = '';
  let topics: string[] = [];
  let generator: MysqlChangeGenerator | undefined;
  let system: Awaited<ReturnType<typeof startSystem>> | undefined;
  try {
    const {
      from,
      pid: mariadb,
      version,
    } = await withMysql(async (connection) => {
      database = await createBenchDatabase(connection, runTag(kind, index));
      return {
        from: await binlogPosition(connection),
        pid: await mariadbPid(connection),
        version: await serverVersion(connection),
      };
    });
    topics = myTopics(database, MY_TABLES);
    await recreateTopics(topics, args.number('partitions', 1));
    generator = new MysqlChangeGenerator(database, args.number('workers', 4), args.number('tx-size', 10));
    await generator.open();
    const loadStart = performance.now();
    await generator.backlog(args.number('events', 1_000_000));
    const to = await withMysql(binlogPosition);
    console.log(
      `   backlog: ${generator.changes} changes in ${generator.transactions} transactions, ${round((performance.now() - loadStart) / 1000)} s, binlog ${from.file}:${from.pos} .. ${to.file}:${to.pos}`,
    );
    const backlog = { changes: generator.changes, records: generator.changes + generator.deletes }; // each delete is followed by a tombstone

    system = await startSystem(kind, { heapMb: args.number('heap-mb', DEFAULT_HEAP_MB) });
    await createAtPosition(
      system,
      CONNECTOR,
      sourceConfigFor(
        kind,
        mysqlSourceConfig({
          connectorClass: connectorClass(version),
          database,
          tables: MY_TABLES,
          serverId,
          snapshotMode: 'recovery',
        }),
      ),
      from,
    );
    const pids = { system: [system.pid], mariadb: [mariadb], broker: [brokerPid()] };
    const cpu = new CpuWindows(pids);
    const resumedMs = Date.now();
    await system.resume(CONNECTOR);
    const running = system;
    const drained = await waitForRecords(topics, backlog.records, {
      onPoll: async () => {
        cpu.sample();
        await throwIfTaskFailed(running, CONNECTOR);
      },
    });
    if (!drained.reached)
      console.error(`   ${kind}: drain stalled at ${drained.total}/${backlog.records} records`);
    const drainCpu = cpu.seconds();

    const { windows, phases } = await ratePhases({
      generator,
      system,
      topics,
      rates: drained.reached ? args.numbers('rates', [5000]) : [],
      warmup: args.number('warmup', 5),
      seconds: args.number('duration', 30),
      pids,
    });
    const peakRssMb = system.usage().peakRssMb;
    const peakHeapUsedMb = system.peakHeapUsedMb();
    await system.stop();
    system = undefined;

    const check = new ChangeCheck(myTableIndex(database, MY_TABLES), windows, drained.ends);
    await readTopics(topics, check.add);
    const figures = streamFigures({
      kind,
      generator,
      backlog,
      reached: drained.reached,
      startedMs: resumedMs,
      drainCpu,
      phases,
      peakRssMb,
      peakHeapUsedMb,
      check,
    });
    return { database, serverId, from, to, ...figures };
  } finally {
    await system?.stop().catch(() => undefined);
    await generator?.close();
    await cleanUpRun(database, topics);
  }
}

/**
 * The round's ceiling: the same kind of backlog in a fresh database, its binlog range read by
 * mariadb-binlog (decoded to /dev/null), and Kafka's ProducerPerformance at the JSON value size the
 * systems wrote; in source changes per second (a tombstone follows each delete).
 */
async function ceiling(
  args: BenchArgs,
  index: number,
  round: RunOutcome<StreamRun>[],
): Promise<CeilingResult> {
  let generator: MysqlChangeGenerator | undefined;
  try {
    const { database, from } = await withMysql(async (connection) => {
      const created = await createBenchDatabase(connection, `ceiling_${index}_${Date.now().toString(36)}`);
      return { database: created, from: await binlogPosition(connection) };
    });
    generator = new MysqlChangeGenerator(database, args.number('workers', 4), args.number('tx-size', 10));
    await generator.open();
    await generator.backlog(args.number('events', 1_000_000));
    const to = await withMysql(binlogPosition);
    const changes = generator.changes;
    const records = changes + generator.deletes;
    const reader = await mariadbBinlog(from, to, changes, false);
    return ceilingOf({
      mariadb_binlog: { perSec: reader.perSec, measured: reader },
      kafka_producer: await producerPart(records, recordSizeOf(round), changes / records),
    });
  } finally {
    await generator?.close();
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
  await writeStreamReport(args, outcomes, ceilings, {
    scenario: 'mysql-stream',
    database: { key: 'mariadb', label: 'mariadbd (whole server)' },
    connector:
      'the same connector JSON on both (io.debezium.connector.mariadb.MariaDbConnector on MariaDB: Debezium 3.x needs its MariaDB connector there); snapshot.mode=recovery from a preset offset (KIP-875), include.schema.changes=false, schema history of captured tables only (per-run Kafka topic for Debezium), max.batch.size=2048, max.queue.size=8192, database.server.id distinct per system and run',
    notes: [
      'Workload: a fresh MariaDB database per run with 3 tables of 11 columns (BIGINT, INT, VARCHAR, DECIMAL(12,2), DOUBLE, BOOLEAN, TIMESTAMP(6), DATETIME(6), TEXT ~100 B, JSON); transactions of tx-size changes, 60% insert / 30% update / 10% delete, one multi-statement round trip each (START TRANSACTION; DELETE; UPDATE; INSERT; COMMIT).',
      'Drain: binlog position read after the tables exist and before the load; each system gets its connector created STOPPED, its offset set to that position (PATCH /connectors/{name}/offsets), then resumed; time = resume -> LogAppendTime of the last backlog record.',
      'Debezium runs snapshot.mode=recovery: its no_data mode reads the schema from the history topic whenever an offset is stored; recovery rebuilds it from the captured tables and streams from the offset. Onramp gets the same JSON (for it recovery = stream from the stored offset).',
      'Latency: committed_at = NOW(6) in the transaction (same round trip as COMMIT, microseconds before it) to the broker LogAppendTime (ms resolution); inserts and updates after the warm-up; slightly under-estimates, since the commit follows the stamp.',
      'CPU: utime+stime from /proc over the measured window, per million source changes (tombstones not counted); mariadbd is the whole server process (performance_schema is off, so the binlog dump thread is not separable; other clients of the shared server count too).',
      "debezium = Connect and Debezium with their defaults; debezium-tuned = producer batch.size 1 MB, linger.ms 10, max.batch.size 8192, max.queue.size 32768, poll.interval.ms 50 (bench/lib/debezium-tuning.ts); Onramp gets the defaults' JSON. Ratios are against the better of the two.",
      'Ceiling (per round): the same kind of backlog read by mariadb-binlog --read-from-remote-server (decoded to /dev/null), and ProducerPerformance at the JSON value size the systems wrote (1 MB batches, 5 in flight), as source changes/s; the lower of the two.',
    ],
  });
}

export const mysqlStream: Scenario = {
  name: 'mysql-stream',
  describe:
    'MariaDB -> Kafka streaming: backlog drain from a preset binlog position then fixed rates (--events 1000000 --rates 5000 --duration 30 --warmup 5 --runs 3 --tx-size 10 --partitions 1 --heap-mb 1024 --systems onramp,debezium,debezium-tuned --ceiling true)',
  run,
};
