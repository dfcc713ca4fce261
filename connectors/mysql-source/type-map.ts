import type { ConnectSchema, ConnectStruct, ConnectValue } from '../../src/plugin/index.ts';
import { GEOMETRY_SCHEMA, geometryValue, isSpatial, POINT_SCHEMA, pointValue } from './geometry.ts';
import { parseDateDays, parseDateTimeMicros, parseTimeMicros, zonedTimestamp } from './mysql-time.ts';

// MySQL/MariaDB column types to Kafka Connect schemas and their values, following Debezium's
// MySqlValueConverters defaults so the schemas we register are the ones Debezium would. Values come
// from mysql2 (snapshot) and zongji (binlog) with the same options (connection.ts): integers as
// numbers, BIGINT and DECIMAL as exact text where needed, temporal values as the server's text in
// UTC, BIT and binary columns as Buffers. Both paths go through the same mapping.

export type DecimalMode = 'precise' | 'double' | 'string';
export type TimePrecisionMode = 'adaptive_time_microseconds' | 'connect';
export type BigintUnsignedMode = 'long' | 'precise';
export type BinaryMode = 'bytes' | 'base64' | 'base64-url-safe' | 'hex';

export interface TypeMapOptions {
  decimalMode: DecimalMode;
  timePrecisionMode: TimePrecisionMode;
  bigintUnsignedMode: BigintUnsignedMode;
  binaryMode: BinaryMode;
}

export const DEFAULT_TYPE_MAP_OPTIONS: TypeMapOptions = {
  decimalMode: 'precise',
  timePrecisionMode: 'adaptive_time_microseconds',
  bigintUnsignedMode: 'long',
  binaryMode: 'bytes',
};

/** A column as information_schema.COLUMNS describes it (names lower-cased). */
export interface ColumnType {
  /** DATA_TYPE, e.g. `bigint`, `varchar`, `datetime`. */
  dataType: string;
  /** COLUMN_TYPE, e.g. `bigint(20) unsigned`, `enum('a','b')`, `decimal(10,2)`. */
  columnType: string;
  numericPrecision?: number | null;
  numericScale?: number | null;
  datetimePrecision?: number | null;
  /** MariaDB's JSON is LONGTEXT with a json_valid() check; true marks such a column. */
  json?: boolean;
}

export interface ValueMapping {
  /** The value's schema; the caller decides `optional` for a column. */
  schema: ConnectSchema;
  /** Turns a non-null driver value into the Connect value (null for MySQL's zero dates). */
  convert(value: unknown): ConnectValue;
}

const DECIMAL = 'org.apache.kafka.connect.data.Decimal';

const semantic = (
  type: ConnectSchema['type'],
  name: string,
  parameters?: Record<string, string>,
): ConnectSchema => ({ type, name, version: 1, ...(parameters && { parameters }) });

const asString = (value: unknown): string =>
  Buffer.isBuffer(value) ? value.toString('utf8') : typeof value === 'string' ? value : String(value);

const asNumber = (value: unknown): number => (typeof value === 'number' ? value : Number(asString(value)));

/** int64 as a number while exact, otherwise bigint (ConnectValue allows both). */
function asInt64(value: unknown): number | bigint {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return value;
  const text = asString(value);
  const number = Number(text);
  return Number.isSafeInteger(number) ? number : BigInt(text);
}

/** BIGINT UNSIGNED in long mode: like Debezium, values above 2^63-1 wrap to negative. */
function unsignedToSignedInt64(value: unknown): number | bigint {
  const exact = BigInt(asString(value));
  const wrapped = exact >= 2n ** 63n ? exact - 2n ** 64n : exact;
  return Number.isSafeInteger(Number(wrapped)) ? Number(wrapped) : wrapped;
}

/** BIT(n>1): Debezium's Bits are the value's bytes little-endian, ceil(n/8) of them. */
export function bitsLittleEndian(value: unknown, bits: number): Buffer {
  const length = Math.ceil(bits / 8);
  const source = Buffer.isBuffer(value) ? value : Buffer.from(asString(value), 'latin1');
  const result = Buffer.alloc(length);
  // The driver gives big-endian bytes, possibly fewer or more than needed.
  for (let index = 0; index < length && index < source.length; index += 1) {
    result[index] = source[source.length - 1 - index] as number;
  }
  return result;
}

function bitIsSet(value: unknown): boolean {
  if (Buffer.isBuffer(value)) return value.some((byte) => byte !== 0);
  return asNumber(value) !== 0;
}

function binaryMapping(mode: BinaryMode): ValueMapping {
  const bytes = (value: unknown): Buffer => (Buffer.isBuffer(value) ? value : Buffer.from(asString(value)));
  switch (mode) {
    case 'base64':
      return { schema: { type: 'string' }, convert: (value) => bytes(value).toString('base64') };
    case 'base64-url-safe':
      return { schema: { type: 'string' }, convert: (value) => bytes(value).toString('base64url') };
    case 'hex':
      return { schema: { type: 'string' }, convert: (value) => bytes(value).toString('hex') };
    default:
      return { schema: { type: 'bytes' }, convert: bytes };
  }
}

/** Normalises a decimal's text: no leading '+', at least one digit before the point. */
function decimalText(value: unknown): string {
  const text = asString(value).trim();
  return text.replace(/^\+/, '').replace(/^(-?)\./, '$10.');
}

function decimalMapping(precision: number, scale: number, options: TypeMapOptions): ValueMapping {
  if (options.decimalMode === 'double') return { schema: { type: 'float64' }, convert: asNumber };
  if (options.decimalMode === 'string') return { schema: { type: 'string' }, convert: decimalText };
  return {
    schema: semantic('bytes', DECIMAL, {
      scale: String(scale),
      'connect.decimal.precision': String(precision),
    }),
    convert: decimalText,
  };
}

/** Values of ENUM('a','b') or SET(...) from COLUMN_TYPE, unquoted. */
export function enumValues(columnType: string): string[] {
  const body = /^(?:enum|set)\((.*)\)$/is.exec(columnType.trim())?.[1] ?? '';
  const values: string[] = [];
  const pattern = /'((?:[^']|'')*)'/g;
  for (let match = pattern.exec(body); match !== null; match = pattern.exec(body)) {
    values.push((match[1] ?? '').replaceAll("''", "'").replaceAll('\\\\', '\\'));
  }
  return values;
}

/** Length in bits of BIT(n) from COLUMN_TYPE (BIT alone is BIT(1)). */
function bitLength(column: ColumnType): number {
  const match = /^bit\((\d+)\)/.exec(column.columnType);
  return match ? Number(match[1]) : (column.numericPrecision ?? 1);
}

function fractionalDigits(column: ColumnType): number {
  if (column.datetimePrecision !== undefined && column.datetimePrecision !== null)
    return column.datetimePrecision;
  const match = /\((\d+)\)/.exec(column.columnType);
  return match ? Number(match[1]) : 0;
}

function temporalMapping(column: ColumnType, options: TypeMapOptions): ValueMapping {
  const connect = options.timePrecisionMode === 'connect';
  const digits = fractionalDigits(column);
  switch (column.dataType) {
    case 'date':
      return {
        schema: semantic('int32', connect ? 'org.apache.kafka.connect.data.Date' : 'io.debezium.time.Date'),
        convert: (value) => parseDateDays(asString(value)),
      };
    case 'time':
      if (connect) {
        return {
          schema: semantic('int32', 'org.apache.kafka.connect.data.Time'),
          convert: (value) => Math.floor(parseTimeMicros(asString(value)) / 1000),
        };
      }
      return {
        schema: semantic('int64', 'io.debezium.time.MicroTime'),
        convert: (value) => parseTimeMicros(asString(value)),
      };
    case 'datetime': {
      const millis = (value: unknown) => {
        const micros = parseDateTimeMicros(asString(value));
        return micros === null ? null : Math.floor(micros / 1000);
      };
      if (connect)
        return { schema: semantic('int64', 'org.apache.kafka.connect.data.Timestamp'), convert: millis };
      if (digits <= 3) return { schema: semantic('int64', 'io.debezium.time.Timestamp'), convert: millis };
      return {
        schema: semantic('int64', 'io.debezium.time.MicroTimestamp'),
        convert: (value) => parseDateTimeMicros(asString(value)),
      };
    }
    case 'timestamp':
      return {
        schema: semantic('string', 'io.debezium.time.ZonedTimestamp'),
        convert: (value) => zonedTimestamp(asString(value), digits),
      };
    default:
      return {
        schema: semantic('int32', 'io.debezium.time.Year'),
        convert: (value) => asNumber(value),
      };
  }
}

/**
 * How a column is represented, or undefined when its type has no mapping: such columns are left
 * out of events, as Debezium does with types it cannot convert.
 */
export function mapColumnType(column: ColumnType, options: TypeMapOptions): ValueMapping | undefined {
  if (isSpatial(column.dataType)) {
    return column.dataType === 'point'
      ? { schema: POINT_SCHEMA, convert: pointValue }
      : { schema: GEOMETRY_SCHEMA, convert: geometryValue };
  }
  const unsigned = /\bunsigned\b/.test(column.columnType);
  switch (column.dataType) {
    case 'tinyint':
      return { schema: { type: 'int16' }, convert: asNumber };
    case 'smallint':
      return { schema: { type: unsigned ? 'int32' : 'int16' }, convert: asNumber };
    case 'mediumint':
      return { schema: { type: 'int32' }, convert: asNumber };
    case 'int':
    case 'integer':
      return unsigned
        ? { schema: { type: 'int64' }, convert: asInt64 }
        : { schema: { type: 'int32' }, convert: asNumber };
    case 'bigint':
      if (!unsigned) return { schema: { type: 'int64' }, convert: asInt64 };
      if (options.bigintUnsignedMode === 'precise') {
        return {
          schema: semantic('bytes', DECIMAL, { scale: '0', 'connect.decimal.precision': '20' }),
          convert: decimalText,
        };
      }
      return { schema: { type: 'int64' }, convert: unsignedToSignedInt64 };
    case 'decimal':
    case 'numeric':
      return decimalMapping(column.numericPrecision ?? 10, column.numericScale ?? 0, options);
    case 'float':
      // FLOAT(M,D) is stored as a double; plain FLOAT and FLOAT(p<=23) as a single.
      return {
        schema: { type: /^float\(\d+,\d+\)/.test(column.columnType) ? 'float64' : 'float32' },
        convert: asNumber,
      };
    case 'double':
    case 'real':
      return { schema: { type: 'float64' }, convert: asNumber };
    case 'bit': {
      const bits = bitLength(column);
      if (bits === 1) return { schema: { type: 'boolean' }, convert: bitIsSet };
      return {
        schema: semantic('bytes', 'io.debezium.data.Bits', { length: String(bits) }),
        convert: (value) => bitsLittleEndian(value, bits),
      };
    }
    case 'bool':
    case 'boolean':
      return { schema: { type: 'boolean' }, convert: (value) => asNumber(value) !== 0 };
    case 'char':
    case 'varchar':
    case 'tinytext':
    case 'text':
    case 'mediumtext':
    case 'longtext':
      if (column.json) return { schema: semantic('string', 'io.debezium.data.Json'), convert: asString };
      return { schema: { type: 'string' }, convert: asString };
    case 'json':
      return {
        schema: semantic('string', 'io.debezium.data.Json'),
        convert: (value) =>
          typeof value === 'string' || Buffer.isBuffer(value) ? asString(value) : JSON.stringify(value),
      };
    case 'binary':
    case 'varbinary':
    case 'tinyblob':
    case 'blob':
    case 'mediumblob':
    case 'longblob':
      return binaryMapping(options.binaryMode);
    case 'enum':
      return {
        schema: semantic('string', 'io.debezium.data.Enum', {
          allowed: enumValues(column.columnType).join(','),
        }),
        convert: asString,
      };
    case 'set':
      return {
        schema: semantic('string', 'io.debezium.data.EnumSet', {
          allowed: enumValues(column.columnType).join(','),
        }),
        convert: asString,
      };
    case 'date':
    case 'time':
    case 'datetime':
    case 'timestamp':
    case 'year':
      return temporalMapping(column, options);
    case 'uuid':
    case 'inet4':
    case 'inet6':
      return { schema: { type: 'string' }, convert: asString };
    default:
      return undefined;
  }
}

/** Debezium's rule for a required column without a value: its type's zero value. */
export function fallbackValue(schema: ConnectSchema): ConnectValue {
  switch (schema.type) {
    case 'boolean':
      return false;
    case 'string':
      return schema.name === 'io.debezium.time.ZonedTimestamp' ? '1970-01-01T00:00:00Z' : '';
    case 'bytes':
      return schema.name === DECIMAL ? '0' : Buffer.alloc(0);
    case 'struct':
      return {} as ConnectStruct;
    case 'array':
      return [];
    default:
      return 0;
  }
}
