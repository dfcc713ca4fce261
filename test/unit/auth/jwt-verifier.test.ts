import { constants, createHmac, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type JwtSettings, JwtVerifier } from '../../../src/auth/jwt-verifier.ts';
import { RestAuthenticator } from '../../../src/auth/rest-authenticator.ts';
import { createToken } from '../../../src/auth/token-admin.ts';
import { TokenStore } from '../../../src/auth/token-store.ts';

const log = { info: () => undefined, error: () => undefined };
const now = Math.floor(Date.now() / 1000);

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function jwt(
  alg: string,
  key: KeyObject,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
) {
  const data = `${b64({ alg, typ: 'JWT', ...header })}.${b64(claims)}`;
  const hash = alg === 'EdDSA' ? null : `sha${alg.slice(2)}`;
  const signature = sign(hash, Buffer.from(data), {
    key,
    ...(alg.startsWith('PS') && {
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    }),
    ...(alg.startsWith('ES') && { dsaEncoding: 'ieee-p1363' as const }),
  });
  return `${data}.${signature.toString('base64url')}`;
}

const claims = (extra: Record<string, unknown> = {}) => ({
  sub: 'alice',
  role: 'domain:sales',
  iss: 'https://idp.example',
  aud: ['onramp', 'other'],
  exp: now + 300,
  ...extra,
});

function jwks(keys: Array<[KeyObject, string | undefined]>): string {
  return JSON.stringify({
    keys: keys.map(([key, kid]) => ({ ...key.export({ format: 'jwk' }), ...(kid && { kid }) })),
  });
}

function verifier(
  keys: string,
  settings: Partial<JwtSettings> = {},
): { verifier: JwtVerifier; file: string } {
  const file = join(mkdtempSync(join(tmpdir(), 'onramp-jwks-')), 'jwks.json');
  writeFileSync(file, keys);
  const full: JwtSettings = {
    jwksFile: file,
    issuer: 'https://idp.example',
    audience: 'onramp',
    roleClaim: 'role',
    nameClaim: 'sub',
    ...settings,
  };
  return { verifier: new JwtVerifier(full, log), file };
}

const standard = jwks([
  [rsa.publicKey, 'rsa-1'],
  [ec.publicKey, 'ec-1'],
  [ed.publicKey, undefined],
]);

describe('JwtVerifier', () => {
  it('accepts RS256, PS256, ES256 and EdDSA tokens signed by a JWKS key', async () => {
    const { verifier: check } = verifier(standard);
    const alice = { ok: true, principal: { name: 'alice', role: { kind: 'domain', domain: 'sales' } } };
    expect(await check.verify(jwt('RS256', rsa.privateKey, claims(), { kid: 'rsa-1' }))).toEqual(alice);
    expect(await check.verify(jwt('PS256', rsa.privateKey, claims(), { kid: 'rsa-1' }))).toEqual(alice);
    expect(await check.verify(jwt('ES256', ec.privateKey, claims(), { kid: 'ec-1' }))).toEqual(alice);
    // No kid: the one key of the algorithm's type is used.
    expect(await check.verify(jwt('EdDSA', ed.privateKey, claims()))).toEqual(alice);
  });

  it('refuses forgeries: alg none, HS256 keyed with the public key, a changed payload, a foreign key', async () => {
    const { verifier: check } = verifier(standard);
    const none = `${b64({ alg: 'none' })}.${b64(claims({ role: 'admin' }))}.x`;
    expect(await check.verify(none)).toEqual({
      ok: false,
      message: 'The token is not valid: JWT algorithm none is not accepted.',
    });
    const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' });
    const data = `${b64({ alg: 'HS256', kid: 'rsa-1' })}.${b64(claims({ role: 'admin' }))}`;
    const hs256 = `${data}.${createHmac('sha256', pem).update(data).digest('base64url')}`;
    expect(await check.verify(hs256)).toMatchObject({ ok: false, message: expect.stringContaining('HS256') });

    const [header, , signature] = jwt('RS256', rsa.privateKey, claims(), { kid: 'rsa-1' }).split('.');
    const tampered = `${header}.${b64(claims({ role: 'admin' }))}.${signature}`;
    expect(await check.verify(tampered)).toMatchObject({
      message: expect.stringContaining('does not verify'),
    });

    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(await check.verify(jwt('RS256', stranger.privateKey, claims(), { kid: 'rsa-1' }))).toMatchObject({
      ok: false,
    });
    expect(await check.verify(jwt('RS256', rsa.privateKey, claims(), { kid: 'rsa-9' }))).toMatchObject({
      message: expect.stringContaining('no RS256 key with kid rsa-9'),
    });
    // An EC token naming the RSA key's kid finds no key of its type.
    expect(await check.verify(jwt('ES256', ec.privateKey, claims(), { kid: 'rsa-1' }))).toMatchObject({
      ok: false,
    });
  });

  it('checks exp, nbf, issuer, audience and the role and name claims', async () => {
    const { verifier: check } = verifier(standard);
    const token = (extra: Record<string, unknown>) =>
      jwt('RS256', rsa.privateKey, claims(extra), { kid: 'rsa-1' });
    const reason = async (extra: Record<string, unknown>) => {
      const result = await check.verify(token(extra));
      return result.ok ? 'ok' : result.message;
    };
    expect(await reason({ exp: now - 120 })).toContain('expired');
    expect(await reason({ exp: now - 30 })).toBe('ok'); // within the clock skew
    expect(await reason({ exp: undefined })).toContain('no exp claim');
    expect(await reason({ nbf: now + 600 })).toContain('not valid yet');
    expect(await reason({ iss: 'https://evil.example' })).toContain('issuer');
    expect(await reason({ aud: 'other' })).toContain('audience');
    expect(await reason({ aud: 'onramp' })).toBe('ok');
    expect(await reason({ role: undefined })).toContain('no role claim');
    expect(await reason({ role: 'superuser' })).toContain('role');
    expect(await reason({ sub: undefined })).toContain('no sub claim');
  });

  it('reads the role from a namespaced claim or a dotted path', async () => {
    const namespaced = verifier(standard, { roleClaim: 'https://onramp.example/role', issuer: undefined });
    const nested = verifier(standard, { roleClaim: 'onramp.role', nameClaim: 'email', audience: undefined });
    const token = jwt(
      'RS256',
      rsa.privateKey,
      claims({ 'https://onramp.example/role': 'viewer', onramp: { role: 'admin' }, email: 'a@x' }),
      { kid: 'rsa-1' },
    );
    expect(await namespaced.verifier.verify(token)).toMatchObject({
      principal: { role: { kind: 'viewer' } },
    });
    expect(await nested.verifier.verify(token)).toEqual({
      ok: true,
      principal: { name: 'a@x', role: { kind: 'admin' } },
    });
  });

  it('picks up a rotated JWKS without a restart, and accepts nothing from a broken one', async () => {
    const { verifier: check, file } = verifier(jwks([[rsa.publicKey, 'rsa-1']]));
    const token = jwt('ES256', ec.privateKey, claims(), { kid: 'ec-2' });
    expect(await check.verify(token)).toMatchObject({ ok: false });
    writeFileSync(
      file,
      jwks([
        [rsa.publicKey, 'rsa-1'],
        [ec.publicKey, 'ec-2'],
      ]),
    );
    expect(await check.verify(token)).toMatchObject({ ok: true });
    writeFileSync(file, '{"keys": ');
    expect(await check.verify(token)).toMatchObject({ ok: false });
  });
});

describe('RestAuthenticator', () => {
  it('sends onramp tokens to the token store and JWTs to the verifier', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'onramp-tokens-')), 'tokens.yaml');
    const { token } = createToken(file, 'ops', 'admin');
    const { verifier: check } = verifier(standard);
    const authenticator = new RestAuthenticator(new TokenStore(file, log), check);
    expect(await authenticator.authenticate({ scheme: 'bearer', token })).toEqual({
      ok: true,
      principal: { name: 'ops', role: { kind: 'admin' } },
    });
    const signed = jwt('RS256', rsa.privateKey, claims(), { kid: 'rsa-1' });
    expect(await authenticator.authenticate({ scheme: 'bearer', token: signed })).toMatchObject({
      ok: true,
      principal: { name: 'alice' },
    });
    // Basic auth is for our tokens only.
    expect(await authenticator.authenticate({ scheme: 'basic', name: 'alice', token: signed })).toEqual({
      ok: false,
      message: 'The token is not valid (unknown or revoked).',
    });
    const withoutJwt = new RestAuthenticator(new TokenStore(file, log), undefined);
    expect(await withoutJwt.authenticate({ scheme: 'bearer', token: signed })).toMatchObject({ ok: false });
  });
});

describe('JwtVerifier with a JWKS URL', () => {
  // A real HTTP server standing in for the identity provider's JWKS endpoint.
  let body = jwks([[rsa.publicKey, 'rsa-1']]);
  let status = 200;
  let requests = 0;
  const servers: Server[] = [];
  afterAll(() => Promise.all(servers.map((server) => new Promise((done) => server.close(done)))));

  async function provider(): Promise<string> {
    const server = createServer((request, response) => {
      requests++;
      if (request.url === '/moved') {
        response.writeHead(302, { location: '/jwks' }).end();
        return;
      }
      response.writeHead(status, { 'content-type': 'application/json' }).end(body);
    });
    servers.push(server);
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  function remote(url: string, minIntervalMs: number): JwtVerifier {
    return new JwtVerifier(
      {
        jwksUrl: url,
        jwksFetch: { minIntervalMs, maxAgeMs: 60_000, timeoutMs: 2_000 },
        issuer: undefined,
        audience: undefined,
        roleClaim: 'role',
        nameClaim: 'sub',
      },
      log,
    );
  }

  it('fetches the keys once, again for an unknown key id (rate-limited), and keeps them through an outage', async () => {
    const base = await provider();
    body = jwks([[rsa.publicKey, 'rsa-1']]);
    status = 200;
    requests = 0;
    const check = remote(`${base}/jwks`, 0);
    const rs = jwt('RS256', rsa.privateKey, claims(), { kid: 'rsa-1' });
    expect(await check.verify(rs)).toMatchObject({ ok: true, principal: { name: 'alice' } });
    expect(await check.verify(rs)).toMatchObject({ ok: true });
    expect(requests).toBe(1);
    // The provider rotates in a new key: a token naming it makes the host fetch again.
    body = jwks([
      [rsa.publicKey, 'rsa-1'],
      [ec.publicKey, 'ec-2'],
    ]);
    const es = jwt('ES256', ec.privateKey, claims(), { kid: 'ec-2' });
    expect(await check.verify(es)).toMatchObject({ ok: true });
    expect(requests).toBe(2);
    // The provider fails: the keys it served stay in use.
    status = 503;
    const forged = jwt('ES256', ec.privateKey, claims(), { kid: 'nope' });
    expect(await check.verify(forged)).toMatchObject({ ok: false });
    expect(await check.verify(es)).toMatchObject({ ok: true });
    // It answers something that is no JWKS: no key is left.
    status = 200;
    body = '<html>maintenance</html>';
    expect(await check.verify(forged)).toMatchObject({ ok: false });
    expect(await check.verify(es)).toMatchObject({ ok: false });
  });

  it('asks at most once per interval for unknown key ids, and follows no redirect', async () => {
    const base = await provider();
    body = jwks([[rsa.publicKey, 'rsa-1']]);
    status = 200;
    requests = 0;
    const check = remote(`${base}/jwks`, 60_000);
    const unknown = jwt('RS256', rsa.privateKey, claims(), { kid: 'made-up' });
    for (let attempt = 0; attempt < 20; attempt++)
      expect(await check.verify(unknown)).toMatchObject({ ok: false });
    expect(requests).toBe(1);
    const moved = remote(`${base}/moved`, 0);
    expect(await moved.verify(jwt('RS256', rsa.privateKey, claims(), { kid: 'rsa-1' }))).toMatchObject({
      ok: false,
    });
  });
});
