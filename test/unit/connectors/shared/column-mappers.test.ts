import { describe, expect, it } from 'vitest';
import { mysqlSourcePlugin } from '../../../../connectors/mysql-source/connector.ts';
import { postgresSourceConfig } from '../../../../connectors/postgres-source/config.ts';
import { postgresSourcePlugin } from '../../../../connectors/postgres-source/connector.ts';
import { hashMask, javaSerializedString, modifiedUtf8 } from '../../../../connectors/shared/column-hash.ts';
import {
  ColumnMappers,
  type SourceColumn,
  splitRegexList,
} from '../../../../connectors/shared/column-mappers.ts';
import { validateConnectorConfig } from '../../../../src/host/connector-config.ts';
import { type ConnectorPlugin, type ConnectSchema, parseConfig } from '../../../../src/plugin/index.ts';

const required = {
  'database.hostname': 'db',
  'database.user': 'cdc',
  'database.dbname': 'app',
  'topic.prefix': 'shop',
};

function mappers(keys: Record<string, string>): ColumnMappers {
  const parsed = parseConfig(postgresSourceConfig, { ...required, ...keys });
  expect(parsed.errors).toEqual([]);
  expect(parsed.unknown).toEqual([]);
  return new ColumnMappers(parsed.values);
}

const varchar = (name: string, length?: number): SourceColumn => ({
  name,
  typeName: 'varchar',
  ...(length !== undefined && { length }),
  scale: 0,
  character: true,
});
const STRING: ConnectSchema = { type: 'string' };

describe("Debezium's hash masks", () => {
  it('hash as Debezium does, version 1 and 2 (its ColumnMappersTest vectors)', () => {
    expect(hashMask('SHA-256', 'salt123', 'v1')('12345678901234567890')).toBe(
      '5944c66655670e4ce234df8529d452ba1cae10a641b9cd1583abf62585b8515a',
    );
    expect(hashMask('SHA-256', 'salt123', 'v2')('12345678901234567890')).toBe(
      'b65875d34a3dedf070f3a012970bf3b5da424560d7be3d2c23b986b525d2d7f3',
    );
    // Java's names, case-insensitively, and the SUN provider's aliases.
    expect(hashMask('sha256', 'salt123', 'v2')('12345678901234567890')).toBe(
      'b65875d34a3dedf070f3a012970bf3b5da424560d7be3d2c23b986b525d2d7f3',
    );
    expect(() => hashMask('WHIRLPOOL', 's', 'v1')).toThrow(/unknown hash algorithm WHIRLPOOL/);
  });

  it('serialize a String as ObjectOutputStream does (modified UTF-8, long strings)', () => {
    expect(modifiedUtf8('a\u0000é😀')).toEqual(
      Buffer.from([0x61, 0xc0, 0x80, 0xc3, 0xa9, 0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]),
    );
    expect(javaSerializedString('ab')).toEqual(Buffer.from([0xac, 0xed, 0, 5, 0x74, 0, 2, 0x61, 0x62]));
    const long = javaSerializedString('x'.repeat(70_000));
    expect([...long.subarray(0, 13)]).toEqual([0xac, 0xed, 0, 5, 0x7c, 0, 0, 0, 0, 0, 1, 0x11, 0x70]);
  });
});

describe('column mapper settings', () => {
  it('split regular expressions at unescaped commas, as RegExSplitter', () => {
    expect(splitRegexList(' a\\.b , c{1\\,2} ,, ')).toEqual(['a\\.b', 'c{1,2}']);
  });

  it.each([
    [
      'column.mask.with.0.chars',
      'public.t.c',
      /^column\.mask\.with\.0\.chars: <n> must be a positive integer, not "0"$/,
    ],
    ['column.truncate.to.ten.chars', 'public.t.c', /<n> must be a positive integer, not "ten"/],
    [
      'column.mask.hash.WHIRLPOOL.with.salt.x',
      'public.t.c',
      /unknown hash algorithm "WHIRLPOOL"; use one of MD5, SHA-1/,
    ],
    [
      'column.mask.hash.v2.SHA-256.with.salt.x',
      'public.t.(c',
      /^Invalid value public\.t\.\(c for configuration column\.mask\.hash\.v2\.SHA-256\.with\.salt\.x: invalid regular expression/,
    ],
    ['column.propagate.source.type', '.*(', /Invalid regular expression "\.\*\("/],
    ['datatype.propagate.source.type', '[', /Invalid regular expression "\["/],
  ])('refuse %s=%s naming the key', (key, value, message) => {
    const errors = parseConfig(postgresSourceConfig, { ...required, [key]: value }).errors;
    expect(errors.map((error) => error.field)).toEqual([key]);
    expect(errors[0]?.message).toMatch(message);
  });

  it.each([
    ['postgres', postgresSourcePlugin, required],
    [
      'mysql',
      mysqlSourcePlugin,
      {
        'database.hostname': 'db',
        'database.user': 'cdc',
        'database.server.id': '5',
        'topic.prefix': 'shop',
      },
    ],
  ])('are accepted by the %s source without warnings, and bad ones refused by validation', async (_name, plugin, base) => {
    const { probe: _probe, ...config } = (plugin as ConnectorPlugin).config;
    const offline = { ...plugin, config } as ConnectorPlugin;
    const named = { name: 'shop', 'connector.class': (plugin as ConnectorPlugin).name };
    const good = await validateConnectorConfig({
      plugin: offline,
      className: 'X',
      raw: {
        ...named,
        ...base,
        'column.mask.with.8.chars': 'a.t.c',
        'column.mask.hash.SHA-256.with.salt.CzQMA0cB5K': 'a.t.d,a.t.e',
        'column.mask.hash.v2.MD5.with.salt.pepper': 'a.t.f',
        'column.truncate.to.20.chars': 'a.t.g',
        'column.propagate.source.type': '.*',
        'datatype.propagate.source.type': '.+\\.VARCHAR',
        'message.key.columns': 'a.t:c',
        'binary.handling.mode': 'hex',
      },
    });
    expect(good.infos.error_count).toBe(0);
    expect(good.warnings).toEqual([]);
    const bad = await validateConnectorConfig({
      plugin: offline,
      className: 'X',
      raw: {
        ...named,
        ...base,
        'column.mask.with.-1.chars': 'a.t.c',
        'column.mask.hash.NOPE.with.salt.s': 'a.t.c',
      },
    });
    expect(bad.infos.error_count).toBe(2);
    const errors = Object.fromEntries(
      bad.infos.configs.filter((c) => c.value.errors.length > 0).map((c) => [c.value.name, c.value.errors]),
    );
    expect(Object.keys(errors).sort()).toEqual([
      'column.mask.hash.NOPE.with.salt.s',
      'column.mask.with.-1.chars',
    ]);
  });
});

describe('column mappers', () => {
  it('truncate strings and plain bytes where the column may be longer, and say so in the schema', () => {
    const truncate = mappers({ 'column.truncate.to.4.chars': 'public\\.t\\..*' });
    const text = truncate.mappingFor('public', 't', varchar('a'), STRING);
    expect(text?.parameters).toEqual({ truncateLength: '4' });
    expect(text?.convert?.('abcdefg')).toBe('abcd');
    expect(text?.convert?.('ab')).toBe('ab');
    expect(text?.convert?.(null)).toBeNull();
    // UTF-16 units, as Java's String.substring.
    expect(text?.convert?.('abc😀d')).toBe('abc\ud83d');
    const bytes = truncate.mappingFor(
      'public',
      't',
      { ...varchar('b'), character: false },
      { type: 'bytes' },
    );
    expect(bytes?.convert?.(Buffer.from([1, 2, 3, 4, 5]))).toEqual(Buffer.from([1, 2, 3, 4]));
    // Decimals are strings in Onramp's values but numbers in Debezium's: untouched.
    const decimal = truncate.mappingFor(
      'public',
      't',
      { ...varchar('c'), character: false },
      {
        type: 'bytes',
        name: 'org.apache.kafka.connect.data.Decimal',
      },
    );
    expect(decimal?.convert?.('123456.78')).toBe('123456.78');
    // A column no longer than n cannot be truncated: no parameter, no change.
    expect(truncate.mappingFor('public', 't', varchar('d', 4), STRING)).toEqual({ parameters: {} });
  });

  it('mask character columns with n asterisks, nulls included; other columns only get masked=true', () => {
    const mask = mappers({ 'column.mask.with.5.chars': 'PUBLIC.T.A,public.t.n' });
    const text = mask.mappingFor('public', 't', varchar('a'), STRING);
    expect(text?.parameters).toEqual({ masked: 'true' });
    expect(text?.convert?.('secret')).toBe('*****');
    expect(text?.convert?.(null)).toBe('*****');
    const number = mask.mappingFor('public', 't', { ...varchar('n'), character: false }, { type: 'int32' });
    expect(number).toEqual({ parameters: { masked: 'true' } });
    expect(mask.mappingFor('public', 't', varchar('b'), STRING)).toBeUndefined();
  });

  it('hash character columns, cut to the column length; nulls stay null', () => {
    const hash = mappers({
      'column.mask.hash.SHA-256.with.salt.salt123': 'public.t.a',
      'column.mask.hash.v2.SHA-256.with.salt.salt123': 'public.t.b',
    });
    const v1 = hash.mappingFor('public', 't', varchar('a', 10), STRING);
    expect(v1?.parameters).toEqual({ masked: 'true' });
    expect(v1?.convert?.('12345678901234567890')).toBe('5944c66655');
    expect(v1?.convert?.(null)).toBeNull();
    const v2 = hash.mappingFor('public', 't', varchar('b', 2_147_483_647), STRING);
    expect(v2?.convert?.('12345678901234567890')).toBe(
      'b65875d34a3dedf070f3a012970bf3b5da424560d7be3d2c23b986b525d2d7f3',
    );
  });

  it('propagate source types by column or by data type', () => {
    const propagate = mappers({
      'column.propagate.source.type': 'public\\.t\\.a',
      'datatype.propagate.source.type': '.+\\.numeric',
    });
    expect(propagate.mappingFor('public', 't', { ...varchar('a', 2), comment: 'why' }, STRING)).toEqual({
      parameters: {
        '__debezium.source.column.type': 'VARCHAR',
        '__debezium.source.column.length': '2',
        '__debezium.source.column.scale': '0',
        '__debezium.source.column.comment': 'why',
        '__debezium.source.column.name': 'a',
      },
    });
    const numeric: SourceColumn = { name: 'p', typeName: 'numeric', length: 8, scale: 3, character: false };
    expect(propagate.mappingFor('public', 't', numeric, { type: 'float64' })?.parameters).toEqual({
      '__debezium.source.column.type': 'NUMERIC',
      '__debezium.source.column.length': '8',
      '__debezium.source.column.scale': '3',
      '__debezium.source.column.name': 'p',
    });
    expect(propagate.mappingFor('public', 't', varchar('b'), STRING)).toBeUndefined();
  });

  it("give a column the first matching mapper in Debezium's order (truncate, mask, propagate, hash)", () => {
    const all = mappers({
      'column.mask.hash.SHA-256.with.salt.s': 'public.t.a',
      'column.propagate.source.type': 'public.t.a',
      'column.mask.with.3.chars': 'public.t.a',
      'column.truncate.to.1.chars': 'public.t.b',
    });
    expect(all.mappingFor('public', 't', varchar('a'), STRING)?.convert?.('x')).toBe('***');
    expect(all.mappingFor('public', 't', varchar('b'), STRING)?.convert?.('xyz')).toBe('x');
  });
});
