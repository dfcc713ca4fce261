import { OnrampError } from '../plugin/errors.ts';
import type { ConnectField, ConnectSchema, ConnectType, ConnectValue } from '../plugin/record.ts';
import { bytesToDecimal, decimalToBytes, formatDecimal, unscaledValue } from './decimal.ts';
import { decimalScale, isDecimal } from './logical-types.ts';

// Kafka Connect's JsonConverter format: `{"schema": ..., "payload": ...}` with the schema in Connect's
// JSON shape (keys in the order Connect writes them) and the payload as Connect writes it: bytes and
// BASE64 decimals as base64, NUMERIC decimals as exact numbers, int64 beyond 2^53 without loss.

export type DecimalFormat = 'BASE64' | 'NUMERIC';

// JSON.rawJSON / the reviver's `context.source` (Node >= 21) are not in TypeScript's lib yet.
const rawJson = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;
type Reviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;

/** A JSON number whose text a double would not keep (big integers, trailing zeros, many digits). */
export class NumberText {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

const CONNECT_TYPES = new Set<ConnectType>([
  'int8',
  'int16',
  'int32',
  'int64',
  'float32',
  'float64',
  'boolean',
  'string',
  'bytes',
  'array',
  'map',
  'struct',
]);

/**
 * Connect JSON names the float types as Java's JsonSchema does: "float" and "double" (Kafka
 * Connect's JsonConverter rejects "float32"/"float64"). Both spellings are read.
 */
const JSON_TYPE_NAMES: Partial<Record<ConnectType, string>> = { float32: 'float', float64: 'double' };
const FROM_JSON_TYPE_NAMES: Record<string, ConnectType> = { float: 'float32', double: 'float64' };

function conversionError(message: string): OnrampError {
  return new OnrampError('CONVERSION_FAILED', message);
}

// ---------------------------------------------------------------------------------------------
// Connect -> JSON

export function connectSchemaToJson(
  schema: ConnectSchema,
  decimals: DecimalFormat = 'BASE64',
): Record<string, unknown> {
  const json: Record<string, unknown> = { type: JSON_TYPE_NAMES[schema.type] ?? schema.type };
  if (schema.type === 'array') json.items = connectSchemaToJson(schema.items ?? { type: 'string' }, decimals);
  if (schema.type === 'map') {
    json.keys = connectSchemaToJson(schema.keys ?? { type: 'string' }, decimals);
    json.values = connectSchemaToJson(schema.values ?? { type: 'string' }, decimals);
  }
  if (schema.type === 'struct') {
    json.fields = (schema.fields ?? []).map((field) => ({
      ...connectSchemaToJson(field, decimals),
      field: field.field,
    }));
  }
  json.optional = schema.optional ?? false;
  if (schema.name !== undefined) json.name = schema.name;
  if (schema.version !== undefined) json.version = schema.version;
  if (schema.doc !== undefined) json.doc = schema.doc;
  if (schema.parameters !== undefined) json.parameters = { ...schema.parameters };
  if (schema.default !== undefined && schema.default !== null)
    json.default = connectValueToJson(schema, schema.default, decimals);
  return json;
}

/** Java's Double/Float.toString, so floats read the way Kafka Connect writes them (1.0, 1.5E7). */
export function javaFloatText(value: number, single: boolean): unknown {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  return rawJson(javaFiniteFloatText(value, single));
}

/** javaFloatText's JSON text (non-finite values are strings). */
function javaFloatJson(value: number, single: boolean): string {
  if (!Number.isFinite(value))
    return Number.isNaN(value) ? '"NaN"' : value > 0 ? '"Infinity"' : '"-Infinity"';
  return javaFiniteFloatText(value, single);
}

function javaFiniteFloatText(value: number, single: boolean): string {
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  let digits = String(value);
  if (single) {
    for (let precision = 1; precision <= 9; precision += 1) {
      const candidate = Number(value.toPrecision(precision));
      if (Math.fround(candidate) === value) {
        digits = String(candidate);
        break;
      }
    }
  }
  const magnitude = Math.abs(single ? Number(digits) : value);
  if (magnitude >= 1e-3 && magnitude < 1e7)
    return digits.includes('.') || digits.includes('e') ? digits : `${digits}.0`;
  const [mantissa = digits, exponent = '0'] = Number(digits).toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

/** A value ready for JSON.stringify (big numbers as raw JSON), following `schema`. */
export function connectValueToJson(
  schema: ConnectSchema,
  value: ConnectValue | undefined,
  decimals: DecimalFormat,
): unknown {
  if (value === null || value === undefined) {
    if (schema.default !== undefined && schema.default !== null)
      return connectValueToJson(schema, schema.default, decimals);
    if (schema.optional) return null;
    throw conversionError(
      `Conversion error: null value for field that is required and has no default value (${schema.name ?? schema.type})`,
    );
  }
  if (isDecimal(schema)) {
    const text = typeof value === 'object' ? '' : String(value);
    if (decimals === 'NUMERIC')
      return rawJson(formatDecimal(unscaledValue(text, decimalScale(schema)), decimalScale(schema)));
    return decimalToBytes(text, decimalScale(schema)).toString('base64');
  }
  switch (schema.type) {
    case 'bytes':
      if (!(value instanceof Uint8Array)) throw conversionError(`Expected bytes, got ${typeof value}`);
      return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
    case 'int64':
      return typeof value === 'bigint' ? rawJson(value.toString()) : value;
    case 'float32':
    case 'float64':
      return typeof value === 'number' ? javaFloatText(value, schema.type === 'float32') : value;
    case 'array': {
      if (!Array.isArray(value)) throw conversionError(`Expected an array, got ${typeof value}`);
      const items = schema.items ?? { type: 'string' };
      return value.map((item) => connectValueToJson(items, item, decimals));
    }
    case 'map': {
      const entries = Object.entries(asObject(value, 'map'));
      const values = schema.values ?? { type: 'string' };
      const keys = schema.keys ?? { type: 'string' };
      if (keys.type === 'string') {
        return Object.fromEntries(
          entries.map(([key, item]) => [key, connectValueToJson(values, item, decimals)]),
        );
      }
      // Connect writes maps with non-string keys as [[key, value], ...].
      return entries.map(([key, item]) => [
        connectValueToJson(keys, keyFromText(keys, key), decimals),
        connectValueToJson(values, item, decimals),
      ]);
    }
    case 'struct': {
      const struct = asObject(value, 'struct');
      const result: Record<string, unknown> = {};
      for (const field of schema.fields ?? [])
        result[field.field] = connectValueToJson(field, struct[field.field], decimals);
      return result;
    }
    default:
      return typeof value === 'bigint' ? Number(value) : value;
  }
}

/** A schema's value as Connect JSON text: JSON.stringify(connectValueToJson(schema, value)). */
export type JsonWriter = (value: ConnectValue | undefined) => string;

/**
 * JSON.stringify(connectValueToJson(schema, value, decimals)) as one function per schema, built
 * once: structs and scalars are written straight to text, with no object tree or raw JSON values
 * in between (a streaming source's largest serialization cost); the text is the same byte for
 * byte. Decimals, bytes, arrays, maps and unusual structs (field names JSON.stringify would
 * reorder or drop) take the generic path.
 */
export function connectJsonWriter(schema: ConnectSchema, decimals: DecimalFormat): JsonWriter {
  const generic: JsonWriter = (value) => JSON.stringify(connectValueToJson(schema, value, decimals));
  if (isDecimal(schema)) return generic;
  const nullText = schema.optional && (schema.default === undefined || schema.default === null);
  const orNull = (write: (value: ConnectValue) => string): JsonWriter =>
    nullText
      ? (value) => (value === null || value === undefined ? 'null' : write(value))
      : (value) => (value === null || value === undefined ? generic(value) : write(value));
  switch (schema.type) {
    case 'int64':
      return orNull((value) => (typeof value === 'bigint' ? value.toString() : plainJson(value)));
    case 'float32':
    case 'float64': {
      const single = schema.type === 'float32';
      return orNull((value) => (typeof value === 'number' ? javaFloatJson(value, single) : plainJson(value)));
    }
    case 'int8':
    case 'int16':
    case 'int32':
    case 'boolean':
      return orNull((value) => plainJson(typeof value === 'bigint' ? Number(value) : value));
    case 'string': {
      // Many string fields repeat from one message to the next (the source block's version,
      // connector, name, db, schema and table; an op; a status column): a short one's text is kept.
      let last = '';
      let lastText = '""';
      return orNull((value) => {
        if (typeof value !== 'string') return plainJson(typeof value === 'bigint' ? Number(value) : value);
        if (value.length > 64) return JSON.stringify(value);
        if (value !== last) {
          lastText = JSON.stringify(value);
          last = value;
        }
        return lastText;
      });
    }
    case 'struct': {
      const fields = schema.fields ?? [];
      if (fields.length === 0 || !keepsFieldOrder(fields)) return generic;
      const names = fields.map((field) => field.field);
      const writers = fields.map((field) => connectJsonWriter(field, decimals));
      const labels = names.map((name, index) => `${index === 0 ? '{' : ','}${JSON.stringify(name)}:`);
      const count = fields.length;
      return orNull((value) => {
        const struct = asObject(value, 'struct');
        let text = '';
        for (let index = 0; index < count; index++)
          text += (labels[index] as string) + (writers[index] as JsonWriter)(struct[names[index] as string]);
        return `${text}}`;
      });
    }
    default:
      return generic;
  }
}

/** JSON.stringify of a scalar, with the common types spelled out. */
function plainJson(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return JSON.stringify(value);
}

/** Whether an object with these keys, assigned in order, stringifies them in that order, all of them. */
function keepsFieldOrder(fields: readonly ConnectField[]): boolean {
  const seen = new Set<string>();
  for (const { field } of fields) {
    // Array-index keys come first in a JavaScript object; __proto__ is not an own key.
    if (seen.has(field) || field === '__proto__' || /^(?:0|[1-9]\d*)$/.test(field)) return false;
    seen.add(field);
  }
  return true;
}

function keyFromText(schema: ConnectSchema, key: string): ConnectValue {
  if (schema.type === 'boolean') return key === 'true';
  if (schema.type.startsWith('int') || schema.type.startsWith('float')) return Number(key);
  return key;
}

function asObject(value: ConnectValue, what: string): Record<string, ConnectValue> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    throw conversionError(`Expected a ${what}, got ${Array.isArray(value) ? 'an array' : typeof value}`);
  }
  return value;
}

/** Schemaless data (schemas.enable=false, or a null schema) as Connect writes it. */
export function schemalessToJson(value: ConnectValue): unknown {
  if (value === null || typeof value !== 'object')
    return typeof value === 'bigint' ? rawJson(value.toString()) : value;
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (Array.isArray(value)) return value.map(schemalessToJson);
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) result[key] = schemalessToJson(item);
  return result;
}

// ---------------------------------------------------------------------------------------------
// JSON -> Connect

const keepNumberText: Reviver = (_key, value, context) => {
  if (typeof value !== 'number' || context?.source === undefined) return value;
  const source = context.source;
  if (/^-?\d+$/.test(source)) return Number.isSafeInteger(value) ? value : BigInt(source);
  return String(value) === source ? value : new NumberText(source);
};

/**
 * Number tokens (a value after `:`, `,` or `[`) JSON.parse may not keep as written: 16+ digits and
 * dots, a fraction ending in 0, an exponent. Text without any parses the same without the reviver,
 * which is several times slower; a string that merely looks like one only costs the slow path.
 */
const INEXACT_NUMBER = /(?:^|[:,[])\s*-?(?:[\d.]{16}|\d+\.\d*0(?!\d)|\d+(?:\.\d+)?[eE])/;

/** JSON.parse that loses no digits: unsafe integers become bigint, other lossy numbers NumberText. */
export function parseJsonExact(text: string): unknown {
  if (!INEXACT_NUMBER.test(text)) return JSON.parse(text);
  return JSON.parse(text, keepNumberText as (this: unknown, key: string, value: unknown) => unknown);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof NumberText)
  );
}

export function jsonToConnectSchema(json: unknown): ConnectSchema {
  const type =
    isRecord(json) && typeof json.type === 'string' ? (FROM_JSON_TYPE_NAMES[json.type] ?? json.type) : '';
  if (!isRecord(json) || !CONNECT_TYPES.has(type as ConnectType)) {
    throw conversionError(`Invalid Connect JSON schema: ${JSON.stringify(json)?.slice(0, 200)}`);
  }
  const schema: ConnectSchema = { type: type as ConnectType };
  if (json.optional === true) schema.optional = true;
  if (typeof json.name === 'string') schema.name = json.name;
  if (typeof json.version === 'number') schema.version = json.version;
  if (typeof json.doc === 'string') schema.doc = json.doc;
  if (isRecord(json.parameters)) {
    schema.parameters = {};
    for (const [key, value] of Object.entries(json.parameters))
      if (typeof value === 'string') schema.parameters[key] = value;
  }
  if (schema.type === 'struct') {
    const fields = Array.isArray(json.fields) ? json.fields : [];
    schema.fields = fields.map((field): ConnectField => {
      const name = isRecord(field) && typeof field.field === 'string' ? field.field : '';
      return { field: name, ...jsonToConnectSchema(field) };
    });
  }
  if (schema.type === 'array') schema.items = jsonToConnectSchema(json.items);
  if (schema.type === 'map') {
    schema.keys = jsonToConnectSchema(json.keys);
    schema.values = jsonToConnectSchema(json.values);
  }
  if (json.default !== undefined && json.default !== null)
    schema.default = jsonToConnectValue(schema, json.default);
  return schema;
}

function numberOf(value: unknown, what: string): number {
  if (typeof value === 'number') return value;
  if (value instanceof NumberText) return Number(value.text);
  if (typeof value === 'bigint') return Number(value);
  throw conversionError(`Expected a number for ${what}, got ${typeof value}`);
}

export function jsonToConnectValue(schema: ConnectSchema, json: unknown): ConnectValue {
  if (json === null || json === undefined) {
    if (schema.default !== undefined && schema.default !== null) return schema.default;
    if (schema.optional) return null;
    throw conversionError(`Invalid null value for required ${schema.name ?? schema.type} field`);
  }
  if (isDecimal(schema)) {
    const scale = decimalScale(schema);
    if (typeof json === 'string') return bytesToDecimal(Buffer.from(json, 'base64'), scale);
    const text = json instanceof NumberText ? json.text : String(json);
    return formatDecimal(unscaledValue(text, scale), scale);
  }
  switch (schema.type) {
    case 'int8':
    case 'int16':
    case 'int32':
    case 'float32':
    case 'float64':
      return numberOf(json, schema.type);
    case 'int64':
      if (typeof json === 'bigint') return json;
      if (json instanceof NumberText) return BigInt(json.text);
      return numberOf(json, schema.type);
    case 'boolean':
      if (typeof json !== 'boolean') throw conversionError(`Expected a boolean, got ${typeof json}`);
      return json;
    case 'string':
      if (typeof json !== 'string') throw conversionError(`Expected a string, got ${typeof json}`);
      return json;
    case 'bytes':
      if (typeof json !== 'string') throw conversionError(`Expected base64 bytes, got ${typeof json}`);
      return Buffer.from(json, 'base64');
    case 'array': {
      if (!Array.isArray(json)) throw conversionError(`Expected an array, got ${typeof json}`);
      const items = schema.items ?? { type: 'string' };
      return json.map((item) => jsonToConnectValue(items, item));
    }
    case 'map': {
      const values = schema.values ?? { type: 'string' };
      const result: Record<string, ConnectValue> = {};
      if (Array.isArray(json)) {
        for (const pair of json) {
          if (!Array.isArray(pair) || pair.length !== 2)
            throw conversionError('Expected [key, value] pairs for a map');
          result[String(pair[0] instanceof NumberText ? pair[0].text : pair[0])] = jsonToConnectValue(
            values,
            pair[1],
          );
        }
        return result;
      }
      if (!isRecord(json)) throw conversionError(`Expected a map, got ${typeof json}`);
      for (const [key, item] of Object.entries(json)) result[key] = jsonToConnectValue(values, item);
      return result;
    }
    case 'struct': {
      if (!isRecord(json)) throw conversionError(`Expected a struct object, got ${typeof json}`);
      const result: Record<string, ConnectValue> = {};
      for (const field of schema.fields ?? [])
        result[field.field] = jsonToConnectValue(field, json[field.field]);
      return result;
    }
  }
}

/** Schemaless JSON (no schema to go by): numbers as numbers, big integers as bigint. */
export function jsonToSchemaless(json: unknown): ConnectValue {
  if (json instanceof NumberText) return Number(json.text);
  if (json === null || typeof json !== 'object') return json as ConnectValue;
  if (Array.isArray(json)) return json.map(jsonToSchemaless);
  const result: Record<string, ConnectValue> = {};
  for (const [key, item] of Object.entries(json)) result[key] = jsonToSchemaless(item);
  return result;
}
