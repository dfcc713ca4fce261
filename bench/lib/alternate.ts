import { DEFAULT_KINDS, SYSTEM_KINDS, type SystemKind } from './systems.ts';

// Runs the systems alternately (onramp, debezium, debezium-tuned, onramp, ...; onramp-1core only
// when --systems names it), `runs` times each,
// so slow drifts of a shared machine hit all of them; a run that throws is recorded as failed and
// the series goes on. With a ceiling, the machine's own limit for the scenario is measured after
// each round, beside the systems.

export interface RunOutcome<T> {
  kind: SystemKind;
  index: number;
  result?: T;
  error?: string;
}

export async function alternate<T>(
  runs: number,
  work: (kind: SystemKind, index: number) => Promise<T>,
  kinds: readonly SystemKind[] = DEFAULT_KINDS,
): Promise<RunOutcome<T>[]> {
  const { outcomes } = await alternateWithCeiling(runs, work, kinds);
  return outcomes;
}

/** A ceiling measured in round `index`: its throughput and the parts it is the minimum of. */
export interface CeilingOutcome<C> {
  index: number;
  result?: C;
  error?: string;
}

/**
 * `alternate`, plus `ceiling(index, round)` after each round (given that round's outcomes, e.g.
 * for the record size Onramp wrote), unless `ceiling` is undefined.
 */
export async function alternateWithCeiling<T, C>(
  runs: number,
  work: (kind: SystemKind, index: number) => Promise<T>,
  kinds: readonly SystemKind[],
  ceiling?: (index: number, round: RunOutcome<T>[]) => Promise<C>,
): Promise<{ outcomes: RunOutcome<T>[]; ceilings: CeilingOutcome<C>[] }> {
  const outcomes: RunOutcome<T>[] = [];
  const ceilings: CeilingOutcome<C>[] = [];
  for (let index = 0; index < runs; index++) {
    for (const kind of kinds) {
      console.log(`-- run ${index + 1}/${runs}: ${kind}`);
      try {
        outcomes.push({ kind, index, result: await work(kind, index) });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        console.error(`   ${kind} run ${index + 1} FAILED: ${message}`);
        outcomes.push({ kind, index, error: message });
      }
    }
    if (!ceiling) continue;
    console.log(`-- run ${index + 1}/${runs}: ceiling`);
    try {
      const round = outcomes.filter((outcome) => outcome.index === index);
      ceilings.push({ index, result: await ceiling(index, round) });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      console.error(`   ceiling run ${index + 1} FAILED: ${message}`);
      ceilings.push({ index, error: message });
    }
  }
  return { outcomes, ceilings };
}

export function systemsArg(raw: string): SystemKind[] {
  const kinds = raw.split(',').map((kind) => kind.trim());
  for (const kind of kinds) {
    if (!SYSTEM_KINDS.includes(kind as SystemKind)) throw new Error(`--systems: unknown system '${kind}'`);
  }
  return kinds as SystemKind[];
}

/** The default --systems: Onramp and both Debeziums (onramp-1core is opt-in). */
export const DEFAULT_SYSTEMS = DEFAULT_KINDS.join(',');
