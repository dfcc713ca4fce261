import { Admin } from '@platformatic/kafka';
import type { KafkaConnection } from './client-properties.ts';
import { hasApiError, kafkaError } from './kafka-errors.ts';
import { platformaticOptions } from './platformatic-options.ts';
import type { TopicSettings } from './types.ts';

// One admin connection per distinct connection, opened on first use (never at construction, so the
// service starts while Kafka is down), for topic creation, the Cluster seam and tests.
export class TopicAdmin {
  private admin: Admin | undefined;
  private readonly known = new Set<string>();
  private readonly creating = new Map<string, Promise<void>>();
  private brokers: number | undefined;
  private closed = false;
  /** Where this admin connects, and as whom (also for error messages). */
  readonly connection: KafkaConnection;

  constructor(connection: KafkaConnection) {
    this.connection = connection;
  }

  /** The admin client (connects lazily on its first request). */
  client(): Admin {
    if (this.closed)
      throw kafkaError(new Error('the Kafka runtime is closed'), 'using the admin client', this.connection);
    this.admin ??= new Admin(platformaticOptions(this.connection));
    return this.admin;
  }

  /** The cluster id; asks Kafka every time (/health relies on it to notice a broker that went away). */
  async clusterId(): Promise<string> {
    try {
      const metadata = await this.client().metadata({ topics: [], forceUpdate: true });
      this.brokers = metadata.brokers.size;
      return metadata.id;
    } catch (error) {
      throw kafkaError(error, 'describing the cluster', this.connection);
    }
  }

  async brokerCount(): Promise<number> {
    if (this.brokers === undefined) await this.clusterId();
    return this.brokers ?? 1;
  }

  /** The next offset to be written (high watermark) of each partition of `topic`. */
  async endOffsets(topic: string): Promise<Map<number, bigint>> {
    return this.listOffsets(topic, -1n);
  }

  /** The first offset still in the log of each partition of `topic`. */
  async startOffsets(topic: string): Promise<Map<number, bigint>> {
    return this.listOffsets(topic, -2n);
  }

  private async listOffsets(topic: string, timestamp: bigint): Promise<Map<number, bigint>> {
    try {
      const metadata = await this.client().metadata({ topics: [topic] });
      const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
      const partitions = Array.from({ length: count }, (_, partition) => ({
        partitionIndex: partition,
        timestamp,
      }));
      const [listed] = await this.client().listOffsets({ topics: [{ name: topic, partitions }] });
      return new Map(
        (listed?.partitions ?? []).map(({ partitionIndex, offset }) => [partitionIndex, offset]),
      );
    } catch (error) {
      throw kafkaError(error, `listing the offsets of ${topic}`, this.connection);
    }
  }

  /** Creates the topics that do not exist yet (idempotent; each topic is checked once per process). */
  async ensureTopics(topics: Iterable<string>, settings: TopicSettings = {}): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const topic of topics) {
      if (this.known.has(topic)) continue;
      let creation = this.creating.get(topic);
      if (!creation) {
        creation = this.create(topic, settings).finally(() => this.creating.delete(topic));
        this.creating.set(topic, creation);
      }
      pending.push(creation);
    }
    if (pending.length > 0) await Promise.all(pending);
  }

  /** Checks these topics again on next use (e.g. after a send failed: one may have been deleted). */
  forget(topics: Iterable<string>): void {
    for (const topic of topics) this.known.delete(topic);
  }

  async deleteTopics(topics: string[]): Promise<void> {
    try {
      await this.client().deleteTopics({ topics });
    } catch (error) {
      if (!hasApiError(error, 'UNKNOWN_TOPIC_OR_PARTITION'))
        throw kafkaError(error, `deleting topics ${topics.join(', ')}`, this.connection);
    }
    this.forget(topics);
  }

  private async create(topic: string, settings: TopicSettings): Promise<void> {
    // -1 (Kafka Connect's "the broker's default", KIP-464) goes to the broker as it is.
    const replicas =
      settings.replicationFactor === -1
        ? -1
        : Math.max(1, Math.min(settings.replicationFactor ?? 3, await this.brokerCount()));
    try {
      await this.client().createTopics({ topics: [topic], partitions: settings.partitions ?? 1, replicas });
    } catch (error) {
      if (!hasApiError(error, 'TOPIC_ALREADY_EXISTS'))
        throw kafkaError(error, `creating topic ${topic}`, this.connection);
    }
    this.known.add(topic);
  }

  async close(): Promise<void> {
    this.closed = true;
    const admin = this.admin;
    this.admin = undefined;
    await admin?.close().catch(() => undefined);
  }
}
