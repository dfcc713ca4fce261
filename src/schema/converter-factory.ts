import { readFileSync } from 'node:fs';
import { OnrampError } from '../plugin/errors.ts';
import { AVRO_CONVERTER, AvroConverter } from './avro-converter.ts';
import type { Converter } from './converter.ts';
import { JSON_CONVERTER, JsonConverter } from './json-converter.ts';
import { type RegistryOptions, SchemaRegistry } from './registry.ts';
import {
  BYTE_ARRAY_CONVERTER,
  ByteArrayConverter,
  STRING_CONVERTER,
  StringConverter,
} from './simple-converters.ts';

export interface TaskConverters {
  key: Converter;
  value: Converter;
}

function invalid(field: string, message: string): never {
  throw new OnrampError('INVALID_CONFIG', `Invalid value for configuration ${field}: ${message}`);
}

function booleanSetting(config: Readonly<Record<string, string>>, field: string, fallback: boolean): boolean {
  const raw = config[field]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === 'false') return raw === 'true';
  return invalid(field, `${config[field]} must be true or false`);
}

/** Registry access as Confluent's converters configure it (keys without the converter prefix). */
export interface RegistryAccess {
  url: string;
  /** schema.registry.ssl.truststore.location (PEM), .type (PEM only). */
  truststoreLocation?: string;
  /** basic.auth.user.info, `user:password`. */
  userInfo?: string;
  /** bearer.auth.token, with bearer.auth.credentials.source=STATIC_TOKEN. */
  bearerToken?: string;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Reads a converter's registry settings (`<prefix>.schema.registry.url`, `...ssl.truststore.*`,
 * `basic.auth.*`, `bearer.auth.*`); what it cannot honour is an error naming the key.
 */
export function registryAccess(
  prefix: string,
  config: Readonly<Record<string, string>>,
  fallback: RegistryAccess | undefined,
): RegistryAccess {
  const setting = (name: string) => config[`${prefix}.${name}`]?.trim() || undefined;
  const url = setting('schema.registry.url');
  const base: RegistryAccess | undefined = url ? { url } : fallback;
  if (!base)
    return invalid(`${prefix}.schema.registry.url`, 'no schema registry URL is set (and the host has none)');
  const access: RegistryAccess = { ...base };
  const storeType = setting('schema.registry.ssl.truststore.type');
  if (storeType && storeType.toUpperCase() !== 'PEM')
    invalid(
      `${prefix}.schema.registry.ssl.truststore.type`,
      `${storeType}: only PEM trust stores are supported`,
    );
  const truststore = setting('schema.registry.ssl.truststore.location');
  if (truststore) access.truststoreLocation = truststore;
  const basicSource = (setting('basic.auth.credentials.source') ?? 'USER_INFO').toUpperCase();
  if (basicSource !== 'USER_INFO' && basicSource !== 'URL')
    invalid(
      `${prefix}.basic.auth.credentials.source`,
      `${basicSource}: only USER_INFO and URL are supported`,
    );
  const userInfo = setting('basic.auth.user.info') ?? setting('schema.registry.basic.auth.user.info');
  if (userInfo && basicSource === 'USER_INFO') access.userInfo = userInfo;
  const bearerSource = setting('bearer.auth.credentials.source')?.toUpperCase();
  if (bearerSource !== undefined) {
    if (bearerSource !== 'STATIC_TOKEN')
      invalid(`${prefix}.bearer.auth.credentials.source`, `${bearerSource}: only STATIC_TOKEN is supported`);
    const token = setting('bearer.auth.token');
    if (!token)
      invalid(
        `${prefix}.bearer.auth.token`,
        'bearer.auth.credentials.source=STATIC_TOKEN needs bearer.auth.token',
      );
    access.bearerToken = token;
  }
  return access;
}

/**
 * Builds the key/value converters a connector config asks for (Kafka Connect class names, settings
 * as `<key|value>.converter.<setting>`). Avro is the default; registry clients are shared per URL so
 * schema ids are registered and cached once per process.
 */
export class ConverterFactory {
  private readonly defaultRegistry: RegistryAccess | undefined;
  private readonly registries = new Map<string, SchemaRegistry>();

  /** `schemaRegistry`: the host's registry, used by converters that name none of their own. */
  constructor(options: { schemaRegistryUrl?: string; schemaRegistry?: RegistryAccess }) {
    const url = options.schemaRegistry?.url ?? options.schemaRegistryUrl;
    this.defaultRegistry = url ? { ...options.schemaRegistry, url } : undefined;
  }

  forConfig(config: Readonly<Record<string, string>>): TaskConverters {
    return { key: this.converter('key.converter', config), value: this.converter('value.converter', config) };
  }

  registry(access: RegistryAccess | string): SchemaRegistry {
    const settings = typeof access === 'string' ? { url: access } : access;
    const cacheKey = JSON.stringify(settings);
    let registry = this.registries.get(cacheKey);
    if (!registry) {
      const options: RegistryOptions = { url: settings.url };
      if (settings.userInfo) options.userInfo = settings.userInfo;
      if (settings.bearerToken) options.bearerToken = settings.bearerToken;
      if (settings.truststoreLocation) options.ca = readCa(settings.truststoreLocation);
      registry = new SchemaRegistry(options);
      this.registries.set(cacheKey, registry);
    }
    return registry;
  }

  private converter(
    prefix: 'key.converter' | 'value.converter',
    config: Readonly<Record<string, string>>,
  ): Converter {
    const className = config[prefix]?.trim() || AVRO_CONVERTER;
    const setting = (name: string) => config[`${prefix}.${name}`]?.trim();
    switch (className) {
      case AVRO_CONVERTER:
      case 'AvroConverter': {
        const registry = this.registry(registryAccess(prefix, config, this.defaultRegistry));
        return new AvroConverter(registry, {
          autoRegister: booleanSetting(config, `${prefix}.auto.register.schemas`, true),
        });
      }
      case JSON_CONVERTER:
      case 'JsonConverter': {
        const format = (setting('decimal.format') || 'BASE64').toUpperCase();
        if (format !== 'BASE64' && format !== 'NUMERIC') {
          return invalid(`${prefix}.decimal.format`, `${format} must be BASE64 or NUMERIC`);
        }
        return new JsonConverter({
          schemasEnable: booleanSetting(config, `${prefix}.schemas.enable`, true),
          decimalFormat: format,
        });
      }
      case STRING_CONVERTER:
      case 'StringConverter':
        return new StringConverter();
      case BYTE_ARRAY_CONVERTER:
      case 'ByteArrayConverter':
        return new ByteArrayConverter();
      default:
        return invalid(
          prefix,
          `unknown converter class ${className} (supported: ${[AVRO_CONVERTER, JSON_CONVERTER, STRING_CONVERTER, BYTE_ARRAY_CONVERTER].join(', ')})`,
        );
    }
  }
}

function readCa(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return invalid(
      'schema.registry.ssl.truststore.location',
      `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`,
    );
  }
  const certificates = text.match(PEM_CERT);
  if (!certificates)
    return invalid('schema.registry.ssl.truststore.location', `${path} holds no PEM certificate`);
  return certificates;
}
