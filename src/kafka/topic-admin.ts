import type { Admin, Kafka } from 'kafkajs';
import type { KafkaConnection } from './client-properties.ts';
import { kafkaError } from './kafka-errors.ts';
import type { TopicSettings } from './types.ts';

// One admin connection per runtime, opened on first use (never at construction, so the service
// starts while Kafka is down), for topic creation and the Cluster seam.
export class TopicAdmin {
  private readonly kafka: Kafka;
  private admin: Admin | undefined;
  private connecting: Promise<Admin> | undefined;
  private readonly known = new Set<string>();
  private readonly creating = new Map<string, Promise<void>>();
  private brokers: number | undefined;
  private closed = false;
  /** For error messages: where this admin connects, and as whom. */
  readonly connection: KafkaConnection | undefined;

  constructor(kafka: Kafka, connection?: KafkaConnection) {
    this.kafka = kafka;
    this.connection = connection;
  }

  /** The connected admin client; a failed connect is retried on the next call. */
  async connected(): Promise<Admin> {
    if (this.closed)
      throw kafkaError(
        new Error('the Kafka runtime is closed'),
        'connecting the admin client',
        this.connection,
      );
    if (this.admin) return this.admin;
    this.connecting ??= (async () => {
      const admin = this.kafka.admin();
      try {
        await admin.connect();
      } catch (error) {
        this.connecting = undefined;
        await admin.disconnect().catch(() => undefined);
        throw kafkaError(error, 'connecting to the cluster', this.connection);
      }
      this.admin = admin;
      return admin;
    })();
    return this.connecting;
  }

  async brokerCount(): Promise<number> {
    if (this.brokers === undefined) {
      const admin = await this.connected();
      try {
        this.brokers = (await admin.describeCluster()).brokers.length;
      } catch (error) {
        throw kafkaError(error, 'describing the cluster', this.connection);
      }
    }
    return this.brokers;
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

  private async create(topic: string, settings: TopicSettings): Promise<void> {
    const admin = await this.connected();
    const brokers = await this.brokerCount();
    const replicationFactor = Math.max(1, Math.min(settings.replicationFactor ?? 3, brokers));
    try {
      // Returns false when the topic exists already: that is success here.
      await admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic, numPartitions: settings.partitions ?? 1, replicationFactor }],
      });
    } catch (error) {
      if ((error as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS')
        throw kafkaError(error, `creating topic ${topic}`, this.connection);
    }
    this.known.add(topic);
  }

  async close(): Promise<void> {
    this.closed = true;
    const admin = this.admin ?? (await this.connecting?.catch(() => undefined));
    this.admin = undefined;
    this.connecting = undefined;
    await admin?.disconnect().catch(() => undefined);
  }
}
