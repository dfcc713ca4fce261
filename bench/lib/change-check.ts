import type { TopicRecord } from './kafka-topics.ts';
import { changeKey } from './mixed-changes.ts';

// Reads change events back from the topics (Kafka Connect JSON with schemas, or Avro decoded by the
// caller) and checks them against what the load generator committed: every (table, key, version)
// must be there, deletes by key. Also collects append times (first/last event) and commit-to-append latencies from the
// `committed_at` column. Works for any system that writes Debezium's envelope.

/** Debezium's envelope, as far as the check reads it. */
export interface Envelope {
  op?: string;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

interface JsonEnvelope {
  payload?: Envelope | null;
}

interface JsonKey {
  payload?: Record<string, unknown> | null;
}

/** A window of commit times (ms since the epoch) whose events' latencies are kept. */
export interface LatencyWindow {
  name: string;
  fromMs: number;
  toMs: number;
}

/** Microsecond-exact ms since the epoch of an io.debezium.time.ZonedTimestamp ("...T..:..:..[.ffffff]Z"). */
export function zonedTimestampMs(text: string): number {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)$/.exec(text);
  if (!match) return Number.NaN;
  const seconds = Date.parse(`${match[1]}${match[3] === 'Z' ? 'Z' : match[3]}`);
  const fraction = match[2] ? Number(`0.${match[2]}`) * 1000 : 0;
  return seconds + fraction;
}

export class ChangeCheck {
  readonly found = new Set<number>();
  records = 0;
  tombstones = 0;
  duplicates = 0;
  valueBytes = 0;
  firstAppendMs = Number.POSITIVE_INFINITY;
  lastAppendMs = Number.NEGATIVE_INFINITY;
  /** Last append time among records before `boundary` (per topic:partition end offsets). */
  lastBeforeBoundaryMs = Number.NEGATIVE_INFINITY;
  bytesBeforeBoundary = 0;
  readonly latencies = new Map<string, number[]>();
  unparsable = 0;

  private readonly tableIndexOf: (topic: string) => number;
  private readonly windows: LatencyWindow[];
  private readonly boundary: Map<string, number> | undefined;

  constructor(
    tableIndexOf: (topic: string) => number,
    windows: LatencyWindow[] = [],
    boundary?: Map<string, number>,
  ) {
    this.tableIndexOf = tableIndexOf;
    this.windows = windows;
    this.boundary = boundary;
    for (const window of windows) this.latencies.set(window.name, []);
  }

  add = (record: TopicRecord): void => {
    this.count(record);
    if (record.value === null) {
      this.tombstones++;
      return;
    }
    let value: JsonEnvelope;
    let key: JsonKey;
    try {
      value = JSON.parse(record.value.toString('utf8')) as JsonEnvelope;
      key = JSON.parse(record.key?.toString('utf8') ?? 'null') as JsonKey;
    } catch {
      this.unparsable++;
      return;
    }
    this.addChange(record, key?.payload, value.payload);
  };

  /**
   * A record already decoded (Avro): its key's fields and its value's envelope. `add` must not have
   * seen it; tombstones go through `add`.
   */
  addDecoded(record: TopicRecord, key: Record<string, unknown> | null, value: Envelope | null): void {
    this.count(record);
    this.addChange(record, key, value);
  }

  private count(record: TopicRecord): void {
    this.records++;
    if (record.timestamp < this.firstAppendMs) this.firstAppendMs = record.timestamp;
    if (record.timestamp > this.lastAppendMs) this.lastAppendMs = record.timestamp;
    const size = record.value?.length ?? 0;
    this.valueBytes += size;
    const end = this.boundary?.get(`${record.topic}:${record.partition}`);
    if (end !== undefined && record.offset < end) {
      if (record.timestamp > this.lastBeforeBoundaryMs) this.lastBeforeBoundaryMs = record.timestamp;
      this.bytesBeforeBoundary += size;
    }
  }

  private addChange(
    record: TopicRecord,
    key: Record<string, unknown> | null | undefined,
    payload: Envelope | null | undefined,
  ): void {
    const table = this.tableIndexOf(record.topic);
    const id = Number(key?.id);
    if (!payload || !Number.isFinite(id)) {
      this.unparsable++;
      return;
    }
    let change: number;
    if (payload.op === 'd') change = changeKey(table, id, 0);
    else {
      const after = payload.after ?? {};
      change = changeKey(table, id, Number(after.version));
      // PostgreSQL's timestamptz arrives as a ZonedTimestamp string; MariaDB's DATETIME(6) as an
      // io.debezium.time.MicroTimestamp (µs since the epoch, the server running in UTC).
      const committed =
        typeof after.committed_at === 'string'
          ? zonedTimestampMs(after.committed_at)
          : typeof after.committed_at === 'number' || typeof after.committed_at === 'bigint'
            ? Number(after.committed_at) / 1000
            : Number.NaN;
      for (const window of this.windows) {
        if (committed >= window.fromMs && committed < window.toMs) {
          this.latencies.get(window.name)?.push(record.timestamp - committed);
        }
      }
    }
    if (this.found.has(change)) this.duplicates++;
    else this.found.add(change);
  }

  /** How many of `committed` changes are missing. */
  lost(committed: number[]): number {
    let lost = 0;
    for (const change of committed) if (!this.found.has(change)) lost++;
    return lost;
  }
}
