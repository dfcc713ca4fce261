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

const DEFAULTS: Readonly<Record<string, string>> = {
  'rest.host': '127.0.0.1',
  'rest.port': '8083',
  'data.dir': './data',
  'kafka.brokers': '127.0.0.1:9092',
  'kafka.client.id': 'onramp',
  'schema.registry.url': 'http://127.0.0.1:8081',
  'log.level': 'info',
  'topic.tracking.enable': 'true',
  'topic.tracking.allow.reset': 'true',
};
const KNOWN_KEYS = new Set([...Object.keys(DEFAULTS), 'worker.id']);
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

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
  const settings = new Map(Object.entries(DEFAULTS));
  const sources = new Map<string, string>([...settings.keys()].map((key) => [key, 'default']));

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

  const get = (key: string) => settings.get(key)?.trim() ?? '';
  const fail = (key: string, problem: string): never => {
    throw new HostConfigError(`invalid ${key} "${settings.get(key)}" (from ${sources.get(key)}): ${problem}`);
  };
  const nonEmpty = (key: string) => get(key) || fail(key, 'must not be empty');
  const bool = (key: string) => {
    const value = get(key).toLowerCase();
    if (value !== 'true' && value !== 'false') fail(key, 'must be true or false');
    return value === 'true';
  };

  const portText = get('rest.port');
  const port = /^\d+$/.test(portText) ? Number(portText) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) fail('rest.port', 'must be a port number between 0 and 65535');

  const brokers = get('kafka.brokers')
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker !== '');
  if (brokers.length === 0) fail('kafka.brokers', 'must list at least one host:port');
  for (const broker of brokers) {
    if (!/^[^\s:]+:\d+$/.test(broker) && !/^\[[0-9a-fA-F:]+\]:\d+$/.test(broker)) {
      fail('kafka.brokers', `${broker} is not host:port`);
    }
  }

  const registry = nonEmpty('schema.registry.url');
  try {
    const url = new URL(registry.split(',')[0] ?? '');
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      fail('schema.registry.url', 'must be an http(s) URL');
  } catch {
    fail('schema.registry.url', 'must be an http(s) URL');
  }

  const logLevel = get('log.level').toLowerCase();
  if (!LOG_LEVELS.includes(logLevel)) fail('log.level', `must be one of ${LOG_LEVELS.join(', ')}`);

  const host = nonEmpty('rest.host');
  return {
    rest: { host, port },
    dataDir: resolve(cwd, nonEmpty('data.dir')),
    kafka: { brokers, clientId: nonEmpty('kafka.client.id') },
    schemaRegistryUrl: registry,
    workerId: get('worker.id') || `${host}:${port}`,
    logLevel,
    topicTracking: { enable: bool('topic.tracking.enable'), allowReset: bool('topic.tracking.allow.reset') },
  };
}
