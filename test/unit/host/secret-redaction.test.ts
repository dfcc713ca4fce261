// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${provider:...} placeholders are literal config values here
import { describe, expect, it } from 'vitest';
import {
  hasUrlPassword,
  hideUrlPasswords,
  maskUrlPasswords,
  Redactor,
  redactLogLine,
  restoreUrlPasswords,
  secretRegistry,
  urlPasswords,
} from '../../../src/host/secret-redaction.ts';

describe('passwords inside URLs', () => {
  const urls = [
    [
      'jdbc:postgresql://db:5432/app?user=u&password=s3cr%40t&sslmode=require',
      'jdbc:postgresql://db:5432/app?user=u&password=[hidden]&sslmode=require',
    ],
    ['jdbc:mysql://db/app?password=pw1', 'jdbc:mysql://db/app?password=[hidden]'],
    ['jdbc:mysql://u:p@ss:w@db:3306/app', 'jdbc:mysql://u:[hidden]@db:3306/app'],
    ['postgres://alice:pw2@db/app?sslpassword=kpw', 'postgres://alice:[hidden]@db/app?sslpassword=[hidden]'],
    ['jdbc:sqlserver://db;user=u;Password=pw3', 'jdbc:sqlserver://db;user=u;Password=[hidden]'],
  ] as const;

  it('hides them in config values and finds them', () => {
    for (const [url, shown] of urls) {
      expect(hideUrlPasswords(url)).toBe(shown);
      expect(hasUrlPassword(url)).toBe(true);
      expect(maskUrlPasswords(`Invalid value ${url} for configuration connection.url`)).toBe(
        `Invalid value ${shown} for configuration connection.url`,
      );
    }
    expect(urlPasswords('postgres://a:b1@h/d?password=c2')).toEqual(['b1', 'c2']);
  });

  it('leaves URLs without a password, and placeholders, as they are', () => {
    for (const value of [
      'jdbc:postgresql://db:5432/app?user=u',
      'jdbc:postgresql://db/app?password=${env:PGPASSWORD}',
      'postgres://alice@db/app',
      'http://registry:8081',
      'not a url',
    ]) {
      expect(hideUrlPasswords(value)).toBe(value);
      expect(hasUrlPassword(value)).toBe(false);
    }
  });

  it('masks inside JSON log lines without eating past the string', () => {
    const line = JSON.stringify({
      msg: 'connect to jdbc:mysql://u:pw@db/x?password=pw&a=1 failed',
      level: 50,
    });
    const masked = maskUrlPasswords(line);
    expect(JSON.parse(masked)).toEqual({
      msg: 'connect to jdbc:mysql://u:[hidden]@db/x?password=[hidden]&a=1 failed',
      level: 50,
    });
  });

  it('puts the stored password back where [hidden] was sent', () => {
    expect(
      restoreUrlPasswords(
        'jdbc:postgresql://db2/app?user=u&password=[hidden]',
        'jdbc:postgresql://db/app?user=u&password=s3cret',
      ),
    ).toBe('jdbc:postgresql://db2/app?user=u&password=s3cret');
    expect(restoreUrlPasswords('postgres://a:[hidden]@h/d', 'postgres://a:p%40ss@h/d')).toBe(
      'postgres://a:p%40ss@h/d',
    );
    expect(restoreUrlPasswords('jdbc:mysql://h/d?password=[hidden]', 'jdbc:mysql://h/d')).toBeUndefined();
  });
});

describe('Redactor', () => {
  it('replaces each secret (as is, trimmed, line by line, JSON- and URL-escaped), longest first', () => {
    const file = 'root:x:0:0:root:/root:/bin/bash\nuser:"quoted"\n';
    const redactor = new Redactor([
      { value: file, replacement: '${file:/etc/passwd:all}' },
      { value: 'p@ss word', replacement: '[hidden]' },
      { value: 'abc', replacement: '[hidden]' },
    ]);
    expect(redactor.redact(`database "${file}" does not exist`)).toBe(
      'database "${file:/etc/passwd:all}" does not exist',
    );
    expect(redactor.redact('line root:x:0:0:root:/root:/bin/bash only')).toBe(
      'line ${file:/etc/passwd:all} only',
    );
    expect(redactor.redact(JSON.stringify({ m: `got ${file}` }))).toBe('{"m":"got ${file:/etc/passwd:all}"}');
    expect(redactor.redact('pw p%40ss%20word and p@ss word')).toBe('pw [hidden] and [hidden]');
    // Shorter than 4 characters: not searched (it would mangle ordinary words).
    expect(redactor.redact('abc')).toBe('abc');
  });

  it('redacts log lines with what connectors registered', () => {
    secretRegistry.add('connector:test-redaction', [{ value: 'registered-secret', replacement: '${env:X}' }]);
    expect(redactLogLine('{"msg":"failed with registered-secret"}')).toBe('{"msg":"failed with ${env:X}"}');
    secretRegistry.delete('connector:test-redaction');
    expect(redactLogLine('registered-secret')).toBe('registered-secret');
  });
});

describe('log lines', () => {
  it('keep the service and logger fields, and redact every other string', () => {
    secretRegistry.add('connector:test-log', [{ value: 'onramp', replacement: '[hidden]' }]);
    const line = `${JSON.stringify({ level: 50, service: 'onramp', logger: 'onramp.host', msg: 'user onramp failed', err: { message: 'role "onramp" does not exist' } })}\n`;
    expect(redactLogLine(line)).toBe(
      `${JSON.stringify({ level: 50, service: 'onramp', logger: 'onramp.host', msg: 'user [hidden] failed', err: { message: 'role "[hidden]" does not exist' } })}\n`,
    );
    secretRegistry.delete('connector:test-log');
    expect(redactLogLine('{"msg":"jdbc:mysql://h/d?password=pw1"}\n')).toBe(
      '{"msg":"jdbc:mysql://h/d?password=[hidden]"}\n',
    );
  });
});

describe('Redactor with hostile secrets', () => {
  it('replaces secrets too long for one regular expression as plain text', () => {
    const huge = 'v'.repeat(65_536);
    const redactor = new Redactor([
      { value: huge, replacement: '[hidden]' },
      { value: 'short-secret', replacement: '[hidden]' },
    ]);
    expect(redactor.redact(`a ${huge} b short-secret c`)).toBe('a [hidden] b [hidden] c');
    expect(redactor.holdsSecret(`x${huge}x`)).toBe(true);
    expect(redactor.holdsSecret('nothing here')).toBe(false);
  });

  it('still works when the short ones together are too many for one expression', () => {
    const secrets = Array.from(
      { length: 400 },
      (_, index) => `${String(index).padStart(4, '0')}${'s'.repeat(1_000)}`,
    );
    const redactor = new Redactor(secrets.map((value) => ({ value, replacement: '[hidden]' })));
    expect(redactor.redact(`<${secrets[7]}>`)).toBe('<[hidden]>');
  });
});
