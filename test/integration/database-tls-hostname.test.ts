// Host-name verification and the opportunistic modes, on throwaway servers (never the shared ones):
// a PostgreSQL and a MariaDB whose certificate, signed by a CA made here, names only `localhost`.
// Connecting to 127.0.0.1, verify-ca (chain only) passes and verify-full / verify_identity fail at
// validation naming the host-name problem; connecting to localhost, both pass. Then servers without
// TLS: prefer/preferred fall back to plaintext, require/required fail saying the server has no TLS;
// and a server that admits TLS only: allow moves up to TLS.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jdbcSinkPlugin } from '../../connectors/jdbc-sink/index.ts';
import { connect as connectMysql } from '../../connectors/mysql-source/connection.ts';
import { mysqlSourcePlugin } from '../../connectors/mysql-source/index.ts';
import { connect as connectPostgres } from '../../connectors/postgres-source/connection.ts';
import { postgresSourcePlugin } from '../../connectors/postgres-source/index.ts';
import { type ScratchMariadb, startScratchMariadb } from '../../scripts/stack/mariadb.ts';
import { createScratchPostgres, type ScratchPostgres } from '../../scripts/stack/postgres.ts';
import { type ConfigDef, type FieldError, parseConfig } from '../../src/plugin/index.ts';
import { freePort } from '../support/host-process.ts';
import { type CertificateFolder, certificateFolder } from '../support/test-certificates.ts';

let certs: CertificateFolder;
let ca: string;
let server: { cert: string; key: string };
let pgServer: ScratchPostgres;
let pgServerKey: string;
let mariadbTls: ScratchMariadb;
let mariadbPlain: ScratchMariadb;

beforeAll(async () => {
  certs = certificateFolder();
  ca = certs.ca('scratch-ca');
  server = certs.server('localhost-only', 'scratch-ca', 'DNS:localhost');
  // Each server reads its own copy of the key, owned by the user it runs as.
  pgServerKey = certs.write('pg-server.key', readFileSync(server.key));
  const mariadbKey = certs.write('mariadb-server.key', readFileSync(server.key));
  certs.shareWith('postgres', [server.cert, pgServerKey]);
  certs.shareWith('mysql', [mariadbKey]);
  pgServer = await createScratchPostgres(await freePort());
  mariadbTls = await startScratchMariadb(await freePort(), {
    tls: { ca, cert: server.cert, key: mariadbKey },
  });
  mariadbPlain = await startScratchMariadb(await freePort());
});

afterAll(async () => {
  await pgServer?.remove();
  await mariadbTls?.remove();
  await mariadbPlain?.remove();
  certs?.remove();
});

const byField = (errors: FieldError[]) =>
  Object.fromEntries(errors.map((error) => [error.field, error.message]));

async function probe(def: ConfigDef, raw: Record<string, string>): Promise<FieldError[]> {
  const parsed = parseConfig(def, raw);
  expect(parsed.errors).toEqual([]);
  return (await def.probe?.(parsed.values)) ?? [];
}

const pgDef = postgresSourcePlugin.config as unknown as ConfigDef;
const mysqlDef = mysqlSourcePlugin.config as unknown as ConfigDef;
const sinkDef = jdbcSinkPlugin.config as unknown as ConfigDef;

describe('PostgreSQL with a certificate naming only localhost', () => {
  beforeAll(async () => {
    await pgServer.start({
      wal_level: 'logical',
      ssl: 'on',
      ssl_cert_file: server.cert,
      ssl_key_file: pgServerKey,
    });
  });

  const source = (host: string, mode: string) => ({
    'database.hostname': host,
    'database.port': String(pgServer.port),
    'database.user': 'onramp',
    'database.password': 'onramp',
    'database.dbname': 'postgres',
    'topic.prefix': 'tlshost',
    'slot.name': `onramp_tlshost_${process.pid}`,
    'database.sslmode': mode,
    'database.sslrootcert': ca,
  });

  it('source: verify-ca passes on 127.0.0.1, verify-full fails naming the host name', async () => {
    expect(await probe(pgDef, source('127.0.0.1', 'verify-ca'))).toEqual([]);
    const errors = byField(await probe(pgDef, source('127.0.0.1', 'verify-full')));
    expect(Object.keys(errors)).toEqual(['database.sslmode']);
    expect(errors['database.sslmode']).toMatch(
      /^TLS to PostgreSQL at 127\.0\.0\.1:\d+ failed with database\.sslmode=verify-full: the server's certificate does not name the host connected to \(.*127\.0\.0\.1.*\); connect by a name the certificate lists \(database\.hostname is 127\.0\.0\.1\), or use database\.sslmode=verify-ca to check the chain only$/,
    );
    expect(await probe(pgDef, source('localhost', 'verify-full'))).toEqual([]);
  });

  it('sink: sslmode=verify-full fails on 127.0.0.1, passes on localhost; verify-ca passes', async () => {
    const url = (host: string, mode: string) =>
      `jdbc:postgresql://${host}:${pgServer.port}/postgres?sslmode=${mode}&sslrootcert=${encodeURIComponent(ca)}&user=onramp&password=onramp`;
    const errors = byField(await probe(sinkDef, { 'connection.url': url('127.0.0.1', 'verify-full') }));
    expect(Object.keys(errors)).toEqual(['connection.url']);
    expect(errors['connection.url']).toMatch(
      /failed with sslmode=verify-full: the server's certificate does not name the host connected to .*or verify the chain only \(sslmode=verify-ca\)$/,
    );
    expect(await probe(sinkDef, { 'connection.url': url('127.0.0.1', 'verify-ca') })).toEqual([]);
    expect(await probe(sinkDef, { 'connection.url': url('localhost', 'verify-full') })).toEqual([]);
  });
});

describe('PostgreSQL without TLS, and with TLS only', () => {
  const source = (mode: string) => ({
    'database.hostname': '127.0.0.1',
    'database.port': String(pgServer.port),
    'database.user': 'onramp',
    'database.password': 'onramp',
    'database.dbname': 'postgres',
    'topic.prefix': 'tlsplain',
    'slot.name': `onramp_tlsplain_${process.pid}`,
    'database.sslmode': mode,
  });

  async function encrypted(mode: string): Promise<boolean> {
    const parsed = parseConfig(postgresSourcePlugin.config, source(mode));
    const client = await connectPostgres(parsed.values, 'tls check');
    try {
      const { rows } = await client.query<{ ssl: string }>(
        'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
      );
      return rows[0]?.ssl === 't';
    } finally {
      await client.end();
    }
  }

  it('prefer falls back to plaintext; require fails saying the server has no TLS', async () => {
    await pgServer.start({ wal_level: 'logical' });
    expect(await probe(pgDef, source('prefer'))).toEqual([]);
    expect(await encrypted('prefer')).toBe(false);
    const errors = byField(await probe(pgDef, source('require')));
    expect(errors['database.sslmode']).toMatch(
      /failed with database\.sslmode=require: the server does not accept TLS connections \(The server does not support SSL connections\)/,
    );
  });

  it('allow moves up to TLS when pg_hba.conf admits only TLS', async () => {
    const hba = certs.write(
      'pg_hba.conf',
      'local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\n',
    );
    certs.shareWith('postgres', [hba]);
    await pgServer.start({
      wal_level: 'logical',
      ssl: 'on',
      ssl_cert_file: server.cert,
      ssl_key_file: pgServerKey,
      hba_file: hba,
    });
    expect(await probe(pgDef, source('allow'))).toEqual([]);
    expect(await encrypted('allow')).toBe(true);
    expect(Object.keys(byField(await probe(pgDef, source('disable'))))).toEqual(['database.user']);
  });
});

describe('MariaDB with a certificate naming only localhost', () => {
  const source = (host: string, mode: string) => ({
    'database.hostname': host,
    'database.port': String(mariadbTls.port),
    'database.user': 'onramp',
    'database.password': 'onramp',
    'database.server.id': String(7000 + (process.pid % 1000)),
    'topic.prefix': 'tlshost',
    'database.ssl.mode': mode,
    'database.ssl.truststore': ca,
  });

  it('source: verify_ca passes on 127.0.0.1, verify_identity fails naming the host name', async () => {
    expect(await probe(mysqlDef, source('127.0.0.1', 'verify_ca'))).toEqual([]);
    const errors = byField(await probe(mysqlDef, source('127.0.0.1', 'verify_identity')));
    expect(Object.keys(errors)).toEqual(['database.ssl.mode']);
    expect(errors['database.ssl.mode']).toMatch(
      /^TLS to MySQL at 127\.0\.0\.1:\d+ failed with database\.ssl\.mode=verify_identity: the server's certificate does not name the host connected to \(.*\); connect by a name the certificate lists \(database\.hostname is 127\.0\.0\.1\), or use database\.ssl\.mode=verify_ca to check the chain only$/,
    );
    expect(await probe(mysqlDef, source('localhost', 'verify_identity'))).toEqual([]);
  });

  it('sink: sslMode=VERIFY_IDENTITY fails on 127.0.0.1, passes on localhost; VERIFY_CA passes', async () => {
    const url = (host: string, mode: string) =>
      `jdbc:mysql://${host}:${mariadbTls.port}/onramp?sslMode=${mode}&trustCertificateKeyStoreUrl=${encodeURIComponent(ca)}&user=onramp&password=onramp`;
    const errors = byField(await probe(sinkDef, { 'connection.url': url('127.0.0.1', 'VERIFY_IDENTITY') }));
    expect(errors['connection.url']).toMatch(
      /failed with sslMode=VERIFY_IDENTITY: the server's certificate does not name the host connected to .*\(sslMode=VERIFY_CA\)$/,
    );
    expect(await probe(sinkDef, { 'connection.url': url('127.0.0.1', 'VERIFY_CA') })).toEqual([]);
    expect(await probe(sinkDef, { 'connection.url': url('localhost', 'VERIFY_IDENTITY') })).toEqual([]);
  });
});

describe('MariaDB without TLS', () => {
  const source = (mode: string) => ({
    'database.hostname': '127.0.0.1',
    'database.port': String(mariadbPlain.port),
    'database.user': 'onramp',
    'database.password': 'onramp',
    'database.server.id': String(8000 + (process.pid % 1000)),
    'topic.prefix': 'tlsplain',
    'database.ssl.mode': mode,
  });

  it('preferred falls back to plaintext; required fails saying the server has no TLS', async () => {
    expect(await probe(mysqlDef, source('preferred'))).toEqual([]);
    const connection = await connectMysql(parseConfig(mysqlSourcePlugin.config, source('preferred')).values);
    try {
      const [rows] = await connection.query("SHOW SESSION STATUS LIKE 'Ssl_version'");
      expect((rows as { Value: string }[])[0]?.Value).toBe('');
    } finally {
      await connection.end();
    }
    const errors = byField(await probe(mysqlDef, source('required')));
    expect(errors['database.ssl.mode']).toMatch(
      /failed with database\.ssl\.mode=required: the server does not accept TLS connections/,
    );
  });
});
