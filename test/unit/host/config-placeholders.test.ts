// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${provider:...} placeholders are literal config values here
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  configProviders,
  hasPlaceholder,
  isOnlyPlaceholder,
  MAX_PROVIDER_FILE_BYTES,
  parseAllowedPaths,
  parseAllowlistPattern,
  parseProperties,
  parseProviderNames,
  providerClassParser,
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

describe('config providers (config.providers, allowed.paths, allowlist.pattern)', () => {
  const root = mkdtempSync(join(tmpdir(), 'onramp-providers-'));
  const allowed = join(root, 'allowed');
  const outside = join(root, 'outside');
  mkdirSync(allowed);
  mkdirSync(outside);
  writeFileSync(join(allowed, 'db.properties'), 'password=inside-secret\n');
  writeFileSync(join(allowed, 'token'), 'inside-token');
  writeFileSync(join(outside, 'db.properties'), 'password=outside-secret\n');
  writeFileSync(join(outside, 'token'), 'outside-token');
  symlinkSync(join(outside, 'token'), join(allowed, 'link-out'));
  symlinkSync(outside, join(allowed, 'dir-out'));
  const env = { ALLOWED_PW: 'env-secret', HOME: '/home/someone' };

  const providers = configProviders({
    enabled: ['env', 'file', 'dir'],
    envAllowlist: parseAllowlistPattern('ALLOWED_.*'),
    fileAllowedPaths: parseAllowedPaths(allowed),
    dirAllowedPaths: parseAllowedPaths(allowed),
  });

  function outcome(value: string, with_ = providers) {
    return resolvePlaceholdersCollecting({ 'database.dbname': value }, { env, providers: with_ });
  }

  it('resolves only enabled providers; any other placeholder is refused naming the key, not resolved', () => {
    const none = configProviders({ enabled: [] });
    for (const value of ['${env:HOME}', '${file:/etc/passwd:root}', '${dir:/etc:shadow}', '${vault:x:y}']) {
      const { config, errors, redactions } = outcome(value, none);
      expect(config['database.dbname']).toBe(value);
      expect(redactions).toEqual([]);
      expect(errors).toHaveLength(1);
      expect(errors[0]?.field).toBe('database.dbname');
      expect(errors[0]?.message).toContain('"database.dbname"');
      expect(errors[0]?.message).toContain('not enabled on this host');
      expect(errors[0]?.message).toContain(value);
    }
    const envOnly = configProviders({ enabled: ['env'] });
    expect(outcome('${env:HOME}', envOnly).config['database.dbname']).toBe('/home/someone');
    expect(outcome('${file:/etc/passwd:root}', envOnly).errors[0]?.message).toContain(
      '(config.providers enables env)',
    );
  });

  it('holds file and dir to allowed.paths, after resolving .. and symlinks', () => {
    expect(outcome(`\${file:${allowed}/db.properties:password}`).config['database.dbname']).toBe(
      'inside-secret',
    );
    expect(outcome(`\${dir:${allowed}:token}`).config['database.dbname']).toBe('inside-token');
    for (const value of [
      '${file:/etc/passwd:root}',
      '${dir:/etc:shadow}',
      `\${file:${allowed}/../outside/db.properties:password}`,
      `\${dir:${allowed}/../outside:token}`,
      `\${dir:${allowed}:link-out}`,
      `\${dir:${allowed}/dir-out:token}`,
      `\${file:${allowed}/dir-out/db.properties:password}`,
      `\${file:${allowed}-sibling/x:y}`,
    ]) {
      const { errors, config } = outcome(value);
      expect(errors[0]?.message, value).toContain('outside config.providers.');
      expect(errors[0]?.message).toContain('allowed.paths');
      expect(config['database.dbname']).toBe(value);
    }
  });

  it('holds env to allowlist.pattern (the whole name must match)', () => {
    expect(outcome('${env:ALLOWED_PW}').config['database.dbname']).toBe('env-secret');
    expect(outcome('${env:HOME}').errors[0]?.message).toContain('allowlist.pattern');
    expect(outcome('${env:XALLOWED_PW}').errors[0]?.message).toContain('allowlist.pattern');
  });

  it('reports each resolved value with its placeholder, for redaction', () => {
    const { redactions } = resolvePlaceholdersCollecting(
      { url: 'jdbc:postgresql://h/db?password=${env:ALLOWED_PW}', token: `\${dir:${allowed}:token}` },
      { env, providers },
    );
    expect(redactions).toEqual([
      { value: 'env-secret', replacement: '${env:ALLOWED_PW}' },
      { value: 'inside-token', replacement: `\${dir:${allowed}:token}` },
    ]);
  });

  it('reads only small regular files: no FIFOs, devices or directories', () => {
    const fifo = join(allowed, 'fifo');
    try {
      execFileSync('mkfifo', [fifo]);
    } catch {
      // no mkfifo on this machine: the device and directory cases still run
    }
    const open = configProviders({ enabled: ['dir'] });
    for (const value of [`\${dir:${allowed}:fifo}`, '${dir:/dev:zero}', `\${dir:${root}:allowed}`]) {
      if (value.includes('fifo') && !existsSync(fifo)) continue;
      expect(outcome(value, open).errors[0]?.message, value).toMatch(
        /cannot read .*(not a regular file|EISDIR)/,
      );
    }
    writeFileSync(join(allowed, 'big'), Buffer.alloc(MAX_PROVIDER_FILE_BYTES + 1, 'a'));
    expect(outcome(`\${dir:${allowed}:big}`).errors[0]?.message).toContain('larger than');
  });

  it('parses the host settings', () => {
    expect(parseProviderNames(' env , dir ')).toEqual(['env', 'dir']);
    expect(parseProviderNames('env,vault')).toEqual(['env', 'vault']);
    expect(() => parseProviderNames('env,${x}')).toThrow('is not a config provider name');
    expect(() => configProviders({ enabled: ['vault'] })).toThrow('needs config.providers.vault.class');
    expect(providerClassParser('file')('org.apache.kafka.common.config.provider.FileConfigProvider')).toBe(
      'file',
    );
    expect(providerClassParser('env')('EnvVarConfigProvider')).toBe('env');
    expect(() =>
      providerClassParser('env')('org.apache.kafka.common.config.provider.FileConfigProvider'),
    ).toThrow('EnvVarConfigProvider');
    expect(() => parseAllowedPaths('/a,relative/b')).toThrow('relative/b is not an absolute path');
    expect(parseAllowedPaths('/a/../b, /c/')).toEqual(['/b', '/c']);
    expect(() => parseAllowlistPattern('(')).toThrow('not a regular expression');
  });
});
