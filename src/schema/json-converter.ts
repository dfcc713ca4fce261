import { errorMessage, OnrampError } from '../plugin/errors.ts';
import type { ConnectSchema, SchemaAndValue } from '../plugin/record.ts';
import {
  connectJsonWriter,
  connectSchemaToJson,
  type DecimalFormat,
  type JsonWriter,
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

const NULL_SCHEMA_PREFIX = Buffer.from('{"schema":null,"payload":');

/**
 * Messages are written into shared slabs, as Node's Buffer pool does for buffers under 4 KiB: a
 * JSON message with its schema is ~4 KiB (pg-stream's), so each one got an ArrayBuffer of its own,
 * and the schema text (~3.5 KiB of it) was joined to the payload and encoded again every time.
 * Now the schema part is encoded once per schema and copied. A slab lives as long as a message
 * written into it (until its batch is sent).
 */
const SLAB_BYTES = 256 * 1024;
let slab = Buffer.allocUnsafe(0);
let slabUsed = 0;

/** `prefix`, then `payload` in UTF-8, then `}` when there is a prefix. */
function messageBytes(prefix: Buffer | undefined, payload: string): Buffer {
  const prefixBytes = prefix?.length ?? 0;
  const most = prefixBytes + payload.length * 3 + 1; // at most 3 UTF-8 bytes per UTF-16 unit
  if (most > SLAB_BYTES / 4) {
    if (prefix === undefined) return Buffer.from(payload);
    const bytes = Buffer.allocUnsafe(prefixBytes + Buffer.byteLength(payload) + 1);
    prefix.copy(bytes, 0);
    bytes.write(payload, prefixBytes);
    bytes[bytes.length - 1] = 0x7d;
    return bytes;
  }
  if (slabUsed + most > slab.length) {
    slab = Buffer.allocUnsafe(SLAB_BYTES);
    slabUsed = 0;
  }
  const start = slabUsed;
  let end = start;
  if (prefix !== undefined) end += prefix.copy(slab, end);
  end += slab.write(payload, end);
  if (prefix !== undefined) slab[end++] = 0x7d;
  slabUsed = (end + 7) & ~7;
  return slab.subarray(start, end);
}

export class JsonConverter implements Converter {
  readonly className = JSON_CONVERTER;
  private readonly schemasEnable: boolean;
  private readonly decimals: DecimalFormat;
  /** Serialized schema text per schema object: the envelope's schema part is built once. */
  private readonly schemaText = new WeakMap<ConnectSchema, string>();
  /** The message's bytes up to its payload per schema object (schemas.enable). */
  private readonly schemaPrefix = new WeakMap<ConnectSchema, Buffer>();
  private readonly writers = new WeakMap<ConnectSchema, JsonWriter>();
  /** Parsed schemas per schema text, so sinks do not rebuild the same schema per record. */
  private readonly parsedSchemas = new Map<string, ConnectSchema>();
  /** Per topic and key/value: the last message's text up to its payload, and its schema. */
  private readonly lastSchema = new Map<string, { prefix: Buffer; schema: ConnectSchema }>();

  constructor(options: JsonConverterOptions = {}) {
    this.schemasEnable = options.schemasEnable ?? true;
    this.decimals = options.decimalFormat ?? 'BASE64';
  }

  async fromConnect(_topic: string, _isKey: boolean, data: SchemaAndValue | null): Promise<Buffer | null> {
    if (data === null || (data.schema === null && data.value === null)) return null;
    const { schema, value } = data;
    const payload = schema === null ? JSON.stringify(schemalessToJson(value)) : this.writerOf(schema)(value);
    if (!this.schemasEnable) return messageBytes(undefined, payload);
    return messageBytes(schema === null ? NULL_SCHEMA_PREFIX : this.prefixOf(schema), payload);
  }

  async toConnect(topic: string, isKey: boolean, bytes: Buffer | null): Promise<SchemaAndValue | null> {
    if (bytes === null) return null;
    const fast = this.schemasEnable ? this.withKnownSchema(topic, isKey, bytes) : undefined;
    if (fast) return fast;
    const text = bytes.toString('utf8');
    let json: unknown;
    try {
      json = parseJsonExact(text);
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
    this.rememberSchema(topic, isKey, text, schema);
    return { schema, value: jsonToConnectValue(schema, envelope.payload) };
  }

  /**
   * The fast path: a topic's messages repeat their schema byte for byte (Connect writes
   * `{"schema":S,"payload":P}` without spaces), so when a message starts with the schema text seen
   * last on this topic only the payload is parsed. Anything unusual takes the full path.
   */
  private withKnownSchema(topic: string, isKey: boolean, bytes: Buffer): SchemaAndValue | undefined {
    const known = this.lastSchema.get(isKey ? `k${topic}` : `v${topic}`);
    const length = known?.prefix.length ?? 0;
    if (
      !known ||
      bytes.length <= length ||
      bytes[bytes.length - 1] !== 0x7d ||
      bytes.compare(known.prefix, 0, length, 0, length) !== 0
    )
      return undefined;
    let payload: unknown;
    try {
      payload = parseJsonExact(bytes.toString('utf8', length, bytes.length - 1));
    } catch {
      return undefined;
    }
    return { schema: known.schema, value: jsonToConnectValue(known.schema, payload) };
  }

  private rememberSchema(topic: string, isKey: boolean, text: string, schema: ConnectSchema): void {
    const start = '{"schema":'.length;
    if (!text.startsWith('{"schema":')) return;
    const end = jsonValueEnd(text, start);
    if (end < 0 || !text.startsWith(',"payload":', end)) return;
    const prefix = Buffer.from(text.slice(0, end + ',"payload":'.length));
    this.lastSchema.set(isKey ? `k${topic}` : `v${topic}`, { prefix, schema });
  }

  /** The payload's JSON text per schema object, written by a function built once per schema. */
  private writerOf(schema: ConnectSchema): JsonWriter {
    let writer = this.writers.get(schema);
    if (writer === undefined) {
      writer = connectJsonWriter(schema, this.decimals);
      this.writers.set(schema, writer);
    }
    return writer;
  }

  /** `{"schema":<schema>,"payload":` as bytes, per schema object: encoded once, not per message. */
  private prefixOf(schema: ConnectSchema): Buffer {
    let prefix = this.schemaPrefix.get(schema);
    if (prefix === undefined) {
      prefix = Buffer.from(`{"schema":${this.schemaTextOf(schema)},"payload":`);
      this.schemaPrefix.set(schema, prefix);
    }
    return prefix;
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

/** Where the JSON value starting at `start` of `text` ends (exclusive), or -1; strings skipped. */
function jsonValueEnd(text: string, start: number): number {
  let depth = 0;
  for (let index = start; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 0x22) {
      // a string: skip to its closing quote, past escapes
      for (index++; index < text.length && text.charCodeAt(index) !== 0x22; index++)
        if (text.charCodeAt(index) === 0x5c) index++;
    } else if (code === 0x7b || code === 0x5b) depth++;
    else if (code === 0x7d || code === 0x5d) {
      depth--;
      if (depth === 0) return index + 1;
      if (depth < 0) return -1;
    } else if (depth === 0 && (code === 0x2c || code === 0x7d)) return index;
  }
  return depth === 0 ? text.length : -1;
}
