import type { Cluster, SinkOffset } from '../host/cluster.ts';
import { OnrampError } from '../plugin/errors.ts';
import { kafkaError } from './kafka-errors.ts';
import type { TopicAdmin } from './topic-admin.ts';

// The Cluster seam for connector management: cluster id and sink consumer-group offsets.
export class KafkaCluster implements Cluster {
  private readonly admin: TopicAdmin;

  constructor(admin: TopicAdmin) {
    this.admin = admin;
  }

  /** Asks Kafka every time: /health relies on this call to notice a broker that went away. */
  async clusterId(): Promise<string> {
    const admin = await this.admin.connected();
    try {
      return (await admin.describeCluster()).clusterId;
    } catch (error) {
      throw kafkaError(error, 'describing the cluster', this.admin.connection);
    }
  }

  async groupOffsets(groupId: string): Promise<SinkOffset[]> {
    const admin = await this.admin.connected();
    try {
      const topics = await admin.fetchOffsets({ groupId });
      return topics.flatMap(({ topic, partitions }) =>
        partitions
          .filter(({ offset }) => offset !== '-1')
          .map(({ partition, offset }) => ({ topic, partition, offset })),
      );
    } catch (error) {
      throw kafkaError(error, `fetching offsets of group ${groupId}`, this.admin.connection);
    }
  }

  /**
   * kafkajs has no OffsetDelete request, so removing one partition's offset (null) sets it to the
   * partition's earliest offset: the same place a sink without a committed offset starts from
   * (Kafka Connect sinks use auto.offset.reset=earliest).
   */
  async alterGroupOffsets(
    groupId: string,
    offsets: ReadonlyArray<Omit<SinkOffset, 'offset'> & { offset: string | null }>,
  ): Promise<void> {
    const admin = await this.admin.connected();
    const byTopic = new Map<string, Array<{ partition: number; offset: string }>>();
    try {
      const earliest = new Map<string, Map<number, string>>();
      for (const { topic, partition, offset } of offsets) {
        let target = offset;
        if (target === null) {
          let lows = earliest.get(topic);
          if (!lows) {
            lows = new Map((await admin.fetchTopicOffsets(topic)).map(({ partition: p, low }) => [p, low]));
            earliest.set(topic, lows);
          }
          target = lows.get(partition) ?? '0';
        }
        const list = byTopic.get(topic) ?? [];
        list.push({ partition, offset: target });
        byTopic.set(topic, list);
      }
      for (const [topic, partitions] of byTopic) await admin.setOffsets({ groupId, topic, partitions });
    } catch (error) {
      throw groupError(error, groupId, 'altering offsets of', this.admin);
    }
  }

  /** Deletes the group, and with it every committed offset (what Kafka Connect does for sinks). */
  async resetGroupOffsets(groupId: string): Promise<void> {
    const admin = await this.admin.connected();
    try {
      await admin.deleteGroups([groupId]);
    } catch (error) {
      const results = (error as { groups?: Array<{ error?: { type?: string } }> }).groups ?? [];
      if (results.length > 0 && results.every((result) => result.error?.type === 'GROUP_ID_NOT_FOUND'))
        return;
      throw groupError(error, groupId, 'deleting', this.admin);
    }
  }

  async close(): Promise<void> {
    await this.admin.close();
  }
}

function groupError(error: unknown, groupId: string, action: string, admin: TopicAdmin): OnrampError {
  const type =
    (error as { type?: string }).type ??
    (error as { groups?: Array<{ error?: { type?: string } }> }).groups?.[0]?.error?.type;
  if (
    type === 'NON_EMPTY_GROUP' ||
    (error instanceof Error && /active members|not empty/i.test(error.message))
  ) {
    return new OnrampError(
      'CONFLICT',
      `Consumer group ${groupId} still has active members; stop the connector first`,
      { cause: error },
    );
  }
  return kafkaError(error, `${action} consumer group ${groupId}`, admin.connection);
}
