import { alternate, systemsArg } from '../lib/alternate.ts';
import type { BenchArgs } from '../lib/args.ts';
import { ChangeCheck, type LatencyWindow } from '../lib/change-check.ts';
import { deleteTopics, readTopics, recreateTopics, waitForRecords } from '../lib/kafka-topics.ts';
import {
  connectorClass,
  createAtPosition,
  historyTopic,
  mysqlSourceConfig,
  myTableIndex,
  myTopics,
  nextServerId,
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
import { brokerPid, CpuWindow } from '../lib/proc-usage.ts';
import { machine, today, versions, writeResult } from '../lib/results.ts';
import { latencySummary, median, pairRatio, round } from '../lib/stats.ts';
import { DEFAULT_HEAP_MB, PRODUCER_SETTINGS, type SystemKind, startSystem } from '../lib/systems.ts';
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

interface RatePhase {
  offered: number;
  achieved: number;
  behindMs: number;
  changes: number;
  cpuPerMillion: { system: number; mariadb: number; broker: number };
  rssMb: number;
  latencyMs: { count: number; p50: number; p95: number; p99: number; max: number };
}

interface StreamRun {
  database: string;
  serverId: number;
  from: { file: string; pos: number };
  to: { file: string; pos: number };
  changes: number;
  drain: {
    changes: number;
    records: number;
    seconds: number;
    eventsPerSec: number;
    mbPerSec: number;
    firstEventMs: number;
    reached: boolean;
    cpuSeconds: { system: number; mariadb: number; broker: number };
    cpuPerMillion: { system: number; mariadb: number; broker: number };
  };
  rates: RatePhase[];
  peakRssMb: number;
  avgValueBytes: number;
  lost: number;
  duplicates: number;
  unparsable: number;
}

function perMillion(seconds: number, events: number): number {
  return events > 0 ? (seconds / events) * 1e6 : Number.NaN;
}

async function runOnce(kind: SystemKind, index: number, args: BenchArgs): Promise<StreamRun> {
  const events = args.number('events', 1_000_000);
  const rates = args.numbers('rates', [5000]);
  const seconds = args.number('duration', 30);
  const warmup = args.number('warmup', 5);
  const txSize = args.number('tx-size', 10);
  const partitions = args.number('partitions', 1);
  const serverId = nextServerId(kind);
  const tag = `${Date.now().toString(36)}_${kind}_${index}`;
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
      database = await createBenchDatabase(connection, tag);
      return {
        from: await binlogPosition(connection),
        pid: await mariadbPid(connection),
        version: await serverVersion(connection),
      };
    });
    topics = myTopics(database, MY_TABLES);
    await recreateTopics(topics, partitions);
    generator = new MysqlChangeGenerator(database, args.number('workers', 4), txSize);
    await generator.open();
    const loadStart = performance.now();
    await generator.backlog(events);
    const to = await withMysql(binlogPosition);
    console.log(
      `   backlog: ${generator.changes} changes in ${generator.transactions} transactions, ${round((performance.now() - loadStart) / 1000)} s, binlog ${from.file}:${from.pos} .. ${to.file}:${to.pos}`,
    );
    const backlogChanges = generator.changes;
    const backlogRecords = generator.changes + generator.deletes; // each delete is followed by a tombstone

    system = await startSystem(kind, { heapMb: args.number('heap-mb', DEFAULT_HEAP_MB) });
    await createAtPosition(
      system,
      CONNECTOR,
      mysqlSourceConfig({
        connectorClass: connectorClass(version),
        database,
        tables: MY_TABLES,
        serverId,
        snapshotMode: 'recovery',
      }),
      from,
    );
    const broker = brokerPid();
    const systemCpu = new CpuWindow([system.pid]);
    const brokerCpu = new CpuWindow(broker ? [broker] : []);
    const mariadbCpu = new CpuWindow(mariadb ? [mariadb] : []);
    const createdMs = Date.now();
    await system.resume(CONNECTOR);
    const running = system;
    const drained = await waitForRecords(topics, backlogRecords, {
      onPoll: async () => {
        systemCpu.sample();
        brokerCpu.sample();
        mariadbCpu.sample();
        // A task that failed will never deliver: stop waiting at once, with its trace.
        const state = await running.status(CONNECTOR);
        const failed = state?.tasks.find((task) => task.state === 'FAILED');
        if (failed) throw new Error(`${kind}: task FAILED: ${(failed.trace ?? '').slice(0, 1500)}`);
      },
    });
    if (!drained.reached)
      console.error(`   ${kind}: drain stalled at ${drained.total}/${backlogRecords} records`);
    const drainCpu = {
      system: systemCpu.seconds(),
      mariadb: mariadbCpu.seconds(),
      broker: brokerCpu.seconds(),
    };

    const windows: LatencyWindow[] = [];
    const ratePhases: Omit<RatePhase, 'latencyMs'>[] = [];
    for (const rate of drained.reached ? rates : []) {
      const phaseCpu = {
        system: new CpuWindow([system.pid]),
        mariadb: new CpuWindow(mariadb ? [mariadb] : []),
        broker: new CpuWindow(broker ? [broker] : []),
      };
      const before = generator.changes;
      const startMs = Date.now();
      const load = await generator.fixedRate(rate, warmup + seconds);
      const endMs = Date.now();
      windows.push({ name: String(rate), fromMs: startMs + warmup * 1000, toMs: endMs });
      const caughtUp = await waitForRecords(topics, generator.changes + generator.deletes, {
        stallMs: 30_000,
      });
      for (const window of Object.values(phaseCpu)) window.sample();
      const changes = generator.changes - before;
      ratePhases.push({
        ...load,
        changes,
        cpuPerMillion: {
          system: perMillion(phaseCpu.system.seconds(), changes),
          mariadb: perMillion(phaseCpu.mariadb.seconds(), changes),
          broker: perMillion(phaseCpu.broker.seconds(), changes),
        },
        rssMb: system.usage().rssMb,
      });
      console.log(
        `   ${rate}/s offered: ${round(load.achieved)}/s committed, ${caughtUp.reached ? 'caught up' : 'NOT caught up'}`,
      );
      if (!caughtUp.reached) break;
    }
    const peakRssMb = system.usage().peakRssMb;
    await system.stop();
    system = undefined;

    const check = new ChangeCheck(myTableIndex(database, MY_TABLES), windows, drained.ends);
    await readTopics(topics, check.add);
    const lost = check.lost(generator.committed);
    const drainSeconds = (check.lastBeforeBoundaryMs - createdMs) / 1000;
    const run: StreamRun = {
      database,
      serverId,
      from,
      to,
      changes: generator.changes,
      drain: {
        changes: backlogChanges,
        records: backlogRecords,
        seconds: round(drainSeconds, 3),
        eventsPerSec: drained.reached ? round(backlogChanges / drainSeconds, 0) : Number.NaN,
        mbPerSec: drained.reached ? round(check.bytesBeforeBoundary / 2 ** 20 / drainSeconds, 2) : Number.NaN,
        firstEventMs: check.firstAppendMs - createdMs,
        reached: drained.reached,
        cpuSeconds: {
          system: round(drainCpu.system, 2),
          mariadb: round(drainCpu.mariadb, 2),
          broker: round(drainCpu.broker, 2),
        },
        cpuPerMillion: {
          system: round(perMillion(drainCpu.system, backlogChanges)),
          mariadb: round(perMillion(drainCpu.mariadb, backlogChanges)),
          broker: round(perMillion(drainCpu.broker, backlogChanges)),
        },
      },
      rates: ratePhases.map((phase) => {
        const latency = latencySummary(check.latencies.get(String(phase.offered)) ?? []);
        return {
          ...phase,
          achieved: round(phase.achieved, 0),
          behindMs: round(phase.behindMs, 0),
          rssMb: round(phase.rssMb),
          cpuPerMillion: {
            system: round(phase.cpuPerMillion.system),
            mariadb: round(phase.cpuPerMillion.mariadb),
            broker: round(phase.cpuPerMillion.broker),
          },
          latencyMs: {
            count: latency.count,
            p50: round(latency.p50),
            p95: round(latency.p95),
            p99: round(latency.p99),
            max: round(latency.max),
          },
        };
      }),
      peakRssMb: round(peakRssMb),
      avgValueBytes: round(check.valueBytes / Math.max(1, check.records - check.tombstones), 0),
      lost,
      duplicates: check.duplicates,
      unparsable: check.unparsable,
    };
    const rateLine = run.rates
      .map((phase) => `${phase.offered}/s p50 ${phase.latencyMs.p50} p99 ${phase.latencyMs.p99} ms`)
      .join('; ');
    console.log(
      `   ${kind}: drain ${run.drain.eventsPerSec} ev/s (${run.drain.seconds} s, first event ${run.drain.firstEventMs} ms), ` +
        `cpu/M ${run.drain.cpuPerMillion.system} s, peak RSS ${run.peakRssMb} MB, lost ${lost}; ${rateLine}`,
    );
    return run;
  } finally {
    await system?.stop().catch(() => undefined);
    await generator?.close();
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

type Figure = (run: StreamRun) => number;

const FIGURES: Record<string, Figure> = {
  eventsPerSec: (run) => run.drain.eventsPerSec,
  mbPerSec: (run) => run.drain.mbPerSec,
  firstEventMs: (run) => run.drain.firstEventMs,
  cpuPerMillionSystem: (run) => run.drain.cpuPerMillion.system,
  cpuPerMillionMariadb: (run) => run.drain.cpuPerMillion.mariadb,
  cpuPerMillionBroker: (run) => run.drain.cpuPerMillion.broker,
  peakRssMb: (run) => run.peakRssMb,
};

async function run(args: BenchArgs): Promise<void> {
  const runs = args.number('runs', 3);
  const kinds = systemsArg(args.string('systems', 'onramp,debezium'));
  const rates = args.numbers('rates', [5000]);
  const outcomes = await alternate(runs, (kind, index) => runOnce(kind, index, args), kinds);

  const of = (kind: SystemKind) => outcomes.filter((o) => o.kind === kind);
  const ok = (kind: SystemKind) => of(kind).flatMap((o) => (o.result ? [o.result] : []));
  const summaryOf = (kind: SystemKind) => {
    const results = ok(kind);
    const medians: Record<string, number> = {};
    for (const [name, figure] of Object.entries(FIGURES))
      medians[name] = round(median(results.map(figure)), 1);
    for (const rate of rates) {
      const phases = results.flatMap((r) => r.rates.filter((phase) => phase.offered === rate));
      medians[`rate${rate}Achieved`] = round(median(phases.map((p) => p.achieved)), 0);
      medians[`rate${rate}P50Ms`] = round(median(phases.map((p) => p.latencyMs.p50)));
      medians[`rate${rate}P95Ms`] = round(median(phases.map((p) => p.latencyMs.p95)));
      medians[`rate${rate}P99Ms`] = round(median(phases.map((p) => p.latencyMs.p99)));
      medians[`rate${rate}CpuPerMillionSystem`] = round(median(phases.map((p) => p.cpuPerMillion.system)));
      medians[`rate${rate}RssMb`] = round(median(phases.map((p) => p.rssMb)));
    }
    const failedRuns = of(kind).filter(
      (o) => !o.result || o.result.lost > 0 || !o.result.drain.reached,
    ).length;
    return { runs: of(kind).length, failedRuns, lost: results.reduce((sum, r) => sum + r.lost, 0), medians };
  };
  const onramp = summaryOf('onramp');
  const debezium = summaryOf('debezium');
  const eps = (kind: SystemKind) =>
    of(kind).map((o) => (o.result && o.result.lost === 0 ? o.result.drain.eventsPerSec : Number.NaN));
  const ratio = round(pairRatio(eps('onramp'), eps('debezium')), 2);
  const failed = onramp.failedRuns + debezium.failedRuns > 0;

  const row = (label: string, name: string, digits = 1) => [
    label,
    String(round(onramp.medians[name] ?? Number.NaN, digits)),
    String(round(debezium.medians[name] ?? Number.NaN, digits)),
  ];
  const table = {
    columns: ['mysql-stream (medians)', 'onramp', 'debezium'],
    rows: [
      row('backlog drain, events/s', 'eventsPerSec', 0),
      row('backlog drain, MB/s (JSON values)', 'mbPerSec', 2),
      row('time to first event, ms', 'firstEventMs', 0),
      row('CPU s per M events: connector process', 'cpuPerMillionSystem'),
      row('CPU s per M events: mariadbd (whole server)', 'cpuPerMillionMariadb'),
      row('CPU s per M events: Kafka broker', 'cpuPerMillionBroker'),
      row('peak RSS, MB', 'peakRssMb'),
      ...rates.flatMap((rate) => [
        row(`${rate}/s offered: committed/s`, `rate${rate}Achieved`, 0),
        row(`${rate}/s: latency p50, ms`, `rate${rate}P50Ms`),
        row(`${rate}/s: latency p95, ms`, `rate${rate}P95Ms`),
        row(`${rate}/s: latency p99, ms`, `rate${rate}P99Ms`),
        row(`${rate}/s: CPU s per M events, connector`, `rate${rate}CpuPerMillionSystem`),
        row(`${rate}/s: RSS while streaming, MB`, `rate${rate}RssMb`),
      ]),
      ['lost events (all runs)', String(onramp.lost), String(debezium.lost)],
      ['failed runs', `${onramp.failedRuns}/${onramp.runs}`, `${debezium.failedRuns}/${debezium.runs}`],
      ['ratio onramp/debezium events/s (pairwise median)', String(ratio), ''],
    ],
  };
  const file = writeResult({
    scenario: 'mysql-stream',
    date: today(),
    machine: machine(),
    versions: await versions(),
    settings: {
      events: args.number('events', 1_000_000),
      runs,
      rates,
      durationSeconds: args.number('duration', 30),
      warmupSeconds: args.number('warmup', 5),
      txSize: args.number('tx-size', 10),
      generatorConnections: args.number('workers', 4),
      partitionsPerTopic: args.number('partitions', 1),
      debeziumHeapMb: args.number('heap-mb', DEFAULT_HEAP_MB),
      converter: 'org.apache.kafka.connect.json.JsonConverter, schemas.enable=true (keys and values)',
      connector:
        'the same connector JSON on both (io.debezium.connector.mariadb.MariaDbConnector on MariaDB: Debezium 3.x needs its MariaDB connector there); snapshot.mode=recovery from a preset offset (KIP-875), include.schema.changes=false, schema history of captured tables only (per-run Kafka topic for Debezium), max.batch.size=2048, max.queue.size=8192, database.server.id distinct per system and run',
      producer: PRODUCER_SETTINGS,
      given: args.given(),
    },
    runs: outcomes,
    summary: { onramp, debezium, ratio, lost: { onramp: onramp.lost, debezium: debezium.lost }, failed },
    table,
    notes: [
      'Workload: a fresh MariaDB database per run with 3 tables of 11 columns (BIGINT, INT, VARCHAR, DECIMAL(12,2), DOUBLE, BOOLEAN, TIMESTAMP(6), DATETIME(6), TEXT ~100 B, JSON); transactions of tx-size changes, 60% insert / 30% update / 10% delete, one multi-statement round trip each (START TRANSACTION; DELETE; UPDATE; INSERT; COMMIT).',
      'Drain: binlog position read after the tables exist and before the load; each system gets its connector created STOPPED, its offset set to that position (PATCH /connectors/{name}/offsets), then resumed; time = resume -> LogAppendTime of the last backlog record.',
      'Debezium runs snapshot.mode=recovery: its no_data mode reads the schema from the history topic whenever an offset is stored; recovery rebuilds it from the captured tables and streams from the offset. Onramp gets the same JSON (for it recovery = stream from the stored offset).',
      'Latency: committed_at = NOW(6) in the transaction (same round trip as COMMIT, microseconds before it) to the broker LogAppendTime (ms resolution); inserts and updates after the warm-up; slightly under-estimates, since the commit follows the stamp.',
      'CPU: utime+stime from /proc over the measured window, per million source changes (tombstones not counted); mariadbd is the whole server process (performance_schema is off, so the binlog dump thread is not separable; other clients of the shared server count too).',
      failed
        ? 'FAILED: some runs lost events or did not finish; see runs[].'
        : 'Every committed change was found in the topics for every run.',
    ],
  });
  console.log(
    `mysql-stream: onramp ${onramp.medians.eventsPerSec} ev/s, debezium ${debezium.medians.eventsPerSec} ev/s, ratio ${ratio}, lost ${onramp.lost}/${debezium.lost}${failed ? ' — FAILED' : ''}`,
  );
  console.log(`mysql-stream: results in ${file}`);
}

export const mysqlStream: Scenario = {
  name: 'mysql-stream',
  describe:
    'MariaDB -> Kafka streaming: backlog drain from a preset binlog position then fixed rates (--events 1000000 --rates 5000 --duration 30 --warmup 5 --runs 3 --tx-size 10 --partitions 1 --heap-mb 1024 --systems onramp,debezium)',
  run,
};
