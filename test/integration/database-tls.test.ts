// TLS to the stack's PostgreSQL and MariaDB (certificates of the stack's database CA, DB_CA_FILE) from
// all three connectors: verification with the right CA passes and with a wrong CA (made here) fails
// at validation naming the TLS problem and the setting; client certificates log in the user the
// servers admit only with one (DB_CERT_USER), in every key format the connectors read; and a whole
// source task (probe, snapshot, stream) runs as that user, so every connection it opens is TLS.
import type mysql from 'mysql2/promise';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jdbcSinkPlugin } from '../../connectors/jdbc-sink/index.ts';
import { openPool } from '../../connectors/jdbc-sink/pool.ts';
import { connect as connectMysql } from '../../connectors/mysql-source/connection.ts';
import { mysqlSourcePlugin } from '../../connectors/mysql-source/index.ts';
import { connect as connectPostgres } from '../../connectors/postgres-source/connection.ts';
import { postgresSourcePlugin } from '../../connectors/postgres-source/index.ts';
import { type FieldError, parseConfig } from '../../src/plugin/index.ts';
import * as mysqlHarness from '../fixtures/mysql/task-harness.ts';
import * as pgHarness from '../fixtures/postgres/task-harness.ts';
import { databaseTls, services } from '../support/services.ts';
import {
  type CertificateFolder,
  certificateFolder,
  clientKeyVariants,
} from '../support/test-certificates.ts';

const PG_DATABASE = `onramp_tls_${process.pid}`;
const MYSQL_DATABASE = `onramp_tls_${process.pid}`;
const KEY_PASSWORD = 'key pass';

let certs: CertificateFolder;
let wrongCa: string;
let jks: string;
let keys: ReturnType<typeof clientKeyVariants>;
let pgClient: pg.Client;
let dropPg: () => Promise<void>;
let mysqlClient: mysql.Connection;
let dropMysql: () => Promise<void>;

beforeAll(async () => {
  const tls = databaseTls();
  certs = certificateFolder();
  wrongCa = certs.ca('wrong-ca');
  jks = certs.write('truststore.jks', Buffer.from([0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2, 0, 0, 0, 1]));
  keys = clientKeyVariants(certs, tls.clientCertFile, tls.clientKeyFile, KEY_PASSWORD);
  ({ client: pgClient, drop: dropPg } = await pgHarness.createTestDatabase(services().pgUrl, PG_DATABASE));
  await pgClient.query('CREATE TABLE items (id int PRIMARY KEY, name text)');
  await pgClient.query("INSERT INTO items VALUES (1, 'lamp')");
  ({ client: mysqlClient, drop: dropMysql } = await mysqlHarness.createTestDatabase(
    services().mysqlUrl,
    MYSQL_DATABASE,
  ));
  await mysqlClient.query('CREATE TABLE items (id int PRIMARY KEY, name varchar(20))');
  await mysqlClient.query("INSERT INTO items VALUES (1, 'lamp')");
});

afterAll(async () => {
  await dropPg?.();
  await dropMysql?.();
  certs?.remove();
});

const byField = (errors: FieldError[]) =>
  Object.fromEntries(errors.map((error) => [error.field, error.message]));

describe('PostgreSQL source: database.sslmode', () => {
  const base = () => ({
    ...pgHarness.connectionSettings(services().pgUrl, PG_DATABASE),
    'topic.prefix': 'tls',
    'slot.name': pgHarness.slotName('tls_probe'),
    'table.include.list': 'public.items',
  });

  function config(overrides: Record<string, string>) {
    const parsed = parseConfig(postgresSourcePlugin.config, { ...base(), ...overrides });
    expect(parsed.errors).toEqual([]);
    return parsed.values;
  }

  const probe = async (overrides: Record<string, string>) =>
    (await postgresSourcePlugin.config.probe?.(config(overrides))) ?? [];

  /** Whether the connection the connector opens with these settings is encrypted. */
  async function encrypted(overrides: Record<string, string>): Promise<{ ssl: boolean; dn: string | null }> {
    const client = await connectPostgres(config(overrides), 'tls check');
    try {
      // The connector's connections read every value as text.
      const { rows } = await client.query<{ ssl: string; client_dn: string | null }>(
        'SELECT ssl, client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
      );
      return { ssl: rows[0]?.ssl === 't', dn: rows[0]?.client_dn ?? null };
    } finally {
      await client.end();
    }
  }

  it('verify-full and verify-ca pass with the CA that signed the server certificate', async () => {
    const ca = databaseTls().caFile;
    expect(await probe({ 'database.sslmode': 'verify-full', 'database.sslrootcert': ca })).toEqual([]);
    expect(await probe({ 'database.sslmode': 'verify-ca', 'database.sslrootcert': ca })).toEqual([]);
    expect(await encrypted({ 'database.sslmode': 'verify-full', 'database.sslrootcert': ca })).toEqual({
      ssl: true,
      dn: null,
    });
  });

  it('fails validation with a wrong CA, naming database.sslrootcert and the TLS problem', async () => {
    for (const mode of ['verify-ca', 'verify-full', 'require']) {
      const errors = byField(await probe({ 'database.sslmode': mode, 'database.sslrootcert': wrongCa }));
      expect(Object.keys(errors)).toEqual(['database.sslrootcert']);
      expect(errors['database.sslrootcert']).toMatch(
        new RegExp(
          `^TLS to PostgreSQL at 127\\.0\\.0\\.1:\\d+ failed with database\\.sslmode=${mode}: the server's certificate is not signed by a trusted CA \\(.+\\); check that database\\.sslrootcert \\(${wrongCa}\\) holds the CA that signed it$`,
        ),
      );
    }
  });

  it('verifies against the CAs Node.js trusts without database.sslrootcert (and ours is not one)', async () => {
    const errors = byField(await probe({ 'database.sslmode': 'verify-full' }));
    expect(Object.keys(errors)).toEqual(['database.sslmode']);
    expect(errors['database.sslmode']).toMatch(/not signed by a trusted CA .*set database\.sslrootcert/);
  });

  it('require encrypts without verifying, prefer encrypts when offered, disable does not', async () => {
    expect(await probe({ 'database.sslmode': 'require' })).toEqual([]);
    expect((await encrypted({ 'database.sslmode': 'require' })).ssl).toBe(true);
    expect((await encrypted({ 'database.sslmode': 'prefer' })).ssl).toBe(true);
    expect((await encrypted({ 'database.sslmode': 'allow' })).ssl).toBe(false);
    expect((await encrypted({ 'database.sslmode': 'disable' })).ssl).toBe(false);
  });

  it('logs in the certificate-only user with database.sslcert and database.sslkey in each key format', async () => {
    const tls = databaseTls();
    const certUser = {
      'database.user': tls.certUser,
      'database.password': '',
      'database.sslmode': 'verify-full',
      'database.sslrootcert': tls.caFile,
      'database.sslcert': tls.clientCertFile,
    };
    expect(await probe({ ...certUser, 'database.sslkey': tls.clientKeyFile })).toEqual([]);
    expect(await probe({ ...certUser, 'database.sslkey': keys.der })).toEqual([]);
    expect(
      await probe({ ...certUser, 'database.sslkey': keys.encrypted, 'database.sslpassword': KEY_PASSWORD }),
    ).toEqual([]);
    expect(await encrypted({ ...certUser, 'database.sslkey': tls.clientKeyFile })).toEqual({
      ssl: true,
      dn: `/CN=${tls.certUser}`,
    });
    const wrongPassword = byField(
      await probe({ ...certUser, 'database.sslkey': keys.encrypted, 'database.sslpassword': 'nope' }),
    );
    expect(wrongPassword['database.sslpassword']).toMatch(/does not decrypt with database\.sslpassword/);
    // Without its certificate the user is not admitted at all.
    const { 'database.sslcert': _, ...withoutCert } = certUser;
    expect(Object.keys(byField(await probe(withoutCert)))).toEqual(['database.user']);
  });

  it('refuses a Java key store with the command that converts it', async () => {
    const errors = byField(await probe({ 'database.sslmode': 'verify-ca', 'database.sslrootcert': jks }));
    expect(errors['database.sslrootcert']).toMatch(
      /is a Java key store \(JKS\); Onramp reads PEM files: convert it/,
    );
  });

  it('runs a whole task (snapshot and replication) over TLS with the client certificate', async () => {
    const tls = databaseTls();
    const slot = pgHarness.slotName('tls_task');
    const driver = new pgHarness.TaskDriver(
      pgHarness.sourceConfig({
        ...base(),
        'database.user': tls.certUser,
        'database.password': '',
        'database.sslmode': 'verify-full',
        'database.sslrootcert': tls.caFile,
        'database.sslcert': tls.clientCertFile,
        'database.sslkey': tls.clientKeyFile,
        'topic.prefix': 'tlstask',
        'slot.name': slot,
        'slot.drop.on.stop': 'true',
        'publication.name': 'onramp_tls_task',
      }),
    );
    await driver.start();
    try {
      await driver.pollUntil(1);
      await pgClient.query("INSERT INTO items VALUES (2, 'desk')");
      const records = await driver.pollUntil(2);
      expect(records.map((record) => record.topic)).toEqual(['tlstask.public.items', 'tlstask.public.items']);
      const sessions = await pgClient.query<{ application_name: string; ssl: boolean; client_dn: string }>(
        `SELECT a.application_name, s.ssl, s.client_dn FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
          WHERE a.application_name LIKE 'onramp tlstask %'`,
      );
      expect(sessions.rows.map((row) => row.application_name)).toContain('onramp tlstask stream');
      expect(sessions.rows.every((row) => row.ssl && row.client_dn === `/CN=${tls.certUser}`)).toBe(true);
    } finally {
      await driver.stop();
    }
  });
});

describe('MySQL source: database.ssl.mode', () => {
  const base = () => ({
    ...mysqlHarness.connectionSettings(services().mysqlUrl),
    'topic.prefix': 'tls',
    'database.server.id': mysqlHarness.serverId(61),
    'database.include.list': MYSQL_DATABASE,
    'table.include.list': `${MYSQL_DATABASE}\\.items`,
  });

  function config(overrides: Record<string, string>) {
    const parsed = parseConfig(mysqlSourcePlugin.config, { ...base(), ...overrides });
    expect(parsed.errors).toEqual([]);
    return parsed.values;
  }

  const probe = async (overrides: Record<string, string>) =>
    (await mysqlSourcePlugin.config.probe?.(config(overrides))) ?? [];

  /** The TLS version of the connection the connector opens with these settings ('' without TLS). */
  async function tlsVersion(overrides: Record<string, string>): Promise<string> {
    const connection = await connectMysql(config(overrides));
    try {
      const [rows] = await connection.query<mysql.RowDataPacket[]>("SHOW SESSION STATUS LIKE 'Ssl_version'");
      return String(rows[0]?.Value ?? '');
    } finally {
      await connection.end();
    }
  }

  it('verify_identity and verify_ca pass with the CA in database.ssl.truststore', async () => {
    const ca = databaseTls().caFile;
    expect(await probe({ 'database.ssl.mode': 'verify_identity', 'database.ssl.truststore': ca })).toEqual(
      [],
    );
    expect(await probe({ 'database.ssl.mode': 'verify_ca', 'database.ssl.truststore': ca })).toEqual([]);
    // Debezium's MariaDB connector spelling
    expect(await probe({ 'database.ssl.mode': 'verify-full', 'database.ssl.truststore': ca })).toEqual([]);
    expect(
      await tlsVersion({ 'database.ssl.mode': 'verify_identity', 'database.ssl.truststore': ca }),
    ).toMatch(/^TLSv1\.[23]$/);
  });

  it('fails validation with a wrong CA, naming database.ssl.truststore and the TLS problem', async () => {
    for (const mode of ['verify_ca', 'verify_identity']) {
      const errors = byField(await probe({ 'database.ssl.mode': mode, 'database.ssl.truststore': wrongCa }));
      expect(Object.keys(errors)).toEqual(['database.ssl.truststore']);
      expect(errors['database.ssl.truststore']).toMatch(
        new RegExp(
          `^TLS to MySQL at 127\\.0\\.0\\.1:\\d+ failed with database\\.ssl\\.mode=${mode}: the server's certificate is not signed by a trusted CA \\(.+\\); check that database\\.ssl\\.truststore \\(${wrongCa}\\) holds the CA that signed it$`,
        ),
      );
    }
  });

  it('required encrypts without verifying, preferred encrypts when offered, disabled does not', async () => {
    expect(await probe({ 'database.ssl.mode': 'required' })).toEqual([]);
    expect(await tlsVersion({ 'database.ssl.mode': 'required' })).toMatch(/^TLSv1/);
    expect(await tlsVersion({ 'database.ssl.mode': 'preferred' })).toMatch(/^TLSv1/);
    expect(await tlsVersion({ 'database.ssl.mode': 'disabled' })).toBe('');
  });

  it('logs in the certificate-only user with a PEM database.ssl.keystore, plain or encrypted', async () => {
    const tls = databaseTls();
    const certUser = {
      'database.user': tls.certUser,
      'database.password': '',
      'database.ssl.mode': 'verify_identity',
      'database.ssl.truststore': tls.caFile,
    };
    expect(await probe({ ...certUser, 'database.ssl.keystore': keys.keystore })).toEqual([]);
    expect(
      await probe({
        ...certUser,
        'database.ssl.keystore': keys.encryptedKeystore,
        'database.ssl.keystore.password': KEY_PASSWORD,
      }),
    ).toEqual([]);
    expect(Object.keys(byField(await probe(certUser)))).toEqual(['database.password']);
  });

  it('refuses a JKS trust store with the command that converts it', async () => {
    const errors = byField(await probe({ 'database.ssl.mode': 'verify_ca', 'database.ssl.truststore': jks }));
    expect(errors['database.ssl.truststore']).toMatch(
      /is a Java key store \(JKS\); Onramp reads PEM files: convert it/,
    );
  });

  it('runs a whole task (snapshot and binlog) over TLS with the client certificate', async () => {
    const tls = databaseTls();
    const driver = new mysqlHarness.TaskDriver(
      mysqlHarness.sourceConfig({
        ...base(),
        'database.user': tls.certUser,
        'database.password': '',
        'database.ssl.mode': 'verify_identity',
        'database.ssl.truststore': tls.caFile,
        'database.ssl.keystore': keys.keystore,
        'topic.prefix': 'tlstask',
        'include.schema.changes': 'false',
      }),
    );
    await driver.start();
    try {
      await driver.pollUntil(1);
      await mysqlClient.query("INSERT INTO items VALUES (2, 'desk')");
      const records = await driver.pollFor('the streamed insert', (all) =>
        all.some((record) => record.topic === `tlstask.${MYSQL_DATABASE}.items` && all.length >= 2),
      );
      expect(records.filter((record) => record.topic === `tlstask.${MYSQL_DATABASE}.items`)).toHaveLength(2);
    } finally {
      await driver.stop();
    }
  });
});

describe('JDBC sink: TLS from the URL', () => {
  const pgUrl = () => {
    const url = new URL(services().pgUrl);
    return `jdbc:postgresql://${url.hostname}:${url.port || 5432}/${PG_DATABASE}`;
  };
  const mysqlUrl = (scheme = 'mariadb') => {
    const url = new URL(services().mysqlUrl);
    return `jdbc:${scheme}://${url.hostname}:${url.port || 3306}/${MYSQL_DATABASE}`;
  };

  function config(url: string, user = 'onramp', password = 'onramp') {
    const parsed = parseConfig(jdbcSinkPlugin.config, {
      'connection.url': url,
      'connection.username': user,
      ...(password !== '' && { 'connection.password': password }),
    });
    expect(parsed.errors).toEqual([]);
    return parsed.values;
  }

  const probe = async (url: string, user?: string, password?: string) =>
    (await jdbcSinkPlugin.config.probe?.(config(url, user, password))) ?? [];

  async function select(url: string, sql: string): Promise<Record<string, unknown>[]> {
    const pool = openPool(config(url), 1);
    try {
      return await pool.select(sql, []);
    } finally {
      await pool.close();
    }
  }

  it('PostgreSQL: verify-full and verify-ca pass with sslrootcert, and the pool is encrypted', async () => {
    const ca = encodeURIComponent(databaseTls().caFile);
    expect(await probe(`${pgUrl()}?sslmode=verify-full&sslrootcert=${ca}`)).toEqual([]);
    expect(await probe(`${pgUrl()}?sslmode=verify-ca&sslrootcert=${ca}`)).toEqual([]);
    expect(
      await select(
        `${pgUrl()}?sslmode=verify-full&sslrootcert=${ca}`,
        'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
      ),
    ).toEqual([{ ssl: true }]);
    expect(await select(pgUrl(), 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).toEqual([
      { ssl: false },
    ]);
  });

  it('PostgreSQL: a wrong CA fails validation naming connection.url and sslrootcert', async () => {
    for (const mode of ['verify-ca', 'verify-full']) {
      const errors = byField(
        await probe(`${pgUrl()}?sslmode=${mode}&sslrootcert=${encodeURIComponent(wrongCa)}`),
      );
      expect(Object.keys(errors)).toEqual(['connection.url']);
      expect(errors['connection.url']).toMatch(
        new RegExp(
          `^TLS to 127\\.0\\.0\\.1:\\d+ failed with sslmode=${mode}: the server's certificate is not signed by a trusted CA \\(.+\\); check that sslrootcert holds the CA that signed it$`,
        ),
      );
    }
  });

  it('PostgreSQL: sslcert and sslkey log in the certificate-only user', async () => {
    const tls = databaseTls();
    const url = `${pgUrl()}?sslmode=verify-full&sslrootcert=${encodeURIComponent(tls.caFile)}&sslcert=${encodeURIComponent(tls.clientCertFile)}`;
    expect(await probe(`${url}&sslkey=${encodeURIComponent(keys.der)}`, tls.certUser, '')).toEqual([]);
    expect(
      await probe(
        `${url}&sslkey=${encodeURIComponent(keys.encrypted)}&sslpassword=${encodeURIComponent(KEY_PASSWORD)}`,
        tls.certUser,
        '',
      ),
    ).toEqual([]);
  });

  it('MariaDB/MySQL: VERIFY_IDENTITY and verify-ca pass with the CA, and the pool is encrypted', async () => {
    const ca = encodeURIComponent(databaseTls().caFile);
    expect(await probe(`${mysqlUrl()}?sslMode=verify-full&serverSslCert=${ca}`)).toEqual([]);
    expect(await probe(`${mysqlUrl()}?sslMode=verify-ca&serverSslCert=${ca}`)).toEqual([]);
    expect(
      await probe(`${mysqlUrl('mysql')}?sslMode=VERIFY_IDENTITY&trustCertificateKeyStoreUrl=file:${ca}`),
    ).toEqual([]);
    const [row] = await select(
      `${mysqlUrl('mysql')}?sslMode=VERIFY_CA&trustCertificateKeyStoreUrl=file:${ca}`,
      "SHOW SESSION STATUS LIKE 'Ssl_version'",
    );
    expect(String(row?.Value)).toMatch(/^TLSv1\.[23]$/);
  });

  it('MariaDB/MySQL: a wrong CA fails validation naming connection.url and the CA parameter', async () => {
    const errors = byField(
      await probe(`${mysqlUrl()}?sslMode=verify-ca&serverSslCert=${encodeURIComponent(wrongCa)}`),
    );
    expect(Object.keys(errors)).toEqual(['connection.url']);
    expect(errors['connection.url']).toMatch(
      /^TLS to 127\.0\.0\.1:\d+ failed with sslMode=verify-ca: the server's certificate is not signed by a trusted CA \(.+\); check that serverSslCert holds the CA that signed it$/,
    );
    const mysqlErrors = byField(
      await probe(
        `${mysqlUrl('mysql')}?sslMode=VERIFY_IDENTITY&trustCertificateKeyStoreUrl=${encodeURIComponent(wrongCa)}`,
      ),
    );
    expect(mysqlErrors['connection.url']).toMatch(/not signed by a trusted CA .*trustCertificateKeyStoreUrl/);
  });

  it('MariaDB/MySQL: a PEM client key store logs in the certificate-only user', async () => {
    const tls = databaseTls();
    const url = `${mysqlUrl('mysql')}?sslMode=VERIFY_IDENTITY&trustCertificateKeyStoreUrl=${encodeURIComponent(tls.caFile)}`;
    expect(
      await probe(
        `${url}&clientCertificateKeyStoreUrl=${encodeURIComponent(keys.keystore)}`,
        tls.certUser,
        '',
      ),
    ).toEqual([]);
    expect(Object.keys(byField(await probe(url, tls.certUser, '')))).toEqual(['connection.username']);
  });
});
