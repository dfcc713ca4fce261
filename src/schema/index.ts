// Schemas and converters: Connect schemas <-> Avro / Connect JSON, the registry client, converters.
export { AvroCodec, codecForAvroText, codecForConnect } from './avro-codec.ts';
export { AVRO_CONVERTER, AvroConverter } from './avro-converter.ts';
export { type AvroSchema, avroToConnect, connectToAvro } from './connect-to-avro.ts';
export type { Converter } from './converter.ts';
export { ConverterFactory, type TaskConverters } from './converter-factory.ts';
export { JSON_CONVERTER, JsonConverter } from './json-converter.ts';
export { SchemaRegistry } from './registry.ts';
export {
  BYTE_ARRAY_CONVERTER,
  ByteArrayConverter,
  STRING_CONVERTER,
  StringConverter,
} from './simple-converters.ts';
