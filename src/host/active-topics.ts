import { OnrampError } from '../plugin/index.ts';
import type { TopicStore } from '../stores/topic-store.ts';
import type { RootLogger } from './logger.ts';

// Kafka Connect's active topics (KIP-558): the topics each connector's tasks wrote or read, kept in
// the topic store so that lineage survives restarts. Tasks report a topic on every batch; only a
// new one is written.

export interface TopicTracking {
  enable: boolean;
  allowReset: boolean;
}

export class ActiveTopics {
  readonly tracking: TopicTracking;
  private readonly store: TopicStore | undefined;
  private readonly log: RootLogger;
  /** The topics known per connector: what the store held when the connector was loaded, and since. */
  private readonly known = new Map<string, Set<string>>();

  constructor(store: TopicStore | undefined, tracking: TopicTracking, log: RootLogger) {
    this.store = store;
    this.tracking = tracking;
    this.log = log;
  }

  /** Starts tracking a connector with what the store holds for it. */
  load(connector: string): void {
    this.known.set(connector, new Set(this.store?.get(connector) ?? []));
  }

  record(connector: string, topic: string): void {
    const topics = this.known.get(connector);
    if (!this.tracking.enable || !topics || topics.has(topic)) return;
    topics.add(topic);
    // With other workers running tasks of the same connector, the store may know topics this one
    // has not seen: the set written is the union, so no worker's topics are dropped.
    for (const stored of this.store?.get(connector) ?? []) topics.add(stored);
    this.store?.put(connector, [...topics]).catch((error: unknown) => {
      this.log.error({ err: error }, 'status store write failed');
    });
  }

  /** GET /connectors/{n}/topics (call requireTracking first). */
  list(connector: string): string[] {
    const topics = new Set([...(this.store?.get(connector) ?? []), ...(this.known.get(connector) ?? [])]);
    return [...topics].sort();
  }

  /** PUT /connectors/{n}/topics/reset (call requireReset first). */
  async reset(connector: string): Promise<void> {
    this.known.get(connector)?.clear();
    await this.store?.delete(connector);
  }

  /** The connector was deleted here: its topics are forgotten, in the store too. */
  async delete(connector: string): Promise<void> {
    this.known.delete(connector);
    await this.store?.delete(connector);
  }

  /** The connector was deleted by another worker (which deletes the stored topics). */
  forget(connector: string): void {
    this.known.delete(connector);
  }

  requireTracking(): void {
    if (!this.tracking.enable)
      throw new OnrampError('TOPIC_TRACKING_DISABLED', 'Topic tracking is disabled.');
  }

  requireReset(): void {
    this.requireTracking();
    if (!this.tracking.allowReset)
      throw new OnrampError('TOPIC_TRACKING_DISABLED', 'Topic tracking reset is disabled.');
  }
}
