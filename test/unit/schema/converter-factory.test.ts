import { describe, expect, it } from 'vitest';
import { AvroConverter } from '../../../src/schema/avro-converter.ts';
import { ConverterFactory } from '../../../src/schema/converter-factory.ts';
import { JsonConverter } from '../../../src/schema/json-converter.ts';
import { ByteArrayConverter, StringConverter } from '../../../src/schema/simple-converters.ts';

describe('ConverterFactory', () => {
  const factory = new ConverterFactory({ schemaRegistryUrl: 'http://registry:8081' });

  it('defaults both converters to Avro on the host registry', () => {
    const { key, value } = factory.forConfig({});
    expect(key).toBeInstanceOf(AvroConverter);
    expect(value).toBeInstanceOf(AvroConverter);
    expect(factory.registry('http://registry:8081')).toBe(factory.registry('http://registry:8081'));
  });

  it('selects converters by Kafka Connect class name with their sub-settings', async () => {
    const { key, value } = factory.forConfig({
      'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter.schemas.enable': 'false',
    });
    expect(key).toBeInstanceOf(StringConverter);
    expect(value).toBeInstanceOf(JsonConverter);
    expect((await value.fromConnect('t', false, { schema: { type: 'int64' }, value: 5 }))?.toString()).toBe(
      '5',
    );
    expect(
      factory.forConfig({ 'key.converter': 'org.apache.kafka.connect.converters.ByteArrayConverter' }).key,
    ).toBeInstanceOf(ByteArrayConverter);
  });

  it('lets a converter use its own registry (schema.registry.url sub-key)', () => {
    const own = new ConverterFactory({});
    expect(() => own.forConfig({})).toThrow(/key.converter.schema.registry.url/);
    const { value } = own.forConfig({
      'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
      'value.converter.schema.registry.url': 'http://other:8081',
    });
    expect(value).toBeInstanceOf(AvroConverter);
  });

  it('names the setting when a converter class or option is unknown', () => {
    expect(() => factory.forConfig({ 'value.converter': 'com.example.Nope' })).toThrow(
      /configuration value.converter: Class com.example.Nope could not be found/,
    );
    expect(() =>
      factory.forConfig({
        'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
        'value.converter.decimal.format': 'HEX',
      }),
    ).toThrow(/value.converter.decimal.format/);
  });
});
