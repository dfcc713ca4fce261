// How fresh each product topic is: when its last event was sent and how far it lagged behind the
// database's own commit time (the envelope's source.ts_ms) when it was. Fed by the source pipeline's
// product stage; read by GET /products/{id}/health and exported on /metrics.

export interface FreshnessReading {
  topic: string;
  /** When the last event was handed to Kafka. */
  lastEventTime: string;
  /** The database commit time of that event, when the event carries one. */
  lastSourceTime?: string;
  /** lastEventTime - lastSourceTime: the lag of the last event. */
  lagMs?: number;
  /** Now - lastEventTime. */
  idleMs: number;
  sloMs?: number;
  sloViolated: boolean;
}

/** One minute of a topic's freshness: the worst lag and how many events were sent. */
export interface FreshnessMinute {
  /** The minute's start (ISO time). */
  minute: string;
  maxLagMs?: number;
  events: number;
}

interface Entry {
  sentAt: number;
  sourceAt: number | undefined;
  /** The last hour, one bucket per minute that saw events, oldest first. */
  minutes: Array<{ minute: number; maxLagMs: number | undefined; events: number }>;
}

const MINUTE_MS = 60_000;
const HISTORY_MINUTES = 60;

export class FreshnessTracker {
  private readonly topics = new Map<string, Entry>();
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  record(topic: string, sourceAt: number | undefined, sentAt: number = this.now()): void {
    let entry = this.topics.get(topic);
    if (!entry) {
      entry = { sentAt, sourceAt, minutes: [] };
      this.topics.set(topic, entry);
    }
    entry.sentAt = sentAt;
    entry.sourceAt = sourceAt;
    const minute = Math.floor(sentAt / MINUTE_MS);
    const lag = sourceAt === undefined ? undefined : Math.max(0, sentAt - sourceAt);
    const last = entry.minutes.at(-1);
    if (last?.minute === minute) {
      last.events++;
      if (lag !== undefined) last.maxLagMs = Math.max(last.maxLagMs ?? 0, lag);
    } else {
      entry.minutes.push({ minute, maxLagMs: lag, events: 1 });
      while ((entry.minutes[0]?.minute ?? minute) <= minute - HISTORY_MINUTES) entry.minutes.shift();
    }
  }

  /** The last hour of `topic`, per minute that saw events (for the console's freshness chart). */
  history(topic: string): FreshnessMinute[] {
    const since = Math.floor(this.now() / MINUTE_MS) - HISTORY_MINUTES;
    return (this.topics.get(topic)?.minutes ?? [])
      .filter((bucket) => bucket.minute > since)
      .map((bucket) => ({
        minute: new Date(bucket.minute * MINUTE_MS).toISOString(),
        ...(bucket.maxLagMs !== undefined && { maxLagMs: bucket.maxLagMs }),
        events: bucket.events,
      }));
  }

  reading(topic: string, sloMs: number | undefined): FreshnessReading | undefined {
    const entry = this.topics.get(topic);
    if (!entry) return undefined;
    const lagMs = entry.sourceAt === undefined ? undefined : Math.max(0, entry.sentAt - entry.sourceAt);
    return {
      topic,
      lastEventTime: new Date(entry.sentAt).toISOString(),
      ...(entry.sourceAt !== undefined && { lastSourceTime: new Date(entry.sourceAt).toISOString() }),
      ...(lagMs !== undefined && { lagMs }),
      idleMs: Math.max(0, this.now() - entry.sentAt),
      ...(sloMs !== undefined && { sloMs }),
      sloViolated: sloMs !== undefined && lagMs !== undefined && lagMs > sloMs,
    };
  }
}
