import { readFileSync } from 'node:fs';
import { OnrampError } from '../plugin/errors.ts';
import { AVRO_CONVERTER, AvroConverter } from './avro-converter.ts';
import type { Converter } from './converter.ts';
import {
  type AvroConverterConfig,
  type ConverterSettings,
  type ConverterSlot,
  parseConverter,
  withWorkerConverters,
} from './converter-config.ts';
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

/** Registry access as Confluent's converters configure it (keys without the converter prefix). */
export interface RegistryAccess {
  url: string;
  /** schema.registry.ssl.truststore.location (PEM), read when a client is made. */
  truststoreLocation?: string;
  /** The trusted CA certificates themselves (a converter's trust store, read when it was parsed). */
  ca?: string[];
  /** basic.auth.user.info, `user:password`. */
  userInfo?: string;
  /** bearer.auth.token, with bearer.auth.credentials.source=STATIC_TOKEN. */
  bearerToken?: string;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * The registry an Avro converter talks to: its own `schema.registry.url` (with only its own
 * credentials), else the host's registry with the converter's credentials on top.
 */
export function registryAccess(
  slot: ConverterSlot,
  avro: { config: AvroConverterConfig; ca?: string[] },
  fallback: RegistryAccess | undefined,
): RegistryAccess {
  const { config } = avro;
  const url = config['schema.registry.url']?.[0];
  const base: RegistryAccess | undefined = url ? { url } : fallback;
  if (!base)
    return invalid(`${slot}.schema.registry.url`, 'no schema registry URL is set (and the host has none)');
  const access: RegistryAccess = { ...base };
  if (avro.ca) {
    access.ca = avro.ca;
    delete access.truststoreLocation;
  }
  const userInfo = config['basic.auth.user.info'];
  if (userInfo && config['basic.auth.credentials.source'].toUpperCase() === 'USER_INFO')
    access.userInfo = userInfo;
  const token = config['bearer.auth.token'];
  if (config['bearer.auth.credentials.source'] !== undefined && token) access.bearerToken = token;
  return access;
}

/**
 * Builds the key/value converters a connector config asks for (Kafka Connect class names, settings
 * as `<key|value>.converter.<setting>`). Avro is the default; registry clients are shared per URL so
 * schema ids are registered and cached once per process.
 */
export class ConverterFactory {
  private readonly defaultRegistry: RegistryAccess | undefined;
  private readonly workerConverters: Readonly<Record<string, string>> | undefined;
  private readonly registries = new Map<string, SchemaRegistry>();

  /**
   * `schemaRegistry`: the host's registry, used by converters that name none of their own;
   * `workerConverters`: the host config's key.converter / value.converter keys, the converters of a
   * connector that names none (Kafka Connect's worker defaults).
   */
  constructor(options: {
    schemaRegistryUrl?: string;
    schemaRegistry?: RegistryAccess;
    workerConverters?: Readonly<Record<string, string>>;
  }) {
    const url = options.schemaRegistry?.url ?? options.schemaRegistryUrl;
    this.defaultRegistry = url ? { ...options.schemaRegistry, url } : undefined;
    this.workerConverters = options.workerConverters;
  }

  /** A connector config with the worker's converters for the slots it names no class for. */
  withWorkerDefaults(config: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
    return withWorkerConverters(config, this.workerConverters);
  }

  /** The converters of a connector config (a convenience over parseConverter and forSettings). */
  forConfig(config: Readonly<Record<string, string>>): TaskConverters {
    const effective = this.withWorkerDefaults(config);
    const [key, value] = (['key.converter', 'value.converter'] as const).map((slot) => {
      const parsed = parseConverter(slot, effective);
      const first = parsed.errors[0];
      if (!parsed.settings || first)
        throw new OnrampError('INVALID_CONFIG', first?.message ?? `Invalid ${slot}`);
      return parsed.settings;
    }) as [ConverterSettings, ConverterSettings];
    return this.forSettings(key, value);
  }

  /** The key and value converters, from settings parseConverter returned. */
  forSettings(key: ConverterSettings, value: ConverterSettings): TaskConverters {
    return { key: this.converter('key.converter', key), value: this.converter('value.converter', value) };
  }

  registry(access: RegistryAccess | string): SchemaRegistry {
    const settings = typeof access === 'string' ? { url: access } : access;
    const cacheKey = JSON.stringify(settings);
    let registry = this.registries.get(cacheKey);
    if (!registry) {
      const options: RegistryOptions = { url: settings.url };
      if (settings.userInfo) options.userInfo = settings.userInfo;
      if (settings.bearerToken) options.bearerToken = settings.bearerToken;
      if (settings.ca) options.ca = settings.ca;
      else if (settings.truststoreLocation) options.ca = readCa(settings.truststoreLocation);
      registry = new SchemaRegistry(options);
      this.registries.set(cacheKey, registry);
    }
    return registry;
  }

  private converter(slot: ConverterSlot, settings: ConverterSettings): Converter {
    switch (settings.className) {
      case AVRO_CONVERTER:
        return new AvroConverter(this.registry(registryAccess(slot, settings, this.defaultRegistry)), {
          autoRegister: settings.config['auto.register.schemas'],
        });
      case JSON_CONVERTER:
        return new JsonConverter({
          schemasEnable: settings.config['schemas.enable'],
          decimalFormat: settings.config['decimal.format'],
        });
      case STRING_CONVERTER:
        return new StringConverter();
      case BYTE_ARRAY_CONVERTER:
        return new ByteArrayConverter();
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
