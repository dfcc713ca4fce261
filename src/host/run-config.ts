import { type ClientOverrides, clientOverrides } from '../kafka/client-properties.ts';
import { taskGroupInstanceId } from '../kafka/group-instance-id.ts';
import type { ConsumerSubscription, TopicSettings } from '../kafka/types.ts';
import type { ConfigOf, FieldError, Fields, Logger } from '../plugin/index.ts';
import { errorMessage, OnrampError, parseConfig } from '../plugin/index.ts';
import { parseConverter } from '../schema/converter-config.ts';
import type { ConverterFactory, TaskConverters } from '../schema/converter-factory.ts';
import { configuredTransforms } from '../transforms/index.ts';
import {
  type SinkRuntimeConfig,
  type SourceRuntimeConfig,
  sinkRuntimeDef,
  sourceRuntimeDef,
} from './connector-config.ts';
import { type ErrorPolicyConfig, errorPolicyConfig } from './error-policy.ts';
import type { SinkTransform } from './sink-runner.ts';
import type { SourceTransform } from './source-runner.ts';
import type { TaskSpec } from './task-runner.ts';

// A connector's config as its task runs on it, parsed once when the task starts: the plugin's typed
// config, the host's settings (errors.*, product.*, topic creation or topics and the DLQ), the
// converters and transforms it names and its Kafka client overrides. The runners read only this;
// nothing below re-parses the connector's string map. Every problem is reported at once, naming its
// key; a bad config is not retriable (the task fails and says why).

interface RunConfigBase {
  /** The plugin's typed config (from its ConfigDef). */
  readonly plugin: ConfigOf<Fields>;
  readonly errorPolicy: ErrorPolicyConfig;
  readonly converters: TaskConverters;
  /** The connector's `<kind>.override.*` Kafka client settings. */
  readonly clients: ClientOverrides;
}

export interface SourceRunConfig extends RunConfigBase {
  readonly settings: SourceRuntimeConfig;
  /** The host's stage (if any), then the connector's own `transforms=...`, in order. */
  readonly transforms: readonly SourceTransform[];
  /** topic.creation.default.*, for the topics the task creates on first use. */
  readonly topicSettings: TopicSettings;
}

export interface SinkRunConfig extends RunConfigBase {
  readonly settings: SinkRuntimeConfig;
  /** The connector's own `transforms=...`, in order. */
  readonly transforms: readonly SinkTransform[];
  readonly subscription: ConsumerSubscription;
}

/** Kafka Connect's topic.creation.default.* settings for topics the task creates on first use. */
export function topicCreationSettings(settings: SourceRuntimeConfig): TopicSettings {
  const partitions = settings['topic.creation.default.partitions'];
  const replicationFactor = settings['topic.creation.default.replication.factor'];
  return {
    ...(partitions !== undefined && { partitions }),
    ...(replicationFactor !== undefined && { replicationFactor }),
  };
}

/**
 * The consumer group and topics of a sink task, as Kafka Connect derives them, and the task's
 * group.instance.id (static membership: a task restarted after a crash takes its partitions back at
 * once; see src/kafka/group-instance-id.ts).
 */
export function sinkSubscription(
  connector: string,
  taskId: number,
  settings: SinkRuntimeConfig,
  consumer: Readonly<Record<string, string>>,
): ConsumerSubscription {
  const groupId = consumer['group.id']?.trim() || `connect-${connector}`;
  const groupInstanceId = taskGroupInstanceId(connector, taskId, consumer['group.instance.id']?.trim());
  // The session timeout is the consumer's own setting (the host's, or consumer.override.session.timeout.ms).
  const topicsRegex = settings['topics.regex'];
  return topicsRegex !== ''
    ? { groupId, groupInstanceId, topicsRegex }
    : { groupId, groupInstanceId, topics: settings.topics };
}

function parseBase(
  spec: TaskSpec,
  factory: ConverterFactory,
  errors: FieldError[],
): Omit<RunConfigBase, 'errorPolicy'> | undefined {
  const plugin = parseConfig(spec.plugin.config, spec.config);
  errors.push(...plugin.errors);
  // A slot the connector names no converter for takes the worker's (the host config's).
  const converterConfig = factory.withWorkerDefaults(spec.config);
  const key = parseConverter('key.converter', converterConfig);
  const value = parseConverter('value.converter', converterConfig);
  errors.push(...key.errors, ...value.errors);
  if (!key.settings || !value.settings) return undefined;
  try {
    const converters = factory.forSettings(key.settings, value.settings);
    return { plugin: plugin.values, converters, clients: clientOverrides(spec.config) };
  } catch (error) {
    const field = /configuration ([\w.]+)/.exec(errorMessage(error))?.[1] ?? 'converter';
    errors.push({ field, message: errorMessage(error) });
    return undefined;
  }
}

function invalid(errors: readonly FieldError[]): OnrampError {
  const lines = errors.map(({ field, message }) => `  ${field}: ${message}`);
  return new OnrampError(
    'INVALID_CONFIG',
    `Connector configuration is invalid (${errors.length} error(s)):\n${lines.join('\n')}`,
  );
}

/**
 * A source task's config. `stage` is the host's own transform for this task (the data-product
 * stage), run before the connector's transforms. Throws INVALID_CONFIG listing every problem.
 */
export function parseSourceRunConfig(
  spec: TaskSpec,
  factory: ConverterFactory,
  log: Logger,
  stage?: (spec: TaskSpec, settings: SourceRuntimeConfig) => SourceTransform | undefined,
): SourceRunConfig {
  const errors: FieldError[] = [];
  const settings = parseConfig(sourceRuntimeDef, spec.config);
  errors.push(...settings.errors);
  const base = parseBase(spec, factory, errors);
  const configured = configuredTransforms(spec.config, log);
  errors.push(...configured.errors);
  if (errors.length > 0 || !base) throw invalid(errors);
  const own = stage?.(spec, settings.values);
  return {
    ...base,
    settings: settings.values,
    errorPolicy: errorPolicyConfig(settings.values),
    transforms: [...(own ? [own] : []), ...configured.transforms],
    topicSettings: topicCreationSettings(settings.values),
  };
}

/** A sink task's config. Throws INVALID_CONFIG listing every problem. */
export function parseSinkRunConfig(spec: TaskSpec, factory: ConverterFactory, log: Logger): SinkRunConfig {
  const errors: FieldError[] = [];
  const settings = parseConfig(sinkRuntimeDef, spec.config);
  errors.push(...settings.errors);
  const base = parseBase(spec, factory, errors);
  const configured = configuredTransforms(spec.config, log);
  errors.push(...configured.errors);
  if (errors.length > 0 || !base) throw invalid(errors);
  return {
    ...base,
    settings: settings.values,
    errorPolicy: errorPolicyConfig(settings.values),
    transforms: configured.transforms,
    subscription: sinkSubscription(spec.connector, spec.taskId, settings.values, base.clients.consumer),
  };
}
