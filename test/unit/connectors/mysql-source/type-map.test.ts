import { describe, expect, it } from 'vitest';
import {
  bitsLittleEndian,
  type ColumnType,
  DEFAULT_TYPE_MAP_OPTIONS,
  enumValues,
  mapColumnType,
  type TypeMapOptions,
} from '../../../../connectors/mysql-source/type-map.ts';

const column = (dataType: string, columnType = dataType, extra: Partial<ColumnType> = {}): ColumnType => ({
  dataType,
  columnType,
  ...extra,
});

function map(type: ColumnType, options: Partial<TypeMapOptions> = {}) {
  const mapping = mapColumnType(type, { ...DEFAULT_TYPE_MAP_OPTIONS, ...options });
  if (!mapping) throw new Error(`no mapping for ${type.columnType}`);
  return mapping;
}

describe('mysql type map', () => {
  it('maps integers by width and signedness as Debezium does', () => {
    expect(map(column('tinyint', 'tinyint(1)')).schema.type).toBe('int16');
    expect(map(column('smallint', 'smallint unsigned')).schema.type).toBe('int32');
    expect(map(column('mediumint', 'mediumint unsigned')).schema.type).toBe('int32');
    expect(map(column('int')).schema.type).toBe('int32');
    expect(map(column('int', 'int(10) unsigned')).schema.type).toBe('int64');
    expect(map(column('bigint')).convert('-9007199254740993')).toBe(-9007199254740993n);
    expect(map(column('bigint')).convert(42)).toBe(42);
  });

  it('BIGINT UNSIGNED wraps in long mode and is a precise decimal in precise mode', () => {
    const unsigned = column('bigint', 'bigint(20) unsigned');
    expect(map(unsigned).convert('18446744073709551615')).toBe(-1);
    expect(map(unsigned).convert('9223372036854775808')).toBe(-9223372036854775808n);
    const precise = map(unsigned, { bigintUnsignedMode: 'precise' });
    expect(precise.schema).toEqual({
      type: 'bytes',
      name: 'org.apache.kafka.connect.data.Decimal',
      version: 1,
      parameters: { scale: '0', 'connect.decimal.precision': '20' },
    });
    expect(precise.convert('18446744073709551615')).toBe('18446744073709551615');
  });

  it('DECIMAL follows decimal.handling.mode', () => {
    const decimal = column('decimal', 'decimal(10,3)', { numericPrecision: 10, numericScale: 3 });
    expect(map(decimal).schema.parameters).toEqual({ scale: '3', 'connect.decimal.precision': '10' });
    expect(map(decimal).convert('-.125')).toBe('-0.125');
    expect(map(decimal, { decimalMode: 'double' }).convert('1.5')).toBe(1.5);
    expect(map(decimal, { decimalMode: 'string' })).toMatchObject({ schema: { type: 'string' } });
  });

  it('FLOAT is single precision unless declared FLOAT(M,D)', () => {
    expect(map(column('float')).schema.type).toBe('float32');
    expect(map(column('float', 'float(10,2)')).schema.type).toBe('float64');
    expect(map(column('double')).schema.type).toBe('float64');
  });

  it('BIT(1) is boolean, BIT(n) little-endian Bits', () => {
    expect(map(column('bit', 'bit(1)')).convert(Buffer.from([1]))).toBe(true);
    const bits = map(column('bit', 'bit(10)'));
    expect(bits.schema).toMatchObject({ name: 'io.debezium.data.Bits', parameters: { length: '10' } });
    expect(bits.convert(Buffer.from([0x02, 0x81]))).toEqual(Buffer.from([0x81, 0x02]));
    expect(bitsLittleEndian(Buffer.from([0x05]), 16)).toEqual(Buffer.from([0x05, 0x00]));
  });

  it('temporal types keep microseconds in adaptive_time_microseconds and drop to millis in connect', () => {
    const datetime6 = column('datetime', 'datetime(6)', { datetimePrecision: 6 });
    expect(map(datetime6).schema.name).toBe('io.debezium.time.MicroTimestamp');
    expect(map(datetime6).convert('2024-01-02 03:04:05.123456')).toBe(1704164645123456);
    expect(map(column('datetime', 'datetime', { datetimePrecision: 0 })).convert('1969-12-31 23:59:59')).toBe(
      -1000,
    );
    expect(map(datetime6, { timePrecisionMode: 'connect' }).convert('2024-01-02 03:04:05.123456')).toBe(
      1704164645123,
    );
    expect(map(column('date')).convert('2024-02-29')).toBe(19782);
    expect(map(column('date')).convert('0000-00-00')).toBeNull();
    expect(map(column('time', 'time(3)')).convert('-838:59:58.500')).toBe(-3020398500000);
    const timestamp = column('timestamp', 'timestamp(3)', { datetimePrecision: 3 });
    expect(map(timestamp).schema.name).toBe('io.debezium.time.ZonedTimestamp');
    expect(map(timestamp).convert('2024-01-02 03:04:05.120000')).toBe('2024-01-02T03:04:05.120Z');
    expect(
      map(column('timestamp', 'timestamp', { datetimePrecision: 0 })).convert('2024-01-02 03:04:05'),
    ).toBe('2024-01-02T03:04:05Z');
    expect(map(column('year')).schema.name).toBe('io.debezium.time.Year');
  });

  it('strings, JSON, ENUM, SET and binary', () => {
    expect(map(column('longtext', 'longtext', { json: true })).schema.name).toBe('io.debezium.data.Json');
    expect(map(column('json')).convert({ a: 1 })).toBe('{"a":1}');
    expect(map(column('enum', "enum('a','b,c','it''s')")).schema.parameters).toEqual({
      allowed: "a,b,c,it's",
    });
    expect(map(column('set', "set('x','y')")).schema.name).toBe('io.debezium.data.EnumSet');
    expect(enumValues("enum('')")).toEqual(['']);
    expect(map(column('varbinary', 'varbinary(4)')).convert(Buffer.from([1, 2]))).toEqual(
      Buffer.from([1, 2]),
    );
    expect(map(column('blob'), { binaryMode: 'hex' }).convert(Buffer.from([0, 255]))).toBe('00ff');
    expect(mapColumnType(column('unknowntype'), DEFAULT_TYPE_MAP_OPTIONS)).toBeUndefined();
  });

  it('maps spatial types to Debezium Point and Geometry structs from SRID + WKB bytes', () => {
    // POINT(1.5 -2) with SRID 4326, as the server stores it: SRID little-endian, then the WKB.
    const wkb = Buffer.from('0101000000000000000000f83f00000000000000c0', 'hex');
    const stored = Buffer.concat([Buffer.from([0xe6, 0x10, 0, 0]), wkb]);
    const point = map(column('point'));
    expect(point.schema.name).toBe('io.debezium.data.geometry.Point');
    expect(point.convert(stored)).toEqual({ x: 1.5, y: -2, wkb, srid: 4326 });
    const geometry = map(column('linestring'));
    expect(geometry.schema).toMatchObject({
      name: 'io.debezium.data.geometry.Geometry',
      version: 2,
      optional: true,
    });
    // SRID 0 is null, as Debezium's BinlogGeometry has it.
    expect(geometry.convert(Buffer.concat([Buffer.alloc(4), wkb]))).toEqual({
      wkb,
      srid: null,
      extensions: null,
    });
    for (const type of [
      'geometry',
      'polygon',
      'multipoint',
      'multilinestring',
      'multipolygon',
      'geometrycollection',
    ])
      expect(map(column(type)).schema.name).toBe('io.debezium.data.geometry.Geometry');
    expect(() => point.convert({ x: 1, y: 2 })).toThrow(/did not arrive as bytes/);
    expect(() =>
      point.convert(Buffer.concat([Buffer.alloc(4), Buffer.from('010200000000000000', 'hex')])),
    ).toThrow(/no 2D point/);
  });
});
