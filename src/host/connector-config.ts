import {
  CLIENT_PROPERTIES,
  checkClientOverrides,
  clientKindsOf,
  isClientProperty,
  isConnectionTargetClientProperty,
  isSecretClientProperty,
  type KafkaClientConfig,
} from '../kafka/client-properties.ts';
import type { ConfigDef, ConfigOf, ConnectorPlugin, FieldError, FieldSpec, Fields } from '../plugin/index.ts';
import { defineConfig, errorMessage, familyFieldOf, field, parseConfig } from '../plugin/index.ts';
import { converterFieldOf, parseConverter, withWorkerConverters } from '../schema/converter-config.ts';
import { configuredTransforms } from '../transforms/index.ts';
import {
  isOnlyPlaceholder,
  type PlaceholderSources,
  resolvePlaceholdersCollecting,
} from './config-placeholders.ts';
import { checkUndeclaredKeys, type KeyWarning } from './key-policy.ts';
import {
  HIDDEN,
  hasHiddenUrlPassword,
  hasUrlPassword,
  hideUrlPasswords,
  type Redaction,
  Redactor,
  restoreUrlPasswords,
  urlPasswords,
} from './secret-redaction.ts';
import { commonValueErrors } from './value-checks.ts';

// The settings every connector has (Kafka Connect's ConnectorConfig / SinkConnectorConfig), and
// validation in Kafka Connect's ConfigInfos shape: host fields + plugin fields, then the plugin's
// cross-field check(), then its connectivity probe(), every error reported at once.

const errorHandling = 'Error Handling';
const CLIENT_OVERRIDES = 'Client Overrides';
const product = 'Data Product';

const commonFields = {
  name: field.string({
    doc: 'Globally unique name to use for this connector.',
    required: true,
    displayName: 'Connector name',
  }),
  'connector.class': field.class({
    doc: 'Name or alias of the class for this connector, e.g. io.debezium.connector.postgresql.PostgresConnector or PostgresConnector.',
    required: true,
    displayName: 'Connector class',
  }),
  'tasks.max': field.int({
    doc: 'Maximum number of tasks to use for this connector.',
    default: 1,
    validate: (value) => (value < 1 ? 'Value must be at least 1' : undefined),
    importance: 'HIGH',
    displayName: 'Tasks max',
  }),
  'key.converter': field.class({
    doc: 'Converter class for record keys; the host default is io.confluent.connect.avro.AvroConverter. Sub-keys key.converter.* are passed to it.',
    importance: 'LOW',
    displayName: 'Key converter class',
  }),
  'value.converter': field.class({
    doc: 'Converter class for record values; the host default is io.confluent.connect.avro.AvroConverter. Sub-keys value.converter.* are passed to it.',
    importance: 'LOW',
    displayName: 'Value converter class',
  }),
  'header.converter': field.class({
    doc: 'Converter class for record headers.',
    importance: 'LOW',
    displayName: 'Header converter class',
  }),
  'config.action.reload': field.enum(['none', 'restart'] as const)({
    doc: 'What to do when a config provider reports changed values: none, or restart the connector.',
    default: 'restart',
    importance: 'LOW',
    displayName: 'Reload action',
  }),
  transforms: field.list({
    doc: 'Aliases of the single message transforms to apply, in order.',
    default: [],
    group: 'Transforms',
    importance: 'LOW',
    displayName: 'Transforms',
  }),
  predicates: field.list({
    doc: 'Aliases of the predicates used by transforms.',
    default: [],
    group: 'Predicates',
    importance: 'LOW',
    displayName: 'Predicates',
  }),
};

/** Data-mesh keys, read by the product catalog (src/mesh) and the source pipeline's product stage. */
const productFields = {
  'product.domain': field.string({
    doc: 'Data mesh domain that owns the data this connector moves.',
    group: product,
    importance: 'LOW',
  }),
  'product.name': field.string({
    doc: 'Name of the data product this connector publishes or consumes.',
    group: product,
    importance: 'LOW',
  }),
  'product.owner': field.string({
    doc: 'Owner (team or person) of the data product.',
    group: product,
    importance: 'LOW',
  }),
  'product.description': field.string({
    doc: 'What the data product holds and is for.',
    group: product,
    importance: 'LOW',
    width: 'LONG',
  }),
  'product.headers.enable': field.boolean({
    doc: 'Source connectors with product.domain and product.name: add the headers onramp.product (<domain>.<name>) and onramp.domain to every event.',
    default: true,
    group: product,
    importance: 'LOW',
  }),
};

/** Kafka Connect's error handling (KIP-298), read by the task runners. */
const errorFields = {
  'errors.retry.timeout': field.long({
    doc: 'Maximum milliseconds a failed operation is retried; 0 means no retries, -1 infinite.',
    default: 0,
    validate: (value) => (value < -1 ? 'Value must be at least -1' : undefined),
    group: errorHandling,
    displayName: 'Retry Timeout for Errors',
  }),
  'errors.retry.delay.max.ms': field.long({
    doc: 'Maximum milliseconds between consecutive retries of a failed operation.',
    default: 60000,
    group: errorHandling,
    displayName: 'Maximum Delay Between Retries for Errors',
  }),
  'errors.tolerance': field.enum(['none', 'all'] as const)({
    doc: 'none: a record that fails conversion, transformation or delivery fails the task. all: such records are skipped.',
    default: 'none',
    group: errorHandling,
    displayName: 'Error Tolerance',
  }),
  'errors.log.enable': field.boolean({
    doc: 'Log each error and the failed operation.',
    default: false,
    group: errorHandling,
    displayName: 'Log Errors',
  }),
  'errors.log.include.messages': field.boolean({
    doc: 'Include the failed record (topic, partition, offset, key, value) in the error log.',
    default: false,
    group: errorHandling,
    displayName: 'Log Error Details',
  }),
};

const sinkFields = {
  topics: field.list({
    doc: 'Topics to consume; exactly one of topics and topics.regex must be set.',
    default: [],
    importance: 'HIGH',
    displayName: 'Topics',
  }),
  'topics.regex': field.string({
    doc: 'Regular expression of the topics to consume; exactly one of topics and topics.regex must be set.',
    default: '',
    importance: 'HIGH',
    displayName: 'Topics regex',
  }),
  'errors.deadletterqueue.topic.name': field.string({
    doc: 'Topic that records failing with errors.tolerance=all are written to; empty disables the dead letter queue.',
    default: '',
    group: errorHandling,
    displayName: 'Dead Letter Queue Topic Name',
  }),
  'errors.deadletterqueue.topic.replication.factor': field.int({
    doc: 'Replication factor used when the dead letter queue topic is created.',
    default: 3,
    group: errorHandling,
    displayName: 'Dead Letter Queue Topic Replication Factor',
  }),
  'errors.deadletterqueue.context.headers.enable': field.boolean({
    doc: 'Add __connect.errors.* headers with the failure context to dead letter queue records.',
    default: false,
    group: errorHandling,
    displayName: 'Enable Error Context Headers',
  }),
};

/** Kafka Connect's topic creation (KIP-158) for sources: the default group's partitions and replication. */
const topicCreationFields = {
  'topic.creation.default.partitions': field.int({
    doc: "Partitions of the topics the connector creates on first use (default 1); -1 takes the broker's num.partitions, as in Kafka Connect. Other topic.creation.* settings are not implemented and are refused.",
    validate: (value) =>
      value < 1 && value !== -1
        ? "Number of partitions must be positive, or -1 to use the broker's default"
        : undefined,
    group: 'Topic Creation',
    importance: 'LOW',
  }),
  'topic.creation.default.replication.factor': field.int({
    doc: "Replication factor of the topics the connector creates on first use (default: 3, or the number of brokers when fewer); -1 takes the broker's default.replication.factor, as in Kafka Connect.",
    validate: (value) =>
      (value < 1 && value !== -1) || value > 32_767
        ? "Replication factor must be positive (at most 32767), or -1 to use the broker's default"
        : undefined,
    group: 'Topic Creation',
    importance: 'LOW',
  }),
};

export type ErrorHandlingConfig = ConfigOf<typeof errorFields>;
/**
 * What the task runners read of the host's settings, typed (run-config.ts parses them once per task
 * start); the connector's name is the task's, converters, transforms and client overrides are
 * parsed on their own.
 */
export type SourceRuntimeConfig = ConfigOf<
  typeof errorFields & typeof productFields & typeof topicCreationFields
>;
export type SinkRuntimeConfig = ConfigOf<typeof errorFields & typeof productFields & typeof sinkFields>;

/** Transforms and predicates as the runners will build them: unsupported types and bad settings are config errors. */
function checkTransforms(raw: Readonly<Record<string, string>> | undefined): FieldError[] {
  if (!raw) return [];
  return configuredTransforms(raw).errors;
}

function checkSink(config: ConfigOf<typeof sinkFields>): FieldError[] {
  const errors: FieldError[] = [];
  const hasTopics = config.topics.length > 0;
  const regex = config['topics.regex'];
  if (hasTopics && regex !== '') {
    const message = 'topics and topics.regex are mutually exclusive options, but both are set.';
    errors.push({ field: 'topics', message }, { field: 'topics.regex', message });
  } else if (!hasTopics && regex === '') {
    const message = 'Must configure one of topics or topics.regex';
    errors.push({ field: 'topics', message }, { field: 'topics.regex', message });
  }
  if (regex !== '') {
    try {
      new RegExp(regex);
    } catch (error) {
      errors.push({
        field: 'topics.regex',
        message: `Invalid regular expression ${regex}: ${errorMessage(error)}`,
      });
    }
  }
  const dlq = config['errors.deadletterqueue.topic.name'];
  if (dlq !== '' && config.topics.includes(dlq)) {
    errors.push({
      field: 'errors.deadletterqueue.topic.name',
      message: `The DLQ topic '${dlq}' may not be included in the list of topics ('topics=${config.topics.join(',')}') consumed by the connector`,
    });
  }
  return errors;
}

/**
 * The Kafka client settings a connector may override (`<client>.override.<key>`): one field per key
 * its clients honour, declared from src/kafka's CLIENT_PROPERTIES with the same value rules the
 * clients apply, so a bad value (producer.override.compression.type=snappy) is an error on its key
 * at validation. What depends on the host's Kafka settings (the override policy, keys no client
 * honours, a security protocol without its credentials) is checkClientOverrides'.
 */
function clientOverrideFields(kind: 'source' | 'sink'): Fields {
  const fields: Fields = {};
  for (const client of clientKindsOf(kind)) {
    for (const [key, spec] of Object.entries(CLIENT_PROPERTIES)) {
      if (!isClientProperty(key, client)) continue;
      const options = {
        doc: spec.doc,
        group: CLIENT_OVERRIDES,
        importance: 'LOW' as const,
        ...(spec.problem && { validate: spec.problem }),
      };
      fields[`${client}.override.${key}`] = spec.secret ? field.password(options) : field.string(options);
    }
  }
  return fields;
}

const sourceOverrideFields = clientOverrideFields('source');
const sinkOverrideFields = clientOverrideFields('sink');

/** The host's own ConfigDef for a connector kind; `raw` lets check() see transform sub-keys. */
export function hostConfigDef(kind: 'source' | 'sink', raw?: Readonly<Record<string, string>>): ConfigDef {
  if (kind === 'source') {
    return defineConfig(
      { ...commonFields, ...errorFields, ...productFields, ...topicCreationFields, ...sourceOverrideFields },
      { check: () => checkTransforms(raw) },
    );
  }
  const sink = { ...commonFields, ...errorFields, ...productFields, ...sinkFields };
  return defineConfig(
    { ...sink, ...sinkOverrideFields },
    {
      check: (config) => [...checkTransforms(raw), ...checkSink(config as ConfigOf<typeof sink>)],
    },
  );
}

/** The host's fields the task runners read: error handling, product, and topic creation or topics and the DLQ. */
export const sourceRuntimeDef = defineConfig({ ...errorFields, ...productFields, ...topicCreationFields });
export const sinkRuntimeDef = defineConfig(
  { ...errorFields, ...productFields, ...sinkFields },
  { check: checkSink },
);

/** Host settings read by the host itself (parsing a stored, validated config). */
export function tasksMax(raw: Readonly<Record<string, string>>): number {
  const value = Number.parseInt(raw['tasks.max'] ?? '1', 10);
  return Number.isFinite(value) && value >= 1 ? value : 1;
}

/** Key prefixes that are known settings although no field declares them. */
const PREFIX_GROUPS: ReadonlyArray<[RegExp, string, string]> = [
  [/^transforms\./, 'Transforms', 'Setting of a single message transform.'],
  [/^predicates\./, 'Predicates', 'Setting of a predicate.'],
  [
    /^(key|value|header)\.converter\./,
    'Converters',
    'Setting passed to a converter (e.g. schemas.enable, schema.registry.url).',
  ],
  [
    /^(producer|consumer|admin)\.override\./,
    CLIENT_OVERRIDES,
    'Kafka client setting overridden for this connector.',
  ],
];

export function isKnownPrefixedKey(key: string): boolean {
  return PREFIX_GROUPS.some(([pattern]) => pattern.test(key));
}

/** Keys whose values are secrets even though no plugin field declares them as PASSWORD. */
const SECRET_KEY =
  /(password|secret|sasl\.jaas\.config|basic\.auth\.user\.info|credentials|bearer\.auth\.token)$/i;
const CLIENT_OVERRIDE = /^(?:producer|consumer|admin)\.override\.(.+)$/;

/** Names (and aliases) of the plugin's PASSWORD fields plus host-level secret keys. */
export function isSecretKey(key: string, plugin: ConnectorPlugin | undefined): boolean {
  if (SECRET_KEY.test(key)) return true;
  const override = CLIENT_OVERRIDE.exec(key)?.[1];
  if (override !== undefined && isSecretClientProperty(override)) return true;
  if (!plugin) return false;
  for (const [name, spec] of Object.entries(plugin.config.fields)) {
    if (spec.type === 'PASSWORD' && (name === key || spec.aliases?.includes(key))) return true;
  }
  return false;
}

/** Whether a stored value holds a secret: a secret key's literal value, or a URL with a password. */
export function isSecretSetting(key: string, value: string, plugin: ConnectorPlugin | undefined): boolean {
  if (isSecretKey(key, plugin)) return !isOnlyPlaceholder(value) && value !== '';
  return hasUrlPassword(value);
}

/** The stored config as GET shows it: placeholders as stored, secret values as "[hidden]". */
export function hideSecrets(
  config: Readonly<Record<string, string>>,
  plugin: ConnectorPlugin | undefined,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(config).map(([key, value]) => [key, shownValue(key, value, plugin)]),
  );
}

function shownValue(key: string, value: string, plugin: ConnectorPlugin | undefined): string {
  if (isSecretKey(key, plugin)) return isOnlyPlaceholder(value) ? value : HIDDEN;
  return hideUrlPasswords(value);
}

/**
 * The literal secrets of a config (secret keys' values, passwords inside URLs), each to be shown as
 * `[hidden]` wherever a message would echo it.
 */
export function secretRedactions(
  config: Readonly<Record<string, string>>,
  plugin: ConnectorPlugin | undefined,
): Redaction[] {
  const redactions: Redaction[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (isSecretKey(key, plugin)) {
      if (!isOnlyPlaceholder(value)) redactions.push({ value, replacement: HIDDEN });
      continue;
    }
    for (const password of urlPasswords(value)) {
      if (password === HIDDEN || isOnlyPlaceholder(password)) continue;
      redactions.push({ value: password, replacement: HIDDEN });
      try {
        const decoded = decodeURIComponent(password);
        if (decoded !== password) redactions.push({ value: decoded, replacement: HIDDEN });
      } catch {
        // not percent-encoded
      }
    }
  }
  return redactions;
}

/**
 * Whether a key says where the connector connects and logs in, as declared where the key is:
 * the plugin's fields (connectionTarget, e.g. database.hostname, database.port, connection.url),
 * a converter's (key.converter.schema.registry.url) or a Kafka client's (<kind>.override.
 * bootstrap.servers, the OAUTHBEARER token endpoint). A "[hidden]" sent back keeps the stored secret
 * only while none of them changed: otherwise whoever may update a connector could point it at a
 * server of their own and receive the stored password in its login.
 */
export function isConnectionTargetKey(
  key: string,
  plugin: ConnectorPlugin | undefined,
  config: Readonly<Record<string, string>>,
): boolean {
  const override = CLIENT_OVERRIDE.exec(key)?.[1];
  if (override !== undefined) return isConnectionTargetClientProperty(override);
  const converter = converterFieldOf(config, key);
  if (converter) return converter.connectionTarget === true;
  if (!plugin) return false;
  for (const [name, spec] of Object.entries(plugin.config.fields)) {
    if (spec.connectionTarget === true && (name === key || spec.aliases?.includes(key))) return true;
  }
  return false;
}

/** An address value compared without its URL passwords (they are what "[hidden]" stands for). */
function addressOf(value: string | undefined): string | undefined {
  return value === undefined ? undefined : hideUrlPasswords(value.trim());
}

/** The connection-target keys (isConnectionTargetKey) whose value differs between the stored config and the one given. */
export function changedAddressKeys(
  given: Readonly<Record<string, string>>,
  stored: Readonly<Record<string, string>>,
  plugin: ConnectorPlugin | undefined,
): string[] {
  const keys = new Set(
    [...Object.keys(given), ...Object.keys(stored)].filter(
      (key) => isConnectionTargetKey(key, plugin, given) || isConnectionTargetKey(key, plugin, stored),
    ),
  );
  const value = (config: Readonly<Record<string, string>>, key: string) =>
    Object.hasOwn(config, key) ? config[key] : undefined;
  return [...keys].filter((key) => addressOf(value(given, key)) !== addressOf(value(stored, key))).sort();
}

/**
 * GET shows secrets as "[hidden]"; a PUT or PATCH that sends "[hidden]" back (as a secret key's
 * whole value, or as a URL's password) keeps the stored secret, so GET-then-PUT round trips work.
 * A "[hidden]" with no stored secret to keep is an error on that key, and so is one sent with a
 * changed connection target (isConnectionTargetKey): a new server gets the secret only from whoever
 * knows it.
 */
export function restoreHiddenSecrets(
  given: Readonly<Record<string, string>>,
  stored: Readonly<Record<string, string>> | undefined,
  plugin: ConnectorPlugin | undefined,
): { config: Record<string, string>; errors: FieldError[] } {
  const errors: FieldError[] = [];
  // Keys come from requests: no prototype, so a "__proto__" key is kept like any other.
  const config: Record<string, string> = Object.create(null);
  let moved: string[] | undefined;
  const movedAddresses = () => {
    moved ??= stored === undefined ? [] : changedAddressKeys(given, stored, plugin);
    return moved;
  };
  const refuseMoved = (key: string) =>
    errors.push({
      field: key,
      message: `Invalid value for configuration ${key}: ${HIDDEN} keeps the stored secret only while the connector's address is unchanged, but ${movedAddresses().join(', ')} changed: send the secret itself`,
    });
  for (const [key, value] of Object.entries(given)) {
    const previous = stored && Object.hasOwn(stored, key) ? stored[key] : undefined;
    if (value === HIDDEN && isSecretKey(key, plugin)) {
      if (previous === undefined)
        errors.push({
          field: key,
          message: `Invalid value ${HIDDEN} for configuration ${key}: ${HIDDEN} keeps the stored secret, but none is stored for this key`,
        });
      else if (movedAddresses().length > 0) refuseMoved(key);
      config[key] = previous ?? value;
    } else if (hasHiddenUrlPassword(value)) {
      const restored = previous === undefined ? undefined : restoreUrlPasswords(value, previous);
      if (restored === undefined)
        errors.push({
          field: key,
          message: `Invalid value for configuration ${key}: its password is ${HIDDEN}, which keeps the stored password, but the stored value has none there`,
        });
      else if (movedAddresses().length > 0) refuseMoved(key);
      config[key] = restored ?? value;
    } else {
      config[key] = value;
    }
  }
  return { config, errors };
}

// --- Kafka Connect's ConfigInfos (PUT /connector-plugins/{p}/config/validate)

export interface ConfigKeyInfo {
  name: string;
  type: string;
  required: boolean;
  default_value: string | null;
  importance: string;
  documentation: string;
  group: string;
  order: number;
  width: string;
  display_name: string;
  dependents: string[];
}

export interface ConfigValueInfo {
  name: string;
  value: string | null;
  recommended_values: string[];
  errors: string[];
  visible: boolean;
}

export interface ConfigInfo {
  definition: ConfigKeyInfo;
  value: ConfigValueInfo;
}

export interface ConfigInfos {
  name: string;
  error_count: number;
  groups: string[];
  configs: ConfigInfo[];
  /**
   * Not in Kafka Connect's ConfigInfos (clients ignore unknown fields): keys that are kept but have
   * no effect (nobody defines them, or they only tune the replaced connector's internals), and
   * transform settings no transform reads, and what the connectivity probe found allowed but risky
   * (e.g. a captured table PostgreSQL will refuse to update). Present only when there are any.
   */
  warnings?: KeyWarning[];
}

/** ConfigKeyInfo for a declared field (GET /connector-plugins/{p}/config and validate). */
export function configKeyInfo(name: string, spec: FieldSpec<unknown>, order: number): ConfigKeyInfo {
  return {
    name,
    type: spec.type,
    required: spec.presence === 'required',
    default_value: spec.defaultValue ?? null,
    importance: spec.importance,
    documentation: spec.doc,
    group: spec.group,
    order,
    width: spec.width,
    display_name: spec.displayName ?? name,
    dependents: [],
  };
}

/** Describes a ConfigDef as Kafka Connect's list of ConfigKeyInfo, ordered within each group. */
export function describeFields(fields: Fields): ConfigKeyInfo[] {
  const orders = new Map<string, number>();
  return Object.entries(fields).map(([name, spec]) => {
    const order = (orders.get(spec.group) ?? 0) + 1;
    orders.set(spec.group, order);
    return configKeyInfo(name, spec, order);
  });
}

export interface ValidationRequest {
  plugin: ConnectorPlugin;
  /** The class name to report as ConfigInfos.name (what the user sent in connector.class). */
  className: string;
  raw: Readonly<Record<string, string>>;
  placeholders?: PlaceholderSources;
  /** Whether a converter class exists (key.converter / value.converter / header.converter). */
  isKnownConverter?: (className: string) => boolean;
  probeTimeoutMs?: number;
  /** The host's Kafka client settings: `*.override.*` keys are checked against them and the policy. */
  kafka?: KafkaClientConfig;
  /** The worker's converters (host config key.converter / value.converter keys), for slots the connector leaves unset. */
  workerConverters?: Readonly<Record<string, string>>;
}

export interface ValidationOutcome {
  infos: ConfigInfos;
  /** The config with placeholders resolved (meaningful when error_count is 0). */
  resolved: Record<string, string>;
  /** The plugin's typed config (meaningful when error_count is 0). */
  pluginConfig: ConfigOf<Fields>;
  /** Keys neither the host, the plugin nor a known prefix declares; kept and reported. */
  unknown: string[];
  /** Kept keys without effect and the probe's warnings (also in infos.warnings). */
  warnings: KeyWarning[];
  /** Resolved placeholder values and literal secrets, each with what messages show instead. */
  redactions: Redaction[];
}

interface Entry {
  key: string;
  spec: FieldSpec<unknown> | undefined;
  /** The raw key the value came from (a field's own name or one of its aliases). */
  source: string | undefined;
  errors: string[];
}

export async function validateConnectorConfig(request: ValidationRequest): Promise<ValidationOutcome> {
  const { plugin, raw } = request;
  const entries = new Map<string, Entry>();
  const sourceOf = (name: string, spec: FieldSpec<unknown>) =>
    [name, ...(spec.aliases ?? [])].find((key) => raw[key] !== undefined);
  const hostDef = hostConfigDef(plugin.kind, raw);
  for (const def of [hostDef, plugin.config]) {
    for (const [name, spec] of Object.entries(def.fields)) {
      const previous = entries.get(name);
      entries.set(name, { key: name, spec, source: sourceOf(name, spec), errors: previous?.errors ?? [] });
    }
  }
  const consumed = new Set(
    [...entries.values()].map((entry) => entry.source).filter((key) => key !== undefined),
  );
  for (const key of Object.keys(raw)) {
    // A key of a key family (column.mask.with.<n>.chars) is declared by the family's field.
    if (!entries.has(key) && !consumed.has(key))
      entries.set(key, {
        key,
        spec: familyFieldOf(plugin.config.fields, key) ?? converterFieldOf(raw, key),
        source: key,
        errors: [],
      });
  }
  const addError = ({ field: key, message }: FieldError) => {
    let entry = entries.get(key);
    if (!entry) {
      entry = { key, spec: undefined, source: raw[key] === undefined ? undefined : key, errors: [] };
      entries.set(key, entry);
    }
    if (!entry.errors.includes(message)) entry.errors.push(message);
  };

  const placeholders = resolvePlaceholdersCollecting(raw, request.placeholders);
  placeholders.errors.forEach(addError);
  const resolved = placeholders.config;
  commonValueErrors(plugin.kind, raw, resolved, plugin.config.fields).forEach(addError);
  parseConfig(hostDef, resolved).errors.forEach(addError);
  // The converters as the task will build them: a class or setting it cannot use is an error here.
  const converterWarnings: FieldError[] = [];
  const converterConfig = withWorkerConverters(resolved, request.workerConverters);
  for (const slot of ['key.converter', 'value.converter'] as const) {
    const converter = parseConverter(slot, converterConfig);
    converter.errors.forEach(addError);
    converterWarnings.push(...converter.warnings);
  }
  const headerConverter = resolved['header.converter']?.trim();
  if (headerConverter && request.isKnownConverter && !request.isKnownConverter(headerConverter)) {
    addError({
      field: 'header.converter',
      message: `Invalid value ${headerConverter} for configuration header.converter: Class ${headerConverter} could not be found.`,
    });
  }
  if (request.kafka) checkClientOverrides(plugin.kind, resolved, request.kafka).forEach(addError);
  const parsedPlugin = parseConfig(plugin.config, resolved);
  parsedPlugin.errors.forEach(addError);
  // No key silently ignored: undeclared keys are refused (renamed, or defined but not implemented)
  // or kept with a warning; transform settings no transform reads are warnings too.
  const undeclared = Object.keys(raw).filter((key) => {
    const entry = entries.get(key);
    return entry !== undefined && entry.spec === undefined && !isKnownPrefixedKey(key);
  });
  const keyPolicy = checkUndeclaredKeys(plugin, undeclared, resolved);
  keyPolicy.errors.forEach(addError);
  const warnings: KeyWarning[] = [
    ...keyPolicy.warnings,
    ...configuredTransforms(raw).warnings.map(({ field: name, message }) => ({ name, message })),
    ...converterWarnings.map(({ field: name, message }) => ({ name, message })),
  ];

  let errorCount = [...entries.values()].reduce((sum, entry) => sum + entry.errors.length, 0);
  if (errorCount === 0 && plugin.config.probe) {
    const warn = ({ field: name, message }: FieldError) => warnings.push({ name, message });
    (await runProbe(plugin.config, parsedPlugin.values, request.probeTimeoutMs ?? 30_000, warn)).forEach(
      addError,
    );
    errorCount = [...entries.values()].reduce((sum, entry) => sum + entry.errors.length, 0);
  }
  // No message may echo a resolved value or a secret (a plugin's "Invalid value X", a driver's error
  // in a probe): each is replaced by its placeholder or [hidden], and URL passwords are masked.
  const redactions = [...placeholders.redactions, ...secretRedactions(raw, plugin)];
  const redactor = new Redactor(redactions);
  for (const entry of entries.values()) {
    entry.errors = [...new Set(entry.errors.map((message) => redactor.redact(message)))];
  }
  errorCount = [...entries.values()].reduce((sum, entry) => sum + entry.errors.length, 0);

  const groups: string[] = [];
  const orders = new Map<string, number>();
  const configs = [...entries.values()].map((entry): ConfigInfo => {
    const definition = entry.spec ? configKeyInfo(entry.key, entry.spec, 0) : undeclaredKeyInfo(entry.key);
    const order = (orders.get(definition.group) ?? 0) + 1;
    orders.set(definition.group, order);
    definition.order = order;
    if (!groups.includes(definition.group)) groups.push(definition.group);
    return { definition, value: valueInfo(entry, raw, plugin) };
  });
  const shownWarnings = warnings.map(({ name, message }) => ({ name, message: redactor.redact(message) }));
  return {
    infos: {
      name: request.className,
      error_count: errorCount,
      groups,
      configs,
      ...(shownWarnings.length > 0 && { warnings: shownWarnings }),
    },
    resolved,
    pluginConfig: parsedPlugin.values,
    unknown: undeclared,
    warnings: shownWarnings,
    redactions,
  };
}

async function runProbe(
  def: ConfigDef,
  values: ConfigOf<Fields>,
  timeoutMs: number,
  warn: (warning: FieldError) => void,
): Promise<FieldError[]> {
  const probe = def.probe;
  if (!probe) return [];
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      probe(values, warn),
      new Promise<FieldError[]>((resolve) => {
        timer = setTimeout(
          () =>
            resolve([
              {
                field: 'connector.class',
                message: `Connectivity check did not finish within ${timeoutMs} ms`,
              },
            ]),
          timeoutMs,
        );
      }),
    ]);
  } catch (error) {
    return [{ field: 'connector.class', message: `Connectivity check failed: ${errorMessage(error)}` }];
  } finally {
    clearTimeout(timer);
  }
}

function undeclaredKeyInfo(key: string): ConfigKeyInfo {
  const known = PREFIX_GROUPS.find(([pattern]) => pattern.test(key));
  return {
    name: key,
    type: 'STRING',
    required: false,
    default_value: null,
    importance: 'LOW',
    documentation: known ? known[2] : 'Not a setting of this connector or of the host; kept as given.',
    group: known ? known[1] : 'Unknown',
    order: 0,
    width: 'NONE',
    display_name: key,
    dependents: [],
  };
}

function valueInfo(
  entry: Entry,
  raw: Readonly<Record<string, string>>,
  plugin: ConnectorPlugin,
): ConfigValueInfo {
  const given = entry.source === undefined ? undefined : raw[entry.source];
  let value: string | null;
  if (entry.spec?.type === 'PASSWORD' || (given !== undefined && isSecretKey(entry.key, plugin))) {
    value = given === undefined ? null : given !== '' && isOnlyPlaceholder(given) ? given : HIDDEN;
  } else {
    value = given === undefined ? (entry.spec?.defaultValue ?? null) : hideUrlPasswords(given);
  }
  return {
    name: entry.key,
    value,
    recommended_values: [...(entry.spec?.allowed ?? [])],
    errors: entry.errors,
    visible: true,
  };
}

/** Kafka Connect's 400 message for create/update with an invalid config. */
export function invalidConfigMessage(infos: ConfigInfos): string {
  const lines = infos.configs.flatMap((config) =>
    config.value.errors.map((message) =>
      message.includes(config.value.name) ? message : `${config.value.name}: ${message}`,
    ),
  );
  return [
    `Connector configuration is invalid and contains the following ${infos.error_count} error(s):`,
    ...lines,
    'You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`',
  ].join('\n');
}
