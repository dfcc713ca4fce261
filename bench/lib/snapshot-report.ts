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
import type { SnapshotFigures } from './snapshot-run.ts';

// The results of a snapshot scenario (pg-snapshot, mysql-snapshot): medians per system, failed
// runs, the pairwise rows/s ratio, the README table and the JSON. Only the database's CPU part,
// the connector settings line and the notes differ per database.

export interface SnapshotReport<D extends string> {
  scenario: string;
  /** The database's CPU part: its key in the figures, and its label in the table. */
  database: { key: D; label: string };
  smallTables: number;
  /** The connector settings, one line. */
  connector: string;
  /** What is specific to the scenario; the pass/fail verdict follows. */
  notes: string[];
}

export async function writeSnapshotReport<D extends string>(
  args: BenchArgs,
  outcomes: RunOutcome<SnapshotFigures<D>>[],
  ceilings: CeilingOutcome<CeilingResult>[],
  report: SnapshotReport<D>,
): Promise<void> {
  const key = report.database.key;
  const databaseFigure = cpuFigureName(key);
  const comparison = compare(
    outcomes,
    {
      figures: {
        rowsPerSec: (run) => run.rowsPerSec,
        mbPerSec: (run) => run.mbPerSec,
        seconds: (run) => run.seconds,
        firstEventMs: (run) => run.firstEventMs,
        cpuPerMillionSystem: (run) => run.cpuPerMillion.system,
        [databaseFigure]: (run) => run.cpuPerMillion[key],
        cpuPerMillionBroker: (run) => run.cpuPerMillion.broker,
        peakRssMb: (run) => run.peakRssMb,
        peakHeapUsedMb: (run) => run.peakHeapUsedMb ?? Number.NaN,
      },
      finished: (run) => run.reached,
      throughput: (run) => run.rowsPerSec,
      cpuPerMillion: (run) => run.cpuPerMillion.system,
    },
    ceilings,
  );
  const row = (label: string, name: string, digits = 1) => medianRow(comparison, label, name, digits);
  await writeComparison({
    scenario: report.scenario,
    settings: {
      rows: args.number('rows', 1_000_000),
      smallTables: report.smallTables,
      smallRows: args.number('small-rows', 1000),
      runs: args.number('runs', 3),
      snapshotMaxThreads: args.string('snapshot-threads', '1'),
      ...connectorSettings(args, report.connector),
    },
    outcomes,
    ceilings,
    comparison,
    memory: { peakRssMb: 'peakRssMb', peakHeapUsedMb: 'peakHeapUsedMb' },
    table: {
      columns: tableColumns(comparison, `${report.scenario} (medians)`),
      rows: [
        row('rows/s', 'rowsPerSec', 0),
        row('MB/s (record values)', 'mbPerSec', 2),
        row('time to last snapshot event, s', 'seconds', 2),
        row('time to first event, ms', 'firstEventMs', 0),
        row('CPU s per M rows: connector process', 'cpuPerMillionSystem'),
        row(`CPU s per M rows: ${report.database.label}`, databaseFigure),
        row('CPU s per M rows: Kafka broker', 'cpuPerMillionBroker'),
        row('peak RSS, MB', 'peakRssMb'),
        row('peak V8 heap in use, MB (sampled each second)', 'peakHeapUsedMb'),
        ...closingRows(comparison, 'rows'),
      ],
    },
    notes: report.notes,
    verdict: {
      passed: 'Every row was found in the topics for every run.',
      failed: 'FAILED: some runs lost rows or did not finish; see runs[].',
    },
    throughput: { figure: 'rowsPerSec', unit: 'rows/s' },
  });
}
