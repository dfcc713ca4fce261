import { describe, expect, it } from 'vitest';
import { jdbcSinkConfig } from '../../../../connectors/jdbc-sink/config.ts';
import { parseJdbcUrl } from '../../../../connectors/jdbc-sink/jdbc-url.ts';
import { urlTls } from '../../../../connectors/jdbc-sink/tls.ts';
import { parseConfig } from '../../../../src/plugin/index.ts';

// TLS from JDBC URL parameters, by the drivers' own names: what each mode verifies, and the values
// refused (naming the parameter) rather than accepted and ignored.

const tls = (url: string) => urlTls(parseJdbcUrl(url));

describe('JDBC sink TLS parameters: PostgreSQL (pgjdbc names)', () => {
  it('maps sslmode to what is verified', () => {
    expect(tls('jdbc:postgresql://db/app')).toBeUndefined();
    expect(tls('jdbc:postgresql://db/app?sslmode=prefer')).toBeUndefined();
    expect(tls('jdbc:postgresql://db/app?sslmode=disable')).toBeUndefined();
    expect(tls('jdbc:postgresql://db/app?sslmode=require')).toMatchObject({ verify: 'none' });
    expect(tls('jdbc:postgresql://db/app?sslmode=require&sslrootcert=/ca.pem')).toMatchObject({
      verify: 'ca',
      ca: { param: 'sslrootcert', path: '/ca.pem' },
    });
    expect(tls('jdbc:postgresql://db/app?sslmode=verify-ca&sslrootcert=/ca.pem')).toMatchObject({
      verify: 'ca',
    });
    expect(tls('jdbc:postgresql://db/app?sslmode=VERIFY-FULL&sslrootcert=file:///etc/ca.pem')).toMatchObject({
      verify: 'full',
      ca: { path: '/etc/ca.pem' },
    });
    // pgjdbc: ssl=true alone verifies fully
    expect(tls('jdbc:postgresql://db/app?ssl=true')).toMatchObject({ verify: 'full' });
    expect(tls('jdbc:postgresql://db/app?ssl=true&sslmode=require')).toMatchObject({ verify: 'none' });
    expect(tls('jdbc:postgresql://db/app?sslmode=verify-full&sslrootcert=system')).toEqual({
      verify: 'full',
      mode: 'sslmode=verify-full',
    });
  });

  it('takes a client certificate and key (with its password) together', () => {
    expect(
      tls('jdbc:postgresql://db/app?sslmode=verify-full&sslcert=/c.pem&sslkey=/c.pk8&sslpassword=s3cret'),
    ).toMatchObject({
      cert: { param: 'sslcert', path: '/c.pem' },
      key: { param: 'sslkey', path: '/c.pk8', passphrase: 's3cret', passphraseParam: 'sslpassword' },
    });
    expect(() => tls('jdbc:postgresql://db/app?sslmode=verify-full&sslcert=/c.pem')).toThrow(
      /URL parameter sslkey: sslcert and sslkey go together/,
    );
  });

  it.each([
    ['sslmode=maybe', /URL parameter sslmode: unknown value "maybe"/],
    ['ssl=yes', /URL parameter ssl: "yes" is not true or false/],
    [
      'sslmode=require&sslfactory=org.postgresql.ssl.NonValidatingFactory',
      /URL parameter sslfactory: Java classes/,
    ],
    ['sslmode=verify-full&sslhostnameverifier=x.Y', /URL parameter sslhostnameverifier/],
    ['sslmode=require&sslnegotiation=direct', /URL parameter sslnegotiation/],
    [
      'sslrootcert=/ca.pem',
      /URL parameter sslmode: sslrootcert given, but sslmode prefer connects without TLS/,
    ],
    ['sslmode=allow&sslcert=/c&sslkey=/k', /sslcert given, but sslmode allow/],
    ['sslmode=verify-ca&sslrootcert=classpath:ca.pem', /URL parameter sslrootcert: only local files/],
  ])('refuses %s', (query, message) => {
    expect(() => tls(`jdbc:postgresql://db/app?${query}`)).toThrow(message);
  });
});

describe('JDBC sink TLS parameters: MySQL and MariaDB (Connector/J names)', () => {
  it('maps sslMode in either driver’s spelling', () => {
    expect(tls('jdbc:mysql://db/app')).toBeUndefined();
    expect(tls('jdbc:mysql://db/app?sslMode=PREFERRED')).toBeUndefined();
    expect(tls('jdbc:mysql://db/app?sslMode=DISABLED')).toBeUndefined();
    expect(tls('jdbc:mysql://db/app?sslMode=REQUIRED')).toMatchObject({ verify: 'none' });
    expect(tls('jdbc:mysql://db/app?sslMode=VERIFY_CA')).toMatchObject({ verify: 'ca' });
    expect(tls('jdbc:mysql://db/app?sslMode=VERIFY_IDENTITY')).toMatchObject({ verify: 'full' });
    expect(tls('jdbc:mariadb://db/app?sslMode=trust')).toMatchObject({ verify: 'none' });
    expect(tls('jdbc:mariadb://db/app?sslMode=verify-ca')).toMatchObject({ verify: 'ca' });
    expect(tls('jdbc:mariadb://db/app?sslMode=verify-full')).toMatchObject({ verify: 'full' });
  });

  it('reads the legacy flags as each driver did', () => {
    expect(tls('jdbc:mysql://db/app?useSSL=true')).toMatchObject({ verify: 'ca' });
    expect(tls('jdbc:mysql://db/app?useSSL=true&verifyServerCertificate=false')).toMatchObject({
      verify: 'none',
    });
    expect(tls('jdbc:mysql://db/app?useSSL=false')).toBeUndefined();
    expect(tls('jdbc:mariadb://db/app?useSsl=true')).toMatchObject({ verify: 'full' });
    expect(tls('jdbc:mariadb://db/app?useSsl=true&disableSslHostnameVerification=true')).toMatchObject({
      verify: 'ca',
    });
    expect(tls('jdbc:mariadb://db/app?useSsl=true&trustServerCertificate=true')).toMatchObject({
      verify: 'none',
    });
    // sslMode wins over the legacy flags
    expect(tls('jdbc:mysql://db/app?useSSL=true&sslMode=VERIFY_IDENTITY')).toMatchObject({ verify: 'full' });
  });

  it('takes the CA from serverSslCert (file or inline PEM), trustCertificateKeyStoreUrl or trustStore', () => {
    expect(tls('jdbc:mariadb://db/app?sslMode=verify-full&serverSslCert=/ca.pem')).toMatchObject({
      ca: { param: 'serverSslCert', path: '/ca.pem' },
    });
    const inline = encodeURIComponent('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----');
    expect(tls(`jdbc:mariadb://db/app?sslMode=verify-ca&serverSslCert=${inline}`)).toMatchObject({
      ca: { param: 'serverSslCert', pem: expect.stringContaining('BEGIN CERTIFICATE') },
    });
    expect(
      tls(
        'jdbc:mysql://db/app?sslMode=VERIFY_CA&trustCertificateKeyStoreUrl=file:/etc/ca.pem&trustCertificateKeyStoreType=PEM',
      ),
    ).toMatchObject({ ca: { param: 'trustCertificateKeyStoreUrl', path: '/etc/ca.pem' } });
    expect(
      tls(
        'jdbc:mysql://db/app?sslMode=VERIFY_IDENTITY&clientCertificateKeyStoreUrl=file:/etc/client.pem&clientCertificateKeyStorePassword=pw',
      ),
    ).toMatchObject({
      keystore: { param: 'clientCertificateKeyStoreUrl', path: '/etc/client.pem', passphrase: 'pw' },
    });
  });

  it.each([
    ['sslMode=SOMETIMES', /URL parameter sslMode: unknown value "SOMETIMES"/],
    ['useSSL=maybe', /URL parameter useSSL: "maybe" is not true or false/],
    [
      'sslMode=VERIFY_CA&trustCertificateKeyStoreUrl=/ts.jks&trustCertificateKeyStoreType=JKS',
      /URL parameter trustCertificateKeyStoreType: JKS key stores are not read: convert/,
    ],
    [
      'serverSslCert=/ca.pem',
      /URL parameter sslMode: serverSslCert given, but no sslMode connects without TLS/,
    ],
    ['sslMode=PREFERRED&trustCertificateKeyStoreUrl=/ca.pem', /sslMode PREFERRED connects without TLS/],
    ['sslMode=VERIFY_CA&serverSslCert=classpath:ca.pem', /URL parameter serverSslCert: only local files/],
  ])('refuses %s', (query, message) => {
    expect(() => tls(`jdbc:mysql://db/app?${query}`)).toThrow(message);
  });

  it('reports a refused parameter as a connection.url validation error', () => {
    const { errors } = parseConfig(jdbcSinkConfig, {
      'connection.url': 'jdbc:postgresql://db/app?sslmode=verify-everything',
    });
    expect(errors).toHaveLength(1);
    expect(errors[0]?.field).toBe('connection.url');
    expect(errors[0]?.message).toMatch(/URL parameter sslmode: unknown value "verify-everything"/);
  });
});
