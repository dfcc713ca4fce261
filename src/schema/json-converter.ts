import { errorMessage, OnrampError } from '../plugin/errors.ts';
import type { ConnectSchema, SchemaAndValue } from '../plugin/record.ts';
import {
  connectSchemaToJson,
  connectValueToJson,
  type DecimalFormat,
  jsonToConnectSchema,
  jsonToConnectValue,
  jsonToSchemaless,
  parseJsonExact,
  schemalessToJson,
} from './connect-json.ts';
import type { Converter } from './converter.ts';

export const JSON_CONVERTER = 'org.apache.kafka.connect.json.JsonConverter';

export interface JsonConverterOptions {
  /** Kafka Connect's `schemas.enable` (default true): wrap as {"schema", "payload"}. */
  schemasEnable?: boolean;
  /** Kafka Connect's `decimal.format` (default BASE64). */
  decimalFormat?: DecimalFormat;
}

export class JsonConverter implements Converter {
  readonly className = JSON_CONVERTER;
  private readonly schemasEnable: boolean;
  private readonly decimals: DecimalFormat;
  /** Serialized schema text per schema object: the envelope's schema part is built once. */
  private readonly schemaText = new WeakMap<ConnectSchema, string>();
  /** Parsed schemas per schema text, so sinks do not rebuild the same schema per record. */
  private readonly parsedSchemas = new Map<string, ConnectSchema>();

  constructor(options: JsonConverterOptions = {}) {
    this.schemasEnable = options.schemasEnable ?? true;
    this.decimals = options.decimalFormat ?? 'BASE64';
  }

  async fromConnect(_topic: string, _isKey: boolean, data: SchemaAndValue | null): Promise<Buffer | null> {
    if (data === null || (data.schema === null && data.value === null)) return null;
    const { schema, value } = data;
    const payload = JSON.stringify(
      schema === null ? schemalessToJson(value) : connectValueToJson(schema, value, this.decimals),
    );
    if (!this.schemasEnable) return Buffer.from(payload);
    return Buffer.from(
      `{"schema":${schema === null ? 'null' : this.schemaTextOf(schema)},"payload":${payload}}`,
    );
  }

  async toConnect(topic: string, isKey: boolean, bytes: Buffer | null): Promise<SchemaAndValue | null> {
    if (bytes === null) return null;
    let json: unknown;
    try {
      json = parseJsonExact(bytes.toString('utf8'));
    } catch (error) {
      throw new OnrampError(
        'CONVERSION_FAILED',
        `Converting byte[] to Kafka Connect data failed due to serialization error of the ${isKey ? 'key' : 'value'} from ${topic}: ${errorMessage(error)}`,
      );
    }
    if (!this.schemasEnable) return { schema: null, value: jsonToSchemaless(json) };
    const envelope = json as Record<string, unknown> | null;
    if (
      typeof envelope !== 'object' ||
      envelope === null ||
      Array.isArray(envelope) ||
      Object.keys(envelope).length !== 2 ||
      !('schema' in envelope) ||
      !('payload' in envelope)
    ) {
      throw new OnrampError(
        'CONVERSION_FAILED',
        'JsonConverter with schemas.enable requires "schema" and "payload" fields and may not contain additional fields. ' +
          'If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.',
      );
    }
    if (envelope.schema === null) return { schema: null, value: jsonToSchemaless(envelope.payload) };
    const schema = this.parseSchema(envelope.schema);
    return { schema, value: jsonToConnectValue(schema, envelope.payload) };
  }

  private schemaTextOf(schema: ConnectSchema): string {
    let text = this.schemaText.get(schema);
    if (text === undefined) {
      text = JSON.stringify(connectSchemaToJson(schema, this.decimals));
      this.schemaText.set(schema, text);
    }
    return text;
  }

  private parseSchema(json: unknown): ConnectSchema {
    const key = JSON.stringify(json, (_key, value: unknown) =>
      typeof value === 'bigint' ? value.toString() : value,
    );
    let schema = this.parsedSchemas.get(key);
    if (!schema) {
      schema = jsonToConnectSchema(json);
      this.parsedSchemas.set(key, schema);
    }
    return schema;
  }
}
