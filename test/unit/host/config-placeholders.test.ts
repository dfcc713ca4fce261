// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${provider:...} placeholders are literal config values here
import { describe, expect, it } from 'vitest';
import {
  hasPlaceholder,
  isOnlyPlaceholder,
  parseProperties,
  resolvePlaceholders,
  resolvePlaceholdersCollecting,
} from '../../../src/host/config-placeholders.ts';
import { OnrampError } from '../../../src/plugin/errors.ts';

const files: Record<string, string> = {
  '/secrets/db.properties': '# database\ndb.password=s3cret\nuser : alice\nspaced  value with spaces\n',
  '/secrets/dir/token': 'tok-123',
};
const sources = {
  env: { DB_HOST: 'db.internal', EMPTY: '' },
  readFile: (path: string) => {
    const text = files[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return text;
  },
};

describe('resolvePlaceholders', () => {
  it('resolves env, file and dir placeholders, also inside longer values', () => {
    expect(
      resolvePlaceholders(
        {
          host: '${env:DB_HOST}',
          url: 'jdbc:postgresql://${env:DB_HOST}:5432/app',
          password: '${file:/secrets/db.properties:db.password}',
          user: '${file:/secrets/db.properties:user}',
          spaced: '${file:/secrets/db.properties:spaced}',
          token: '${dir:/secrets/dir:token}',
          empty: '${env:EMPTY}',
          plain: 'no placeholder',
        },
        sources,
      ),
    ).toEqual({
      host: 'db.internal',
      url: 'jdbc:postgresql://db.internal:5432/app',
      password: 's3cret',
      user: 'alice',
      spaced: 'value with spaces',
      token: 'tok-123',
      empty: '',
      plain: 'no placeholder',
    });
  });

  it('leaves placeholders of providers it does not have, as Kafka Connect does', () => {
    expect(resolvePlaceholders({ secret: '${vault:secret/db:password}' }, sources)).toEqual({
      secret: '${vault:secret/db:password}',
    });
  });

  it('throws PLACEHOLDER_UNRESOLVED naming the config key for a missing env var, file or key', () => {
    for (const [value, reason] of [
      ['${env:NOPE}', 'environment variable NOPE is not set'],
      ['${file:/secrets/missing.properties:x}', 'cannot read /secrets/missing.properties (ENOENT)'],
      ['${file:/secrets/db.properties:nokey}', 'key nokey not found in /secrets/db.properties'],
    ] as const) {
      let caught: unknown;
      try {
        resolvePlaceholders({ 'database.password': value }, sources);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(OnrampError);
      expect((caught as OnrampError).code).toBe('PLACEHOLDER_UNRESOLVED');
      expect((caught as OnrampError).message).toContain('"database.password"');
      expect((caught as OnrampError).message).toContain(reason);
    }
  });

  it('collects every unresolvable key for validation, keeping the raw value', () => {
    const { config, errors } = resolvePlaceholdersCollecting(
      { a: '${env:A}', b: '${env:DB_HOST}', c: '${env:C}' },
      sources,
    );
    expect(config).toEqual({ a: '${env:A}', b: 'db.internal', c: '${env:C}' });
    expect(errors.map((error) => error.field)).toEqual(['a', 'c']);
  });

  it('tells placeholders apart from literal values', () => {
    expect(hasPlaceholder('${env:X}')).toBe(true);
    expect(hasPlaceholder('x${file:/a:b}y')).toBe(true);
    expect(hasPlaceholder('$notone')).toBe(false);
    expect(isOnlyPlaceholder('${env:X}')).toBe(true);
    expect(isOnlyPlaceholder('secret${env:X}')).toBe(false);
  });
});

describe('parseProperties', () => {
  it('reads Java properties: separators, comments, continuations and escapes', () => {
    const props = parseProperties(
      [
        '# comment',
        '! also a comment',
        'a=1',
        'b : 2',
        'c 3',
        '  d=with trailing space ',
        'long=first \\',
        '     second',
        'esc=tab\\tnew\\nunicode\\u0041',
        'key\\=with\\:colon=value',
        'empty=',
      ].join('\n'),
    );
    expect(Object.fromEntries(props)).toEqual({
      a: '1',
      b: '2',
      c: '3',
      d: 'with trailing space ',
      long: 'first second',
      esc: 'tab\tnew\nunicodeA',
      'key=with:colon': 'value',
      empty: '',
    });
  });
});
