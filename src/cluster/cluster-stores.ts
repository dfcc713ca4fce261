import type { StoreSecrets } from '../stores/file-store.ts';
import type { TopicStore } from '../stores/topic-store.ts';
import type { DistributedConfig } from './distributed-config.ts';
import { KafkaConfigStore } from './kafka-config-store.ts';
import { KafkaOffsetStore } from './kafka-offset-store.ts';
import { KafkaStatusStore } from './kafka-status-store.ts';
import type { LogTopicSpec, TopicLog } from './topic-log.ts';
import type { WriteFence } from './write-fence.ts';

// The three stores of a distributed worker on Kafka Connect's internal topics, opened together: each
// topic is created if missing (compacted, with the `*.storage.*` settings) and read to its end before
// this resolves, so the worker starts from what the cluster knows.

export interface ClusterStores {
  configs: KafkaConfigStore;
  offsets: KafkaOffsetStore;
  statuses: KafkaStatusStore;
  /** The connectors' active topics, kept in the status topic as Kafka Connect does. */
  topics: TopicStore;
  stop(): Promise<void>;
}

export interface ClusterStoresOptions {
  config: Pick<DistributedConfig, 'configTopic' | 'offsetTopic' | 'statusTopic'>;
  /** Opens one internal topic (src/kafka's KafkaTopicLog; an in-memory log in unit tests). */
  openLog: (spec: LogTopicSpec) => TopicLog;
  /** Asked before offset and status writes (the group membership's fence). */
  fence?: WriteFence;
  /** Asked before config writes (e.g. only the leader writes, as in Kafka Connect). */
  configGuard?: (action: string) => void | Promise<void>;
  secrets?: StoreSecrets;
  onSkippedConfig?: (key: string, reason: string) => void;
}

export async function openClusterStores(options: ClusterStoresOptions): Promise<ClusterStores> {
  const { config, fence } = options;
  const configs = new KafkaConfigStore({
    log: options.openLog(config.configTopic),
    ...(options.secrets && { secrets: options.secrets }),
    ...(options.configGuard && { guard: options.configGuard }),
    ...(options.onSkippedConfig && { onSkipped: options.onSkippedConfig }),
  });
  const offsets = new KafkaOffsetStore({ log: options.openLog(config.offsetTopic), ...(fence && { fence }) });
  const statuses = new KafkaStatusStore({
    log: options.openLog(config.statusTopic),
    ...(fence && { fence }),
  });
  const stop = async () => {
    await Promise.all([configs.stop(), offsets.stop(), statuses.stop()].map((p) => p.catch(() => undefined)));
  };
  try {
    await Promise.all([configs.start(), offsets.start(), statuses.start()]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { configs, offsets, statuses, topics: statuses.topics, stop };
}
