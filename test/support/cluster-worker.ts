import type { HostProcess } from './host-process.ts';
import { waitFor } from './wait-for.ts';

// The host config of a test worker in mode: distributed: Kafka Connect's setting names, one broker
// (replication factor 1), short timeouts so failover and rebalances fit a test's deadline.

export interface ClusterWorkerSettings {
  groupId: string;
  /** config, offset and status storage topics, in that order. */
  topics: readonly string[];
  offsetPartitions?: number;
  maxDelayMs?: number;
  sessionTimeoutMs?: number;
  /** More `key: value` lines. */
  extra?: readonly string[];
}

export function clusterWorkerYaml(settings: ClusterWorkerSettings): string {
  const [configs, offsets, statuses] = settings.topics;
  return [
    'mode: distributed',
    `group.id: ${settings.groupId}`,
    `config.storage.topic: ${configs}`,
    `offset.storage.topic: ${offsets}`,
    `status.storage.topic: ${statuses}`,
    'config.storage.replication.factor: 1',
    'offset.storage.replication.factor: 1',
    `offset.storage.partitions: ${settings.offsetPartitions ?? 1}`,
    'status.storage.replication.factor: 1',
    'status.storage.partitions: 1',
    `scheduled.rebalance.max.delay.ms: ${settings.maxDelayMs ?? 2000}`,
    `session.timeout.ms: ${settings.sessionTimeoutMs ?? 6000}`,
    'heartbeat.interval.ms: 1000',
    'rebalance.timeout.ms: 20000',
    ...(settings.extra ?? []),
    '',
  ].join('\n');
}

/** A REST call retried while the cluster rebalances (409 stale configuration), as a Kafka Connect client does. */
export async function callPastRebalances(worker: HostProcess, method: string, path: string, body?: unknown) {
  return await waitFor(
    `${method} ${path} on ${worker.base} past rebalances`,
    async () => {
      const response = await worker.call(method, path, body);
      return response.status === 409 && String(response.body?.message).includes('stale configuration')
        ? undefined
        : response;
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
}
