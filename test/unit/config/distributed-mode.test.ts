import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HostConfigError, loadHostConfig } from '../../../src/config/host-config.ts';

// mode: distributed in the host config: Kafka Connect's distributed-worker settings under their own
// names, checked as Connect checks them, and the advertised URL other workers forward requests to.

function load(lines: string[], env: Record<string, string> = {}) {
  const file = join(mkdtempSync(join(tmpdir(), 'onramp-mode-')), 'host.yaml');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return loadHostConfig({ file, env });
}

const CLUSTER = [
  'mode: distributed',
  'group.id: onramp-cluster',
  'config.storage.topic: onramp-configs',
  'offset.storage.topic: onramp-offsets',
  'status.storage.topic: onramp-status',
];

describe('mode: distributed', () => {
  it('is off by default: standalone keeps the data dir stores', () => {
    expect(load(['rest.port: 8084']).distributed).toBeUndefined();
  });

  it("takes Kafka Connect's names and defaults, and advertises host:port as the worker id", () => {
    const config = load([
      ...CLUSTER,
      'scheduled.rebalance.max.delay.ms: 3000',
      'offset.storage.replication.factor: 1',
      'rest.advertised.host.name: worker1.internal',
      'rest.advertised.port: 9083',
    ]);
    expect(config.distributed).toMatchObject({
      groupId: 'onramp-cluster',
      configTopic: { name: 'onramp-configs', partitions: 1, replicationFactor: 3 },
      offsetTopic: { name: 'onramp-offsets', partitions: 25, replicationFactor: 1 },
      statusTopic: { name: 'onramp-status', partitions: 5 },
      sessionTimeoutMs: 10_000,
      scheduledRebalanceMaxDelayMs: 3_000,
      connectProtocol: 'sessioned',
      advertisedUrl: 'http://worker1.internal:9083/',
    });
    expect(config.workerId).toBe('worker1.internal:9083');
  });

  it('advertises rest.host and rest.port when nothing else is said (the port from the environment too)', () => {
    const config = load(CLUSTER, { ONRAMP_REST_PORT: '18083' });
    expect(config.distributed?.advertisedUrl).toBe('http://127.0.0.1:18083/');
    expect(config.workerId).toBe('127.0.0.1:18083');
  });

  it('refuses a cluster without its group or topics, naming the settings as Kafka Connect does', () => {
    expect(() => load(['mode: distributed', 'group.id: g'])).toThrow(HostConfigError);
    expect(() => load(['mode: distributed', 'group.id: g'])).toThrow(
      /config.storage.topic: Missing required configuration "config.storage.topic" which has no default value/,
    );
    expect(() => load([...CLUSTER, 'heartbeat.interval.ms: 20000'])).toThrow(
      /heartbeat.interval.ms must be lower than session.timeout.ms/,
    );
    expect(() => load(['mode: cluster'])).toThrow(/invalid mode "cluster".*standalone or distributed/);
  });
});
