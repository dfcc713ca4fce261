import { describe, expect, it } from 'vitest';
import { converterClass, converterFieldOf, parseConverter } from '../../../src/schema/converter-config.ts';

describe('converter settings', () => {
  it('defaults to Avro and reads its settings, the legacy basic-auth key as an alias', () => {
    const { settings, errors, warnings } = parseConverter('value.converter', {
      'value.converter.schema.registry.url': 'https://registry:8081',
      'value.converter.schema.registry.basic.auth.user.info': 'u:p',
      'value.converter.auto.register.schemas': 'false',
    });
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(settings?.className).toBe('io.confluent.connect.avro.AvroConverter');
    if (settings?.className !== 'io.confluent.connect.avro.AvroConverter') return;
    expect(settings.config['schema.registry.url']).toEqual(['https://registry:8081']);
    expect(settings.config['basic.auth.user.info']).toBe('u:p');
    expect(settings.config['auto.register.schemas']).toBe(false);
  });

  it('names the whole key of a bad value, as the connector wrote it', () => {
    const parsed = parseConverter('value.converter', {
      'value.converter': 'JsonConverter',
      'value.converter.schemas.enable': 'maybe',
      'value.converter.decimal.format': 'HEX',
    });
    expect(parsed.settings).toBeUndefined();
    expect(parsed.errors).toEqual([
      {
        field: 'value.converter.schemas.enable',
        message:
          'Invalid value maybe for configuration value.converter.schemas.enable: Expected value to be either true or false',
      },
      {
        field: 'value.converter.decimal.format',
        message:
          'Invalid value HEX for configuration value.converter.decimal.format: Must be one of BASE64, NUMERIC',
      },
    ]);
  });

  it('warns about a setting the selected converter does not have', () => {
    const parsed = parseConverter('key.converter', {
      'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
      'key.converter.schemas.enable': 'false',
    });
    expect(parsed.errors).toEqual([]);
    expect(parsed.warnings).toEqual([
      {
        field: 'key.converter.schemas.enable',
        message:
          'key.converter.schemas.enable is not a setting of org.apache.kafka.connect.storage.StringConverter; it has no effect',
      },
    ]);
    expect(
      parseConverter('key.converter', {
        'key.converter': 'StringConverter',
        'key.converter.converter.encoding': 'ISO-8859-1',
      }).errors[0]?.message,
    ).toMatch(/key.converter.converter.encoding: ISO-8859-1: only UTF-8/);
  });

  it('refuses more than one registry URL, an unknown class, and a token source without a token', () => {
    expect(
      parseConverter('value.converter', { 'value.converter.schema.registry.url': 'http://a:1,http://b:1' })
        .errors[0]?.field,
    ).toBe('value.converter.schema.registry.url');
    expect(parseConverter('key.converter', { 'key.converter': 'com.acme.Nope' }).errors).toEqual([
      {
        field: 'key.converter',
        message:
          'Invalid value com.acme.Nope for configuration key.converter: Class com.acme.Nope could not be found.',
      },
    ]);
    expect(
      parseConverter('value.converter', { 'value.converter.bearer.auth.credentials.source': 'STATIC_TOKEN' })
        .errors,
    ).toEqual([
      {
        field: 'value.converter.bearer.auth.token',
        message: 'bearer.auth.credentials.source=STATIC_TOKEN needs bearer.auth.token',
      },
    ]);
  });

  it('resolves full and simple class names, and finds the declared field of a converter key', () => {
    expect(converterClass('AvroConverter')).toBe('io.confluent.connect.avro.AvroConverter');
    expect(converterClass('com.acme.AvroConverter')).toBeUndefined();
    const raw = { 'value.converter': 'org.apache.kafka.connect.json.JsonConverter' };
    expect(converterFieldOf(raw, 'value.converter.schemas.enable')?.type).toBe('BOOLEAN');
    expect(converterFieldOf(raw, 'value.converter.nope')).toBeUndefined();
    expect(converterFieldOf(raw, 'key.converter.schema.registry.basic.auth.user.info')?.type).toBe(
      'PASSWORD',
    );
  });
});
