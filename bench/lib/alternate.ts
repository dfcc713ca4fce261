import { SYSTEM_KINDS, type SystemKind } from './systems.ts';

// Runs the systems alternately (onramp, debezium, onramp, ...), `runs` times each, so slow drifts
// of a shared machine hit both; a run that throws is recorded as failed and the series goes on.

export interface RunOutcome<T> {
  kind: SystemKind;
  index: number;
  result?: T;
  error?: string;
}

export async function alternate<T>(
  runs: number,
  work: (kind: SystemKind, index: number) => Promise<T>,
  kinds: readonly SystemKind[] = SYSTEM_KINDS,
): Promise<RunOutcome<T>[]> {
  const outcomes: RunOutcome<T>[] = [];
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
  }
  return outcomes;
}

export function systemsArg(raw: string): SystemKind[] {
  const kinds = raw.split(',').map((kind) => kind.trim());
  for (const kind of kinds) {
    if (!SYSTEM_KINDS.includes(kind as SystemKind)) throw new Error(`--systems: unknown system '${kind}'`);
  }
  return kinds as SystemKind[];
}
