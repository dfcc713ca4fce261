import { OnrampError } from '../plugin/errors.ts';
import type { ClientOverrides } from './client-properties.ts';
import { hasApiError, kafkaError } from './kafka-errors.ts';
import type { TopicAdmin } from './topic-admin.ts';
import type { Cluster, ConsumerGroupReading, SinkOffset } from './types.ts';

// The Cluster seam for connector management: cluster id and sink consumer-group offsets; and, for the
// data-product catalog, every consumer group with the topics it reads and its lag.
export class KafkaCluster implements Cluster {
  private readonly admin: TopicAdmin;
  private readonly adminFor: (overrides: ClientOverrides) => TopicAdmin;

  /**
   * `admin`: the host's admin client; `adminFor`: the admin client of a connector's settings (its
   * admin.override.* on top of the host's), for the group offsets of a sink connector.
   */
  constructor(admin: TopicAdmin, adminFor: (overrides: ClientOverrides) => TopicAdmin = () => admin) {
    this.admin = admin;
    this.adminFor = adminFor;
  }

  private adminOf(overrides: ClientOverrides | undefined): TopicAdmin {
    return overrides ? this.adminFor(overrides) : this.admin;
  }

  /** Asks Kafka every time: /health relies on this call to notice a broker that went away. */
  clusterId(): Promise<string> {
    return this.admin.clusterId();
  }

  async groupOffsets(groupId: string, overrides?: ClientOverrides): Promise<SinkOffset[]> {
    const admin = this.adminOf(overrides);
    try {
      const [group] = await admin.client().listConsumerGroupOffsets({ groups: [groupId] });
      return (group?.topics ?? []).flatMap(({ name, partitions }) =>
        partitions
          .filter(({ committedOffset }) => committedOffset >= 0n)
          .map(({ partitionIndex, committedOffset }) => ({
            topic: name,
            partition: partitionIndex,
            offset: committedOffset.toString(),
          })),
      );
    } catch (error) {
      throw kafkaError(error, `fetching offsets of group ${groupId}`, admin.connection);
    }
  }

  async consumerGroups(): Promise<ConsumerGroupReading[]> {
    try {
      const client = this.admin.client();
      const groups = [...(await client.listGroups()).values()].filter(
        (group) => group.protocolType === 'consumer' || group.protocolType === '',
      );
      if (groups.length === 0) return [];
      const offsets = await client.listConsumerGroupOffsets({ groups: groups.map((group) => group.id) });
      const ends = new Map<string, Promise<Map<number, bigint> | undefined>>();
      const endOf = (topic: string) => {
        let end = ends.get(topic);
        if (!end) {
          end = this.admin.endOffsets(topic).catch(() => undefined);
          ends.set(topic, end);
        }
        return end;
      };
      return await Promise.all(
        offsets.map(async (entry) => ({
          group: entry.groupId,
          state: String(groups.find((group) => group.id === entry.groupId)?.state ?? 'Unknown'),
          topics: await Promise.all(
            entry.topics
              .filter((topic) => topic.partitions.some((partition) => partition.committedOffset >= 0n))
              .map(async (topic) => {
                const end = await endOf(topic.name);
                let lag: bigint | undefined = 0n;
                for (const partition of topic.partitions) {
                  const last = end?.get(partition.partitionIndex);
                  if (last === undefined || lag === undefined) lag = undefined;
                  else if (partition.committedOffset >= 0n)
                    lag += last > partition.committedOffset ? last - partition.committedOffset : 0n;
                }
                return { topic: topic.name, lag: lag === undefined ? undefined : Number(lag) };
              }),
          ),
        })),
      );
    } catch (error) {
      throw kafkaError(error, 'listing consumer groups', this.admin.connection);
    }
  }

  /** Sets offsets; a null offset removes that partition's committed offset (OffsetDelete). */
  async alterGroupOffsets(
    groupId: string,
    offsets: ReadonlyArray<Omit<SinkOffset, 'offset'> & { offset: string | null }>,
    overrides?: ClientOverrides,
  ): Promise<void> {
    const set = new Map<string, Array<{ partition: number; offset: bigint }>>();
    const removed = new Map<string, number[]>();
    for (const { topic, partition, offset } of offsets) {
      if (offset === null) removed.set(topic, [...(removed.get(topic) ?? []), partition]);
      else set.set(topic, [...(set.get(topic) ?? []), { partition, offset: BigInt(offset) }]);
    }
    const admin = this.adminOf(overrides);
    const client = admin.client();
    try {
      if (set.size > 0)
        await client.alterConsumerGroupOffsets({
          groupId,
          topics: [...set].map(([name, partitionOffsets]) => ({ name, partitionOffsets })),
        });
      if (removed.size > 0)
        await client.deleteConsumerGroupOffsets({
          groupId,
          topics: [...removed].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
        });
    } catch (error) {
      // A topic or partition Kafka does not have is the request's fault (400), not Kafka being down.
      if (hasApiError(error, 'UNKNOWN_TOPIC_OR_PARTITION')) {
        const partitions = [...new Set(offsets.map(({ topic, partition }) => `${topic}-${partition}`))];
        throw new OnrampError(
          'INVALID_OFFSETS',
          `Kafka has no such topic partition among ${partitions.slice(0, 10).join(', ')}${partitions.length > 10 ? ', ...' : ''}: offsets can only be set for partitions that exist`,
          { cause: error },
        );
      }
      throw groupError(error, groupId, 'altering offsets of', admin);
    }
  }

  /** Deletes the group, and with it every committed offset (what Kafka Connect does for sinks). */
  async resetGroupOffsets(groupId: string, overrides?: ClientOverrides): Promise<void> {
    const admin = this.adminOf(overrides);
    try {
      await admin.client().deleteGroups({ groups: [groupId] });
    } catch (error) {
      if (hasApiError(error, 'GROUP_ID_NOT_FOUND')) return;
      throw groupError(error, groupId, 'deleting', admin);
    }
  }

  async close(): Promise<void> {
    await this.admin.close();
  }
}

function groupError(error: unknown, groupId: string, action: string, admin: TopicAdmin): OnrampError {
  if (
    ['NON_EMPTY_GROUP', 'UNKNOWN_MEMBER_ID', 'GROUP_SUBSCRIBED_TO_TOPIC'].some((id) => hasApiError(error, id))
  )
    return new OnrampError(
      'CONFLICT',
      `Consumer group ${groupId} still has active members; stop the connector first`,
      { cause: error },
    );
  return kafkaError(error, `${action} consumer group ${groupId}`, admin.connection);
}
