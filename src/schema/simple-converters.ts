import { OnrampError } from '../plugin/errors.ts';
import type { ConnectValue, SchemaAndValue } from '../plugin/record.ts';
import { schemalessToJson } from './connect-json.ts';
import type { Converter } from './converter.ts';

export const STRING_CONVERTER = 'org.apache.kafka.connect.storage.StringConverter';
export const BYTE_ARRAY_CONVERTER = 'org.apache.kafka.connect.converters.ByteArrayConverter';

function asText(value: ConnectValue): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  if (typeof value === 'object' && value !== null) return JSON.stringify(schemalessToJson(value));
  return String(value);
}

/** Kafka Connect's StringConverter: UTF-8 text; structs and arrays are written as JSON text. */
export class StringConverter implements Converter {
  readonly className = STRING_CONVERTER;

  async fromConnect(_topic: string, _isKey: boolean, data: SchemaAndValue | null): Promise<Buffer | null> {
    return data === null || data.value === null ? null : Buffer.from(asText(data.value));
  }

  async toConnect(_topic: string, _isKey: boolean, bytes: Buffer | null): Promise<SchemaAndValue | null> {
    return bytes === null
      ? null
      : { schema: { type: 'string', optional: true }, value: bytes.toString('utf8') };
  }
}

/** Kafka Connect's ByteArrayConverter: bytes pass through untouched. */
export class ByteArrayConverter implements Converter {
  readonly className = BYTE_ARRAY_CONVERTER;

  async fromConnect(topic: string, isKey: boolean, data: SchemaAndValue | null): Promise<Buffer | null> {
    if (data === null || data.value === null) return null;
    if (!(data.value instanceof Uint8Array)) {
      throw new OnrampError(
        'CONVERSION_FAILED',
        `ByteArrayConverter needs bytes for the ${isKey ? 'key' : 'value'} of ${topic}`,
      );
    }
    return Buffer.from(data.value.buffer, data.value.byteOffset, data.value.byteLength);
  }

  async toConnect(_topic: string, _isKey: boolean, bytes: Buffer | null): Promise<SchemaAndValue | null> {
    return bytes === null ? null : { schema: { type: 'bytes', optional: true }, value: bytes };
  }
}
