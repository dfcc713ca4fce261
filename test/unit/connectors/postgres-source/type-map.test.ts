import { describe, expect, it } from 'vitest';
import type { PgType } from '../../../../connectors/postgres-source/type-catalog.ts';
import {
  bigintToBytes,
  DEFAULT_TYPE_MAP_OPTIONS,
  fallbackValue,
  mapType,
  rescaleDecimal,
  type TypeMapOptions,
  unavailableValue,
  variableScaleDecimal,
} from '../../../../connectors/postgres-source/type-map.ts';

// Golden expectations: what Debezium's PostgresValueConverter emits for each type, by mode.

const builtin = (oid: number, name: string, extra: Partial<PgType> = {}): PgType => ({
  oid,
  name,
  schema: 'pg_catalog',
  kind: 'base',
  category: 'U',
  elementOid: 0,
  baseOid: 0,
  baseTypeMod: -1,
  delimiter: ',',
  labels: [],
  ...extra,
});

const TYPES: PgType[] = [
  builtin(16, 'bool'),
  builtin(17, 'bytea'),
  builtin(20, 'int8'),
  builtin(21, 'int2'),
  builtin(23, 'int4'),
  builtin(25, 'text'),
  builtin(26, 'oid'),
  builtin(114, 'json'),
  builtin(142, 'xml'),
  builtin(600, 'point'),
  builtin(700, 'float4'),
  builtin(701, 'float8'),
  builtin(790, 'money'),
  builtin(869, 'inet'),
  builtin(1042, 'bpchar'),
  builtin(1043, 'varchar'),
  builtin(1082, 'date'),
  builtin(1083, 'time'),
  builtin(1114, 'timestamp'),
  builtin(1184, 'timestamptz'),
  builtin(1186, 'interval'),
  builtin(1266, 'timetz'),
  builtin(1560, 'bit'),
  builtin(1562, 'varbit'),
  builtin(1700, 'numeric'),
  builtin(2950, 'uuid'),
  builtin(3802, 'jsonb'),
  builtin(3904, 'int4range', { kind: 'range' }),
  builtin(1007, '_int4', { category: 'A', elementOid: 23 }),
  builtin(1009, '_text', { category: 'A', elementOid: 25 }),
  builtin(1231, '_numeric', { category: 'A', elementOid: 1700 }),
  { ...builtin(50001, 'mood', { kind: 'enum', labels: ['sad', 'ok', 'happy'] }), schema: 'public' },
  { ...builtin(50002, '_mood', { category: 'A', elementOid: 50001 }), schema: 'public' },
  {
    ...builtin(50003, 'price', { kind: 'domain', baseOid: 1700, baseTypeMod: (10 << 16) + 2 + 4 }),
    schema: 'public',
  },
  { ...builtin(50004, 'citext'), schema: 'public' },
  { ...builtin(50005, 'hstore'), schema: 'public' },
  { ...builtin(50006, 'mystery'), schema: 'public' },
  builtin(50007, 'tsvector'),
];
const byOid = new Map(TYPES.map((type) => [type.oid, type]));
const lookup = (oid: number) => byOid.get(oid);

const NUMERIC_10_2 = (10 << 16) + 2 + 4;

function map(oid: number, typeMod = -1, options: Partial<TypeMapOptions> = {}) {
  const mapping = mapType(lookup, oid, typeMod, { ...DEFAULT_TYPE_MAP_OPTIONS, ...options });
  if (!mapping) throw new Error(`no mapping for ${oid}`);
  return mapping;
}

function convert(oid: number, text: string, typeMod = -1, options: Partial<TypeMapOptions> = {}) {
  return map(oid, typeMod, options).parse(text);
}

describe('type mapping, defaults (precise decimals, adaptive time)', () => {
  it.each([
    [16, -1, { type: 'boolean' }],
    [21, -1, { type: 'int16' }],
    [23, -1, { type: 'int32' }],
    [20, -1, { type: 'int64' }],
    [26, -1, { type: 'int64' }],
    [700, -1, { type: 'float32' }],
    [701, -1, { type: 'float64' }],
    [25, -1, { type: 'string' }],
    [1043, 104, { type: 'string' }],
    [1042, 14, { type: 'string' }],
    [869, -1, { type: 'string' }],
    [3904, -1, { type: 'string' }],
    [17, -1, { type: 'bytes' }],
    [2950, -1, { type: 'string', name: 'io.debezium.data.Uuid', version: 1 }],
    [114, -1, { type: 'string', name: 'io.debezium.data.Json', version: 1 }],
    [3802, -1, { type: 'string', name: 'io.debezium.data.Json', version: 1 }],
    [142, -1, { type: 'string', name: 'io.debezium.data.Xml', version: 1 }],
    [1082, -1, { type: 'int32', name: 'io.debezium.time.Date', version: 1 }],
    [1083, -1, { type: 'int64', name: 'io.debezium.time.MicroTime', version: 1 }],
    [1083, 3, { type: 'int32', name: 'io.debezium.time.Time', version: 1 }],
    [1114, -1, { type: 'int64', name: 'io.debezium.time.MicroTimestamp', version: 1 }],
    [1114, 3, { type: 'int64', name: 'io.debezium.time.Timestamp', version: 1 }],
    [1114, 0, { type: 'int64', name: 'io.debezium.time.Timestamp', version: 1 }],
    [1184, -1, { type: 'string', name: 'io.debezium.time.ZonedTimestamp', version: 1 }],
    [1266, -1, { type: 'string', name: 'io.debezium.time.ZonedTime', version: 1 }],
    [1186, -1, { type: 'int64', name: 'io.debezium.time.MicroDuration', version: 1 }],
    [1560, 1, { type: 'boolean' }],
    [1560, 12, { type: 'bytes', name: 'io.debezium.data.Bits', version: 1, parameters: { length: '12' } }],
    [
      1700,
      NUMERIC_10_2,
      {
        type: 'bytes',
        name: 'org.apache.kafka.connect.data.Decimal',
        version: 1,
        parameters: { scale: '2', 'connect.decimal.precision': '10' },
      },
    ],
    [
      1700,
      -1,
      {
        type: 'struct',
        name: 'io.debezium.data.VariableScaleDecimal',
        version: 1,
        doc: 'Variable scaled decimal',
        fields: [
          { field: 'scale', type: 'int32', optional: false },
          { field: 'value', type: 'bytes', optional: false },
        ],
      },
    ],
    [
      790,
      -1,
      {
        type: 'bytes',
        name: 'org.apache.kafka.connect.data.Decimal',
        version: 1,
        parameters: { scale: '2' },
      },
    ],
    [
      50001,
      -1,
      { type: 'string', name: 'io.debezium.data.Enum', version: 1, parameters: { allowed: 'sad,ok,happy' } },
    ],
    [1007, -1, { type: 'array', items: { type: 'int32', optional: true } }],
    [1009, -1, { type: 'array', items: { type: 'string', optional: true } }],
    [
      50002,
      -1,
      {
        type: 'array',
        items: {
          type: 'string',
          name: 'io.debezium.data.Enum',
          version: 1,
          parameters: { allowed: 'sad,ok,happy' },
          optional: false,
        },
      },
    ],
    [50004, -1, { type: 'string' }],
    [50005, -1, { type: 'string', name: 'io.debezium.data.Json', version: 1 }],
  ])('oid %i typmod %i → %j', (oid, typeMod, schema) => {
    expect(map(oid, typeMod).schema).toEqual(schema);
  });

  it('maps a domain as its base type with the domain modifier', () => {
    expect(map(50003).schema.parameters).toEqual({ scale: '2', 'connect.decimal.precision': '10' });
    expect(convert(50003, '12.30')).toBe('12.30');
  });

  it('leaves out types without a mapping unless include.unknown.datatypes', () => {
    expect(mapType(lookup, 50006, -1, DEFAULT_TYPE_MAP_OPTIONS)).toBeUndefined();
    expect(mapType(lookup, 99999, -1, DEFAULT_TYPE_MAP_OPTIONS)).toBeUndefined();
    const unknown = map(50006, -1, { includeUnknownDatatypes: true });
    expect(unknown.schema).toEqual({ type: 'bytes' });
    expect(unknown.parse('abc')).toEqual(Buffer.from('abc'));
  });
});

describe('values from PostgreSQL text', () => {
  it.each([
    [16, 't', -1, true],
    [16, 'f', -1, false],
    [21, '-32768', -1, -32768],
    [23, '2147483647', -1, 2147483647],
    [20, '9007199254740991', -1, 9007199254740991],
    [20, '9223372036854775807', -1, 9223372036854775807n],
    [20, '-9223372036854775808', -1, -9223372036854775808n],
    [700, '1.1', -1, 1.1],
    [701, '-Infinity', -1, Number.NEGATIVE_INFINITY],
    [25, 'héllo\nworld', -1, 'héllo\nworld'],
    [1042, 'ab  ', 6, 'ab  '],
    [2950, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', -1, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
    [3802, '{"a": [1, 2]}', -1, '{"a": [1, 2]}'],
    [1082, '2024-01-02', -1, 19724],
    [1082, '1969-12-31', -1, -1],
    [1082, '0001-01-01 BC', -1, -719528],
    [1083, '13:45:30.123456', -1, 49_530_123_456],
    [1083, '24:00:00', -1, 86_400_000_000],
    [1083, '13:45:30.123', 3, 49_530_123],
    [1114, '2024-01-02 03:04:05.123456', -1, 1_704_164_645_123_456],
    [1114, '2024-01-02 03:04:05.123', 3, 1_704_164_645_123],
    [1114, '1969-12-31 23:59:59.999999', -1, -1],
    [1114, '1969-12-31 23:59:59.999', 3, -1],
    [1114, '2300-01-01 00:00:00', -1, 10_413_792_000_000_000n],
    [1114, 'infinity', -1, 9_223_372_036_825_200_000_000n],
    [1184, '2024-01-02 01:04:05.5+00', -1, '2024-01-02T01:04:05.500000Z'],
    [1184, '2024-01-02 01:04:05+00', -1, '2024-01-02T01:04:05.000000Z'],
    [1184, '2024-01-02 01:04:05.123+00', 3, '2024-01-02T01:04:05.123Z'],
    [1184, '2024-01-02 01:04:05+00', 0, '2024-01-02T01:04:05Z'],
    [1184, '2024-01-02 01:04:05+05:30', -1, '2024-01-01T19:34:05.000000Z'],
    [1184, 'infinity', -1, 'infinity'],
    [1266, '12:34:56.5+05:30', -1, '07:04:56.5Z'],
    [1266, '01:00:00+02', -1, '23:00:00Z'],
    [1186, 'P1Y2M3DT4H5M6.789S', -1, 37_091_106_789_000],
    [1186, 'PT-1.5S', -1, -1_500_000],
    [1186, 'PT0S', -1, 0],
    [1186, 'P-1DT2H', -1, -79_200_000_000],
    [1560, '1', 1, true],
    [1560, '101', 3, Buffer.from([5])],
    [1562, '1000000001', 10, Buffer.from([1, 2])],
    [1700, '12.30', NUMERIC_10_2, '12.30'],
    [1700, 'NaN', NUMERIC_10_2, null],
    [790, '$1,234.50', -1, '1234.50'],
    [790, '-$0.50', -1, '-0.50'],
    [50001, 'happy', -1, 'happy'],
    [1007, '{1,NULL,3}', -1, [1, null, 3]],
    [1009, '{"a b","c\\"d",NULL,"NULL","x\\\\y"}', -1, ['a b', 'c"d', null, 'NULL', 'x\\y']],
    [1231, '{1.5,NaN}', -1, [{ scale: 1, value: Buffer.from([15]) }, null]],
    [50005, '"a"=>"1", "b"=>NULL', -1, '{"a":"1","b":null}'],
  ])('oid %i %j (typmod %i) → %o', (oid, text, typeMod, expected) => {
    expect(convert(oid, text, typeMod)).toEqual(expected);
  });

  it('decodes bytea hex into bytes, or encodes it per binary.handling.mode', () => {
    expect(convert(17, '\\x00ff10')).toEqual(Buffer.from([0, 255, 16]));
    expect(convert(17, '\\x00ff10', -1, { binaryMode: 'base64' })).toBe('AP8Q');
    expect(convert(17, '\\x00ff10', -1, { binaryMode: 'hex' })).toBe('00ff10');
    expect(map(17, -1, { binaryMode: 'base64-url-safe' }).schema).toEqual({ type: 'string' });
  });

  it('writes points as Debezium geometry structs with WKB', () => {
    const point = convert(600, '(1.5,2)') as { x: number; y: number; wkb: Buffer; srid: null };
    expect(point.x).toBe(1.5);
    expect(point.y).toBe(2);
    expect(point.srid).toBeNull();
    expect(point.wkb.toString('hex')).toBe('0101000000000000000000f83f0000000000000040');
  });
});

describe('decimal.handling.mode', () => {
  it('double: float64 numbers', () => {
    expect(map(1700, NUMERIC_10_2, { decimalMode: 'double' }).schema).toEqual({ type: 'float64' });
    expect(convert(1700, '12.30', NUMERIC_10_2, { decimalMode: 'double' })).toBe(12.3);
    expect(convert(1700, 'NaN', -1, { decimalMode: 'double' })).toBeNaN();
    expect(convert(790, '-$1,234.50', -1, { decimalMode: 'double' })).toBe(-1234.5);
  });

  it('string: the exact text', () => {
    expect(map(1700, -1, { decimalMode: 'string' }).schema).toEqual({ type: 'string' });
    expect(convert(1700, '0.0000001', -1, { decimalMode: 'string' })).toBe('0.0000001');
    expect(convert(790, '$1,234.50', -1, { decimalMode: 'string' })).toBe('1234.50');
  });

  it('precise unconstrained numerics keep their own scale (VariableScaleDecimal)', () => {
    expect(variableScaleDecimal('12.300')).toEqual({ scale: 1, value: Buffer.from([123]) });
    expect(variableScaleDecimal('-0.0000001')).toEqual({ scale: 7, value: Buffer.from([0xff]) });
    expect(variableScaleDecimal('1200')).toEqual({ scale: 0, value: Buffer.from([0x04, 0xb0]) });
    expect(variableScaleDecimal('Infinity')).toBeNull();
  });

  it('money honours money.fraction.digits, rounding half up', () => {
    expect(map(790, -1, { moneyFractionDigits: 3 }).schema.parameters).toEqual({ scale: '3' });
    expect(rescaleDecimal('1234.5', 3)).toBe('1234.500');
    expect(rescaleDecimal('0.125', 2)).toBe('0.13');
    expect(rescaleDecimal('-0.001', 2)).toBe('0.00');
  });
});

describe('time.precision.mode', () => {
  it('connect: Kafka Connect logical types in milliseconds', () => {
    const connect = { timePrecisionMode: 'connect' } as const;
    expect(map(1082, -1, connect).schema).toEqual({
      type: 'int32',
      name: 'org.apache.kafka.connect.data.Date',
      version: 1,
    });
    expect(map(1083, -1, connect).schema).toEqual({
      type: 'int32',
      name: 'org.apache.kafka.connect.data.Time',
      version: 1,
    });
    expect(map(1114, -1, connect).schema).toEqual({
      type: 'int64',
      name: 'org.apache.kafka.connect.data.Timestamp',
      version: 1,
    });
    expect(convert(1083, '13:45:30.123456', -1, connect)).toBe(49_530_123);
    expect(convert(1114, '2024-01-02 03:04:05.123456', -1, connect)).toBe(1_704_164_645_123);
  });

  it('adaptive_time_microseconds: TIME always in microseconds, timestamps as adaptive', () => {
    const micro = { timePrecisionMode: 'adaptive_time_microseconds' } as const;
    expect(map(1083, 0, micro).schema.name).toBe('io.debezium.time.MicroTime');
    expect(map(1114, 3, micro).schema.name).toBe('io.debezium.time.Timestamp');
    expect(map(1114, 6, micro).schema.name).toBe('io.debezium.time.MicroTimestamp');
  });
});

describe('fallbacks and unavailable values', () => {
  it("gives Debezium's zero values to required fields without a value", () => {
    expect(fallbackValue({ type: 'string' })).toBe('');
    expect(fallbackValue({ type: 'int64' })).toBe(0);
    expect(fallbackValue({ type: 'boolean' })).toBe(false);
    expect(fallbackValue(map(1700, NUMERIC_10_2).schema)).toBe('0.00');
    expect(fallbackValue(map(1184).schema)).toBe('1970-01-01T00:00:00Z');
    expect(fallbackValue(map(1700).schema)).toEqual({ scale: 0, value: Buffer.from([0]) });
    expect(fallbackValue(map(1009).schema)).toEqual([]);
  });

  it('stands in for unchanged TOAST values as text, bytes or a one-element list', () => {
    const placeholder = '__debezium_unavailable_value';
    expect(unavailableValue(map(25).schema, placeholder)).toBe(placeholder);
    expect(unavailableValue(map(3802).schema, placeholder)).toBe(placeholder);
    expect(unavailableValue(map(17).schema, placeholder)).toEqual(Buffer.from(placeholder));
    expect(unavailableValue(map(1009).schema, placeholder)).toEqual([placeholder]);
    expect(unavailableValue(map(1700, NUMERIC_10_2).schema, placeholder)).toBeNull();
  });

  it('two-s complement bytes like BigInteger#toByteArray', () => {
    expect(bigintToBytes(0n)).toEqual(Buffer.from([0]));
    expect(bigintToBytes(127n)).toEqual(Buffer.from([0x7f]));
    expect(bigintToBytes(128n)).toEqual(Buffer.from([0x00, 0x80]));
    expect(bigintToBytes(-1n)).toEqual(Buffer.from([0xff]));
    expect(bigintToBytes(-129n)).toEqual(Buffer.from([0xff, 0x7f]));
  });
});
