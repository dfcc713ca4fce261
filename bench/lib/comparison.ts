import type { CeilingOutcome, RunOutcome } from './alternate.ts';
import type { BenchArgs } from './args.ts';
import type { CeilingResult } from './ceiling-run.ts';
import { TUNING_SETTINGS } from './debezium-tuning.ts';
import { machine, type ResultTable, today, versions, writeResult } from './results.ts';
import { median, pairRatio, round } from './stats.ts';
import {
  converterFormat,
  DEBEZIUM_KINDS,
  DEFAULT_HEAP_MB,
  PRODUCER_SETTINGS,
  type SystemKind,
} from './systems.ts';

// The summary of a comparison scenario: per system the medians of its figures over the runs that
// finished, the runs that failed (threw, lost changes or did not finish), the lost count; Onramp
// against the better of the two Debeziums (defaults, tuned) in throughput and in CPU per event,
// each ratio taken pair by pair (run i against run i); Onramp's share of the machine's ceiling;
// and, when `onramp-1core` ran, what Onramp pinned to one CPU keeps of its throughput.

export interface SystemSummary {
  runs: number;
  failedRuns: number;
  lost: number;
  medians: Record<string, number>;
}

/** Onramp against Debezium and the ceiling; names as the results JSON carries them. */
export interface HeadToHead {
  /** Onramp's throughput / the better Debezium's (the one with the higher median), pair by pair. */
  ratio_vs_best_debezium: number;
  best_debezium: SystemKind | null;
  ratio_vs_debezium_defaults: number;
  ratio_vs_debezium_tuned: number;
  /** The leaner Debezium's CPU seconds per million / Onramp's (higher is better for Onramp). */
  cpu_ratio_vs_best_debezium: number;
  best_debezium_cpu: SystemKind | null;
  /** Onramp's throughput / the ceiling measured in the same round, pair by pair. */
  share_of_ceiling: number | null;
  ceiling_per_sec: number | null;
  ceiling_limited_by: string | null;
  /**
   * onramp-1core's median throughput / onramp's (the host pinned to one CPU against it free on
   * every core); null unless both ran with a finished run. Not part of the Debezium ratios.
   */
  one_core_share: number | null;
}

export interface Comparison {
  kinds: SystemKind[];
  systems: Partial<Record<SystemKind, SystemSummary>>;
  headToHead: HeadToHead;
  failed: boolean;
}

/** Per run index, a figure of each system's runs (NaN where the run failed). */
type ByIndex = Partial<Record<SystemKind, number[]>>;

function finite(values: number[] | undefined): boolean {
  return (values ?? []).some((value) => Number.isFinite(value));
}

export function headToHead(
  throughput: ByIndex,
  cpuPerMillion: ByIndex,
  ceilings: readonly CeilingOutcome<CeilingResult>[] = [],
): HeadToHead {
  const onramp = throughput.onramp ?? [];
  const candidates = DEBEZIUM_KINDS.filter((kind) => finite(throughput[kind]));
  const best = candidates.reduce<SystemKind | null>(
    (winner, kind) =>
      winner === null || median(throughput[kind] ?? []) > median(throughput[winner] ?? []) ? kind : winner,
    null,
  );
  const leanCandidates = DEBEZIUM_KINDS.filter((kind) => finite(cpuPerMillion[kind]));
  const lean = leanCandidates.reduce<SystemKind | null>(
    (winner, kind) =>
      winner === null || median(cpuPerMillion[kind] ?? []) < median(cpuPerMillion[winner] ?? [])
        ? kind
        : winner,
    null,
  );
  const against = (kind: SystemKind | null) =>
    kind === null ? Number.NaN : round(pairRatio(onramp, throughput[kind] ?? []), 2);
  const oneCore = median(throughput['onramp-1core'] ?? []);
  const allCores = median(onramp);
  const ceilingByIndex: number[] = [];
  for (const ceiling of ceilings) ceilingByIndex[ceiling.index] = ceiling.result?.perSec ?? Number.NaN;
  const ceilingMedian = median(ceilingByIndex.map((value) => value ?? Number.NaN));
  const limits = ceilings.flatMap((ceiling) => (ceiling.result ? [ceiling.result.limitedBy] : []));
  return {
    ratio_vs_best_debezium: against(best),
    best_debezium: best,
    ratio_vs_debezium_defaults: against(finite(throughput.debezium) ? 'debezium' : null),
    ratio_vs_debezium_tuned: against(finite(throughput['debezium-tuned']) ? 'debezium-tuned' : null),
    cpu_ratio_vs_best_debezium:
      lean === null ? Number.NaN : round(pairRatio(cpuPerMillion[lean] ?? [], cpuPerMillion.onramp ?? []), 2),
    best_debezium_cpu: lean,
    share_of_ceiling: Number.isFinite(ceilingMedian)
      ? round(
          pairRatio(
            onramp,
            onramp.map((_, index) => ceilingByIndex[index] ?? Number.NaN),
          ),
          2,
        )
      : null,
    ceiling_per_sec: Number.isFinite(ceilingMedian) ? round(ceilingMedian, 0) : null,
    // The tool that bounded most rounds.
    ceiling_limited_by:
      limits.length === 0
        ? null
        : ([...new Set(limits)].sort(
            (a, b) => limits.filter((x) => x === b).length - limits.filter((x) => x === a).length,
          )[0] ?? null),
    one_core_share:
      Number.isFinite(oneCore) && Number.isFinite(allCores) && allCores > 0
        ? round(oneCore / allCores, 2)
        : null,
  };
}

export interface CompareOptions<T> {
  /** Figures whose median over the runs is reported, by name (one decimal). */
  figures: Record<string, (run: T) => number>;
  /** More medians after the figures (already rounded). */
  moreMedians?: (runs: T[]) => Record<string, number>;
  /** Whether a run got everything it waited for. */
  finished: (run: T) => boolean;
  /** The throughput of the ratios. */
  throughput: (run: T) => number;
  /** The connector process's CPU seconds per million events (rows, records). */
  cpuPerMillion: (run: T) => number;
}

export function compare<T extends { lost: number }>(
  outcomes: RunOutcome<T>[],
  options: CompareOptions<T>,
  ceilings: readonly CeilingOutcome<CeilingResult>[] = [],
): Comparison {
  const kinds = [...new Set(outcomes.map((outcome) => outcome.kind))];
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
  const systems: Partial<Record<SystemKind, SystemSummary>> = {};
  for (const kind of kinds) systems[kind] = summaryOf(kind);
  const byIndex = (figure: (run: T) => number): ByIndex => {
    const values: ByIndex = {};
    for (const kind of kinds) {
      const list: number[] = [];
      for (const o of of(kind))
        list[o.index] =
          o.result && o.result.lost === 0 && options.finished(o.result) ? figure(o.result) : Number.NaN;
      values[kind] = Array.from(list, (value) => value ?? Number.NaN);
    }
    return values;
  };
  return {
    kinds,
    systems,
    headToHead: headToHead(byIndex(options.throughput), byIndex(options.cpuPerMillion), ceilings),
    failed: Object.values(systems).some((summary) => summary.failedRuns > 0),
  };
}

/** The settings every source scenario ends with: topics, heap, converter, `connector`, producer, options. */
export function connectorSettings(args: BenchArgs, connector: string): Record<string, unknown> {
  return {
    partitionsPerTopic: args.number('partitions', 1),
    debeziumHeapMb: args.number('heap-mb', DEFAULT_HEAP_MB),
    converter:
      converterFormat(args.string('format', 'json')) === 'avro'
        ? 'io.confluent.connect.avro.AvroConverter through the stack schema registry (keys and values)'
        : 'org.apache.kafka.connect.json.JsonConverter, schemas.enable=true (keys and values)',
    connector,
    producer: PRODUCER_SETTINGS,
    debeziumTuned: TUNING_SETTINGS,
    given: args.given(),
  };
}

/** The results' summary of a comparison: each system's medians, the head-to-head figures, memory. */
export function comparisonSummary(
  comparison: Comparison,
  memory: { peakRssMb: string; peakHeapUsedMb?: string },
  ceilings: readonly CeilingOutcome<CeilingResult>[],
): Record<string, unknown> {
  const { systems } = comparison;
  const onramp = systems.onramp;
  return {
    onramp: onramp && {
      ...onramp,
      peak_rss_mb: onramp.medians[memory.peakRssMb] ?? null,
      peak_heap_used_mb: memory.peakHeapUsedMb ? (onramp.medians[memory.peakHeapUsedMb] ?? null) : null,
    },
    onramp_1core: systems['onramp-1core'] ?? null,
    debezium: systems.debezium ?? null,
    debezium_tuned: systems['debezium-tuned'] ?? null,
    ...comparison.headToHead,
    ceiling: ceilings.length === 0 ? null : ceilings,
    lost: Object.fromEntries(Object.entries(systems).map(([kind, summary]) => [kind, summary.lost])),
    failed: comparison.failed,
  };
}

/**
 * Writes the results file (settings, runs, ceilings, summary, table, notes with `passed` or
 * `failed` last) and prints the closing lines with the medians of `throughput` (`unit`).
 */
export async function writeComparison<T>(result: {
  scenario: string;
  settings: Record<string, unknown>;
  outcomes: RunOutcome<T>[];
  ceilings: CeilingOutcome<CeilingResult>[];
  comparison: Comparison;
  memory: { peakRssMb: string; peakHeapUsedMb?: string };
  table: ResultTable;
  notes: string[];
  verdict: { passed: string; failed: string };
  throughput: { figure: string; unit: string };
}): Promise<void> {
  const { comparison, scenario } = result;
  const file = writeResult({
    scenario,
    date: today(),
    machine: machine(),
    versions: await versions(),
    settings: result.settings,
    runs: result.outcomes,
    summary: comparisonSummary(comparison, result.memory, result.ceilings),
    table: result.table,
    notes: [...result.notes, comparison.failed ? result.verdict.failed : result.verdict.passed],
  });
  console.log(`${scenario}: ${headline(comparison, result.throughput.figure, result.throughput.unit)}`);
  console.log(`${scenario}: results in ${file}`);
}

/** One line: each system's median throughput, the ratios and the ceiling share. */
export function headline(comparison: Comparison, figure: string, unit: string): string {
  const h = comparison.headToHead;
  const each = comparison.kinds
    .map((kind) => `${kind} ${comparison.systems[kind]?.medians[figure]} ${unit}`)
    .join(', ');
  return `${each}; vs best Debezium (${h.best_debezium}) ${h.ratio_vs_best_debezium}x, CPU ${h.cpu_ratio_vs_best_debezium}x less (vs ${h.best_debezium_cpu}); ${h.share_of_ceiling ?? 'n/a'} of the ceiling (${h.ceiling_per_sec ?? 'n/a'} ${unit}, ${h.ceiling_limited_by ?? 'n/a'})${h.one_core_share === null ? '' : `; on one core ${h.one_core_share} of onramp`}${comparison.failed ? ' — FAILED' : ''}`;
}

/** The table's columns: the label, then one per system. */
export function tableColumns(comparison: Comparison, label: string): string[] {
  return [label, ...comparison.kinds];
}

/** A table row: label, then each system's median of `name`. */
export function medianRow(comparison: Comparison, label: string, name: string, digits = 1): string[] {
  return [
    label,
    ...comparison.kinds.map((kind) => {
      const value = round(comparison.systems[kind]?.medians[name] ?? Number.NaN, digits);
      return Number.isNaN(value) ? 'n/a' : String(value);
    }),
  ];
}

/** The table's last rows: lost, failed runs, the ratios and the ceiling; `unit` is what is counted. */
export function closingRows(comparison: Comparison, unit: string): string[][] {
  const { kinds, systems } = comparison;
  const h = comparison.headToHead;
  const blank = kinds.slice(1).map(() => '');
  return [
    [`lost ${unit} (all runs)`, ...kinds.map((kind) => String(systems[kind]?.lost ?? ''))],
    ['failed runs', ...kinds.map((kind) => `${systems[kind]?.failedRuns ?? 0}/${systems[kind]?.runs ?? 0}`)],
    [
      `ratio onramp/best Debezium ${unit}/s (pairwise median; best: ${h.best_debezium ?? 'n/a'})`,
      String(h.ratio_vs_best_debezium),
      ...blank,
    ],
    [
      `CPU ratio best Debezium/onramp per M ${unit} (best: ${h.best_debezium_cpu ?? 'n/a'})`,
      String(h.cpu_ratio_vs_best_debezium),
      ...blank,
    ],
    [
      `ceiling ${unit}/s (median; bound by ${h.ceiling_limited_by ?? 'n/a'}), onramp's share`,
      `${h.ceiling_per_sec ?? 'n/a'}, ${h.share_of_ceiling ?? 'n/a'}`,
      ...blank,
    ],
    ...(kinds.includes('onramp-1core')
      ? [
          [
            `one-core share: onramp-1core/onramp ${unit}/s (medians; taskset -c 0)`,
            String(h.one_core_share ?? 'n/a'),
            ...blank,
          ],
        ]
      : []),
  ];
}

/** The median's name of a CPU part's per-million figure: cpuPerMillionSystem, cpuPerMillionMariadb, ... */
export function cpuFigureName(part: string): string {
  return `cpuPerMillion${part.charAt(0).toUpperCase()}${part.slice(1)}`;
}
