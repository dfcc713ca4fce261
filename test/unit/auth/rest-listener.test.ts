import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planRestListener } from '../../../src/auth/rest-listener.ts';
import { parseListener } from '../../../src/auth/rest-settings.ts';
import { loadHostConfig } from '../../../src/config/host-config.ts';

const dir = mkdtempSync(join(tmpdir(), 'onramp-rest-listener-'));

function config(yaml: string) {
  const file = join(dir, `host-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  return loadHostConfig({ env: {}, file, cwd: '/srv/onramp' });
}

describe('REST security settings', () => {
  it('defaults to no auth on loopback, tokens in the data dir', () => {
    const rest = config('data.dir: /var/lib/onramp\n').rest;
    expect(rest).toMatchObject({
      host: '127.0.0.1',
      port: 8083,
      listener: undefined,
      tls: { clientAuth: 'none', certificate: undefined, key: undefined, truststore: undefined },
      auth: { mode: 'none', allowNone: false, tokensFile: '/var/lib/onramp/tokens.yaml', jwt: undefined },
      allowedHosts: [],
    });
    const plan = planRestListener(rest);
    expect(plan).toMatchObject({ scheme: 'http', host: '127.0.0.1', port: 8083, https: undefined });
    expect(plan.hostAllowList?.allows('localhost:8083')).toBe(true);
  });

  it('reads nested and dotted keys for auth, listeners and allowed hosts', () => {
    const rest = config(
      [
        'rest:',
        '  auth: token',
        '  auth.tokens.file: secrets/tokens.yaml',
        '  allowed.hosts: [Onramp.Internal, onramp.example.com:8443]',
        'listeners: http://:9000',
      ].join('\n'),
    ).rest;
    expect(rest.auth).toEqual({
      mode: 'token',
      allowNone: false,
      tokensFile: '/srv/onramp/secrets/tokens.yaml',
    });
    expect(rest.allowedHosts).toEqual(['onramp.internal', 'onramp.example.com:8443']);
    const plan = planRestListener(rest);
    expect(plan).toMatchObject({ scheme: 'http', host: '0.0.0.0', port: 9000 });
    expect(plan.hostAllowList?.allows('onramp.example.com')).toBe(true);
    expect(plan.hostAllowList?.allows('evil.example')).toBe(false);
  });

  it('reads the JWT settings, which need rest.auth=token', () => {
    const yaml = 'rest.auth.jwt.jwks.file: /etc/onramp/jwks.json\nrest.auth.jwt.audience: onramp\n';
    expect(config(`rest.auth: token\n${yaml}`).rest.auth.jwt).toEqual({
      jwksFile: '/etc/onramp/jwks.json',
      issuer: undefined,
      audience: 'onramp',
      roleClaim: 'role',
      nameClaim: 'sub',
    });
    expect(config('').rest.auth.jwt).toBeUndefined();
    expect(() => planRestListener(config(yaml).rest)).toThrow(
      /rest.auth.jwt.jwks.file is set but rest.auth is not token/,
    );
  });

  it('takes a JWKS URL instead of a file: https, or http to this machine only, never both', () => {
    const url = 'rest.auth.jwt.jwks.url: https://idp.example/.well-known/jwks.json\n';
    expect(config(`rest.auth: token\n${url}`).rest.auth.jwt).toEqual({
      jwksUrl: 'https://idp.example/.well-known/jwks.json',
      issuer: undefined,
      audience: undefined,
      roleClaim: 'role',
      nameClaim: 'sub',
    });
    expect(config('rest.auth.jwt.jwks.url: http://127.0.0.1:8080/jwks\n').rest.auth.jwt?.jwksUrl).toBe(
      'http://127.0.0.1:8080/jwks',
    );
    expect(() => config('rest.auth.jwt.jwks.url: http://idp.example/jwks\n')).toThrow(
      /invalid rest.auth.jwt.jwks.url .*must be an https:\/\/ URL/,
    );
    expect(() => config('rest.auth.jwt.jwks.url: file:///etc/passwd\n')).toThrow(/https/);
    expect(() => config(`${url}rest.auth.jwt.jwks.file: /etc/onramp/jwks.json\n`)).toThrow(/not both/);
    expect(() => planRestListener(config(url).rest)).toThrow(
      /rest.auth.jwt.jwks.url is set but rest.auth is not token/,
    );
  });

  it('parses Kafka Connect listener URLs', () => {
    expect(parseListener('')).toBeUndefined();
    expect(parseListener('HTTPS://0.0.0.0:8443')).toEqual({ scheme: 'https', host: '0.0.0.0', port: 8443 });
    expect(parseListener('http://[::1]:8083/')).toEqual({ scheme: 'http', host: '::1', port: 8083 });
    for (const bad of [
      '127.0.0.1:8083',
      'ftp://x:1',
      'http://x',
      'http://x:70000',
      'http://a:1,https://b:2',
    ]) {
      expect(() => parseListener(bad), bad).toThrow();
    }
    expect(() => config('listeners: tcp://x:1\n')).toThrow(/invalid listeners "tcp:\/\/x:1"/);
    expect(() => config('rest.auth: basic\n')).toThrow(/invalid rest.auth "basic".*none, token/);
  });

  it('refuses rest.auth=none where other machines reach the API, unless allowed on purpose', () => {
    const open = config('rest.host: 0.0.0.0\n').rest;
    expect(() => planRestListener(open)).toThrow(/rest.auth=none while the REST API listens on 0.0.0.0/);
    expect(() => planRestListener(config('listeners: http://10.1.2.3:8083\n').rest)).toThrow(/10.1.2.3/);
    expect(planRestListener(config('rest.host: 0.0.0.0\nrest.auth.allow.none: true\n').rest)).toMatchObject({
      host: '0.0.0.0',
      hostAllowList: undefined,
    });
    expect(planRestListener(config('rest.host: 0.0.0.0\nrest.auth: token\n').rest).host).toBe('0.0.0.0');
    // listeners wins over rest.host.
    expect(planRestListener(config('rest.host: 0.0.0.0\nlisteners: http://127.0.0.1:1\n').rest).port).toBe(1);
  });

  it('needs a readable, matching certificate and key for https', () => {
    expect(() => planRestListener(config('listeners: https://127.0.0.1:8443\n').rest)).toThrow(
      /https:\/\/ listener needs listeners.https.ssl.certificate.location/,
    );
    const missing = config(
      [
        'listeners: https://127.0.0.1:8443',
        `listeners.https.ssl.certificate.location: ${dir}/none.pem`,
        `listeners.https.ssl.key.location: ${dir}/none.key`,
      ].join('\n'),
    );
    expect(() => planRestListener(missing.rest)).toThrow(
      /cannot read listeners.https.ssl.certificate.location/,
    );

    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    for (const name of ['a', 'b']) {
      openssl(
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.pem`,
      );
    }
    const tls = (cert: string, key: string, extra = '') =>
      config(
        [
          'listeners: https://127.0.0.1:8443',
          `listeners.https.ssl.certificate.location: ${dir}/${cert}`,
          `listeners.https.ssl.key.location: ${dir}/${key}`,
          extra,
        ].join('\n'),
      ).rest;
    expect(planRestListener(tls('a.pem', 'a.key')).https).toMatchObject({
      requestCert: false,
      rejectUnauthorized: false,
    });
    expect(() => planRestListener(tls('a.pem', 'b.key'))).toThrow(
      /certificate, key or truststore is unusable/,
    );
    expect(() =>
      planRestListener(tls('a.pem', 'a.key', 'listeners.https.ssl.client.auth: required')),
    ).toThrow(/needs listeners.https.ssl.truststore.location/);
    const required = planRestListener(
      tls(
        'a.pem',
        'a.key',
        `listeners.https.ssl.client.auth: required\nlisteners.https.ssl.truststore.location: ${dir}/b.pem`,
      ),
    );
    expect(required.https).toMatchObject({ requestCert: true, rejectUnauthorized: true });
    const requested = planRestListener(
      tls(
        'a.pem',
        'a.key',
        `listeners.https.ssl.client.auth: requested\nlisteners.https.ssl.truststore.location: ${dir}/b.pem`,
      ),
    );
    expect(requested.https).toMatchObject({ requestCert: true, rejectUnauthorized: false });
  });
});
