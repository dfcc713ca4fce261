import type { ChangeCheck, LatencyWindow } from './change-check.ts';
import { waitForRecords } from './kafka-topics.ts';
import type { MixedChangeGenerator } from './mixed-changes.ts';
import { CpuWindows, mapValues } from './proc-usage.ts';
import { latencySummary, round } from './stats.ts';
import type { RunningSystem, SystemKind } from './systems.ts';

// One run of a stream scenario after the backlog drain, common to every source database: the
// fixed-rate phases, and the run's figures from the topics' check. `D` names the database's part
// of the CPU figures (walsender, mariadb), which sits between the connector's and the broker's.

export type CpuSplit<D extends string> = Record<'system' | D | 'broker', number>;

export interface RatePhase<D extends string> {
  offered: number;
  achieved: number;
  behindMs: number;
  changes: number;
  cpuPerMillion: CpuSplit<D>;
  rssMb: number;
  latencyMs: { count: number; p50: number; p95: number; p99: number; max: number };
}

export interface StreamFigures<D extends string> {
  changes: number;
  drain: {
    changes: number;
    records: number;
    seconds: number;
    eventsPerSec: number;
    mbPerSec: number;
    firstEventMs: number;
    reached: boolean;
    cpuSeconds: CpuSplit<D>;
    cpuPerMillion: CpuSplit<D>;
  };
  rates: RatePhase<D>[];
  peakRssMb: number;
  /** Onramp's highest sampled V8 heap in use; null for Debezium. */
  peakHeapUsedMb: number | null;
  avgValueBytes: number;
  lost: number;
  duplicates: number;
  unparsable: number;
}

export function perMillion(seconds: number, events: number): number {
  return events > 0 ? (seconds / events) * 1e6 : Number.NaN;
}

type MeasuredPhase<D extends string> = Omit<RatePhase<D>, 'latencyMs'>;

/**
 * The fixed offered rates, one after the other on the running system: warm-up plus `seconds` of
 * open-loop load each, then waiting until the topics hold everything; stops at a rate it could not
 * catch up with. `pids`: the processes of each CPU part.
 */
export async function ratePhases<D extends string>(options: {
  generator: MixedChangeGenerator;
  system: RunningSystem;
  topics: string[];
  rates: number[];
  warmup: number;
  seconds: number;
  pids: Record<'system' | D | 'broker', (number | undefined)[]>;
}): Promise<{ windows: LatencyWindow[]; phases: MeasuredPhase<D>[] }> {
  const { generator, system, topics, warmup, seconds } = options;
  const windows: LatencyWindow[] = [];
  const phases: MeasuredPhase<D>[] = [];
  for (const rate of options.rates) {
    const cpu = new CpuWindows(options.pids);
    const before = generator.changes;
    const startMs = Date.now();
    const load = await generator.fixedRate(rate, warmup + seconds);
    const endMs = Date.now();
    windows.push({ name: String(rate), fromMs: startMs + warmup * 1000, toMs: endMs });
    const caughtUp = await waitForRecords(topics, generator.changes + generator.deletes, {
      stallMs: 30_000,
    });
    cpu.sample();
    const changes = generator.changes - before;
    phases.push({
      ...load,
      changes,
      cpuPerMillion: mapValues(cpu.seconds(), (cpuSeconds) => perMillion(cpuSeconds, changes)),
      rssMb: system.usage().rssMb,
    });
    console.log(
      `   ${rate}/s offered: ${round(load.achieved)}/s committed, ${caughtUp.reached ? 'caught up' : 'NOT caught up'}`,
    );
    if (!caughtUp.reached) break;
  }
  return { windows, phases };
}

/** What a stream run measured, to be turned into its figures by streamFigures. */
export interface StreamMeasurement<D extends string> {
  kind: SystemKind;
  generator: MixedChangeGenerator;
  /** The backlog's source changes and the records they make (a tombstone after each delete). */
  backlog: { changes: number; records: number };
  /** Whether the drain reached every backlog record. */
  reached: boolean;
  /** When the drain's clock started (connector creation or resume), ms since the epoch. */
  startedMs: number;
  drainCpu: CpuSplit<D>;
  phases: MeasuredPhase<D>[];
  peakRssMb: number;
  peakHeapUsedMb: number | undefined;
  /** The topics read back, with the drain's end offsets as boundary and the phases' windows. */
  check: ChangeCheck;
}

/** The run's figures (rounded, as written to the results), printed as one line. */
export function streamFigures<D extends string>(measured: StreamMeasurement<D>): StreamFigures<D> {
  const { backlog, check, drainCpu, generator, reached, startedMs } = measured;
  const lost = check.lost(generator.committed);
  const drainSeconds = (check.lastBeforeBoundaryMs - startedMs) / 1000;
  const figures: StreamFigures<D> = {
    changes: generator.changes,
    drain: {
      changes: backlog.changes,
      records: backlog.records,
      seconds: round(drainSeconds, 3),
      eventsPerSec: reached ? round(backlog.changes / drainSeconds, 0) : Number.NaN,
      mbPerSec: reached ? round(check.bytesBeforeBoundary / 2 ** 20 / drainSeconds, 2) : Number.NaN,
      firstEventMs: check.firstAppendMs - startedMs,
      reached,
      cpuSeconds: mapValues(drainCpu, (seconds) => round(seconds, 2)),
      cpuPerMillion: mapValues(drainCpu, (seconds) => round(perMillion(seconds, backlog.changes))),
    },
    rates: measured.phases.map((phase) => {
      const latency = latencySummary(check.latencies.get(String(phase.offered)) ?? []);
      return {
        ...phase,
        achieved: round(phase.achieved, 0),
        behindMs: round(phase.behindMs, 0),
        rssMb: round(phase.rssMb),
        cpuPerMillion: mapValues(phase.cpuPerMillion, (value) => round(value)),
        latencyMs: {
          count: latency.count,
          p50: round(latency.p50),
          p95: round(latency.p95),
          p99: round(latency.p99),
          max: round(latency.max),
        },
      };
    }),
    peakRssMb: round(measured.peakRssMb),
    peakHeapUsedMb: measured.peakHeapUsedMb === undefined ? null : round(measured.peakHeapUsedMb),
    avgValueBytes: round(check.valueBytes / Math.max(1, check.records - check.tombstones), 0),
    lost,
    duplicates: check.duplicates,
    unparsable: check.unparsable,
  };
  const { drain } = figures;
  const rateLine = figures.rates
    .map((phase) => `${phase.offered}/s p50 ${phase.latencyMs.p50} p99 ${phase.latencyMs.p99} ms`)
    .join('; ');
  console.log(
    `   ${measured.kind}: drain ${drain.eventsPerSec} ev/s (${drain.seconds} s, first event ${drain.firstEventMs} ms), ` +
      `cpu/M ${drain.cpuPerMillion.system} s, peak RSS ${figures.peakRssMb} MB, lost ${lost}; ${rateLine}`,
  );
  return figures;
}
