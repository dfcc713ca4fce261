import type { RunOutcome } from './alternate.ts';
import type { BenchArgs } from './args.ts';
import { machine, type ResultTable, today, versions, writeResult } from './results.ts';
import { median, pairRatio, round } from './stats.ts';
import { DEFAULT_HEAP_MB, PRODUCER_SETTINGS, type SystemKind } from './systems.ts';

// The Onramp/Debezium summary of a source scenario: per system the medians of its figures over the
// runs that finished, the runs that failed (threw, lost changes or did not finish), the lost count,
// and the throughput ratio taken pair by pair. The table rows and console line built from it.

export interface SystemSummary {
  runs: number;
  failedRuns: number;
  lost: number;
  medians: Record<string, number>;
}

export interface Comparison {
  onramp: SystemSummary;
  debezium: SystemSummary;
  ratio: number;
  failed: boolean;
}

export interface CompareOptions<T> {
  /** Figures whose median over the runs is reported, by name (one decimal). */
  figures: Record<string, (run: T) => number>;
  /** More medians after the figures (already rounded). */
  moreMedians?: (runs: T[]) => Record<string, number>;
  /** Whether a run got everything it waited for. */
  finished: (run: T) => boolean;
  /** The throughput of the pairwise ratio. */
  throughput: (run: T) => number;
}

export function compare<T extends { lost: number }>(
  outcomes: RunOutcome<T>[],
  options: CompareOptions<T>,
): Comparison {
  const of = (kind: SystemKind) => outcomes.filter((o) => o.kind === kind);
  const summaryOf = (kind: SystemKind): SystemSummary => {
    const results = of(kind).flatMap((o) => (o.result ? [o.result] : []));
    const medians: Record<string, number> = {};
    for (const [name, figure] of Object.entries(options.figures))
      medians[name] = round(median(results.map(figure)), 1);
    Object.assign(medians, options.moreMedians?.(results));
    const failedRuns = of(kind).filter(
      (o) => !o.result || o.result.lost > 0 || !options.finished(o.result),
    ).length;
    return { runs: of(kind).length, failedRuns, lost: results.reduce((sum, r) => sum + r.lost, 0), medians };
  };
  const onramp = summaryOf('onramp');
  const debezium = summaryOf('debezium');
  const throughputs = (kind: SystemKind) =>
    of(kind).map((o) => (o.result && o.result.lost === 0 ? options.throughput(o.result) : Number.NaN));
  const ratio = round(pairRatio(throughputs('onramp'), throughputs('debezium')), 2);
  return { onramp, debezium, ratio, failed: onramp.failedRuns + debezium.failedRuns > 0 };
}

/** The settings every source scenario ends with: topics, heap, converter, `connector`, producer, options. */
export function connectorSettings(args: BenchArgs, connector: string): Record<string, unknown> {
  return {
    partitionsPerTopic: args.number('partitions', 1),
    debeziumHeapMb: args.number('heap-mb', DEFAULT_HEAP_MB),
    converter: 'org.apache.kafka.connect.json.JsonConverter, schemas.enable=true (keys and values)',
    connector,
    producer: PRODUCER_SETTINGS,
    given: args.given(),
  };
}

/**
 * Writes the results file (settings, runs, summary, table, notes with `passed` or `failed` last)
 * and prints the closing lines with the medians of `throughput` (`unit`).
 */
export async function writeComparison<T>(result: {
  scenario: string;
  settings: Record<string, unknown>;
  outcomes: RunOutcome<T>[];
  comparison: Comparison;
  table: ResultTable;
  notes: string[];
  verdict: { passed: string; failed: string };
  throughput: { figure: string; unit: string };
}): Promise<void> {
  const { comparison, scenario } = result;
  const { onramp, debezium, ratio, failed } = comparison;
  const file = writeResult({
    scenario,
    date: today(),
    machine: machine(),
    versions: await versions(),
    settings: result.settings,
    runs: result.outcomes,
    summary: { onramp, debezium, ratio, lost: { onramp: onramp.lost, debezium: debezium.lost }, failed },
    table: result.table,
    notes: [...result.notes, failed ? result.verdict.failed : result.verdict.passed],
  });
  const { figure, unit } = result.throughput;
  console.log(
    `${scenario}: onramp ${onramp.medians[figure]} ${unit}, debezium ${debezium.medians[figure]} ${unit}, ratio ${ratio}, lost ${onramp.lost}/${debezium.lost}${failed ? ' — FAILED' : ''}`,
  );
  console.log(`${scenario}: results in ${file}`);
}

/** A table row: label, then each system's median of `name`. */
export function medianRow(comparison: Comparison, label: string, name: string, digits = 1): string[] {
  return [
    label,
    String(round(comparison.onramp.medians[name] ?? Number.NaN, digits)),
    String(round(comparison.debezium.medians[name] ?? Number.NaN, digits)),
  ];
}

/** The table's last rows: lost, failed runs, the ratio; `unit` is what is counted (events, rows). */
export function closingRows(comparison: Comparison, unit: string): string[][] {
  const { onramp, debezium, ratio } = comparison;
  return [
    [`lost ${unit} (all runs)`, String(onramp.lost), String(debezium.lost)],
    ['failed runs', `${onramp.failedRuns}/${onramp.runs}`, `${debezium.failedRuns}/${debezium.runs}`],
    [`ratio onramp/debezium ${unit}/s (pairwise median)`, String(ratio), ''],
  ];
}

/** The median's name of a CPU part's per-million figure: cpuPerMillionSystem, cpuPerMillionMariadb, ... */
export function cpuFigureName(part: string): string {
  return `cpuPerMillion${part.charAt(0).toUpperCase()}${part.slice(1)}`;
}
