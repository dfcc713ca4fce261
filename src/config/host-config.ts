import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import {
  jwtSettings,
  parseAuthMode,
  parseClientAuth,
  parseHostList,
  parseJwksUrl,
  parseListener,
  parseOptionalPath,
  type RestSecurityConfig,
} from '../auth/rest-settings.ts';
import {
  DISTRIBUTED_DEFAULTS,
  type DistributedConfig,
  parseDistributedConfig,
} from '../cluster/distributed-config.ts';
import {
  type ConfigProviders,
  configProviders,
  isBuiltInProvider,
  PROVIDER_ALIAS_KEY,
  type ProviderKind,
  type ProviderParams,
  parseAllowedPaths,
  parseAllowlistPattern,
  parseProviderNames,
  providerClassParser,
  providerKindOfClass,
  resolvePlaceholders,
} from '../host/config-placeholders.ts';
import { LOG_FORMATS, type LogFormat } from '../host/log-format.ts';
import {
  CLIENT_KINDS,
  CLIENT_PROPERTIES,
  type ClientKind,
  type ClientPropertyLayers,
  clientProperties,
  consumerTuning,
  isClientProperty,
  isConnectorOnlyProperty,
  type KafkaClientConfig,
  OVERRIDE_POLICIES,
  type OverridePolicy,
  parseConnection,
  producerTuning,
  refusedClientReason,
} from '../kafka/client-properties.ts';
import { jksCertificates, KeyStoreError, pkcs12Certificates } from '../kafka/key-stores.ts';
import { errorMessage } from '../plugin/errors.ts';
import { converterClass, parseConverter } from '../schema/converter-config.ts';
import type { RegistryAccess } from '../schema/converter-factory.ts';

// The host's own configuration: a YAML file (ONRAMP_CONFIG, else config/host.example.yaml) with
// environment overrides on top. Keys may be written nested (rest: {port: 8083}) or dotted
// (rest.port: 8083), like Kafka's worker properties. Unknown keys and bad values fail at start with
// a message naming the key.

export interface HostConfig {
  rest: { host: string; port: number } & RestSecurityConfig;
  dataDir: string;
  /** Kafka client settings with Kafka's property names (bootstrap.servers and client.id included). */
  kafka: KafkaClientConfig & { brokers: string[] };
  schemaRegistryUrl: string;
  /** OpenLineage export: the endpoint ('' when off) and the job namespace. */
  lineage: { openlineageUrl: string; namespace: string };
  /** The host registry with its TLS trust and credentials (secrets may be \${env:} placeholders). */
  schemaRegistry: RegistryAccess;
  /** worker_id in statuses; defaults to "<rest.host>:<rest.port>". */
  workerId: string;
  logLevel: string;
  /** auto (human on a terminal, else JSON), json or human. */
  logFormat: LogFormat;
  topicTracking: { enable: boolean; allowReset: boolean };
  /** Config providers connector configs may use (none unless config.providers lists them). */
  configProviders: ConfigProviders;
  /** File holding the key that encrypts secrets in the data dir (ONRAMP_SECRET_KEY wins). */
  secretsKeyFile: string | undefined;
  /** mode distributed: the cluster settings (Kafka Connect's) and this worker's advertised REST URL. */
  distributed?: DistributedConfig & { advertisedUrl: string };
  /**
   * The worker's converters, as a worker.properties gives them: key.converter, value.converter and
   * their `<slot>.<setting>` keys (placeholders resolved), for every connector that names none.
   */
  converters: Readonly<Record<string, string>>;
  /** Settings taken but without effect here (plugin.path), to be logged once at start. */
  warnings: string[];
  /** task.shutdown.graceful.timeout.ms: how long a stopping task may take before the host moves on. */
  taskShutdownTimeoutMs: number;
}

export class HostConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostConfigError';
  }
}

/** jwtSettings with its refusal (both a JWKS file and a URL) as a HostConfigError. */
function jwtSettingsOrFail(...args: Parameters<typeof jwtSettings>): ReturnType<typeof jwtSettings> {
  try {
    return jwtSettings(...args);
  } catch (error) {
    throw new HostConfigError((error as Error).message);
  }
}

const root = join(import.meta.dirname, '..', '..');
export const DEFAULT_CONFIG_FILE = join(root, 'config', 'host.example.yaml');

/** Environment variables that override a key. */
const ENV_OVERRIDES: Readonly<Record<string, string>> = {
  ONRAMP_REST_HOST: 'rest.host',
  ONRAMP_REST_PORT: 'rest.port',
  ONRAMP_LISTENERS: 'listeners',
  ONRAMP_REST_AUTH: 'rest.auth',
  ONRAMP_REST_AUTH_ALLOW_NONE: 'rest.auth.allow.none',
  ONRAMP_DATA_DIR: 'data.dir',
  KAFKA_BROKERS: 'kafka.brokers',
  ONRAMP_KAFKA_CLIENT_ID: 'kafka.client.id',
  SCHEMA_REGISTRY_URL: 'schema.registry.url',
  ONRAMP_WORKER_ID: 'worker.id',
  ONRAMP_LOG_LEVEL: 'log.level',
  ONRAMP_LOG_FORMAT: 'log.format',
  ONRAMP_CONFIG_PROVIDERS: 'config.providers',
  ONRAMP_CONFIG_PROVIDERS_ENV_ALLOWLIST_PATTERN: 'config.providers.env.param.allowlist.pattern',
  ONRAMP_CONFIG_PROVIDERS_FILE_ALLOWED_PATHS: 'config.providers.file.param.allowed.paths',
  ONRAMP_CONFIG_PROVIDERS_DIR_ALLOWED_PATHS: 'config.providers.dir.param.allowed.paths',
  ONRAMP_SECRETS_KEY_FILE: 'secrets.key.file',
};

function nonEmpty(raw: string): string {
  const value = raw.trim();
  if (value === '') throw new Error('must not be empty');
  return value;
}

function port(raw: string): number {
  const value = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!(value >= 0 && value <= 65535)) throw new Error('must be a port number between 0 and 65535');
  return value;
}

function brokerList(raw: string): string[] {
  const brokers = raw
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker !== '');
  if (brokers.length === 0) throw new Error('must list at least one host:port');
  for (const broker of brokers) {
    if (!/^[^\s:]+:\d+$/.test(broker) && !/^\[[0-9a-fA-F:]+\]:\d+$/.test(broker)) {
      throw new Error(`${broker} is not host:port`);
    }
  }
  return brokers;
}

function httpUrl(raw: string): string {
  const value = nonEmpty(raw);
  let protocol = '';
  try {
    protocol = new URL(value.split(',')[0] ?? '').protocol;
  } catch {}
  if (protocol !== 'http:' && protocol !== 'https:') throw new Error('must be an http(s) URL');
  return value;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function logLevel(raw: string): string {
  const value = raw.trim().toLowerCase();
  if (!LOG_LEVELS.includes(value)) throw new Error(`must be one of ${LOG_LEVELS.join(', ')}`);
  return value;
}

function logFormat(raw: string): LogFormat {
  const value = raw.trim().toLowerCase();
  const format = LOG_FORMATS.find((candidate) => candidate === value);
  if (!format) throw new Error(`must be one of ${LOG_FORMATS.join(', ')}`);
  return format;
}

/** A converter class name ('' when unset: Onramp's default, Avro). */
function converterClassName(raw: string): string {
  const value = raw.trim();
  if (value !== '' && !converterClass(value))
    throw new Error(
      'must be one of io.confluent.connect.avro.AvroConverter, org.apache.kafka.connect.json.JsonConverter, org.apache.kafka.connect.storage.StringConverter, org.apache.kafka.connect.converters.ByteArrayConverter',
    );
  return value;
}

function milliseconds(raw: string): number {
  const text = raw.trim();
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= 0 && value <= 2_147_483_647)) throw new Error('must be a whole number of ms');
  return value;
}

function flag(raw: string): boolean {
  const value = raw.trim().toLowerCase();
  if (value !== 'true' && value !== 'false') throw new Error('must be true or false');
  return value === 'true';
}

interface HostSetting<T> {
  doc: string;
  default?: string;
  env?: string;
  parse(raw: string): T;
}

/** Kafka Connect's distributed-worker settings (with mode: distributed), checked by parseDistributedConfig. */
const DISTRIBUTED_DOCS = {
  'group.id':
    "mode distributed: the cluster's id; workers with the same one share connectors (required, no default).",
  'config.storage.topic':
    "mode distributed: the compacted topic of connector configs (Kafka Connect's format; required).",
  'offset.storage.topic': 'mode distributed: the compacted topic of source offsets (required).',
  'status.storage.topic': 'mode distributed: the compacted topic of connector and task statuses (required).',
  'config.storage.replication.factor':
    "mode distributed: replication factor of the config topic when Onramp creates it (-1: the broker's default).",
  'offset.storage.replication.factor': 'mode distributed: replication factor of the offsets topic.',
  'offset.storage.partitions': 'mode distributed: partitions of the offsets topic.',
  'status.storage.replication.factor': 'mode distributed: replication factor of the status topic.',
  'status.storage.partitions': 'mode distributed: partitions of the status topic.',
  'session.timeout.ms':
    'mode distributed: a worker silent for this long leaves the group and stops its work.',
  'heartbeat.interval.ms': 'mode distributed: heartbeats to the group coordinator.',
  'rebalance.timeout.ms': 'mode distributed: how long a rebalance waits for every worker to rejoin.',
  'scheduled.rebalance.max.delay.ms':
    "mode distributed: how long a departed worker's connectors and tasks wait for it before they move.",
  'connect.protocol': 'mode distributed: eager, compatible or sessioned (signed requests between workers).',
  'worker.sync.timeout.ms':
    'mode distributed: how long a worker behind the config topic reads before it gives up its place.',
  'worker.unsync.backoff.ms': 'mode distributed: how long it then waits before rejoining.',
  'rest.advertised.host.name':
    'mode distributed: the host name other workers reach this one at (default: rest.host).',
  'rest.advertised.port': 'mode distributed: the port other workers reach this one at (default: rest.port).',
  'rest.advertised.listener':
    "mode distributed: http or https for the advertised URL (default: the listener's).",
} as const;

function distributedSettings(): Record<keyof typeof DISTRIBUTED_DOCS, HostSetting<string>> {
  const defaults: Readonly<Record<string, string>> = DISTRIBUTED_DEFAULTS;
  return Object.fromEntries(
    Object.entries(DISTRIBUTED_DOCS).map(([key, doc]) => [
      key,
      {
        doc,
        ...(defaults[key] !== undefined && { default: defaults[key] }),
        parse: (raw: string) => raw.trim(),
      },
    ]),
  ) as Record<keyof typeof DISTRIBUTED_DOCS, HostSetting<string>>;
}

/** Every host setting, with the documentation the README's configuration reference is made from. */
export const HOST_SETTINGS = {
  'rest.host': {
    doc: 'Address the REST API listens on (Kafka Connect API, /health, /metrics, /openapi.json, /docs).',
    default: '127.0.0.1',
    parse: nonEmpty,
  },
  'rest.port': { doc: 'Port of the REST API.', default: '8083', parse: port },
  listeners: {
    doc: "Kafka Connect's listeners: one http://<host>:<port> or https://<host>:<port>; when set it wins over rest.host and rest.port.",
    parse: parseListener,
  },
  'listeners.https.ssl.certificate.location': {
    doc: 'PEM certificate (chain) of an https:// listener.',
    parse: parseOptionalPath,
  },
  'listeners.https.ssl.key.location': {
    doc: 'PEM private key of an https:// listener.',
    parse: parseOptionalPath,
  },
  'listeners.https.ssl.client.auth': {
    doc: 'Client certificates on an https:// listener: none, requested or required (verified against the truststore).',
    default: 'none',
    parse: parseClientAuth,
  },
  'listeners.https.ssl.truststore.location': {
    doc: 'PEM CA certificates that client certificates must chain to.',
    parse: parseOptionalPath,
  },
  'rest.auth': {
    doc: 'REST authentication: none, or token (Authorization: Bearer, or basic auth with the token name as user); none is refused on a non-loopback address.',
    default: 'none',
    parse: parseAuthMode,
  },
  'rest.auth.allow.none': {
    doc: 'Allow rest.auth=none on a non-loopback address (anyone who reaches the port can do everything).',
    default: 'false',
    parse: flag,
  },
  'rest.auth.tokens.file': {
    doc: 'Token hashes and roles, managed with npm run token; defaults to <data.dir>/tokens.yaml.',
    parse: parseOptionalPath,
  },
  'rest.allowed.hosts': {
    doc: 'Host header names served besides localhost, 127.0.0.1 and [::1] (comma-separated; always enforced on loopback, elsewhere once set).',
    parse: parseHostList,
  },
  'rest.auth.jwt.jwks.file': {
    doc: 'JWKS file whose public keys verify JWT bearer tokens (RS*, PS*, ES*, EdDSA), re-read when it changes; unset: no JWTs (unless rest.auth.jwt.jwks.url). Needs rest.auth=token.',
    parse: parseOptionalPath,
  },
  'rest.auth.jwt.jwks.url': {
    doc: "An identity provider's JWKS URL (https://, or http:// to a loopback address) instead of a file: fetched on first use, again after 5 minutes, and at most every 30 s when a token names an unknown key id; the last keys fetched stay in use while it is unreachable. Needs rest.auth=token.",
    parse: parseJwksUrl,
  },
  'rest.auth.jwt.issuer': { doc: 'When set, a JWT iss claim must equal it.', parse: parseOptionalPath },
  'rest.auth.jwt.audience': {
    doc: 'When set, a JWT aud claim must be or contain it.',
    parse: parseOptionalPath,
  },
  'rest.auth.jwt.role.claim': {
    doc: 'JWT claim holding the role (admin, viewer or domain:<name>); a dotted path reaches into objects.',
    default: 'role',
    parse: nonEmpty,
  },
  'rest.auth.jwt.name.claim': {
    doc: 'JWT claim naming the principal in the audit log.',
    default: 'sub',
    parse: nonEmpty,
  },
  'data.dir': {
    doc: 'Folder of the embedded stores: connector configs, target states, source offsets, statuses.',
    default: './data',
    parse: nonEmpty,
  },
  'kafka.brokers': {
    doc: 'Kafka bootstrap servers, host:port, comma-separated.',
    default: '127.0.0.1:9092',
    parse: brokerList,
  },
  'kafka.client.id': { doc: 'Client id prefix of the Kafka clients.', default: 'onramp', parse: nonEmpty },
  'connector.client.config.override.policy': {
    doc: 'Which Kafka client settings a connector may override (producer.override.*, consumer.override.*, admin.override.*), as in Kafka Connect: None, Principal (only security.protocol, sasl.mechanism, sasl.jaas.config) or All.',
    default: 'All',
    parse: overridePolicy,
  },
  'schema.registry.url': {
    doc: 'Confluent-compatible schema registry for the Avro converter (connectors may override it per converter).',
    default: 'http://127.0.0.1:8081',
    parse: httpUrl,
  },
  'schema.registry.ssl.truststore.location': {
    doc: 'PEM CA certificates an https:// schema.registry.url must chain to (Confluent converter name).',
    parse: (raw: string) => raw.trim(),
  },
  'schema.registry.ssl.truststore.type': {
    doc: 'PEM (default), PKCS12 or JKS: the format of schema.registry.ssl.truststore.location (a PKCS12 or JKS store is read at start).',
    parse: (raw: string) => {
      const value = raw.trim().toUpperCase();
      if (value !== '' && !['PEM', 'PKCS12', 'JKS'].includes(value))
        throw new Error('must be PEM, PKCS12 or JKS');
      return value || 'PEM';
    },
  },
  'schema.registry.ssl.truststore.password': {
    doc: `Password of a PKCS12 or JKS schema.registry.ssl.truststore.location (may be an \${env:NAME} placeholder).`,
    parse: (raw: string) => raw.trim(),
  },
  'schema.registry.basic.auth.user.info': {
    doc: 'user:password for the host registry (HTTP basic auth).',
    parse: (raw: string) => raw.trim(),
  },
  'schema.registry.bearer.auth.token': {
    doc: 'Static bearer token for the host registry (bearer.auth.credentials.source=STATIC_TOKEN).',
    parse: (raw: string) => raw.trim(),
  },
  'key.converter': {
    doc: "The worker's key converter, as in a Kafka Connect worker.properties: the converter of every connector that sets no key.converter (Onramp's default without it: io.confluent.connect.avro.AvroConverter). Its settings are key.converter.<setting>, those the connector-level converter takes (e.g. key.converter.schemas.enable, key.converter.schema.registry.url); one it does not have is refused. A connector's own key.converter.<setting> keys win.",
    parse: converterClassName,
  },
  'value.converter': {
    doc: "The worker's value converter, as key.converter: the converter of every connector that sets no value.converter, with its value.converter.<setting> keys (e.g. value.converter.schema.registry.url, value.converter.basic.auth.user.info).",
    parse: converterClassName,
  },
  'offset.flush.interval.ms': {
    doc: "Kafka Connect's interval between source offset commits. Onramp stores a source task's offsets as soon as Kafka acknowledged its records (one writer, always the latest) and commits them to the database then, so every offset is stored within any interval given; the value is checked and the bound always holds.",
    default: '60000',
    parse: milliseconds,
  },
  'task.shutdown.graceful.timeout.ms': {
    doc: "Kafka Connect's name: how long, in ms, a stopping task (a restart, a stop, a deleted connector, the host shutting down) may take to stop before the host moves on and reports it (Onramp's default 10000; Kafka Connect's 5000).",
    default: '10000',
    parse: milliseconds,
  },
  'plugin.path': {
    doc: "Kafka Connect's plugin folders. Onramp's connectors, converters and transforms are built in, so nothing is loaded from it: taken (so a worker.properties can be used as it is) with a warning at start naming it.",
    parse: (raw: string) => raw.trim(),
  },
  'lineage.openlineage.url': {
    doc: "OpenLineage HTTP endpoint (e.g. Marquez at http://marquez:5000): run events with each connector's input and output datasets are POSTed to <url>/api/v1/lineage when they change. Unset: no export.",
    parse: (raw: string) => (raw.trim() === '' ? '' : httpUrl(raw)),
  },
  'lineage.openlineage.namespace': {
    doc: "OpenLineage job namespace of this host's connectors.",
    default: 'onramp',
    parse: nonEmpty,
  },
  'worker.id': {
    doc: 'worker_id shown in connector and task statuses; defaults to <rest.host>:<rest.port>.',
    parse: (raw: string) => raw.trim(),
  },
  'log.level': {
    doc: `Log level: ${LOG_LEVELS.join(', ')}; changeable at run time through /admin/loggers.`,
    default: 'info',
    parse: logLevel,
  },
  'log.format': {
    doc: 'Log line format: json (one JSON object a line, ISO-8601 time, level by name), human (time, level, logger, message, key=value fields) or auto: human when stdout is a terminal, json otherwise.',
    default: 'auto',
    parse: logFormat,
  },
  'topic.tracking.enable': {
    doc: 'Track the topics each connector uses (GET /connectors/{name}/topics).',
    default: 'true',
    parse: flag,
  },
  'topic.tracking.allow.reset': {
    doc: 'Allow PUT /connectors/{name}/topics/reset.',
    default: 'true',
    parse: flag,
  },
  // Config providers (Kafka Connect's config.providers, KIP-297/887/993) and secrets at rest.
  'config.providers': {
    doc: `Config providers connector configs may use as \${provider:...} placeholders, comma-separated: env, file, dir, or other names given a config.providers.<name>.class (with their own param.allowed.paths / param.allowlist.pattern; host config file only). None by default: a placeholder of a provider not listed is refused at validation, naming its key.`,
    default: '',
    parse: parseProviderNames,
  },
  'config.providers.env.class': {
    doc: "Class of the env provider: org.apache.kafka.common.config.provider.EnvVarConfigProvider (Kafka's name, accepted for compatibility; the default).",
    parse: providerClassParser('env'),
  },
  'config.providers.env.param.allowlist.pattern': {
    doc: `Regular expression the whole name of a variable read by \${env:NAME} must match (KIP-887); unset: any variable.`,
    parse: parseAllowlistPattern,
  },
  'config.providers.file.class': {
    doc: 'Class of the file provider: org.apache.kafka.common.config.provider.FileConfigProvider (the default).',
    parse: providerClassParser('file'),
  },
  'config.providers.file.param.allowed.paths': {
    doc: `Absolute paths, comma-separated, below which \${file:/path:key} may read (after resolving .. and symlinks, KIP-993); unset: anywhere the host can read.`,
    parse: parseAllowedPaths,
  },
  'config.providers.dir.class': {
    doc: 'Class of the dir provider: org.apache.kafka.common.config.provider.DirectoryConfigProvider (the default).',
    parse: providerClassParser('dir'),
  },
  'config.providers.dir.param.allowed.paths': {
    doc: `Absolute paths, comma-separated, below which \${dir:/path:file} may read (after resolving .. and symlinks, KIP-993); unset: anywhere the host can read.`,
    parse: parseAllowedPaths,
  },
  'secrets.key.file': {
    doc: 'File holding the 32-byte key (base64 or hex) that encrypts secrets in the data dir with AES-256-GCM; ONRAMP_SECRET_KEY (the key itself) wins. Without a key secrets are stored in plaintext in 0600 files and the host warns at start.',
    parse: parseOptionalPath,
  },
  mode: {
    doc: "standalone (one process, connectors in the data dir) or distributed (workers with the same group.id share connectors through Kafka, in Kafka Connect's internal topics; see Cluster mode).",
    default: 'standalone',
    parse: parseMode,
  },
  ...distributedSettings(),
} satisfies Record<string, HostSetting<unknown>>;

function parseMode(raw: string): 'standalone' | 'distributed' {
  const value = raw.trim().toLowerCase();
  if (value !== 'standalone' && value !== 'distributed') throw new Error('must be standalone or distributed');
  return value;
}

/** The cluster settings of a distributed worker, or undefined in standalone mode. */
function distributedConfig(
  mode: 'standalone' | 'distributed',
  settings: ReadonlyMap<string, string>,
  rest: { host: string; port: number; scheme: string },
): HostConfig['distributed'] {
  if (mode === 'standalone') return undefined;
  const properties: Record<string, string> = {};
  for (const key of Object.keys(DISTRIBUTED_DOCS)) {
    const value = settings.get(key)?.trim();
    if (value) properties[key] = value;
  }
  const { config, errors } = parseDistributedConfig(properties);
  if (!config)
    throw new HostConfigError(
      `mode distributed: ${errors.map((error) => `${error.field}: ${error.message}`).join('; ')}`,
    );
  const advertisedHost = properties['rest.advertised.host.name'] || rest.host;
  const givenPort = properties['rest.advertised.port'];
  const advertisedPort = givenPort ? port(givenPort) : rest.port;
  const scheme = properties['rest.advertised.listener'] || rest.scheme;
  if (scheme !== 'http' && scheme !== 'https')
    throw new HostConfigError(`invalid rest.advertised.listener "${scheme}": must be http or https`);
  const shownHost = advertisedHost.includes(':') ? `[${advertisedHost}]` : advertisedHost;
  return { ...config, advertisedUrl: `${scheme}://${shownHost}:${advertisedPort}/` };
}

/**
 * Cluster settings given to a standalone host would be ignored, so they are refused (Kafka Connect's
 * standalone worker only warns). rest.advertised.* are left out: Kafka Connect reads them in both modes.
 */
function refuseDistributedOnly(sources: ReadonlyMap<string, string>): void {
  const given = Object.keys(DISTRIBUTED_DOCS).filter(
    (key) => !key.startsWith('rest.advertised.') && (sources.get(key) ?? 'default') !== 'default',
  );
  const first = given[0];
  if (first === undefined) return;
  const hints = [
    given.includes('group.id') && "a sink's consumer group is consumer.override.group.id",
    given.includes('session.timeout.ms') &&
      "a sink consumer's session timeout is consumer.session.timeout.ms",
  ].filter((hint) => hint !== false);
  throw new HostConfigError(
    `${given.join(', ')} (from ${sources.get(first)}): settings of mode distributed, which a standalone host would ignore; set mode: distributed or remove them${hints.length > 0 ? ` (${hints.join('; ')})` : ''}`,
  );
}

function overridePolicy(raw: string): OverridePolicy {
  const value = OVERRIDE_POLICIES.find((policy) => policy.toLowerCase() === raw.trim().toLowerCase());
  if (!value) throw new Error(`must be one of ${OVERRIDE_POLICIES.join(', ')}`);
  return value;
}

type SettingName = keyof typeof HOST_SETTINGS;
const KNOWN_KEYS = new Set<string>(Object.keys(HOST_SETTINGS));

/** A worker converter's settings: key.converter.schemas.enable, value.converter.schema.registry.url, ... */
const CONVERTER_SETTING_KEY = /^(key|value)\.converter\.[^.].*$/;

/** worker.properties keys Onramp has no use for, refused with what to do instead. */
const REFUSED_WORKER_KEYS: Readonly<Record<string, string>> = {
  'offset.storage.file.filename':
    "a standalone worker's offsets file: Onramp keeps source offsets (with connector configs and statuses) in data.dir, in its own format, so set data.dir to the folder to keep them in (Kafka Connect's file cannot be read; a connector's Debezium offsets move over through PATCH /connectors/{name}/offsets)",
  'header.converter':
    "Onramp writes and reads headers as Kafka Connect's default SimpleHeaderConverter does; a connector may name its own header.converter",
};

/** Kafka Connect's names for kafka.brokers and kafka.client.id. */
const KEY_ALIASES: Readonly<Record<string, string>> = {
  'bootstrap.servers': 'kafka.brokers',
  'client.id': 'kafka.client.id',
};

/**
 * Kafka client settings with Kafka's own names, as in a Kafka Connect worker.properties: the
 * connection settings at the top level (every client), and `producer.`/`consumer.`/`admin.` ones
 * for one kind of client. bootstrap.servers and client.id are kafka.brokers and kafka.client.id.
 */
export function kafkaClientKey(
  key: string,
): { layer: keyof ClientPropertyLayers; property: string } | undefined {
  if (key === 'bootstrap.servers' || key === 'client.id') return undefined;
  const spec = Object.hasOwn(CLIENT_PROPERTIES, key) ? CLIENT_PROPERTIES[key] : undefined;
  if (spec && spec.kinds === undefined) return { layer: 'common', property: key };
  const dot = key.indexOf('.');
  const kind = key.slice(0, dot) as ClientKind;
  const property = key.slice(dot + 1);
  if (
    dot > 0 &&
    CLIENT_KINDS.includes(kind) &&
    isClientProperty(property, kind) &&
    !isConnectorOnlyProperty(property)
  )
    return { layer: kind, property };
  return undefined;
}

/** ONRAMP_KAFKA_SECURITY_PROTOCOL for security.protocol, ONRAMP_KAFKA_PRODUCER_COMPRESSION_TYPE, ... */
function kafkaEnvName(key: string): string {
  return `ONRAMP_KAFKA_${key.toUpperCase().replace(/[.-]/g, '_')}`;
}

/** For `consumer.group.instance.id` and the like: where the setting belongs instead. */
function connectorOnlyHint(key: string): string | undefined {
  const match = /^(producer|consumer|admin)\.(.+)$/.exec(key);
  if (!match?.[2] || !isConnectorOnlyProperty(match[2])) return undefined;
  return ` (a connector's own setting, ${match[1]}.override.${match[2]}: one value for every task of the host would not do)`;
}

/** Every Kafka client key the host accepts (for the environment overrides and the docs). */
export function kafkaClientKeys(): string[] {
  const keys: string[] = [];
  for (const [key, spec] of Object.entries(CLIENT_PROPERTIES)) {
    if (key === 'bootstrap.servers' || key === 'client.id') continue;
    if (spec.kinds === undefined) keys.push(key);
  }
  for (const kind of CLIENT_KINDS)
    for (const key of Object.keys(CLIENT_PROPERTIES))
      if (kafkaClientKey(`${kind}.${key}`)) keys.push(`${kind}.${key}`);
  return keys;
}

/** The environment variable that overrides a setting, if any. */
export function envOverrideOf(key: string): string | undefined {
  if (kafkaClientKey(key)) return kafkaEnvName(key);
  return Object.entries(ENV_OVERRIDES).find(([, setting]) => setting === key)?.[0];
}

/**
 * An ONRAMP_KAFKA_* variable that names no setting the host reads (ONRAMP_KAFKA_PRODUCER_LINGER_MS,
 * a typo) would be ignored, so it is refused, as the same key in the YAML file is.
 */
function refuseUnknownKafkaVariables(
  env: Readonly<Record<string, string | undefined>>,
  known: ReadonlySet<string>,
): void {
  const unknown = Object.keys(env)
    .filter((name) => name.startsWith('ONRAMP_KAFKA_') && !known.has(name) && (env[name] ?? '') !== '')
    .sort();
  if (unknown.length > 0)
    throw new HostConfigError(
      `unknown environment variable ${unknown.join(', ')}: not a Kafka client setting Onramp honours (ONRAMP_KAFKA_<KEY> names a key of the configuration reference's Kafka clients table, e.g. ONRAMP_KAFKA_SECURITY_PROTOCOL)`,
    );
}

/** Flattens nested YAML maps into dotted keys; lists become comma-separated values. */
function flatten(value: unknown, prefix: string, out: Map<string, string>, file: string): void {
  if (value === null || value === undefined) return;
  if (typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, item] of Object.entries(value))
      flatten(item, prefix ? `${prefix}.${key}` : key, out, file);
    return;
  }
  if (prefix === '') throw new HostConfigError(`${file}: expected a map of settings at the top level`);
  if (Array.isArray(value)) {
    out.set(prefix, value.map((item) => String(item)).join(','));
  } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    out.set(prefix, String(value));
  } else {
    throw new HostConfigError(`${file}: ${prefix} must be a string, number, boolean or list`);
  }
}

function readFileSettings(file: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new HostConfigError(`cannot read host config ${file}: ${(error as Error).message}`);
  }
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new HostConfigError(`${file} is not valid YAML: ${(error as Error).message}`);
  }
  const flat = new Map<string, string>();
  flatten(document ?? {}, '', flat, file);
  const settings = new Map<string, string>();
  for (const [given, value] of flat) {
    const key = KEY_ALIASES[given] ?? given;
    const refused = Object.hasOwn(REFUSED_WORKER_KEYS, key) ? REFUSED_WORKER_KEYS[key] : undefined;
    if (refused) throw new HostConfigError(`${file}: ${given} is not taken: ${refused}`);
    if (
      !KNOWN_KEYS.has(key) &&
      !kafkaClientKey(key) &&
      !PROVIDER_ALIAS_KEY.test(key) &&
      !CONVERTER_SETTING_KEY.test(key)
    ) {
      const refusedClient = refusedClientReason(key.replace(/^(producer|consumer|admin)\./, ''));
      const kafkaHint =
        connectorOnlyHint(key) ??
        (refusedClient && /^(producer|consumer|admin)\./.test(key)
          ? ` (a Kafka client setting Onramp cannot honour: ${refusedClient})`
          : undefined) ??
        (/^(producer|consumer|admin)\.|^(ssl|sasl|security)\./.test(key)
          ? ' (not a Kafka client setting Onramp honours; see the configuration reference)'
          : ` (known: ${[...KNOWN_KEYS].sort().join(', ')}, and Kafka client settings such as security.protocol)`);
      throw new HostConfigError(`${file}: unknown setting ${given}${kafkaHint}`);
    }
    settings.set(key, value);
  }
  return settings;
}

/**
 * The providers config.providers enables, with the settings of those not named env, file or dir
 * (aliases, e.g. `config.providers: secrets` and `config.providers.secrets.class:
 * org.apache.kafka.common.config.provider.DirectoryConfigProvider`), checked here: an alias needs
 * its class, takes only its kind's params, and settings of names not enabled are refused.
 */
function hostConfigProviders(
  enabled: string[],
  settings: ReadonlyMap<string, string>,
  sources: ReadonlyMap<string, string>,
  builtIn: Omit<Parameters<typeof configProviders>[0], 'enabled' | 'aliasParams'>,
): ConfigProviders {
  const classes: Partial<Record<string, ProviderKind | undefined>> = { ...builtIn.classes };
  const aliasParams: Record<string, ProviderParams> = {};
  const invalid = (key: string, message: string) =>
    new HostConfigError(`invalid ${key} "${settings.get(key) ?? ''}" (from ${sources.get(key)}): ${message}`);
  const aliasKeys = [...settings.keys()].flatMap((key) => {
    const match = PROVIDER_ALIAS_KEY.exec(key);
    return match?.[1] !== undefined && !isBuiltInProvider(match[1])
      ? [{ key, name: match[1], setting: match[2] }]
      : [];
  });
  for (const { key, name } of aliasKeys) {
    if (!enabled.includes(name))
      throw invalid(key, `${name} is not one of config.providers (${enabled.join(', ') || 'none'})`);
  }
  for (const name of enabled.filter((each) => !isBuiltInProvider(each))) {
    const classKey = `config.providers.${name}.class`;
    const className = settings.get(classKey);
    if (className === undefined || className.trim() === '')
      throw new HostConfigError(
        `config.providers lists ${name}, which needs ${classKey} (org.apache.kafka.common.config.provider.EnvVarConfigProvider, FileConfigProvider or DirectoryConfigProvider)`,
      );
    let kind: ProviderKind;
    try {
      kind = providerKindOfClass(className);
    } catch (error) {
      throw invalid(classKey, (error as Error).message);
    }
    classes[name] = kind;
    const params: ProviderParams = {};
    for (const { key, setting } of aliasKeys.filter((each) => each.name === name)) {
      const raw = settings.get(key) ?? '';
      try {
        if (setting === 'param.allowlist.pattern') {
          if (kind !== 'env')
            throw new Error(`only an env provider takes allowlist.pattern (${name} is ${kind})`);
          params.allowlist = parseAllowlistPattern(raw);
        } else if (setting === 'param.allowed.paths') {
          if (kind === 'env') throw new Error(`an env provider takes allowlist.pattern, not allowed.paths`);
          params.allowedPaths = parseAllowedPaths(raw);
        }
      } catch (error) {
        throw invalid(key, (error as Error).message);
      }
    }
    aliasParams[name] = params;
  }
  return configProviders({ ...builtIn, enabled, classes, aliasParams });
}

export interface LoadOptions {
  env?: Readonly<Record<string, string | undefined>>;
  /** Overrides ONRAMP_CONFIG; null means no file at all (defaults + environment only). */
  file?: string | null;
  cwd?: string;
}

export function loadHostConfig(options: LoadOptions = {}): HostConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const settings = new Map<string, string>();
  const sources = new Map<string, string>();
  for (const [key, setting] of Object.entries(HOST_SETTINGS)) {
    if ('default' in setting && setting.default !== undefined) {
      settings.set(key, setting.default);
      sources.set(key, 'default');
    }
  }

  const explicit = options.file === undefined ? env.ONRAMP_CONFIG : options.file;
  const file = explicit === null ? undefined : explicit ? resolve(cwd, explicit) : DEFAULT_CONFIG_FILE;
  if (file !== undefined && (explicit || existsSync(file))) {
    for (const [key, value] of readFileSettings(file)) {
      settings.set(key, value);
      sources.set(key, file);
    }
  }
  const overrides: Array<readonly [string, string]> = [
    ...Object.entries(ENV_OVERRIDES),
    ['ONRAMP_KAFKA_BOOTSTRAP_SERVERS', 'kafka.brokers'] as const,
    ...kafkaClientKeys().map((key) => [kafkaEnvName(key), key] as const),
  ];
  for (const [variable, key] of overrides) {
    const value = env[variable];
    if (value !== undefined && value !== '') {
      settings.set(key, value);
      sources.set(key, `environment variable ${variable}`);
    }
  }
  refuseUnknownKafkaVariables(env, new Set(overrides.map(([variable]) => variable)));

  function get<K extends SettingName>(key: K): ReturnType<(typeof HOST_SETTINGS)[K]['parse']> {
    const raw = settings.get(key) ?? '';
    try {
      return HOST_SETTINGS[key].parse(raw) as ReturnType<(typeof HOST_SETTINGS)[K]['parse']>;
    } catch (error) {
      throw new HostConfigError(
        `invalid ${key} "${raw}" (from ${sources.get(key)}): ${(error as Error).message}`,
      );
    }
  }

  const kafka = kafkaSettings(settings, sources, get('kafka.brokers'), get('kafka.client.id'), {
    overridePolicy: get('connector.client.config.override.policy'),
    env,
    cwd,
  });
  const host = get('rest.host');
  const restPort = get('rest.port');
  const listener = get('listeners');
  if (get('mode') === 'standalone') refuseDistributedOnly(sources);
  // Checked only: source offsets are stored as soon as Kafka acknowledged them, within any interval.
  get('offset.flush.interval.ms');
  const distributed = distributedConfig(get('mode'), settings, {
    host: listener?.host ?? host,
    port: listener?.port ?? restPort,
    scheme: listener?.scheme ?? 'http',
  });
  return {
    rest: {
      host,
      port: restPort,
      listener,
      tls: {
        certificate: get('listeners.https.ssl.certificate.location'),
        key: get('listeners.https.ssl.key.location'),
        truststore: get('listeners.https.ssl.truststore.location'),
        clientAuth: get('listeners.https.ssl.client.auth'),
      },
      auth: {
        mode: get('rest.auth'),
        allowNone: get('rest.auth.allow.none'),
        tokensFile: resolve(cwd, get('rest.auth.tokens.file') ?? join(get('data.dir'), 'tokens.yaml')),
        jwt: jwtSettingsOrFail(
          { file: get('rest.auth.jwt.jwks.file'), url: get('rest.auth.jwt.jwks.url') },
          {
            issuer: get('rest.auth.jwt.issuer'),
            audience: get('rest.auth.jwt.audience'),
            roleClaim: get('rest.auth.jwt.role.claim'),
            nameClaim: get('rest.auth.jwt.name.claim'),
          },
        ),
      },
      allowedHosts: get('rest.allowed.hosts'),
    },
    dataDir: resolve(cwd, get('data.dir')),
    kafka,
    schemaRegistryUrl: get('schema.registry.url'),
    lineage: {
      openlineageUrl: get('lineage.openlineage.url'),
      namespace: get('lineage.openlineage.namespace'),
    },
    schemaRegistry: registrySettings(get('schema.registry.url'), {
      truststoreLocation: get('schema.registry.ssl.truststore.location'),
      truststoreType: get('schema.registry.ssl.truststore.type'),
      truststorePassword: get('schema.registry.ssl.truststore.password'),
      userInfo: get('schema.registry.basic.auth.user.info'),
      bearerToken: get('schema.registry.bearer.auth.token'),
      env,
      cwd,
    }),
    // In a cluster the worker id is how the others reach this worker: its advertised host:port.
    workerId:
      get('worker.id') || (distributed ? new URL(distributed.advertisedUrl).host : `${host}:${restPort}`),
    logLevel: get('log.level'),
    logFormat: get('log.format'),
    topicTracking: { enable: get('topic.tracking.enable'), allowReset: get('topic.tracking.allow.reset') },
    configProviders: hostConfigProviders(get('config.providers'), settings, sources, {
      classes: {
        env: get('config.providers.env.class'),
        file: get('config.providers.file.class'),
        dir: get('config.providers.dir.class'),
      },
      envAllowlist: get('config.providers.env.param.allowlist.pattern'),
      fileAllowedPaths: get('config.providers.file.param.allowed.paths'),
      dirAllowedPaths: get('config.providers.dir.param.allowed.paths'),
    }),
    secretsKeyFile: get('secrets.key.file'),
    ...(distributed && { distributed }),
    taskShutdownTimeoutMs: get('task.shutdown.graceful.timeout.ms'),
    converters: workerConverters(settings, sources, {
      key: get('key.converter'),
      value: get('value.converter'),
      env,
      cwd,
    }),
    warnings: [
      ...((sources.get('plugin.path') ?? 'default') !== 'default'
        ? [
            `plugin.path (from ${sources.get('plugin.path')}) has no effect: Onramp's connectors, converters and transforms are built in, nothing is loaded from ${get('plugin.path')}`,
          ]
        : []),
    ],
  };
}

/**
 * The worker's converter keys (key.converter, value.converter and their settings), placeholders
 * resolved, checked as a connector's converter is; a setting the converter does not have is refused
 * here (for a connector it is a warning: the host's file has no one to show a warning to).
 */
function workerConverters(
  settings: ReadonlyMap<string, string>,
  sources: ReadonlyMap<string, string>,
  options: { key: string; value: string; env: Readonly<Record<string, string | undefined>>; cwd: string },
): Readonly<Record<string, string>> {
  const converters: Record<string, string> = {};
  for (const [key, raw] of settings) {
    if (!CONVERTER_SETTING_KEY.test(key)) continue;
    try {
      converters[key] = resolvePlaceholders({ [key]: raw }, { env: options.env })[key] ?? raw;
    } catch (error) {
      throw new HostConfigError(`invalid ${key} (from ${sources.get(key)}): ${errorMessage(error)}`);
    }
  }
  if (options.key) converters['key.converter'] = options.key;
  if (options.value) converters['value.converter'] = options.value;
  for (const slot of ['key.converter', 'value.converter'] as const) {
    const parsed = parseConverter(
      slot,
      converters,
      (path) => readFileSync(resolve(options.cwd, path), 'utf8'),
      (path) => readFileSync(resolve(options.cwd, path)),
    );
    const first = [...parsed.errors, ...parsed.warnings][0];
    if (first)
      throw new HostConfigError(
        `${first.message}${sources.get(first.field) ? ` (from ${sources.get(first.field)})` : ''}`,
      );
  }
  // A relative trust store is the host file's, wherever the task runs.
  for (const slot of ['key.converter', 'value.converter']) {
    const location = `${slot}.schema.registry.ssl.truststore.location`;
    const path = converters[location]?.trim();
    if (path) converters[location] = resolve(options.cwd, path);
  }
  return converters;
}

/**
 * The Kafka client layers from the settings, checked as each kind of client will parse them. Values
 * may be `${env:NAME}` or `${file:path:key}` placeholders (secrets kept out of the YAML file);
 * messages name the key and where it came from, never the value.
 */
function kafkaSettings(
  settings: ReadonlyMap<string, string>,
  sources: ReadonlyMap<string, string>,
  brokers: string[],
  clientId: string,
  options: { overridePolicy: OverridePolicy; env: Readonly<Record<string, string | undefined>>; cwd: string },
): HostConfig['kafka'] {
  const layers: Record<keyof ClientPropertyLayers, Record<string, string>> = {
    common: { 'bootstrap.servers': brokers.join(','), 'client.id': clientId },
    producer: {},
    consumer: {},
    admin: {},
  };
  for (const [key, raw] of settings) {
    const target = kafkaClientKey(key);
    if (!target) continue;
    let value = raw;
    try {
      value = resolvePlaceholders({ [key]: raw }, { env: options.env })[key] ?? raw;
    } catch (error) {
      throw new HostConfigError(`invalid ${key} (from ${sources.get(key)}): ${errorMessage(error)}`);
    }
    layers[target.layer][target.property] = value;
  }
  // Kafka Connect's worker.properties templates repeat bootstrap.servers as producer./consumer./
  // admin.bootstrap.servers: taken when they name the same brokers. Other brokers for one kind of
  // client would split the host (its offsets, products and health on one cluster, tasks on another),
  // so they are refused; a connector writes elsewhere with <kind>.override.bootstrap.servers.
  for (const kind of CLIENT_KINDS) {
    const servers = layers[kind]['bootstrap.servers'];
    if (servers === undefined) continue;
    const given = servers
      .split(',')
      .map((broker) => broker.trim())
      .filter((broker) => broker !== '');
    if (given.join(',') !== brokers.join(','))
      throw new HostConfigError(
        `invalid ${kind}.bootstrap.servers (from ${sources.get(`${kind}.bootstrap.servers`)}): it must name the same brokers as bootstrap.servers (kafka.brokers), ${brokers.join(',')}; a connector reaches other brokers with ${kind}.override.bootstrap.servers`,
      );
    delete layers[kind]['bootstrap.servers'];
  }
  for (const kind of CLIENT_KINDS) {
    const properties = clientProperties(kind, layers);
    const errors = [
      ...parseConnection(properties, {
        missingName: (key) => key,
        readFile: (path) => readFileSync(resolve(options.cwd, path), 'utf8'),
        readBytes: (path) => readFileSync(resolve(options.cwd, path)),
      }).errors,
      ...(kind === 'producer' ? producerTuning(properties).errors : []),
      ...(kind === 'consumer' ? consumerTuning(properties).errors : []),
    ];
    const first = errors[0];
    if (first) {
      const from = sources.get(first.field) ?? sources.get(`${kind}.${first.field}`);
      throw new HostConfigError(`${first.message}${from ? ` (from ${from})` : ''}`);
    }
  }
  return { brokers, layers, overridePolicy: options.overridePolicy };
}

function registrySettings(
  url: string,
  options: {
    truststoreLocation: string;
    truststoreType: string;
    truststorePassword: string;
    userInfo: string;
    bearerToken: string;
    env: Readonly<Record<string, string | undefined>>;
    cwd: string;
  },
): RegistryAccess {
  const secret = (key: string, raw: string) => {
    try {
      return resolvePlaceholders({ [key]: raw }, { env: options.env })[key] ?? raw;
    } catch (error) {
      throw new HostConfigError(`invalid ${key}: ${errorMessage(error)}`);
    }
  };
  const location = options.truststoreLocation && resolve(options.cwd, options.truststoreLocation);
  const storeType = options.truststoreType;
  let ca: string[] | undefined;
  if (storeType === 'PKCS12' || storeType === 'JKS') {
    const key = 'schema.registry.ssl.truststore.location';
    if (!location) throw new HostConfigError(`schema.registry.ssl.truststore.type ${storeType} needs ${key}`);
    const password = options.truststorePassword
      ? secret('schema.registry.ssl.truststore.password', options.truststorePassword)
      : undefined;
    try {
      const bytes = readFileSync(location);
      ca = storeType === 'PKCS12' ? pkcs12Certificates(bytes, password) : jksCertificates(bytes, password);
      if (ca.length === 0) throw new KeyStoreError('it holds no certificate');
    } catch (error) {
      const reason =
        error instanceof KeyStoreError
          ? error.message
          : `cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`;
      throw new HostConfigError(
        `invalid ${key} "${location}": the ${storeType} store cannot be read: ${reason}`,
      );
    }
  } else if (options.truststorePassword)
    throw new HostConfigError(
      'schema.registry.ssl.truststore.password does not apply to a PEM trust store (set schema.registry.ssl.truststore.type to PKCS12 or JKS)',
    );
  return {
    url,
    ...(ca ? { ca } : location && { truststoreLocation: location }),
    ...(options.userInfo && { userInfo: secret('schema.registry.basic.auth.user.info', options.userInfo) }),
    ...(options.bearerToken && {
      bearerToken: secret('schema.registry.bearer.auth.token', options.bearerToken),
    }),
  };
}
