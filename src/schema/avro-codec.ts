import { createHash } from 'node:crypto';
import avro from 'avsc';
import { errorMessage, OnrampError } from '../plugin/errors.ts';
import type { ConnectSchema, ConnectValue } from '../plugin/record.ts';
import { type AvroSchema, avroName, avroToConnect, connectToAvro } from './connect-to-avro.ts';
import { bytesToDecimal, decimalToBytes } from './decimal.ts';
import { decimalScale, isDecimal } from './logical-types.ts';

// One compiled Avro codec per schema: the avsc type is built once (by fingerprint) and the
// Connect <-> Avro value mapping is compiled into closures, so the hot path does no schema work.

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** int64 as number while it is exact, bigint beyond 2^53 (avsc's own long throws there). */
const longType = avro.types.LongType.__with({
  fromBuffer: (buffer: Buffer) => {
    const value = buffer.readBigInt64LE(0);
    return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value;
  },
  toBuffer: (value: number | bigint) => {
    const buffer = Buffer.allocUnsafe(8);
    buffer.writeBigInt64LE(BigInt(value));
    return buffer;
  },
  fromJSON: (value: unknown) => (typeof value === 'string' ? BigInt(value) : value),
  toJSON: (value: number | bigint) => (typeof value === 'bigint' ? Number(value) : value),
  isValid: (value: unknown) =>
    (typeof value === 'number' && Number.isInteger(value)) || typeof value === 'bigint',
  compare: (left: number | bigint, right: number | bigint) => (left < right ? -1 : left > right ? 1 : 0),
});

function compileType(schema: AvroSchema): avro.Type {
  return avro.Type.forSchema(schema as avro.Schema, {
    typeHook: (node) => {
      const isLong =
        node === 'long' || (typeof node === 'object' && (node as { type?: unknown }).type === 'long');
      return isLong ? longType : undefined;
    },
  });
}

type Mapper = (value: ConnectValue) => unknown;
type Reader = (value: unknown) => ConnectValue;

function asBuffer(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

function invalid(path: string, expected: string, value: unknown): never {
  throw new OnrampError('CONVERSION_FAILED', `${path || 'value'}: expected ${expected}, got ${typeof value}`);
}

/** Compiles Connect value -> the value avsc encodes with the schema connectToAvro() produced. */
function writerFor(schema: ConnectSchema, path: string): Mapper {
  const base = baseWriter(schema, path);
  const fallback = schema.default;
  return (value) => {
    if (value === null || value === undefined) {
      if (fallback !== undefined && fallback !== null) return base(fallback);
      if (schema.optional) return null;
      throw new OnrampError('CONVERSION_FAILED', `${path || 'value'}: missing required value`);
    }
    return base(value);
  };
}

function baseWriter(schema: ConnectSchema, path: string): Mapper {
  if (isDecimal(schema)) {
    const scale = decimalScale(schema);
    return (value) =>
      decimalToBytes(typeof value === 'object' ? invalid(path, 'a decimal', value) : String(value), scale);
  }
  switch (schema.type) {
    case 'bytes':
      return (value) => (value instanceof Uint8Array ? asBuffer(value) : invalid(path, 'bytes', value));
    case 'int8':
    case 'int16':
    case 'int32':
      return (value) => (typeof value === 'bigint' ? Number(value) : value);
    case 'array': {
      const items = writerFor(schema.items ?? { type: 'string' }, `${path}[]`);
      return (value) => (Array.isArray(value) ? value.map(items) : invalid(path, 'an array', value));
    }
    case 'map': {
      const values = writerFor(schema.values ?? { type: 'string' }, `${path}{}`);
      return (value) => {
        if (
          typeof value !== 'object' ||
          value === null ||
          Array.isArray(value) ||
          value instanceof Uint8Array
        ) {
          return invalid(path, 'a map', value);
        }
        const result: Record<string, unknown> = {};
        for (const key of Object.keys(value)) result[key] = values(value[key] ?? null);
        return result;
      };
    }
    case 'struct': {
      const fields = (schema.fields ?? []).map((field) => ({
        name: field.field,
        avro: avroName(field.field),
        write: writerFor(field, path === '' ? field.field : `${path}.${field.field}`),
      }));
      return (value) => {
        if (
          typeof value !== 'object' ||
          value === null ||
          Array.isArray(value) ||
          value instanceof Uint8Array
        ) {
          return invalid(path, 'a struct', value);
        }
        const result: Record<string, unknown> = {};
        for (const field of fields) result[field.avro] = field.write(value[field.name] ?? null);
        return result;
      };
    }
    default:
      return (value) => value;
  }
}

/** Compiles avsc's decoded value -> Connect value, for a schema avroToConnect() recovered. */
function readerFor(schema: ConnectSchema): Reader {
  const base = baseReader(schema);
  return (value) => (value === null || value === undefined ? null : base(value));
}

function baseReader(schema: ConnectSchema): Reader {
  if (isDecimal(schema)) {
    const scale = decimalScale(schema);
    return (value) => bytesToDecimal(value as Buffer, scale);
  }
  switch (schema.type) {
    case 'array': {
      const items = readerFor(schema.items ?? { type: 'string' });
      return (value) => (value as unknown[]).map(items);
    }
    case 'map': {
      const values = readerFor(schema.values ?? { type: 'string' });
      if (schema.keys?.type !== 'string') {
        // MapEntry arrays: keys become strings, the only key type a Connect value map can hold here.
        return (value) => {
          const result: Record<string, ConnectValue> = {};
          for (const entry of value as Array<{ key: unknown; value: unknown }>)
            result[String(entry.key)] = values(entry.value);
          return result;
        };
      }
      return (value) => {
        const result: Record<string, ConnectValue> = {};
        const input = value as Record<string, unknown>;
        for (const key of Object.keys(input)) result[key] = values(input[key]);
        return result;
      };
    }
    case 'struct': {
      const fields = (schema.fields ?? []).map((field) => ({
        name: field.field,
        avro: avroName(field.field),
        read: readerFor(field),
      }));
      return (value) => {
        const input = value as Record<string, unknown>;
        const result: Record<string, ConnectValue> = {};
        for (const field of fields) result[field.name] = field.read(input[field.avro]);
        return result;
      };
    }
    default:
      return (value) => value as ConnectValue;
  }
}

export class AvroCodec {
  /** The Connect schema values are read as (for registry schemas: recovered from connect.* properties). */
  readonly connectSchema: ConnectSchema;
  /** The Avro schema as JSON text, exactly what gets registered. */
  readonly avroText: string;
  readonly fingerprint: string;
  private readonly type: avro.Type;
  private readonly write: Mapper;
  private readonly read: Reader;

  constructor(connectSchema: ConnectSchema, avroText: string, fingerprint: string) {
    this.connectSchema = connectSchema;
    this.avroText = avroText;
    this.fingerprint = fingerprint;
    try {
      this.type = compileType(JSON.parse(avroText) as AvroSchema);
    } catch (error) {
      throw new OnrampError('CONVERSION_FAILED', `Invalid Avro schema: ${errorMessage(error)}`, {
        cause: error,
      });
    }
    this.write = writerFor(connectSchema, '');
    this.read = readerFor(connectSchema);
  }

  encode(value: ConnectValue): Buffer {
    const avroValue = this.write(value);
    try {
      return this.type.toBuffer(avroValue);
    } catch (error) {
      const paths: string[] = [];
      this.type.isValid(avroValue, { errorHook: (path) => paths.push(path.join('.') || '(root)') });
      const where = paths.length > 0 ? ` at ${paths.join(', ')}` : '';
      throw new OnrampError(
        'CONVERSION_FAILED',
        `Value does not match schema ${this.connectSchema.name ?? ''}${where}: ${errorMessage(error)}`,
        {
          cause: error,
        },
      );
    }
  }

  decode(bytes: Uint8Array): ConnectValue {
    try {
      return this.read(this.type.fromBuffer(asBuffer(bytes)));
    } catch (error) {
      if (error instanceof OnrampError) throw error;
      throw new OnrampError(
        'CONVERSION_FAILED',
        `Avro payload does not match its schema: ${errorMessage(error)}`,
        { cause: error },
      );
    }
  }
}

function fingerprintOf(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

// Connectors build one schema object per table and reuse it, so the identity cache answers almost
// every lookup; the fingerprint cache catches equal schemas built separately.
const byObject = new WeakMap<ConnectSchema, AvroCodec>();
const byFingerprint = new Map<string, AvroCodec>();
const readersByFingerprint = new Map<string, AvroCodec>();

export function codecForConnect(schema: ConnectSchema): AvroCodec {
  const cached = byObject.get(schema);
  if (cached) return cached;
  const text = JSON.stringify(connectToAvro(schema));
  const fingerprint = fingerprintOf(text);
  let codec = byFingerprint.get(fingerprint);
  if (!codec) {
    codec = new AvroCodec(schema, text, fingerprint);
    byFingerprint.set(fingerprint, codec);
  }
  byObject.set(schema, codec);
  return codec;
}

/** A codec for a schema read from the registry (possibly written by someone else). */
export function codecForAvroText(text: string): AvroCodec {
  const fingerprint = fingerprintOf(text);
  let codec = readersByFingerprint.get(fingerprint);
  if (!codec) {
    const connectSchema = avroToConnect(JSON.parse(text) as AvroSchema);
    codec = new AvroCodec(connectSchema, text, fingerprint);
    readersByFingerprint.set(fingerprint, codec);
  }
  return codec;
}
