import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createToken, listTokens, revokeToken } from '../../../src/auth/token-admin.ts';
import { TokenStore } from '../../../src/auth/token-store.ts';

function tokensFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'onramp-tokens-')), 'nested', 'tokens.yaml');
}

function quietStore(file: string): { store: TokenStore; errors: string[] } {
  const errors: string[] = [];
  const store = new TokenStore(file, {
    info: () => undefined,
    error: (_details, message) => errors.push(message),
  });
  return { store, errors };
}

describe('token admin and store', () => {
  it('stores only a hash, readable by its owner only', () => {
    const file = tokensFile();
    const { token, entry } = createToken(file, 'ci', 'domain:sales', new Date('2026-12-06T00:00:00Z'));
    expect(token).toMatch(/^onramp_[A-Za-z0-9_-]{43}$/);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(token);
    expect(text).toContain(entry.hash);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(listTokens(file)).toEqual([
      {
        name: 'ci',
        role: { kind: 'domain', domain: 'sales' },
        hash: entry.hash,
        created: '2026-12-06T00:00:00.000Z',
      },
    ]);
    expect(() => createToken(file, 'ci', 'admin')).toThrow(/exists already/);
    expect(() => createToken(file, 'other', 'superuser')).toThrow(/role/);
  });

  it('authenticates bearer tokens and basic auth with the matching name', async () => {
    const file = tokensFile();
    const admin = createToken(file, 'root', 'admin').token;
    const viewer = createToken(file, 'dash', 'viewer').token;
    const { store } = quietStore(file);
    expect(await store.authenticate({ scheme: 'bearer', token: admin })).toEqual({
      name: 'root',
      role: { kind: 'admin' },
    });
    expect(await store.authenticate({ scheme: 'basic', name: 'dash', token: viewer })).toEqual({
      name: 'dash',
      role: { kind: 'viewer' },
    });
    // Right token, someone else's name; and a token that was never issued.
    expect(await store.authenticate({ scheme: 'basic', name: 'root', token: viewer })).toBeUndefined();
    expect(await store.authenticate({ scheme: 'bearer', token: `${admin}x` })).toBeUndefined();
  });

  it('sees creates and revokes made after it started, immediately', async () => {
    const file = tokensFile();
    const { store } = quietStore(file);
    expect(await store.authenticate({ scheme: 'bearer', token: 'onramp_nothing' })).toBeUndefined();
    // Back-to-back writes of same-sized files: the stat alone could look unchanged.
    const first = createToken(file, 'a1', 'viewer').token;
    expect(await store.authenticate({ scheme: 'bearer', token: first })).toMatchObject({ name: 'a1' });
    revokeToken(file, 'a1');
    const second = createToken(file, 'a2', 'viewer').token;
    expect(await store.authenticate({ scheme: 'bearer', token: first })).toBeUndefined();
    expect(await store.authenticate({ scheme: 'bearer', token: second })).toMatchObject({ name: 'a2' });
    expect(() => revokeToken(file, 'a1')).toThrow(/no token named a1/);
  });

  it('accepts no token once the file is broken (fails closed) and recovers when it is fixed', async () => {
    const file = tokensFile();
    const token = createToken(file, 'root', 'admin').token;
    const good = readFileSync(file, 'utf8');
    const { store, errors } = quietStore(file);
    expect(await store.authenticate({ scheme: 'bearer', token })).toBeDefined();
    writeFileSync(file, 'tokens: [ {name: root, role: admin, hash: ');
    expect(await store.authenticate({ scheme: 'bearer', token })).toBeUndefined();
    expect(errors).toContain('REST tokens file unreadable: no token is accepted');
    writeFileSync(file, good.replace('role: admin', 'role: superuser'));
    expect(await store.authenticate({ scheme: 'bearer', token })).toBeUndefined();
    writeFileSync(file, good);
    expect(await store.authenticate({ scheme: 'bearer', token })).toBeDefined();
  });
});
