import { describe, expect, it } from 'vitest';
import { parseDistributedConfig } from '../../../src/cluster/distributed-config.ts';

const required = {
  'group.id': 'connect-cluster',
  'config.storage.topic': 'connect-configs',
  'offset.storage.topic': 'connect-offsets',
  'status.storage.topic': 'connect-status',
};

describe('parseDistributedConfig', () => {
  it("takes Kafka Connect's names and defaults", () => {
    const { config, errors, warnings } = parseDistributedConfig(required);
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(config).toEqual({
      groupId: 'connect-cluster',
      configTopic: { name: 'connect-configs', partitions: 1, replicationFactor: 3, configs: {} },
      offsetTopic: { name: 'connect-offsets', partitions: 25, replicationFactor: 3, configs: {} },
      statusTopic: { name: 'connect-status', partitions: 5, replicationFactor: 3, configs: {} },
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 3_000,
      rebalanceTimeoutMs: 60_000,
      scheduledRebalanceMaxDelayMs: 300_000,
      connectProtocol: 'sessioned',
      workerSyncTimeoutMs: 3_000,
      workerUnsyncBackoffMs: 300_000,
    });
  });

  it('passes other *.storage.* settings to the topic, ignores the config partitions and cleanup policy', () => {
    const { config, warnings } = parseDistributedConfig({
      ...required,
      'config.storage.partitions': '3',
      'offset.storage.cleanup.policy': 'delete',
      'offset.storage.min.insync.replicas': '2',
      'status.storage.replication.factor': '-1',
      'connect.protocol': 'COMPATIBLE',
      'scheduled.rebalance.max.delay.ms': '0',
    });
    expect(config?.configTopic.partitions).toBe(1);
    expect(config?.offsetTopic.configs).toEqual({ 'min.insync.replicas': '2' });
    expect(config?.statusTopic.replicationFactor).toBe(-1);
    expect(config?.connectProtocol).toBe('compatible');
    expect(config?.scheduledRebalanceMaxDelayMs).toBe(0);
    expect(warnings).toEqual([
      "Ignoring 'config.storage.partitions=3' setting, since config topic partitions is always 1",
      "Ignoring 'offset.storage.cleanup.policy=delete' setting, since compaction is always used",
    ]);
  });

  it('names every missing or invalid setting', () => {
    const { config, errors } = parseDistributedConfig({
      'offset.storage.topic': 'same',
      'status.storage.topic': 'same',
      'offset.storage.partitions': '0',
      'config.storage.replication.factor': 'three',
      'connect.protocol': 'fancy',
    });
    expect(config).toBeUndefined();
    expect(errors.map((error) => error.field)).toEqual([
      'group.id',
      'config.storage.topic',
      'config.storage.replication.factor',
      'offset.storage.partitions',
      'config.storage.topic',
      'connect.protocol',
    ]);
    expect(errors[0]?.message).toBe('Missing required configuration "group.id" which has no default value.');
  });
});
