// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${topic} and ${source.*} are the connector's own placeholders
import { describe, expect, it } from 'vitest';
import { jdbcSinkConfig } from '../../../../connectors/jdbc-sink/config.ts';
import { libpqOption } from '../../../../connectors/jdbc-sink/dialects/postgres.ts';
import { parseJdbcUrl } from '../../../../connectors/jdbc-sink/jdbc-url.ts';
import { nameFormatProblem } from '../../../../connectors/jdbc-sink/name-format.ts';
import { parseConfig } from '../../../../src/plugin/index.ts';

describe('collection.name.format variables', () => {
  it("accepts Debezium's ${topic} and ${source.<field>}", () => {
    for (const format of [
      '${topic}',
      'sink_${source.table}',
      '${source.db}.${source.table}',
      'plain',
      'a$b{c}',
    ])
      expect(nameFormatProblem(format)).toBeUndefined();
  });

  it('refuses unknown or unclosed variables, naming them', () => {
    expect(nameFormatProblem('${topics}')).toMatch(/unknown variable \$\{topics\}/);
    expect(nameFormatProblem('x_${source}')).toMatch(/unknown variable \$\{source\}/);
    expect(nameFormatProblem('${source.a b}')).toMatch(/unknown variable/);
    expect(nameFormatProblem('${topic')).toMatch(/not closed/);
    expect(nameFormatProblem(`\${${'v'.repeat(10_000)}}`)?.length).toBeLessThan(300);
  });

  it('is a config error on collection.name.format (and its alias table.name.format)', () => {
    const base = { 'connection.url': 'jdbc:postgresql://127.0.0.1/db' };
    for (const key of ['collection.name.format', 'table.name.format']) {
      const { errors } = parseConfig(jdbcSinkConfig, { ...base, [key]: '${nope}' });
      expect(errors).toEqual([expect.objectContaining({ field: 'collection.name.format' })]);
      expect(errors[0]?.message).toMatch(/unknown variable \$\{nope\}/);
    }
  });
});

describe('values passed to libpq options and drivers', () => {
  it('escapes whitespace and backslashes so a value stays one setting', () => {
    expect(libpqOption('search_path', 'public -c default_transaction_read_only=on')).toBe(
      'search_path=public\\ -c\\ default_transaction_read_only=on',
    );
    expect(libpqOption('search_path', 'a\\b\tc\nd')).toBe('search_path=a\\\\b\\\tc\\\nd');
    expect(libpqOption('TimeZone', 'Europe/Berlin')).toBe('TimeZone=Europe/Berlin');
    expect(() => libpqOption('search_path', 'a\u0000b')).toThrow(/NUL/);
  });

  it('refuses percent-encoded NULs and control characters in JDBC URLs', () => {
    expect(() => parseJdbcUrl('jdbc:postgresql://h/db?currentSchema=a%00b')).toThrow(/NUL/);
    expect(() => parseJdbcUrl('jdbc:postgresql://h/d%00b')).toThrow(/control characters/);
    expect(() => parseJdbcUrl('jdbc:postgresql://h/db?a%0Ab=1')).toThrow(/control characters/);
    expect(parseJdbcUrl('jdbc:postgresql://h/db?currentSchema=a%20b').params.currentSchema).toBe('a b');
  });

  it('keeps prototype names as plain parameters and scheme names', () => {
    const url = parseJdbcUrl('jdbc:postgresql://h/db?__proto__=x&constructor=y');
    expect(Object.entries(url.params)).toEqual([
      ['__proto__', 'x'],
      ['constructor', 'y'],
    ]);
    expect(() => parseJdbcUrl('jdbc:constructor://h/db')).toThrow(/Expected a jdbc:mysql/);
    expect(() => parseJdbcUrl('jdbc:__proto__://h/db')).toThrow(/Expected a jdbc:mysql/);
  });
});
