import { OnrampError } from '../plugin/errors.ts';
import { AVRO_CONVERTER, AvroConverter } from './avro-converter.ts';
import type { Converter } from './converter.ts';
import { JSON_CONVERTER, JsonConverter } from './json-converter.ts';
import { SchemaRegistry } from './registry.ts';
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

/**
 * Builds the key/value converters a connector config asks for (Kafka Connect class names, settings
 * as `<key|value>.converter.<setting>`). Avro is the default; registry clients are shared per URL so
 * schema ids are registered and cached once per process.
 */
export class ConverterFactory {
  private readonly defaultRegistryUrl: string | undefined;
  private readonly registries = new Map<string, SchemaRegistry>();

  constructor(options: { schemaRegistryUrl?: string }) {
    this.defaultRegistryUrl = options.schemaRegistryUrl === '' ? undefined : options.schemaRegistryUrl;
  }

  forConfig(config: Readonly<Record<string, string>>): TaskConverters {
    return { key: this.converter('key.converter', config), value: this.converter('value.converter', config) };
  }

  registry(url: string, userInfo?: string): SchemaRegistry {
    const cacheKey = `${url}\u0000${userInfo ?? ''}`;
    let registry = this.registries.get(cacheKey);
    if (!registry) {
      registry = new SchemaRegistry({ url, ...(userInfo ? { userInfo } : {}) });
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
        const url = setting('schema.registry.url') || this.defaultRegistryUrl;
        if (!url)
          return invalid(
            `${prefix}.schema.registry.url`,
            'no schema registry URL is set (and the host has none)',
          );
        const registry = this.registry(url, setting('basic.auth.user.info') || undefined);
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
