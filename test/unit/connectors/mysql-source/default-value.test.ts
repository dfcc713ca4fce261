import { describe, expect, it } from 'vitest';
import { columnDefault, defaultText } from '../../../../connectors/mysql-source/default-value.ts';
import { DEFAULT_TYPE_MAP_OPTIONS, mapColumnType } from '../../../../connectors/mysql-source/type-map.ts';

// Column defaults as Debezium's BinlogDefaultValueConverter converts them, from what MariaDB and
// MySQL report in information_schema.COLUMNS.

const column = (dataType: string, columnType = dataType, nullable = false) => ({
  dataType,
  columnType,
  nullable,
  numericPrecision: null,
  numericScale: dataType === 'decimal' ? 2 : null,
  datetimePrecision: null,
});
const mariadb = (columnDefault: string | null) => ({ columnDefault, extra: '', mariadb: true });
const mysql = (columnDefault: string | null, extra = '') => ({ columnDefault, extra, mariadb: false });

describe('mysql column defaults', () => {
  it('reads MariaDB literals (quoted strings, NULL as text)', () => {
    expect(defaultText(mariadb('7'), column('int'))).toBe('7');
    expect(defaultText(mariadb("'it''s'"), column('varchar'))).toBe("it's");
    expect(defaultText(mariadb('NULL'), column('varchar'))).toBeNull();
    expect(defaultText(mariadb(null), column('int'))).toBeNull();
  });

  it('reads MySQL literals as they are', () => {
    expect(defaultText(mysql('7'), column('int'))).toBe('7');
    expect(defaultText(mysql('NULL'), column('varchar'))).toBe('NULL');
    expect(defaultText(mysql('(rand())', 'DEFAULT_GENERATED'), column('double'))).toBeNull();
  });

  it('CURRENT_TIMESTAMP and zero dates: the epoch when NOT NULL, no default when nullable', () => {
    expect(defaultText(mariadb('current_timestamp()'), column('timestamp'))).toBe('1970-01-01 00:00:00');
    expect(defaultText(mysql('CURRENT_TIMESTAMP', 'DEFAULT_GENERATED'), column('datetime'))).toBe(
      '1970-01-01 00:00:00',
    );
    expect(defaultText(mariadb('current_timestamp()'), column('timestamp', 'timestamp', true))).toBeNull();
    expect(defaultText(mariadb("'0000-00-00'"), column('date'))).toBe('1970-01-01');
  });

  it('true/false on number types are 1/0; binary, bit and JSON columns get none', () => {
    expect(defaultText(mariadb('true'), column('tinyint'))).toBe('1');
    expect(defaultText(mariadb("'x'"), column('varbinary'))).toBeNull();
    expect(defaultText(mariadb("b'1'"), column('bit'))).toBeNull();
    expect(defaultText(mariadb("'{}'"), { ...column('longtext'), json: true })).toBeNull();
  });

  it('converts the text as a row value would be', () => {
    const convert = (text: string, type: ReturnType<typeof column>) => {
      const mapping = mapColumnType(type, DEFAULT_TYPE_MAP_OPTIONS);
      if (!mapping) throw new Error('no mapping');
      return columnDefault(text, mapping);
    };
    expect(convert('7', column('int'))).toBe(7);
    expect(convert('1.50', column('decimal', 'decimal(10,2)'))).toBe('1.50');
    expect(convert('new', column('enum', "enum('new','old')"))).toBe('new');
    expect(convert('1970-01-01 00:00:00', column('datetime'))).toBe(0);
    expect(columnDefault(undefined, { schema: { type: 'int32' }, convert: Number })).toBeUndefined();
  });
});
