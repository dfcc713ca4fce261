import { describe, expect, it } from 'vitest';
import { columnDefault, defaultText } from '../../../../connectors/postgres-source/default-value.ts';
import type { ValueMapping } from '../../../../connectors/postgres-source/type-map.ts';

// Column defaults as Debezium's PostgresDefaultValueConverter reads pg_get_expr() output.

const int32: ValueMapping = { schema: { type: 'int32' }, parse: Number };
const string: ValueMapping = { schema: { type: 'string' }, parse: (text) => text };

describe('postgres column defaults', () => {
  it('reads literals, casts and quoted text', () => {
    expect(defaultText('7', 'int4')).toBe('7');
    expect(defaultText("'-5'::integer", 'int4')).toBe('-5');
    expect(defaultText("'it''s'::character varying", 'varchar')).toBe("it's");
    expect(defaultText("''::text", 'text')).toBe('');
    expect(defaultText('true', 'bool')).toBe('true');
    expect(defaultText("'2024-01-02'::date", 'date')).toBe('2024-01-02');
  });

  it('maps generated defaults to the type placeholder (serial: 0, now(): the epoch)', () => {
    expect(defaultText("nextval('users_id_seq'::regclass)", 'int4')).toBe('0');
    expect(defaultText('now()', 'timestamptz')).toBe('1970-01-01 00:00:00+00');
    expect(defaultText('CURRENT_TIMESTAMP', 'timestamp')).toBe('1970-01-01 00:00:00');
    expect(defaultText('gen_random_uuid()', 'uuid')).toBe('00000000-0000-0000-0000-000000000000');
  });

  it('gives no default for NULL and for types Debezium has no parser for', () => {
    expect(defaultText('NULL::integer', 'int4')).toBeNull();
    expect(defaultText('NULL::text', 'text')).toBeNull();
    expect(defaultText("'\\x00'::bytea", 'bytea')).toBeNull();
    expect(defaultText("'{}'::integer[]", '_int4')).toBeNull();
  });

  it('reads enum defaults from their cast', () => {
    expect(defaultText("'new'::status", 'status', true)).toBe('new');
    expect(defaultText('other_function()', 'status', true)).toBeNull();
  });

  it('converts the text as a row value, and drops what does not convert or is a struct', () => {
    expect(columnDefault('7', 'int4', false, int32)).toBe(7);
    expect(columnDefault("'x'::text", 'text', false, string)).toBe('x');
    expect(columnDefault(undefined, 'int4', false, int32)).toBeUndefined();
    const failing: ValueMapping = {
      schema: { type: 'int64' },
      parse: () => {
        throw new Error('bad');
      },
    };
    expect(columnDefault('7', 'int8', false, failing)).toBeUndefined();
    expect(
      columnDefault('1.5', 'numeric', false, { schema: { type: 'struct' }, parse: () => ({}) }),
    ).toBeUndefined();
  });
});
