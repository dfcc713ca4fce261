import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

// The host's own configuration: a YAML file (ONRAMP_CONFIG, else config/host.example.yaml) with
// environment overrides on top. Keys may be written nested (rest: {port: 8083}) or dotted
// (rest.port: 8083), like Kafka's worker properties. Unknown keys and bad values fail at start with
// a message naming the key.

export interface HostConfig {
  rest: { host: string; port: number };
  dataDir: string;
  kafka: { brokers: string[]; clientId: string };
  schemaRegistryUrl: string;
  /** worker_id in statuses; defaults to "<rest.host>:<rest.port>". */
  workerId: string;
  logLevel: string;
  topicTracking: { enable: boolean; allowReset: boolean };
}

export class HostConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostConfigError';
  }
}

const root = join(import.meta.dirname, '..', '..');
export const DEFAULT_CONFIG_FILE = join(root, 'config', 'host.example.yaml');

/** Environment variables that override a key. */
const ENV_OVERRIDES: Readonly<Record<string, string>> = {
  ONRAMP_REST_HOST: 'rest.host',
  ONRAMP_REST_PORT: 'rest.port',
  ONRAMP_DATA_DIR: 'data.dir',
  KAFKA_BROKERS: 'kafka.brokers',
  SCHEMA_REGISTRY_URL: 'schema.registry.url',
  ONRAMP_WORKER_ID: 'worker.id',
  ONRAMP_LOG_LEVEL: 'log.level',
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

/** Every host setting, with the documentation the README's configuration reference is made from. */
export const HOST_SETTINGS = {
  'rest.host': {
    doc: 'Address the REST API listens on (Kafka Connect API, /health, /metrics, /openapi.json, /docs).',
    default: '127.0.0.1',
    parse: nonEmpty,
  },
  'rest.port': { doc: 'Port of the REST API.', default: '8083', parse: port },
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
  'schema.registry.url': {
    doc: 'Confluent-compatible schema registry for the Avro converter (connectors may override it per converter).',
    default: 'http://127.0.0.1:8081',
    parse: httpUrl,
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
} satisfies Record<string, HostSetting<unknown>>;

type SettingName = keyof typeof HOST_SETTINGS;
const KNOWN_KEYS = new Set<string>(Object.keys(HOST_SETTINGS));

/** The environment variable that overrides a setting, if any. */
export function envOverrideOf(key: string): string | undefined {
  return Object.entries(ENV_OVERRIDES).find(([, setting]) => setting === key)?.[0];
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
  const settings = new Map<string, string>();
  flatten(document ?? {}, '', settings, file);
  for (const key of settings.keys()) {
    if (!KNOWN_KEYS.has(key)) {
      throw new HostConfigError(
        `${file}: unknown setting ${key} (known: ${[...KNOWN_KEYS].sort().join(', ')})`,
      );
    }
  }
  return settings;
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
    if ('default' in setting) {
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
  for (const [variable, key] of Object.entries(ENV_OVERRIDES)) {
    const value = env[variable];
    if (value !== undefined && value !== '') {
      settings.set(key, value);
      sources.set(key, `environment variable ${variable}`);
    }
  }

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

  const host = get('rest.host');
  const restPort = get('rest.port');
  return {
    rest: { host, port: restPort },
    dataDir: resolve(cwd, get('data.dir')),
    kafka: { brokers: get('kafka.brokers'), clientId: get('kafka.client.id') },
    schemaRegistryUrl: get('schema.registry.url'),
    workerId: get('worker.id') || `${host}:${restPort}`,
    logLevel: get('log.level'),
    topicTracking: { enable: get('topic.tracking.enable'), allowReset: get('topic.tracking.allow.reset') },
  };
}
