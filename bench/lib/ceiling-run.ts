import type { RunOutcome } from './alternate.ts';
import type { BenchArgs } from './args.ts';
import { producerPerformance } from './ceiling-tools.ts';
import { round } from './stats.ts';
import { isOnramp } from './systems.ts';

// A scenario's ceiling in one round: each bounding tool's rate in the scenario's unit (events/s,
// rows/s, records/s), and the lowest of them, which no system can beat on this machine.

export interface CeilingPart {
  /** The rate in the scenario's unit. */
  perSec: number;
  /** What the tool measured, as it counts (records/s of a producer, changes/s of a reader, ...). */
  measured: object;
}

export interface CeilingResult {
  perSec: number;
  limitedBy: string;
  parts: Record<string, CeilingPart>;
}

export function ceilingOf(parts: Record<string, CeilingPart>): CeilingResult {
  let limitedBy = '';
  let perSec = Number.POSITIVE_INFINITY;
  for (const [name, part] of Object.entries(parts)) {
    if (Number.isFinite(part.perSec) && part.perSec < perSec) {
      perSec = part.perSec;
      limitedBy = name;
    }
  }
  const result = { perSec: Number.isFinite(perSec) ? round(perSec, 0) : Number.NaN, limitedBy, parts };
  console.log(
    `   ceiling: ${result.perSec}/s (${Object.entries(parts)
      .map(([name, part]) => `${name} ${round(part.perSec, 0)}/s`)
      .join(', ')})`,
  );
  return result;
}

const PRODUCER_TOPIC = 'bench.ceiling.producer';
/** ProducerPerformance sends at most this many records: enough for a steady rate, seconds long. */
const PRODUCER_RECORDS_MAX = 200_000;

/**
 * Kafka's ProducerPerformance at `recordSize` bytes (1 MB batches): `records` records (at most
 * 200k), its rate converted to the scenario's unit by `unitsPerRecord` (events per record, when a
 * tombstone follows each delete).
 */
export async function producerPart(
  records: number,
  recordSize: number,
  unitsPerRecord = 1,
): Promise<CeilingPart> {
  const measured = await producerPerformance(
    PRODUCER_TOPIC,
    Math.min(records, PRODUCER_RECORDS_MAX),
    Math.max(1, Math.round(recordSize)),
    'batched',
  );
  return { perSec: round(measured.perSec * unitsPerRecord, 0), measured: { ...measured, recordSize } };
}

/** The JSON value size the round's systems wrote: an Onramp run's, else any, else 4 KB. */
export function recordSizeOf<T extends { avgValueBytes: number }>(round: readonly RunOutcome<T>[]): number {
  const sizes = [...round]
    .sort((a, b) => Number(isOnramp(b.kind)) - Number(isOnramp(a.kind)))
    .flatMap((outcome) => (outcome.result?.avgValueBytes ? [outcome.result.avgValueBytes] : []));
  return sizes[0] ?? 4096;
}

/** Whether this run measures the ceiling beside the systems (--ceiling false leaves it out). */
export function wantsCeiling(args: BenchArgs): boolean {
  return args.string('ceiling', 'true') !== 'false';
}
