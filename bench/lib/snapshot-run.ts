import type { ChangeCheck } from './change-check.ts';
import { changeKey } from './mixed-changes.ts';
import { mapValues } from './proc-usage.ts';
import { round } from './stats.ts';
import type { CpuSplit } from './stream-run.ts';
import { perMillion } from './stream-run.ts';
import type { SystemKind } from './systems.ts';

// One run of a snapshot scenario (pg-snapshot, mysql-snapshot), common to every source database:
// the keys the snapshot must deliver, and the run's figures from the topics' check. `D` names the
// database's part of the CPU figures (postgres, mariadb).

/** The snapshot's tables: small ones first, then one big one. */
export const BIG_TABLE = 'big';

export interface SnapshotFigures<D extends string> {
  rows: number;
  seconds: number;
  rowsPerSec: number;
  mbPerSec: number;
  firstEventMs: number;
  reached: boolean;
  cpuSeconds: CpuSplit<D>;
  cpuPerMillion: CpuSplit<D>;
  peakRssMb: number;
  /** Onramp's highest sampled V8 heap in use; null for Debezium. */
  peakHeapUsedMb: number | null;
  avgValueBytes: number;
  lost: number;
  duplicates: number;
}

/** Every row of `tables` (index = table index), ids 1..n at version 1: `rows` in BIG_TABLE, else `smallRows`. */
export function snapshotKeys(tables: readonly string[], rows: number, smallRows: number): number[] {
  const expected: number[] = [];
  tables.forEach((table, index) => {
    const count = table === BIG_TABLE ? rows : smallRows;
    for (let id = 1; id <= count; id++) expected.push(changeKey(index, id, 1));
  });
  return expected;
}

/** The run's figures (rounded, as written to the results), printed as one line. */
export function snapshotFigures<D extends string>(measured: {
  kind: SystemKind;
  expected: number[];
  reached: boolean;
  /** When the connector was created, ms since the epoch. */
  createdMs: number;
  cpu: CpuSplit<D>;
  peakRssMb: number;
  peakHeapUsedMb: number | undefined;
  check: ChangeCheck;
}): SnapshotFigures<D> {
  const { check, cpu, createdMs, reached } = measured;
  const seconds = (check.lastAppendMs - createdMs) / 1000;
  const total = measured.expected.length;
  const run: SnapshotFigures<D> = {
    rows: total,
    seconds: round(seconds, 3),
    rowsPerSec: reached ? round(total / seconds, 0) : Number.NaN,
    mbPerSec: reached ? round(check.valueBytes / 2 ** 20 / seconds, 2) : Number.NaN,
    firstEventMs: check.firstAppendMs - createdMs,
    reached,
    cpuSeconds: mapValues(cpu, (value) => round(value, 2)),
    cpuPerMillion: mapValues(cpu, (value) => round(perMillion(value, total))),
    peakRssMb: round(measured.peakRssMb),
    peakHeapUsedMb: measured.peakHeapUsedMb === undefined ? null : round(measured.peakHeapUsedMb),
    avgValueBytes: round(check.valueBytes / Math.max(1, check.records - check.tombstones), 0),
    lost: check.lost(measured.expected),
    duplicates: check.duplicates,
  };
  console.log(
    `   ${measured.kind}: ${run.rowsPerSec} rows/s (${run.seconds} s, first event ${run.firstEventMs} ms), cpu/M ${run.cpuPerMillion.system} s, peak RSS ${run.peakRssMb} MB, lost ${run.lost}`,
  );
  return run;
}
