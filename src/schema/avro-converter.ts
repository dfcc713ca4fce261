import { OnrampError } from '../plugin/errors.ts';
import type { SchemaAndValue } from '../plugin/record.ts';
import { codecForConnect } from './avro-codec.ts';
import type { Converter } from './converter.ts';
import type { SchemaRegistry } from './registry.ts';

export const AVRO_CONVERTER = 'io.confluent.connect.avro.AvroConverter';

/** Confluent wire format: magic byte 0, the schema id as a 4-byte big-endian int, the Avro body. */
const MAGIC_BYTE = 0;
const HEADER_SIZE = 5;

export class AvroConverter implements Converter {
  readonly className = AVRO_CONVERTER;
  private readonly registry: SchemaRegistry;
  private readonly autoRegister: boolean;

  constructor(registry: SchemaRegistry, options: { autoRegister?: boolean } = {}) {
    this.registry = registry;
    this.autoRegister = options.autoRegister ?? true;
  }

  async fromConnect(topic: string, isKey: boolean, data: SchemaAndValue | null): Promise<Buffer | null> {
    if (data === null || data.value === null) return null;
    if (data.schema === null) {
      throw new OnrampError(
        'CONVERSION_FAILED',
        `AvroConverter needs a schema for the ${isKey ? 'key' : 'value'} of topic ${topic}`,
      );
    }
    const codec = codecForConnect(data.schema);
    const id = await this.registry.idFor(`${topic}-${isKey ? 'key' : 'value'}`, codec, this.autoRegister);
    const body = codec.encode(data.value);
    const bytes = Buffer.allocUnsafe(HEADER_SIZE + body.length);
    bytes[0] = MAGIC_BYTE;
    bytes.writeInt32BE(id, 1);
    body.copy(bytes, HEADER_SIZE);
    return bytes;
  }

  async toConnect(topic: string, isKey: boolean, bytes: Buffer | null): Promise<SchemaAndValue | null> {
    if (bytes === null) return null;
    if (bytes.length < HEADER_SIZE || bytes[0] !== MAGIC_BYTE) {
      throw new OnrampError(
        'CONVERSION_FAILED',
        `Unknown magic byte in the ${isKey ? 'key' : 'value'} of a record from ${topic}: not Confluent Avro wire format`,
      );
    }
    const codec = await this.registry.codecById(bytes.readInt32BE(1));
    return { schema: codec.connectSchema, value: codec.decode(bytes.subarray(HEADER_SIZE)) };
  }
}
