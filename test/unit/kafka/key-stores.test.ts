import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { layerProperties, parseConnection } from '../../../src/kafka/client-properties.ts';
import { jksCertificates, jksKeyPair, pkcs12Certificates } from '../../../src/kafka/key-stores.ts';

// PKCS12 and JKS stores as keytool and openssl write them (issue 11): the trusted certificates and the
// client's key come out the same as the PEM files they were made from; a wrong password is named,
// never shown.

const dir = mkdtempSync(join(tmpdir(), 'onramp-key-stores-'));
const path = (name: string) => join(dir, name);
const run = (command: string, args: string[]) => execFileSync(command, args, { stdio: 'pipe' });
const PASSWORD = 'store-pass-4321';

beforeAll(() => {
  run(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'].concat([
      '-keyout',
      path('ca.key'),
      '-out',
      path('ca.pem'),
      '-days',
      '2',
      '-subj',
      '/CN=test-ca',
    ]),
  );
  run(
    'openssl',
    ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'].concat([
      '-keyout',
      path('client.key'),
      '-out',
      path('client.csr'),
      '-subj',
      '/CN=client',
    ]),
  );
  run(
    'openssl',
    ['x509', '-req', '-in', path('client.csr'), '-CA', path('ca.pem'), '-CAkey', path('ca.key')].concat([
      '-CAcreateserial',
      '-out',
      path('client.pem'),
      '-days',
      '2',
    ]),
  );
  const keytool = (args: string[]) => run('keytool', [...args, '-noprompt', '-storepass', PASSWORD]);
  // OpenSSL 1.x's default encryption (RC2), as old stores have it.
  run(
    'openssl',
    ['pkcs12', '-export', '-legacy', '-in', path('client.pem'), '-inkey', path('client.key')].concat([
      '-out',
      path('legacy.p12'),
      '-passout',
      `pass:${PASSWORD}`,
    ]),
  );
  keytool([
    '-importcert',
    '-alias',
    'ca',
    '-file',
    path('ca.pem'),
    '-keystore',
    path('trust.p12'),
    '-storetype',
    'PKCS12',
  ]);
  keytool([
    '-importcert',
    '-alias',
    'ca',
    '-file',
    path('ca.pem'),
    '-keystore',
    path('trust.jks'),
    '-storetype',
    'JKS',
  ]);
  const pass = `pass:${PASSWORD}`;
  run('openssl', [
    'pkcs12',
    '-export',
    '-nokeys',
    '-in',
    path('ca.pem'),
    '-out',
    path('trust-aes.p12'),
    '-passout',
    pass,
  ]);
  run(
    'openssl',
    [
      'pkcs12',
      '-export',
      '-nokeys',
      '-in',
      path('ca.pem'),
      '-out',
      path('trust-3des.p12'),
      '-passout',
      pass,
    ].concat(['-certpbe', 'PBE-SHA1-3DES', '-macalg', 'sha1']),
  );
  run(
    'openssl',
    ['pkcs12', '-export', '-in', path('client.pem'), '-inkey', path('client.key'), '-name', 'client'].concat([
      '-out',
      path('client.p12'),
      '-passout',
      pass,
    ]),
  );
  keytool(
    [
      '-importkeystore',
      '-srckeystore',
      path('client.p12'),
      '-srcstoretype',
      'PKCS12',
      '-srcstorepass',
      PASSWORD,
    ].concat(['-destkeystore', path('client.jks'), '-deststoretype', 'JKS', '-deststorepass', PASSWORD]),
  );
});

const pem = (name: string) => readFileSync(path(name), 'utf8').trim();

describe('trust stores', () => {
  it('reads the CA out of PKCS12 stores from keytool and openssl (PBES2/AES, 3DES) and out of JKS', () => {
    for (const name of ['trust.p12', 'trust-aes.p12', 'trust-3des.p12'])
      expect(pkcs12Certificates(readFileSync(path(name)), PASSWORD).map((cert) => cert.trim())).toEqual([
        pem('ca.pem'),
      ]);
    expect(jksCertificates(readFileSync(path('trust.jks')), PASSWORD).map((cert) => cert.trim())).toEqual([
      pem('ca.pem'),
    ]);
    // As Java's JKS, without a password: read, unchecked.
    expect(jksCertificates(readFileSync(path('trust.jks')), undefined)).toHaveLength(1);
  });

  it('says when the password is wrong or missing', () => {
    expect(() => pkcs12Certificates(readFileSync(path('trust.p12')), 'wrong')).toThrow(
      /password does not open it/,
    );
    expect(() => pkcs12Certificates(readFileSync(path('trust.p12')), undefined)).toThrow(
      /password is needed/,
    );
    expect(() => jksCertificates(readFileSync(path('trust.jks')), 'wrong')).toThrow(
      /password does not open it/,
    );
    expect(() => jksCertificates(readFileSync(path('trust.p12')), PASSWORD)).toThrow(/not a JKS store/);
    expect(() => pkcs12Certificates(readFileSync(path('trust.jks')), PASSWORD)).toThrow(/not a PKCS12 store/);
  });
});

describe('legacy PKCS12 (RC2)', () => {
  it('is refused with the commands that re-export it, as a trust store and as a key store', () => {
    expect(() => pkcs12Certificates(readFileSync(path('legacy.p12')), PASSWORD)).toThrow(
      /RC2 or RC4.*openssl pkcs12 -legacy/,
    );
    const { errors } = parseConnection(
      layerProperties([
        {
          prefix: '',
          properties: {
            'bootstrap.servers': 'b:9093',
            'security.protocol': 'SSL',
            'ssl.keystore.type': 'PKCS12',
            'ssl.keystore.location': path('legacy.p12'),
            'ssl.keystore.password': PASSWORD,
          },
        },
      ]),
      { missingName: (key) => key },
    );
    expect(errors.map((error) => error.field)).toEqual(['ssl.keystore.location']);
    expect(errors[0]?.message).toMatch(/legacy way .*openssl pkcs12 -legacy/);
  });
});

describe('key stores', () => {
  it("unwraps a JKS key store's private key and chain", () => {
    const pair = jksKeyPair(readFileSync(path('client.jks')), PASSWORD, PASSWORD);
    expect(pair.cert.trim()).toBe(pem('client.pem'));
    expect(pair.key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(() => jksKeyPair(readFileSync(path('client.jks')), undefined, 'wrong')).toThrow(
      /key password does not open/,
    );
  });

  it('parses ssl.*store.type PKCS12 and JKS into TLS settings; errors name the key, not the password', () => {
    const parse = (properties: Record<string, string>) =>
      parseConnection(layerProperties([{ prefix: '', properties }]), { missingName: (key) => key });
    const base = { 'bootstrap.servers': 'b:9093', 'security.protocol': 'SSL' };
    const pkcs12 = parse({
      ...base,
      'ssl.truststore.type': 'PKCS12',
      'ssl.truststore.location': path('trust.p12'),
      'ssl.truststore.password': PASSWORD,
      'ssl.keystore.type': 'PKCS12',
      'ssl.keystore.location': path('client.p12'),
      'ssl.keystore.password': PASSWORD,
    });
    expect(pkcs12.errors).toEqual([]);
    expect(pkcs12.connection?.tls?.ca?.map((cert) => cert.trim())).toEqual([pem('ca.pem')]);
    expect(pkcs12.connection?.tls?.pfx).toBe(readFileSync(path('client.p12')).toString('base64'));
    expect(pkcs12.connection?.tls?.keyPassword).toBe(PASSWORD);

    const jks = parse({
      ...base,
      'ssl.truststore.type': 'JKS',
      'ssl.truststore.location': path('trust.jks'),
      'ssl.keystore.type': 'JKS',
      'ssl.keystore.location': path('client.jks'),
      'ssl.keystore.password': PASSWORD,
    });
    expect(jks.errors).toEqual([]);
    expect(jks.connection?.tls?.cert?.trim()).toBe(pem('client.pem'));

    const wrong = parse({
      ...base,
      'ssl.truststore.type': 'PKCS12',
      'ssl.truststore.location': path('trust.p12'),
      'ssl.truststore.password': 'not-it-9876',
      'ssl.keystore.type': 'PKCS12',
      'ssl.keystore.location': path('client.p12'),
      'ssl.keystore.password': 'not-it-9876',
      'ssl.key.password': 'other-5555',
    });
    expect(wrong.errors.map((error) => error.field).sort()).toEqual(
      ['ssl.key.password', 'ssl.keystore.location', 'ssl.truststore.location'].sort(),
    );
    expect(wrong.errors.map((error) => error.message).join('\n')).toMatch(/password does not open it/);
    expect(JSON.stringify(wrong.errors)).not.toMatch(/not-it-9876|other-5555/);

    const misuse = parse({
      ...base,
      'ssl.truststore.type': 'BCFKS',
      'ssl.keystore.type': 'PKCS12',
      'ssl.keystore.certificate.chain': pem('client.pem'),
      'ssl.keystore.key': pem('client.key'),
    });
    expect(misuse.errors.map((error) => error.field).sort()).toEqual(
      ['ssl.truststore.type', 'ssl.keystore.certificate.chain'].sort(),
    );
  });
});
