import type { CeilingOutcome, RunOutcome } from './alternate.ts';
import type { BenchArgs } from './args.ts';
import type { CeilingResult } from './ceiling-run.ts';
import {
  closingRows,
  compare,
  connectorSettings,
  cpuFigureName,
  medianRow,
  tableColumns,
  writeComparison,
} from './comparison.ts';
import { median, round } from './stats.ts';
import type { StreamFigures } from './stream-run.ts';

// The results of a stream scenario (pg-stream, mysql-stream): medians per system of the drain and
// of each offered rate, failed runs, the pairwise events/s ratio, the README table and the JSON.
// Only the database's CPU part, the connector settings line and the notes differ per database.

export interface StreamReport<D extends string> {
  scenario: string;
  /** The database's CPU part: its key in the figures, and its label in the table. */
  database: { key: D; label: string };
  /** The connector settings, one line. */
  connector: string;
  /** What is specific to the scenario; the pass/fail verdict follows. */
  notes: string[];
}

export async function writeStreamReport<D extends string>(
  args: BenchArgs,
  outcomes: RunOutcome<StreamFigures<D>>[],
  ceilings: CeilingOutcome<CeilingResult>[],
  report: StreamReport<D>,
): Promise<void> {
  const rates = args.numbers('rates', [5000]);
  const databaseFigure = cpuFigureName(report.database.key);
  const comparison = compare(
    outcomes,
    {
      figures: {
        eventsPerSec: (run) => run.drain.eventsPerSec,
        mbPerSec: (run) => run.drain.mbPerSec,
        firstEventMs: (run) => run.drain.firstEventMs,
        cpuPerMillionSystem: (run) => run.drain.cpuPerMillion.system,
        [databaseFigure]: (run) => run.drain.cpuPerMillion[report.database.key],
        cpuPerMillionBroker: (run) => run.drain.cpuPerMillion.broker,
        peakRssMb: (run) => run.peakRssMb,
        peakHeapUsedMb: (run) => run.peakHeapUsedMb ?? Number.NaN,
      },
      moreMedians: (runs) => {
        const medians: Record<string, number> = {};
        for (const rate of rates) {
          const phases = runs.flatMap((r) => r.rates.filter((phase) => phase.offered === rate));
          medians[`rate${rate}Achieved`] = round(median(phases.map((p) => p.achieved)), 0);
          medians[`rate${rate}P50Ms`] = round(median(phases.map((p) => p.latencyMs.p50)));
          medians[`rate${rate}P95Ms`] = round(median(phases.map((p) => p.latencyMs.p95)));
          medians[`rate${rate}P99Ms`] = round(median(phases.map((p) => p.latencyMs.p99)));
          medians[`rate${rate}CpuPerMillionSystem`] = round(
            median(phases.map((p) => p.cpuPerMillion.system)),
          );
          medians[`rate${rate}RssMb`] = round(median(phases.map((p) => p.rssMb)));
        }
        return medians;
      },
      finished: (run) => run.drain.reached,
      throughput: (run) => run.drain.eventsPerSec,
      cpuPerMillion: (run) => run.drain.cpuPerMillion.system,
    },
    ceilings,
  );
  const row = (label: string, name: string, digits = 1) => medianRow(comparison, label, name, digits);
  const table = {
    columns: tableColumns(comparison, `${report.scenario} (medians)`),
    rows: [
      row('backlog drain, events/s', 'eventsPerSec', 0),
      row('backlog drain, MB/s (record values)', 'mbPerSec', 2),
      row('time to first event, ms', 'firstEventMs', 0),
      row('CPU s per M events: connector process', 'cpuPerMillionSystem'),
      row(`CPU s per M events: ${report.database.label}`, databaseFigure),
      row('CPU s per M events: Kafka broker', 'cpuPerMillionBroker'),
      row('peak RSS, MB', 'peakRssMb'),
      row('peak V8 heap in use, MB (sampled each second)', 'peakHeapUsedMb'),
      ...rates.flatMap((rate) => [
        row(`${rate}/s offered: committed/s`, `rate${rate}Achieved`, 0),
        row(`${rate}/s: latency p50, ms`, `rate${rate}P50Ms`),
        row(`${rate}/s: latency p95, ms`, `rate${rate}P95Ms`),
        row(`${rate}/s: latency p99, ms`, `rate${rate}P99Ms`),
        row(`${rate}/s: CPU s per M events, connector`, `rate${rate}CpuPerMillionSystem`),
        row(`${rate}/s: RSS while streaming, MB`, `rate${rate}RssMb`),
      ]),
      ...closingRows(comparison, 'events'),
    ],
  };
  await writeComparison({
    scenario: report.scenario,
    settings: {
      events: args.number('events', 1_000_000),
      runs: args.number('runs', 3),
      rates,
      durationSeconds: args.number('duration', 30),
      warmupSeconds: args.number('warmup', 5),
      txSize: args.number('tx-size', 10),
      generatorConnections: args.number('workers', 4),
      ...connectorSettings(args, report.connector),
    },
    outcomes,
    ceilings,
    comparison,
    memory: { peakRssMb: 'peakRssMb', peakHeapUsedMb: 'peakHeapUsedMb' },
    table,
    notes: report.notes,
    verdict: {
      passed: 'Every committed change was found in the topics for every run.',
      failed: 'FAILED: some runs lost events or did not finish; see runs[].',
    },
    throughput: { figure: 'eventsPerSec', unit: 'ev/s' },
  });
}
