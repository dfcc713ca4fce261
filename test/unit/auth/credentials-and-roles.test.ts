import { describe, expect, it } from 'vitest';
import { readCredentials } from '../../../src/auth/credentials.ts';
import { checkTokenName, formatRole, parseRole } from '../../../src/auth/roles.ts';

const basic = (userPassword: string) => `Basic ${Buffer.from(userPassword).toString('base64')}`;

describe('readCredentials', () => {
  it('reads bearer and basic credentials', () => {
    expect(readCredentials(undefined)).toBeUndefined();
    expect(readCredentials('Bearer onramp_abc')).toEqual({
      ok: true,
      credentials: { scheme: 'bearer', token: 'onramp_abc' },
    });
    expect(readCredentials('bearer  onramp_abc')).toMatchObject({ ok: true });
    expect(readCredentials(basic('ci:onramp_a:b'))).toEqual({
      ok: true,
      credentials: { scheme: 'basic', name: 'ci', token: 'onramp_a:b' },
    });
  });

  it('refuses what it cannot read', () => {
    expect(readCredentials('Bearer')).toMatchObject({ ok: false });
    expect(readCredentials(basic('no-colon'))).toMatchObject({ ok: false });
    expect(readCredentials(basic(':token'))).toMatchObject({ ok: false });
    expect(readCredentials('Digest x')).toEqual({
      ok: false,
      message: 'Authorization scheme Digest is not supported (use Bearer or Basic)',
    });
  });
});

describe('roles', () => {
  it('parses and formats the three roles', () => {
    expect(parseRole('admin')).toEqual({ kind: 'admin' });
    expect(parseRole('viewer')).toEqual({ kind: 'viewer' });
    expect(parseRole('domain:sales')).toEqual({ kind: 'domain', domain: 'sales' });
    expect(formatRole(parseRole('domain:sales.eu'))).toBe('domain:sales.eu');
    for (const bad of ['root', 'domain:', 'domain:a b', 'Admin'])
      expect(() => parseRole(bad)).toThrow(/role/);
  });

  it('keeps token names usable as basic-auth users', () => {
    expect(checkTokenName('ci-sales@team.1')).toBeUndefined();
    for (const bad of ['', 'a:b', 'a b', '-x', 'x'.repeat(65)]) expect(checkTokenName(bad)).toBeDefined();
  });
});
