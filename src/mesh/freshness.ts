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

interface Entry {
  sentAt: number;
  sourceAt: number | undefined;
}

export class FreshnessTracker {
  private readonly topics = new Map<string, Entry>();
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  record(topic: string, sourceAt: number | undefined, sentAt: number = this.now()): void {
    this.topics.set(topic, { sentAt, sourceAt });
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
