import type { FieldError } from '../plugin/index.ts';
import type { ConnectProtocolName } from './connect-protocol.ts';
import type { LogTopicSpec } from './topic-log.ts';

// A distributed worker's settings, with Kafka Connect's names and defaults (DistributedConfig, 3.9),
// so a connect-distributed.properties reads the same here. Like Connect, the group and the three
// topics have no default: two clusters sharing a Kafka must never share them by accident.

export interface DistributedConfig {
  /** group.id: workers with the same one form a cluster. */
  groupId: string;
  configTopic: LogTopicSpec;
  offsetTopic: LogTopicSpec;
  statusTopic: LogTopicSpec;
  /** session.timeout.ms: a worker silent for this long is out of the group (10 s). */
  sessionTimeoutMs: number;
  /** heartbeat.interval.ms (3 s). */
  heartbeatIntervalMs: number;
  /** rebalance.timeout.ms: how long a rebalance waits for every worker to rejoin (60 s). */
  rebalanceTimeoutMs: number;
  /** scheduled.rebalance.max.delay.ms: how long a departed worker's tasks wait for it (5 min). */
  scheduledRebalanceMaxDelayMs: number;
  /** connect.protocol: eager (`default`), compatible or sessioned (the default). */
  connectProtocol: ConnectProtocolName;
  /** worker.sync.timeout.ms: how long a worker behind the config topic reads before it gives up its place (3 s). */
  workerSyncTimeoutMs: number;
  /** worker.unsync.backoff.ms: how long it waits then before rejoining (5 min). */
  workerUnsyncBackoffMs: number;
}

export const DISTRIBUTED_DEFAULTS = {
  'config.storage.replication.factor': '3',
  'offset.storage.partitions': '25',
  'offset.storage.replication.factor': '3',
  'status.storage.partitions': '5',
  'status.storage.replication.factor': '3',
  'session.timeout.ms': '10000',
  'heartbeat.interval.ms': '3000',
  'rebalance.timeout.ms': '60000',
  'scheduled.rebalance.max.delay.ms': '300000',
  'connect.protocol': 'sessioned',
  'worker.sync.timeout.ms': '3000',
  'worker.unsync.backoff.ms': '300000',
} as const;

const PROTOCOLS: Readonly<Record<string, ConnectProtocolName>> = {
  eager: 'default',
  compatible: 'compatible',
  sessioned: 'sessioned',
};

/** The keys of `<prefix>...` that are not topic configs. */
const STORAGE_SETTINGS = new Set(['topic', 'replication.factor', 'partitions', 'cleanup.policy']);

export function parseDistributedConfig(properties: Readonly<Record<string, string>>): {
  config?: DistributedConfig;
  errors: FieldError[];
  /** Settings Kafka Connect ignores with a warning (e.g. config.storage.partitions). */
  warnings: string[];
} {
  const errors: FieldError[] = [];
  const warnings: string[] = [];
  const value = (key: string): string | undefined =>
    properties[key] ?? (DISTRIBUTED_DEFAULTS as Readonly<Record<string, string>>)[key];
  const required = (key: string): string => {
    const text = value(key)?.trim();
    if (!text)
      errors.push({
        field: key,
        message: `Missing required configuration "${key}" which has no default value.`,
      });
    return text ?? '';
  };
  const integer = (key: string, valid: (n: number) => boolean, rule: string): number => {
    const text = value(key)?.trim() ?? '';
    const number = /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(number) || !valid(number)) {
      errors.push({ field: key, message: `Invalid value ${text} for configuration ${key}: ${rule}` });
      return 0;
    }
    return number;
  };
  const replication = (prefix: string) =>
    integer(
      `${prefix}replication.factor`,
      (n) => n === -1 || (n >= 1 && n <= 32767),
      "Replication factor must be positive and not larger than the number of brokers in the Kafka cluster, or -1 to use the broker's default",
    );
  const partitions = (prefix: string) =>
    integer(
      `${prefix}partitions`,
      (n) => n === -1 || (n >= 1 && n <= 0x7fffffff),
      "Number of partitions must be positive, or -1 to use the broker's default",
    );
  const topicConfigs = (prefix: string): Record<string, string> => {
    const configs: Record<string, string> = {};
    for (const [key, setting] of Object.entries(properties)) {
      if (!key.startsWith(prefix)) continue;
      const name = key.slice(prefix.length);
      if (name === 'cleanup.policy')
        warnings.push(`Ignoring '${key}=${setting}' setting, since compaction is always used`);
      if (STORAGE_SETTINGS.has(name)) continue;
      configs[name] = setting;
    }
    return configs;
  };

  const groupId = required('group.id');
  const configPrefix = 'config.storage.';
  if (properties[`${configPrefix}partitions`] !== undefined)
    warnings.push(
      `Ignoring '${configPrefix}partitions=${properties[`${configPrefix}partitions`]}' setting, since config topic partitions is always 1`,
    );
  const configTopic: LogTopicSpec = {
    name: required('config.storage.topic'),
    partitions: 1,
    replicationFactor: replication(configPrefix),
    configs: topicConfigs(configPrefix),
  };
  const offsetTopic: LogTopicSpec = {
    name: required('offset.storage.topic'),
    partitions: partitions('offset.storage.'),
    replicationFactor: replication('offset.storage.'),
    configs: topicConfigs('offset.storage.'),
  };
  const statusTopic: LogTopicSpec = {
    name: required('status.storage.topic'),
    partitions: partitions('status.storage.'),
    replicationFactor: replication('status.storage.'),
    configs: topicConfigs('status.storage.'),
  };
  const names = [configTopic.name, offsetTopic.name, statusTopic.name].filter((name) => name !== '');
  if (new Set(names).size !== names.length)
    errors.push({
      field: 'config.storage.topic',
      message:
        'config.storage.topic, offset.storage.topic and status.storage.topic must be three different topics',
    });
  const positive = (n: number) => n > 0 && n <= 0x7fffffff;
  const sessionTimeoutMs = integer('session.timeout.ms', positive, 'Value must be a positive int');
  const heartbeatIntervalMs = integer('heartbeat.interval.ms', positive, 'Value must be a positive int');
  if (errors.length === 0 && heartbeatIntervalMs >= sessionTimeoutMs)
    errors.push({
      field: 'heartbeat.interval.ms',
      message: 'heartbeat.interval.ms must be lower than session.timeout.ms',
    });
  const rebalanceTimeoutMs = integer('rebalance.timeout.ms', positive, 'Value must be a positive int');
  const scheduledRebalanceMaxDelayMs = integer(
    'scheduled.rebalance.max.delay.ms',
    (n) => n >= 0 && n <= 0x7fffffff,
    'Value must be at least 0',
  );
  const protocolText = (value('connect.protocol') ?? '').trim().toLowerCase();
  const connectProtocol = PROTOCOLS[protocolText];
  if (!connectProtocol)
    errors.push({
      field: 'connect.protocol',
      message: `Invalid value ${protocolText} for configuration connect.protocol: must be one of eager, compatible, sessioned`,
    });
  const workerSyncTimeoutMs = integer('worker.sync.timeout.ms', positive, 'Value must be a positive int');
  const workerUnsyncBackoffMs = integer('worker.unsync.backoff.ms', positive, 'Value must be a positive int');
  if (errors.length > 0 || !connectProtocol) return { errors, warnings };
  return {
    config: {
      groupId,
      configTopic,
      offsetTopic,
      statusTopic,
      sessionTimeoutMs,
      heartbeatIntervalMs,
      rebalanceTimeoutMs,
      scheduledRebalanceMaxDelayMs,
      connectProtocol,
      workerSyncTimeoutMs,
      workerUnsyncBackoffMs,
    },
    errors,
    warnings,
  };
}
