import { alternate, systemsArg } from '../lib/alternate.ts';
import type { BenchArgs } from '../lib/args.ts';
import { ChangeCheck, type LatencyWindow } from '../lib/change-check.ts';
import { readTopics, recreateTopics, waitForRecords } from '../lib/kafka-topics.ts';
import { pgSourceConfig, pgTableIndex, pgTopics } from '../lib/pg-connector.ts';
import {
  ChangeGenerator,
  createSlot,
  dropBenchSlots,
  PG_TABLES,
  resetSchema,
  slotWalsender,
  withPg,
} from '../lib/pg-workload.ts';
import { brokerPid, CpuWindow } from '../lib/proc-usage.ts';
import { machine, today, versions, writeResult } from '../lib/results.ts';
import { latencySummary, median, pairRatio, round } from '../lib/stats.ts';
import { DEFAULT_HEAP_MB, PRODUCER_SETTINGS, type SystemKind, startSystem } from '../lib/systems.ts';
import type { Scenario } from './scenario.ts';

// pg-stream: (1) backlog drain — N mixed changes are committed into a slot created beforehand,
// then the system starts with snapshot.mode=no_data and drains exactly that backlog; timed from
// connector creation to the broker's append time of the last backlog record. (2) fixed offered
// rates — the generator commits on an open-loop schedule and the commit-to-append latency of every
// insert/update is taken from committed_at (set by clock_timestamp() just before COMMIT) and the
// topic's LogAppendTime. Then every change committed is looked up in the topics.

const SLOT = 'bench_stream';

interface RatePhase {
  offered: number;
  achieved: number;
  behindMs: number;
  changes: number;
  cpuPerMillion: { system: number; walsender: number; broker: number };
  rssMb: number;
  latencyMs: { count: number; p50: number; p95: number; p99: number; max: number };
}

interface StreamRun {
  changes: number;
  drain: {
    changes: number;
    records: number;
    seconds: number;
    eventsPerSec: number;
    mbPerSec: number;
    firstEventMs: number;
    reached: boolean;
    cpuSeconds: { system: number; walsender: number; broker: number };
    cpuPerMillion: { system: number; walsender: number; broker: number };
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

async function runOnce(kind: SystemKind, args: BenchArgs): Promise<StreamRun> {
  const events = args.number('events', 1_000_000);
  const rates = args.numbers('rates', [5000]);
  const seconds = args.number('duration', 30);
  const warmup = args.number('warmup', 5);
  const txSize = args.number('tx-size', 10);
  const partitions = args.number('partitions', 1);
  const topics = pgTopics(PG_TABLES);
  const generator = new ChangeGenerator(args.number('workers', 4), txSize);
  let system: Awaited<ReturnType<typeof startSystem>> | undefined;
  try {
    await withPg(async (client) => {
      await dropBenchSlots(client);
      await resetSchema(client);
      await recreateTopics(topics, partitions);
      await createSlot(client, SLOT);
    });
    await generator.open();
    const loadStart = performance.now();
    await generator.backlog(events);
    console.log(
      `   backlog: ${generator.changes} changes in ${generator.transactions} transactions, ${round((performance.now() - loadStart) / 1000)} s`,
    );
    const backlogChanges = generator.changes;
    const backlogRecords = generator.changes + generator.deletes; // each delete is followed by a tombstone

    system = await startSystem(kind, { heapMb: args.number('heap-mb', DEFAULT_HEAP_MB) });
    const broker = brokerPid();
    const systemCpu = new CpuWindow([system.pid]);
    const brokerCpu = new CpuWindow(broker ? [broker] : []);
    const walsenderCpu = new CpuWindow();
    let walsender: number | undefined;
    const createdMs = Date.now();
    await system.createConnector(
      'bench-pg-stream',
      pgSourceConfig({ slot: SLOT, snapshotMode: 'no_data', tables: PG_TABLES }),
    );
    const drained = await withPg(async (client) =>
      waitForRecords(topics, backlogRecords, {
        onPoll: async () => {
          walsender ??= await slotWalsender(client, SLOT);
          if (walsender) walsenderCpu.track(walsender, true);
          systemCpu.sample();
          brokerCpu.sample();
          walsenderCpu.sample();
        },
      }),
    );
    if (!drained.reached)
      console.error(`   ${kind}: drain stalled at ${drained.total}/${backlogRecords} records`);
    const drainCpu = {
      system: systemCpu.seconds(),
      walsender: walsenderCpu.seconds(),
      broker: brokerCpu.seconds(),
    };

    const windows: LatencyWindow[] = [];
    const ratePhases: Omit<RatePhase, 'latencyMs'>[] = [];
    for (const rate of drained.reached ? rates : []) {
      const phaseCpu = {
        system: new CpuWindow([system.pid]),
        walsender: new CpuWindow(walsender ? [walsender] : []),
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
          walsender: perMillion(phaseCpu.walsender.seconds(), changes),
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

    const check = new ChangeCheck(pgTableIndex(PG_TABLES), windows, drained.ends);
    await readTopics(topics, check.add);
    const lost = check.lost(generator.committed);
    const drainSeconds = (check.lastBeforeBoundaryMs - createdMs) / 1000;
    const run: StreamRun = {
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
          walsender: round(drainCpu.walsender, 2),
          broker: round(drainCpu.broker, 2),
        },
        cpuPerMillion: {
          system: round(perMillion(drainCpu.system, backlogChanges)),
          walsender: round(perMillion(drainCpu.walsender, backlogChanges)),
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
            walsender: round(phase.cpuPerMillion.walsender),
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
    await generator.close();
    await withPg(dropBenchSlots).catch((error: unknown) =>
      console.error(`   could not drop bench slots: ${String(error)}`),
    );
  }
}

type Figure = (run: StreamRun) => number;

const FIGURES: Record<string, Figure> = {
  eventsPerSec: (run) => run.drain.eventsPerSec,
  mbPerSec: (run) => run.drain.mbPerSec,
  firstEventMs: (run) => run.drain.firstEventMs,
  cpuPerMillionSystem: (run) => run.drain.cpuPerMillion.system,
  cpuPerMillionWalsender: (run) => run.drain.cpuPerMillion.walsender,
  cpuPerMillionBroker: (run) => run.drain.cpuPerMillion.broker,
  peakRssMb: (run) => run.peakRssMb,
};

async function run(args: BenchArgs): Promise<void> {
  const runs = args.number('runs', 3);
  const kinds = systemsArg(args.string('systems', 'onramp,debezium'));
  const rates = args.numbers('rates', [5000]);
  const outcomes = await alternate(runs, (kind) => runOnce(kind, args), kinds);

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
    columns: ['pg-stream (medians)', 'onramp', 'debezium'],
    rows: [
      row('backlog drain, events/s', 'eventsPerSec', 0),
      row('backlog drain, MB/s (JSON values)', 'mbPerSec', 2),
      row('time to first event, ms', 'firstEventMs', 0),
      row('CPU s per M events: connector process', 'cpuPerMillionSystem'),
      row('CPU s per M events: PG walsender', 'cpuPerMillionWalsender'),
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
    scenario: 'pg-stream',
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
        'snapshot.mode=no_data, max.batch.size=2048, max.queue.size=8192, pgoutput, publication over 3 tables',
      producer: PRODUCER_SETTINGS,
      given: args.given(),
    },
    runs: outcomes,
    summary: { onramp, debezium, ratio, lost: { onramp: onramp.lost, debezium: debezium.lost }, failed },
    table,
    notes: [
      'Workload: 3 tables of 11 columns (bigint, int, text, numeric(12,2), double, boolean, 2 timestamptz, text ~100 B, jsonb); transactions of tx-size changes, 60% insert / 30% update / 10% delete, one statement each; REPLICA IDENTITY DEFAULT.',
      'Drain: slot created before the load, system started after it with snapshot.mode=no_data; time = connector creation -> LogAppendTime of the last backlog record.',
      'Latency: committed_at = clock_timestamp() inside the single-statement transaction (just before COMMIT) to the broker LogAppendTime (ms resolution); inserts and updates after the warm-up; slightly under-estimates, since the commit follows the stamp.',
      "CPU: utime+stime from /proc over the measured window, per million source changes (tombstones not counted); the walsender is the slot's active_pid.",
      failed
        ? 'FAILED: some runs lost events or did not finish; see runs[].'
        : 'Every committed change was found in the topics for every run.',
    ],
  });
  console.log(
    `pg-stream: onramp ${onramp.medians.eventsPerSec} ev/s, debezium ${debezium.medians.eventsPerSec} ev/s, ratio ${ratio}, lost ${onramp.lost}/${debezium.lost}${failed ? ' — FAILED' : ''}`,
  );
  console.log(`pg-stream: results in ${file}`);
}

export const pgStream: Scenario = {
  name: 'pg-stream',
  describe:
    'PostgreSQL -> Kafka streaming: backlog drain then fixed rates (--events 1000000 --rates 5000[,20000] --duration 30 --warmup 5 --runs 3 --tx-size 10 --partitions 1 --heap-mb 1024 --systems onramp,debezium)',
  run,
};
