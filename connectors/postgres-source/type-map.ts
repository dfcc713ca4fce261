import type { ConnectSchema, ConnectStruct, ConnectValue } from '../../src/plugin/index.ts';
import { parseArrayLiteral, parseHstore } from './pg-text.ts';
import {
  floorDiv,
  intervalIsoString,
  parseDate,
  parseIntervalMicros,
  parseTime,
  parseTimestamp,
  parseTimeTzToIso,
  zonedTimestampText,
} from './pg-time.ts';
import type { PgType, TypeLookup } from './type-catalog.ts';

// PostgreSQL column types to Kafka Connect schemas and their values, following Debezium's
// PostgresValueConverter defaults so the schemas we register are the ones Debezium would. Values
// arrive as PostgreSQL text (pgoutput and COPY both use the types' output functions, in the session
// format connection.ts fixes) and are parsed here, exactly: no doubles for decimals, no JS Date.

export type DecimalMode = 'precise' | 'double' | 'string';
export type TimePrecisionMode = 'adaptive' | 'adaptive_time_microseconds' | 'connect';
export type BinaryMode = 'bytes' | 'base64' | 'base64-url-safe' | 'hex';
export type IntervalMode = 'numeric' | 'string';
export type HstoreMode = 'json' | 'map';

export interface TypeMapOptions {
  decimalMode: DecimalMode;
  timePrecisionMode: TimePrecisionMode;
  binaryMode: BinaryMode;
  moneyFractionDigits: number;
  includeUnknownDatatypes: boolean;
  /** interval.handling.mode; numeric when absent. */
  intervalMode?: IntervalMode;
  /** hstore.handling.mode; json when absent. */
  hstoreMode?: HstoreMode;
}

export interface ValueMapping {
  /** The value's schema; the caller decides `optional` for a column. */
  schema: ConnectSchema;
  parse(text: string): ConnectValue;
}

export const DEFAULT_TYPE_MAP_OPTIONS: TypeMapOptions = {
  decimalMode: 'precise',
  timePrecisionMode: 'adaptive',
  binaryMode: 'bytes',
  moneyFractionDigits: 2,
  includeUnknownDatatypes: false,
};

const DECIMAL = 'org.apache.kafka.connect.data.Decimal';
const VARIABLE_SCALE_DECIMAL = 'io.debezium.data.VariableScaleDecimal';
const ZONED_TIMESTAMP = 'io.debezium.time.ZonedTimestamp';
const INTERVAL = 'io.debezium.time.Interval';

const semantic = (
  type: ConnectSchema['type'],
  name: string,
  parameters?: Record<string, string>,
): ConnectSchema => ({
  type,
  name,
  version: 1,
  ...(parameters && { parameters }),
});

const text = (value: string): ConnectValue => value;

/** int64 as a number while exact, otherwise bigint (ConnectValue allows both). */
export function int64FromText(value: string): number | bigint {
  const number = Number(value);
  return Number.isSafeInteger(number) ? number : BigInt(value);
}

/** Minimal big-endian two's-complement bytes, like java.math.BigInteger#toByteArray. */
export function bigintToBytes(value: bigint): Buffer {
  let length = 1;
  while (value >= 1n << BigInt(8 * length - 1) || value < -(1n << BigInt(8 * length - 1))) length += 1;
  const bytes = Buffer.alloc(length);
  let rest = value < 0n ? (1n << BigInt(8 * length)) + value : value;
  for (let index = length - 1; index >= 0; index -= 1) {
    bytes[index] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return bytes;
}

/** A decimal string rescaled to `scale` digits, rounding half up (money in precise mode). */
export function rescaleDecimal(value: string, scale: number): string {
  const negative = value.startsWith('-');
  const [whole = '0', fraction = ''] = (negative ? value.slice(1) : value).split('.');
  let digits = BigInt((whole || '0') + fraction.padEnd(scale, '0').slice(0, scale));
  if (fraction.length > scale && Number(fraction[scale]) >= 5) digits += 1n;
  const padded = digits.toString().padStart(scale + 1, '0');
  const result = scale > 0 ? `${padded.slice(0, -scale)}.${padded.slice(-scale)}` : padded;
  return negative && digits !== 0n ? `-${result}` : result;
}

/** Debezium's VariableScaleDecimal: {scale, value} with trailing fraction zeros stripped. */
export function variableScaleDecimal(value: string): ConnectStruct | null {
  if (!/^-?\d+(\.\d+)?$/.test(value)) return null; // NaN, Infinity
  const negative = value.startsWith('-');
  const [whole = '0', rawFraction = ''] = (negative ? value.slice(1) : value).split('.');
  const fraction = rawFraction.replace(/0+$/, '');
  const unscaled = BigInt(whole + fraction) * (negative ? -1n : 1n);
  return { scale: fraction.length, value: bigintToBytes(unscaled) };
}

/** Scale of a numeric typmod ((precision << 16) | scale) + 4; scales may be negative since PG 15. */
function numericPrecisionScale(typeMod: number): { precision: number; scale: number } | undefined {
  if (typeMod < 4) return undefined;
  const packed = typeMod - 4;
  return { precision: (packed >> 16) & 0xffff, scale: ((packed & 0x7ff) ^ 1024) - 1024 };
}

/** Fractional-second precision of a time/timestamp typmod; 6 when unspecified. */
function timePrecision(typeMod: number): number {
  return typeMod < 0 ? 6 : typeMod;
}

function decimalMapping(typeMod: number, options: TypeMapOptions): ValueMapping {
  const constraint = numericPrecisionScale(typeMod);
  if (options.decimalMode === 'double') return { schema: { type: 'float64' }, parse: Number };
  if (options.decimalMode === 'string') return { schema: { type: 'string' }, parse: text };
  if (constraint === undefined) {
    return {
      schema: {
        type: 'struct',
        name: VARIABLE_SCALE_DECIMAL,
        version: 1,
        doc: 'Variable scaled decimal',
        fields: [
          { field: 'scale', type: 'int32', optional: false },
          { field: 'value', type: 'bytes', optional: false },
        ],
      },
      parse: variableScaleDecimal,
    };
  }
  return {
    schema: semantic('bytes', DECIMAL, {
      scale: String(constraint.scale),
      'connect.decimal.precision': String(constraint.precision),
    }),
    // NaN and infinities have no Connect decimal; Debezium emits null for them in precise mode.
    parse: (value) => (/^-?\d/.test(value) ? value : null),
  };
}

function moneyText(value: string): string {
  const negative = value.includes('-') || value.startsWith('(');
  const digits = value.replace(/[^0-9.]/g, '');
  return negative ? `-${digits}` : digits;
}

function moneyMapping(options: TypeMapOptions): ValueMapping {
  const scale = options.moneyFractionDigits;
  if (options.decimalMode === 'double')
    return { schema: { type: 'float64' }, parse: (value) => Number(moneyText(value)) };
  if (options.decimalMode === 'string') return { schema: { type: 'string' }, parse: moneyText };
  return {
    schema: semantic('bytes', DECIMAL, { scale: String(scale) }),
    parse: (value) => rescaleDecimal(moneyText(value), scale),
  };
}

function binaryMapping(mode: BinaryMode, fromText: (value: string) => Buffer): ValueMapping {
  switch (mode) {
    case 'base64':
      return { schema: { type: 'string' }, parse: (value) => fromText(value).toString('base64') };
    case 'base64-url-safe':
      return { schema: { type: 'string' }, parse: (value) => fromText(value).toString('base64url') };
    case 'hex':
      return { schema: { type: 'string' }, parse: (value) => fromText(value).toString('hex') };
    default:
      return { schema: { type: 'bytes' }, parse: fromText };
  }
}

const byteaFromText = (value: string): Buffer =>
  value.startsWith('\\x') ? Buffer.from(value.slice(2), 'hex') : Buffer.from(value, 'latin1');

/** BIT(n>1)/VARBIT: Debezium's Bits, the little-endian bytes of the bit string's value. */
function bitsFromText(value: string): Buffer {
  let number = value === '' ? 0n : BigInt(`0b${value}`);
  const bytes: number[] = [];
  while (number > 0n) {
    bytes.push(Number(number & 0xffn));
    number >>= 8n;
  }
  return Buffer.from(bytes);
}

function pointFromText(value: string): ConnectStruct {
  const match = /^\(\s*([^,]+)\s*,\s*([^)]+)\s*\)$/.exec(value);
  if (!match) throw new Error(`"${value}" is not a point`);
  const x = Number(match[1]);
  const y = Number(match[2]);
  const wkb = Buffer.alloc(21);
  wkb.writeUInt8(1, 0); // little endian
  wkb.writeUInt32LE(1, 1); // WKB point
  wkb.writeDoubleLE(x, 5);
  wkb.writeDoubleLE(y, 13);
  return { x, y, wkb, srid: null };
}

function dateMapping(options: TypeMapOptions): ValueMapping {
  const name =
    options.timePrecisionMode === 'connect' ? 'org.apache.kafka.connect.data.Date' : 'io.debezium.time.Date';
  return { schema: semantic('int32', name), parse: parseDate };
}

function timeMapping(typeMod: number, options: TypeMapOptions): ValueMapping {
  const precision = timePrecision(typeMod);
  if (options.timePrecisionMode === 'connect') {
    return {
      schema: semantic('int32', 'org.apache.kafka.connect.data.Time'),
      parse: (value) => Math.floor(parseTime(value) / 1000),
    };
  }
  if (options.timePrecisionMode === 'adaptive' && precision <= 3) {
    return {
      schema: semantic('int32', 'io.debezium.time.Time'),
      parse: (value) => Math.floor(parseTime(value) / 1000),
    };
  }
  return { schema: semantic('int64', 'io.debezium.time.MicroTime'), parse: parseTime };
}

function timestampMapping(typeMod: number, options: TypeMapOptions): ValueMapping {
  const precision = timePrecision(typeMod);
  const millis = (value: string) => floorDiv(parseTimestamp(value), 1000);
  if (options.timePrecisionMode === 'connect') {
    return { schema: semantic('int64', 'org.apache.kafka.connect.data.Timestamp'), parse: millis };
  }
  if (precision <= 3) return { schema: semantic('int64', 'io.debezium.time.Timestamp'), parse: millis };
  return { schema: semantic('int64', 'io.debezium.time.MicroTimestamp'), parse: parseTimestamp };
}

function zonedTimestampMapping(typeMod: number): ValueMapping {
  // Debezium writes exactly the column's fractional precision (6 when unspecified); 0 means shortest.
  const digits = typeMod < 0 ? 6 : typeMod;
  return {
    schema: semantic('string', ZONED_TIMESTAMP),
    parse: (value) =>
      value === 'infinity' || value === '-infinity' ? value : zonedTimestampText(value, digits),
  };
}

/** Types of extensions, found by name since their OIDs differ per database. */
function extensionMapping(type: PgType, options: TypeMapOptions): ValueMapping | undefined {
  switch (type.name) {
    case 'citext':
    case 'isbn':
    case 'isbn13':
    case 'ismn':
    case 'issn':
    case 'ean13':
    case 'upc':
      return { schema: { type: 'string' }, parse: text };
    case 'ltree':
      return { schema: semantic('string', 'io.debezium.data.Ltree'), parse: text };
    case 'hstore':
      if (options.hstoreMode === 'map') {
        // Debezium's map mode: keys are required strings, values optional ones (hstore has NULLs).
        return {
          schema: {
            type: 'map',
            keys: { type: 'string', optional: false },
            values: { type: 'string', optional: true },
          },
          parse: (value) => Object.fromEntries(parseHstore(value)),
        };
      }
      return {
        schema: semantic('string', 'io.debezium.data.Json'),
        parse: (value) => JSON.stringify(Object.fromEntries(parseHstore(value))),
      };
    default:
      return options.includeUnknownDatatypes
        ? binaryMapping(options.binaryMode, (value) => Buffer.from(value))
        : undefined;
  }
}

function builtinMapping(type: PgType, typeMod: number, options: TypeMapOptions): ValueMapping | undefined {
  switch (type.name) {
    case 'bool':
      return { schema: { type: 'boolean' }, parse: (value) => value === 't' };
    case 'int2':
      return { schema: { type: 'int16' }, parse: Number };
    case 'int4':
      return { schema: { type: 'int32' }, parse: Number };
    case 'int8':
    case 'oid':
      return { schema: { type: 'int64' }, parse: int64FromText };
    case 'float4':
      return { schema: { type: 'float32' }, parse: Number };
    case 'float8':
      return { schema: { type: 'float64' }, parse: Number };
    case 'numeric':
      return decimalMapping(typeMod, options);
    case 'money':
      return moneyMapping(options);
    case 'text':
    case 'varchar':
    case 'bpchar':
    case 'char':
    case 'name':
    case 'inet':
    case 'cidr':
    case 'macaddr':
    case 'macaddr8':
    case 'pg_lsn':
    case 'tsquery':
      return { schema: { type: 'string' }, parse: text };
    case 'bytea':
      return binaryMapping(options.binaryMode, byteaFromText);
    case 'uuid':
      return { schema: semantic('string', 'io.debezium.data.Uuid'), parse: text };
    case 'json':
    case 'jsonb':
      return { schema: semantic('string', 'io.debezium.data.Json'), parse: text };
    case 'xml':
      return { schema: semantic('string', 'io.debezium.data.Xml'), parse: text };
    case 'tsvector':
      return { schema: semantic('string', 'io.debezium.data.TsVector'), parse: text };
    case 'date':
      return dateMapping(options);
    case 'time':
      return timeMapping(typeMod, options);
    case 'timetz':
      return { schema: semantic('string', 'io.debezium.time.ZonedTime'), parse: parseTimeTzToIso };
    case 'timestamp':
      return timestampMapping(typeMod, options);
    case 'timestamptz':
      return zonedTimestampMapping(typeMod);
    case 'interval':
      if (options.intervalMode === 'string')
        return { schema: semantic('string', INTERVAL), parse: intervalIsoString };
      return { schema: semantic('int64', 'io.debezium.time.MicroDuration'), parse: parseIntervalMicros };
    case 'bit':
    case 'varbit':
      if (typeMod === 1) return { schema: { type: 'boolean' }, parse: (value) => value === '1' };
      return {
        schema: semantic('bytes', 'io.debezium.data.Bits', { length: String(Math.max(typeMod, 0)) }),
        parse: bitsFromText,
      };
    case 'point':
      return {
        schema: {
          type: 'struct',
          name: 'io.debezium.data.geometry.Point',
          version: 1,
          doc: 'Geometry (POINT)',
          fields: [
            { field: 'x', type: 'float64', optional: false },
            { field: 'y', type: 'float64', optional: false },
            { field: 'wkb', type: 'bytes', optional: true },
            { field: 'srid', type: 'int32', optional: true },
          ],
        },
        parse: pointFromText,
      };
    default:
      return undefined;
  }
}

/**
 * How a column of type `typeOid` (with modifier `typeMod`) is represented, or undefined when the
 * type has no mapping and include.unknown.datatypes is off (Debezium leaves such columns out).
 */
export function mapType(
  lookup: TypeLookup,
  typeOid: number,
  typeMod: number,
  options: TypeMapOptions,
): ValueMapping | undefined {
  const type = lookup(typeOid);
  if (type === undefined) {
    return options.includeUnknownDatatypes
      ? binaryMapping(options.binaryMode, (value) => Buffer.from(value))
      : undefined;
  }
  switch (type.kind) {
    case 'domain':
      return mapType(lookup, type.baseOid, typeMod >= 0 ? typeMod : type.baseTypeMod, options);
    case 'enum':
      return {
        schema: semantic('string', 'io.debezium.data.Enum', { allowed: type.labels.join(',') }),
        parse: text,
      };
    case 'range':
    case 'multirange':
      return { schema: { type: 'string' }, parse: text };
    default:
      break;
  }
  if (type.category === 'A' && type.elementOid > 0) return arrayMapping(lookup, type, typeMod, options);
  const mapping = type.schema === 'pg_catalog' ? builtinMapping(type, typeMod, options) : undefined;
  return mapping ?? extensionMapping(type, options);
}

function arrayMapping(
  lookup: TypeLookup,
  type: PgType,
  typeMod: number,
  options: TypeMapOptions,
): ValueMapping | undefined {
  const element = mapType(lookup, type.elementOid, typeMod, options);
  if (element === undefined) return undefined;
  // Debezium's enum arrays have required elements; every other element type is optional.
  const elementType = lookup(type.elementOid);
  const items: ConnectSchema = { ...element.schema, optional: elementType?.kind !== 'enum' };
  const delimiter = type.delimiter || ',';
  return {
    schema: { type: 'array', items },
    parse: (value) =>
      parseArrayLiteral(value, delimiter).map((item) => (item === null ? null : element.parse(item))),
  };
}

/**
 * Debezium's stand-in for a required field that has no value (e.g. a NOT NULL column missing from
 * an old-key tuple): the type's zero value.
 */
export function fallbackValue(schema: ConnectSchema): ConnectValue {
  if (schema.name === DECIMAL) return rescaleDecimal('0', Number(schema.parameters?.scale ?? 0));
  if (schema.name === ZONED_TIMESTAMP) return '1970-01-01T00:00:00Z';
  if (schema.name === INTERVAL) return 'P0Y0M0DT0H0M0S';
  if (schema.name === VARIABLE_SCALE_DECIMAL) return { scale: 0, value: Buffer.from([0]) };
  switch (schema.type) {
    case 'boolean':
      return false;
    case 'string':
      return '';
    case 'bytes':
      return Buffer.alloc(0);
    case 'array':
      return [];
    case 'map':
      return {};
    case 'struct':
      return Object.fromEntries(
        (schema.fields ?? []).map((field) => [field.field, field.optional ? null : fallbackValue(field)]),
      );
    default:
      return 0;
  }
}

/**
 * What stands for an unchanged TOASTed value PostgreSQL did not send: the placeholder as text, as
 * bytes, or as a one-element array, as Debezium does; null where the type cannot carry it.
 */
export function unavailableValue(schema: ConnectSchema, placeholder: string): ConnectValue {
  if (schema.type === 'string') return placeholder;
  if (schema.type === 'bytes' && schema.name === undefined) return Buffer.from(placeholder);
  if (schema.type === 'array' && schema.items) {
    const item = unavailableValue(schema.items, placeholder);
    return item === null ? null : [item];
  }
  return null;
}
