import { readFileSync } from 'node:fs';
import { jksCertificates, KeyStoreError, pkcs12Certificates } from '../kafka/key-stores.ts';
import {
  type ConfigDef,
  type ConfigOf,
  defineConfig,
  type FieldError,
  type FieldSpec,
  type Fields,
  field,
  parseConfig,
} from '../plugin/config-def.ts';
import { AVRO_CONVERTER } from './avro-converter.ts';
import { JSON_CONVERTER } from './json-converter.ts';
import { BYTE_ARRAY_CONVERTER, STRING_CONVERTER } from './simple-converters.ts';

// The converters the runtime implements and their settings, declared once: GET /connector-plugins
// lists these ConfigDefs, validation parses a connector's `key.converter.*` / `value.converter.*`
// keys with them (a bad value is an error naming the whole key, a setting the converter does not
// have is a warning), and the task's converters are built from what the same parse returns.

const group = 'Converter';

/** What a schema registry URL must look like (Confluent's converters take http and https). */
function registryUrls(urls: readonly string[]): string | undefined {
  if (urls.length > 1)
    return 'Onramp talks to one schema registry URL; give one (a load balancer in front of several instances works)';
  const url = urls[0];
  if (url === undefined) return undefined;
  try {
    const protocol = new URL(url).protocol;
    return protocol === 'http:' || protocol === 'https:' ? undefined : `${url} is not an http(s) URL`;
  } catch {
    return `${url} is not a URL`;
  }
}

/** Confluent's AvroConverter settings that Onramp honours (io.confluent.connect.avro.AvroConverterConfig). */
const avroFields = {
  'schema.registry.url': field.list({
    doc: 'Schema registry URL; defaults to the host setting schema.registry.url.',
    validate: registryUrls,
    group,
    connectionTarget: true,
  }),
  'auto.register.schemas': field.boolean({
    doc: 'Register schemas that the registry does not know yet (false: a schema must be registered beforehand).',
    default: true,
    group,
  }),
  'basic.auth.credentials.source': field.string({
    doc: 'Where the HTTP basic credentials come from: USER_INFO (basic.auth.user.info) or URL (user:password in the URL).',
    default: 'USER_INFO',
    validate: (value) =>
      ['USER_INFO', 'URL'].includes(value.trim().toUpperCase())
        ? undefined
        : 'only USER_INFO and URL are supported',
    group,
  }),
  'basic.auth.user.info': field.password({
    doc: 'user:password for the schema registry (HTTP basic auth, basic.auth.credentials.source=USER_INFO).',
    aliases: ['schema.registry.basic.auth.user.info'],
    group,
  }),
  'bearer.auth.credentials.source': field.string({
    doc: 'STATIC_TOKEN: send bearer.auth.token as a bearer token (the only source Onramp offers).',
    validate: (value) =>
      value.trim().toUpperCase() === 'STATIC_TOKEN' ? undefined : 'only STATIC_TOKEN is supported',
    group,
  }),
  'bearer.auth.token': field.password({
    doc: 'Static bearer token for the schema registry (bearer.auth.credentials.source=STATIC_TOKEN).',
    group,
  }),
  'schema.registry.ssl.truststore.location': field.string({
    doc: 'File of the CA certificates an https:// registry URL must chain to, in schema.registry.ssl.truststore.type’s format.',
    group,
  }),
  'schema.registry.ssl.truststore.type': field.string({
    doc: 'PEM (default), PKCS12 or JKS: the format of schema.registry.ssl.truststore.location.',
    validate: (value) =>
      TRUST_STORE_TYPES.includes(value.trim().toUpperCase())
        ? undefined
        : `${value}: must be PEM, PKCS12 or JKS`,
    group,
  }),
  'schema.registry.ssl.truststore.password': field.password({
    doc: 'Password of a PKCS12 or JKS schema.registry.ssl.truststore.location (checked against its integrity MAC).',
    group,
  }),
};

const TRUST_STORE_TYPES = ['PEM', 'PKCS12', 'JKS'];

/** Kafka's JsonConverter settings that Onramp honours (org.apache.kafka.connect.json.JsonConverterConfig). */
const jsonFields = {
  'schemas.enable': field.boolean({
    doc: 'Include the schema with each message ({"schema", "payload"}).',
    default: true,
    group,
  }),
  'decimal.format': field.enum(['BASE64', 'NUMERIC'] as const)({
    doc: 'How decimals are written: base64-encoded bytes or plain numbers.',
    default: 'BASE64',
    group,
  }),
};

/** Kafka's StringConverter: Onramp writes and reads UTF-8 only. */
const stringFields = {
  'converter.encoding': field.string({
    doc: 'Character set of the strings: UTF-8 (the only one Onramp offers, and Kafka’s default).',
    default: 'UTF-8',
    validate: (value) => (/^utf-?8$/i.test(value.trim()) ? undefined : `${value}: only UTF-8 is supported`),
    group,
  }),
};

export type AvroConverterConfig = ConfigOf<typeof avroFields>;
export type JsonConverterConfig = ConfigOf<typeof jsonFields>;

const avroConfig = defineConfig(avroFields, {
  check: (config) =>
    config['bearer.auth.credentials.source'] !== undefined && !config['bearer.auth.token']
      ? [
          {
            field: 'bearer.auth.token',
            message: 'bearer.auth.credentials.source=STATIC_TOKEN needs bearer.auth.token',
          },
        ]
      : [],
});

/** Each converter class the runtime implements, with the ConfigDef of its settings. */
export const CONVERTER_CONFIGS = {
  [AVRO_CONVERTER]: avroConfig,
  [JSON_CONVERTER]: defineConfig(jsonFields),
  [STRING_CONVERTER]: defineConfig(stringFields),
  [BYTE_ARRAY_CONVERTER]: defineConfig({}),
} as const satisfies Record<string, ConfigDef>;

export type ConverterClass = keyof typeof CONVERTER_CONFIGS;

/** A converter as a connector's config selects it, with its settings parsed. */
export type ConverterSettings =
  | {
      className: typeof AVRO_CONVERTER;
      config: AvroConverterConfig;
      /** The trust store's certificates, read when the settings were parsed. */
      ca?: string[];
    }
  | { className: typeof JSON_CONVERTER; config: JsonConverterConfig }
  | { className: typeof STRING_CONVERTER | typeof BYTE_ARRAY_CONVERTER };

export type ConverterSlot = 'key.converter' | 'value.converter';

/** The converter class a class name selects: the full name or the simple one (AvroConverter). */
export function converterClass(name: string): ConverterClass | undefined {
  const wanted = name.trim();
  return (Object.keys(CONVERTER_CONFIGS) as ConverterClass[]).find(
    (className) => className === wanted || className.slice(className.lastIndexOf('.') + 1) === wanted,
  );
}

export interface ParsedConverter {
  /** Undefined when `errors` is not empty. */
  settings: ConverterSettings | undefined;
  /** Each naming the connector's key, e.g. `value.converter.schemas.enable`. */
  errors: FieldError[];
  /** Settings under the slot's prefix that the selected converter does not have. */
  warnings: FieldError[];
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * The converter `slot` of a connector config (placeholders resolved) selects, and its settings:
 * `<slot>` names the class (default Avro), `<slot>.<setting>` its settings. Reads the registry's
 * trust store, so that a missing file is a validation error rather than a task failing at start.
 */
export function parseConverter(
  slot: ConverterSlot,
  raw: Readonly<Record<string, string>>,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
  readBytes: (path: string) => Buffer = (path) => readFileSync(path),
): ParsedConverter {
  const name = raw[slot]?.trim() || AVRO_CONVERTER;
  const className = converterClass(name);
  if (!className)
    return {
      settings: undefined,
      errors: [
        {
          field: slot,
          message: `Invalid value ${name} for configuration ${slot}: Class ${name} could not be found.`,
        },
      ],
      warnings: [],
    };
  const prefix = `${slot}.`;
  const sub: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw))
    if (key.startsWith(prefix)) sub[key.slice(prefix.length)] = value;
  const parsed = parseConfig(CONVERTER_CONFIGS[className] as ConfigDef, sub);
  const errors = parsed.errors.map((error) => prefixed(error, prefix));
  const warnings = parsed.unknown.map((key) => ({
    field: `${prefix}${key}`,
    message: `${prefix}${key} is not a setting of ${className}; it has no effect`,
  }));
  let settings: ConverterSettings | undefined;
  if (className === AVRO_CONVERTER) {
    const config = parsed.values as AvroConverterConfig;
    const location = config['schema.registry.ssl.truststore.location']?.trim();
    const type = config['schema.registry.ssl.truststore.type']?.trim().toUpperCase() ?? 'PEM';
    const key = `${prefix}schema.registry.ssl.truststore.location`;
    const password = config['schema.registry.ssl.truststore.password'];
    const trust = !location
      ? {}
      : type === 'PKCS12' || type === 'JKS'
        ? readTrustStore(key, location, type, password, readBytes)
        : readCa(key, location, readFile);
    if (trust.error) errors.push(trust.error);
    settings = { className, config, ...(trust.ca && { ca: trust.ca }) };
  } else if (className === JSON_CONVERTER) {
    settings = { className, config: parsed.values as JsonConverterConfig };
  } else {
    settings = { className };
  }
  return { settings: errors.length === 0 ? settings : undefined, errors, warnings };
}

/** A sub-setting's error as the connector wrote the key (`schemas.enable` -> `value.converter.schemas.enable`). */
function prefixed(error: FieldError, prefix: string): FieldError {
  const key = `${prefix}${error.field}`;
  const message = error.message
    .replace(`configuration ${error.field}:`, `configuration ${key}:`)
    .replace(`configuration "${error.field}"`, `configuration "${key}"`);
  return { field: key, message };
}

function readCa(
  key: string,
  path: string,
  readFile: (path: string) => string,
): { ca?: string[]; error?: FieldError } {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    const message = `Invalid value for configuration ${key}: cannot read the file ${path} (${code})`;
    return { error: { field: key, message } };
  }
  const ca = text.match(PEM_CERT);
  if (!ca) {
    const message = `Invalid value for configuration ${key}: ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`;
    return { error: { field: key, message } };
  }
  return { ca };
}

/**
 * A connector config with the worker's converters (the host config's `key.converter`,
 * `value.converter` and their `<slot>.<setting>` keys) for each slot the connector does not name a
 * class for, as Kafka Connect takes the worker's converter for a connector that sets none. The
 * connector's own `<slot>.<setting>` keys still win over the worker's (Kafka Connect would drop them
 * without a class; Onramp has always passed them to the default converter).
 */
export function withWorkerConverters(
  config: Readonly<Record<string, string>>,
  worker: Readonly<Record<string, string>> | undefined,
): Readonly<Record<string, string>> {
  if (!worker || Object.keys(worker).length === 0) return config;
  const merged: Record<string, string> = { ...config };
  for (const slot of ['key.converter', 'value.converter'] as const) {
    if (config[slot]?.trim()) continue;
    for (const [key, value] of Object.entries(worker))
      if ((key === slot || key.startsWith(`${slot}.`)) && merged[key] === undefined) merged[key] = value;
  }
  return merged;
}

/** The certificates of a PKCS12 or JKS trust store; errors name the key and the file, never the password. */
function readTrustStore(
  key: string,
  path: string,
  type: 'PKCS12' | 'JKS',
  password: string | undefined,
  readBytes: (path: string) => Buffer,
): { ca?: string[]; error?: FieldError } {
  let bytes: Buffer;
  try {
    bytes = readBytes(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    return {
      error: {
        field: key,
        message: `Invalid value for configuration ${key}: cannot read the file ${path} (${code})`,
      },
    };
  }
  try {
    const ca = type === 'PKCS12' ? pkcs12Certificates(bytes, password) : jksCertificates(bytes, password);
    if (ca.length === 0) throw new KeyStoreError('it holds no certificate');
    return { ca };
  } catch (error) {
    if (!(error instanceof KeyStoreError)) throw error;
    return {
      error: {
        field: key,
        message: `Invalid value for configuration ${key}: the ${type} store ${path} cannot be read: ${error.message}`,
      },
    };
  }
}

/** The declared field a connector key `<slot>.<setting>` sets, for the converter `raw` selects there. */
export function converterFieldOf(
  raw: Readonly<Record<string, string>>,
  key: string,
): FieldSpec<unknown> | undefined {
  const slot = (['key.converter', 'value.converter'] as const).find((name) => key.startsWith(`${name}.`));
  if (!slot) return undefined;
  const className = converterClass(raw[slot]?.trim() || AVRO_CONVERTER);
  if (!className) return undefined;
  const setting = key.slice(slot.length + 1);
  const fields: Fields = CONVERTER_CONFIGS[className].fields;
  return Object.hasOwn(fields, setting)
    ? fields[setting]
    : Object.values(fields).find((spec) => spec.aliases?.includes(setting));
}
