import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  readCertificates,
  readPemKeyStore,
  readPrivateKey,
  TlsSettingError,
  tlsConnectOptions,
  tlsFailure,
} from '../../../../connectors/shared/tls.ts';

// The connectors' TLS files: read as PEM (or pgjdbc's DER PKCS#8 key), decrypted with their
// password, and Java key stores refused with how to convert them, each problem naming the setting.

const dir = mkdtempSync(join(tmpdir(), 'onramp-tls-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

function settingError(work: () => unknown): TlsSettingError {
  try {
    work();
  } catch (error) {
    if (error instanceof TlsSettingError) return error;
    throw error;
  }
  throw new Error('expected a TlsSettingError');
}

describe('TLS files', () => {
  it('reads a private key as PEM, DER PKCS#8 and encrypted PEM', () => {
    expect(readPrivateKey(file('k.pem', pem), undefined, 'database.sslkey', 'database.sslpassword')).toBe(
      pem,
    );
    const der = privateKey.export({ format: 'der', type: 'pkcs8' });
    expect(readPrivateKey(file('k.pk8', der), undefined, 'database.sslkey', 'database.sslpassword')).toBe(
      pem,
    );
    const encrypted = privateKey
      .export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'open sesame' })
      .toString();
    const path = file('k.enc.pem', encrypted);
    expect(readPrivateKey(path, 'open sesame', 'database.sslkey', 'database.sslpassword')).toBe(pem);
    const wrong = settingError(() =>
      readPrivateKey(path, 'wrong', 'database.sslkey', 'database.sslpassword'),
    );
    expect(wrong.field).toBe('database.sslpassword');
    expect(wrong.message).toMatch(/does not decrypt with database.sslpassword/);
    const missing = settingError(() =>
      readPrivateKey(path, undefined, 'database.sslkey', 'database.sslpassword'),
    );
    expect(missing.message).toMatch(/is encrypted: set database.sslpassword/);
  });

  it('refuses Java key stores and unreadable or foreign files, naming the setting', () => {
    const jks = file('store.jks', Buffer.from([0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2, 0, 0, 0, 1]));
    const refused = settingError(() => readCertificates(jks, 'database.ssl.truststore'));
    expect(refused.field).toBe('database.ssl.truststore');
    expect(refused.message).toMatch(
      /is a Java key store \(JKS\); Onramp reads PEM files: convert it, e\.g\. keytool -importkeystore/,
    );
    const absent = settingError(() => readCertificates(join(dir, 'absent.pem'), 'database.sslrootcert'));
    expect(absent.message).toBe(`Cannot read database.sslrootcert file ${join(dir, 'absent.pem')} (ENOENT)`);
    const text = settingError(() => readCertificates(file('notes.txt', 'hello'), 'database.sslrootcert'));
    expect(text.message).toMatch(/holds no certificate Onramp can read/);
    const keyOnly = settingError(() =>
      readPemKeyStore(
        file('key-only.pem', pem),
        undefined,
        'database.ssl.keystore',
        'database.ssl.keystore.password',
      ),
    );
    expect(keyOnly.message).toMatch(/must hold the client's private key and its certificate/);
  });
});

describe('TLS verification levels and failures', () => {
  it('checks the host name only when asked to', () => {
    const none = tlsConnectOptions({ verify: 'none', host: 'db' });
    expect(none.rejectUnauthorized).toBe(false);
    const ca = tlsConnectOptions({ verify: 'ca', host: 'db' });
    expect(ca.rejectUnauthorized).toBe(true);
    const cert = { subject: { CN: 'other' }, subjectaltname: 'DNS:other' } as never;
    expect(ca.checkServerIdentity?.('db', cert)).toBeUndefined();
    const full = tlsConnectOptions({ verify: 'full', host: '127.0.0.1' });
    expect(
      full.checkServerIdentity?.('ignored', { subject: {}, subjectaltname: 'DNS:localhost' } as never),
    ).toBeInstanceOf(Error);
    expect(
      full.checkServerIdentity?.('ignored', { subject: {}, subjectaltname: 'IP Address:127.0.0.1' } as never),
    ).toBeUndefined();
  });

  it('tells what a failed handshake means', () => {
    const error = (message: string, code?: string) => Object.assign(new Error(message), { code });
    expect(
      tlsFailure(error('unable to verify the first certificate', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'))?.kind,
    ).toBe('untrusted');
    // mysql2 replaces Node's code with its own; the message still tells
    expect(
      tlsFailure(error('self-signed certificate in certificate chain', 'HANDSHAKE_SSL_ERROR'))?.kind,
    ).toBe('untrusted');
    expect(
      tlsFailure(
        error(
          "Hostname/IP does not match certificate's altnames: IP: 127.0.0.1 is not in the cert's list: ",
          'ERR_TLS_CERT_ALTNAME_INVALID',
        ),
      )?.kind,
    ).toBe('hostname');
    expect(tlsFailure(error('The server does not support SSL connections'))?.kind).toBe('no-tls');
    expect(
      tlsFailure(error('Server does not support secure connection', 'HANDSHAKE_NO_SSL_SUPPORT'))?.kind,
    ).toBe('no-tls');
    expect(tlsFailure(error('certificate has expired', 'CERT_HAS_EXPIRED'))?.kind).toBe('expired');
    expect(tlsFailure(error('password authentication failed for user "x"', '28P01'))).toBeUndefined();
    expect(tlsFailure(error('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'))).toBeUndefined();
  });
});
