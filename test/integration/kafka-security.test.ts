// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${source.table} is the sink's own placeholder
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectHostServes, validationErrors, waitFailed, waitRunning } from '../support/connector-status.ts';
import {
  type HostProcess,
  mariadbSinkConfig,
  postgresSourceConfig,
  startHostProcess,
} from '../support/host-process.ts';
import { readTopic, testAdmin } from '../support/runtime/kafka-reader.ts';
import { secureKafka, services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

// Onramp against a secured Kafka, through the shipped entry point and the stack's 4.x broker:
// SASL_SSL + SCRAM with the host configured as a Kafka Connect worker.properties would be, a
// connector whose producer.override.* reaches the secured listener while the host uses plaintext,
// an mTLS client certificate, and each way a login or a certificate goes wrong: FAILED (not an
// endless RESTARTING) with the cause named, and never the password.

const suffix = randomUUID().slice(0, 8);
const table = `sec_items_${suffix}`;
const secure = () => secureKafka();
const scram = (password: string) =>
  `org.apache.kafka.common.security.scram.ScramLoginModule required username="${secure().saslUsername}" password="${password}";`;

let source: pg.Client;
const hosts: HostProcess[] = [];
const connectors: Array<[HostProcess, string]> = [];

async function start(env: Record<string, string> = {}, ready?: 'answering'): Promise<HostProcess> {
  const host = await startHostProcess(env, ready ? { ready } : {});
  hosts.push(host);
  return host;
}

async function create(host: HostProcess, name: string, config: Record<string, string>) {
  const reply = await host.call('PUT', `/connectors/${name}/config`, config);
  connectors.push([host, name]);
  return reply;
}

/** A PostgreSQL source of the test table with its own slot and publication. */
function pgSource(prefix: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    ...postgresSourceConfig(prefix, `public.${table}`),
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    ...overrides,
  };
}

/** producer.override.* reaching the SASL_SSL listener with SCRAM-SHA-512. */
function saslOverrides(password: string): Record<string, string> {
  return {
    'producer.override.bootstrap.servers': secure().secureBrokers.join(','),
    'producer.override.security.protocol': 'SASL_SSL',
    'producer.override.sasl.mechanism': 'SCRAM-SHA-512',
    'producer.override.sasl.jaas.config': scram(password),
    'producer.override.ssl.truststore.type': 'PEM',
    'producer.override.ssl.truststore.location': secure().caFile,
  };
}

/** The 20 snapshot events of a source, read back over the plaintext listener once its topic exists. */
function snapshotEvents(prefix: string) {
  return waitFor(`the snapshot of ${prefix} in Kafka`, () =>
    readTopic(`${prefix}.public.${table}`, 20).catch(() => undefined),
  );
}

beforeAll(async () => {
  source = new pg.Client({ connectionString: services().pgUrl });
  await source.connect();
  await source.query(`CREATE TABLE public.${table} (id int PRIMARY KEY, name text NOT NULL)`);
  await source.query(`INSERT INTO public.${table} SELECT i, 'item ' || i FROM generate_series(1, 20) AS i`);
});

afterAll(async () => {
  for (const [host, name] of connectors.reverse())
    await host.call('DELETE', `/connectors/${name}`).catch(() => undefined);
  for (const host of hosts) await host.stop();
  await source.query(`DROP TABLE IF EXISTS public.${table}`);
  await source.end();
});

describe('a host configured for SASL_SSL as a Kafka Connect worker', () => {
  const target = () => mysql.createConnection(services().mysqlUrl);

  it('streams PostgreSQL -> Kafka (SASL_SSL, SCRAM-SHA-512) -> MariaDB', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'onramp-sasl-host-'));
    const config = join(dir, 'host.yaml');
    // Dotted keys exactly as in a worker.properties (with Confluent Cloud's single-quoted JAAS values,
    // its client tuning and producer./consumer. repeats, and connect-standalone.properties' converters,
    // offset flush interval and plugin.path); the password comes from the environment.
    writeFileSync(
      config,
      [
        `bootstrap.servers: ${secure().secureBrokers.join(',')}`,
        'security.protocol: SASL_SSL',
        'sasl.mechanism: SCRAM-SHA-512',
        `sasl.jaas.config: "org.apache.kafka.common.security.scram.ScramLoginModule required username='${secure().saslUsername}' password='\${env:TEST_KAFKA_PASSWORD}';"`,
        'ssl.truststore.type: PEM',
        `ssl.truststore.location: ${secure().caFile}`,
        'ssl.endpoint.identification.algorithm: https',
        'client.dns.lookup: use_all_dns_ips',
        'request.timeout.ms: 20000',
        'retry.backoff.ms: 500',
        `producer.bootstrap.servers: ${secure().secureBrokers.join(',')}`,
        'producer.security.protocol: SASL_SSL',
        'producer.sasl.mechanism: SCRAM-SHA-512',
        'consumer.security.protocol: SASL_SSL',
        'consumer.sasl.mechanism: SCRAM-SHA-512',
        'key.converter: org.apache.kafka.connect.json.JsonConverter',
        'value.converter: org.apache.kafka.connect.json.JsonConverter',
        'key.converter.schemas.enable: true',
        'value.converter.schemas.enable: true',
        'offset.flush.interval.ms: 10000',
        'plugin.path: /usr/share/java',
        '',
      ].join('\n'),
    );
    const host = await start({
      ONRAMP_CONFIG: config,
      KAFKA_BROKERS: '',
      TEST_KAFKA_PASSWORD: secure().saslPassword,
    });
    expect((await host.call('GET', '/health')).body.status).toBe('healthy');
    expect((await host.call('GET', '/')).body.kafka_cluster_id).toEqual(expect.any(String));

    // Neither connector names a converter: both take the worker's JsonConverter.
    const prefix = `secsasl${suffix}`;
    const sourceConfig = postgresSourceConfig(prefix, `public.${table}`);
    expect((await create(host, prefix, sourceConfig)).status).toBe(201);
    const sinkTable = `sec_sink_${suffix}`;
    const sink = await create(
      host,
      `${prefix}-sink`,
      mariadbSinkConfig(`${prefix}.public.${table}`, { 'collection.name.format': sinkTable }),
    );
    expect(sink.status).toBe(201);
    await waitRunning(host, prefix);
    await waitRunning(host, `${prefix}-sink`);
    await source.query(`INSERT INTO public.${table} VALUES (21, 'streamed')`);

    const db = await target();
    try {
      const count = await waitFor(
        'the 21 rows in MariaDB',
        async () => {
          try {
            const [rows] = await db.query(`SELECT COUNT(*) AS n FROM \`${sinkTable}\``);
            const n = Number((rows as Array<{ n: number }>)[0]?.n);
            return n === 21 ? n : undefined;
          } catch {
            return undefined; // not created yet
          }
        },
        { timeoutMs: 60_000 },
      );
      expect(count).toBe(21);
      const [first] = await snapshotEvents(prefix);
      expect(JSON.parse(first?.value?.toString() ?? '{}')).toEqual(
        expect.objectContaining({ schema: expect.any(Object), payload: expect.any(Object) }),
      );
    } finally {
      await db.query(`DROP TABLE IF EXISTS \`${sinkTable}\``).catch(() => undefined);
      await db.end();
    }
  });

  it('answers /health with 503 naming the listener, mechanism and user when the host login is refused', async () => {
    const host = await start(
      {
        KAFKA_BROKERS: secure().secureBrokers.join(','),
        ONRAMP_KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
        ONRAMP_KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        ONRAMP_KAFKA_SASL_JAAS_CONFIG: scram('wrong-password-1234'),
        ONRAMP_KAFKA_SSL_TRUSTSTORE_LOCATION: secure().caFile,
      },
      'answering',
    );
    const health = await waitFor('an unhealthy /health naming the login', async () => {
      const reply = await host.call('GET', '/health');
      return reply.status === 503 && /refused the login/.test(reply.body.message) ? reply.body : undefined;
    });
    expect(health.message).toContain(`(SASL_SSL, SCRAM-SHA-512, user ${secure().saslUsername})`);
    expect(JSON.stringify(health)).not.toContain('wrong-password-1234');
  });
});

describe('per-connector client overrides on a plaintext host', () => {
  let host: HostProcess;
  beforeAll(async () => {
    // The env config provider, so a connector may take its Kafka password from the host's environment.
    host = await start({
      ONRAMP_CONFIG_PROVIDERS: 'env',
      ONRAMP_CONFIG_PROVIDERS_ENV_ALLOWLIST_PATTERN: 'TEST_KAFKA_.*',
      TEST_KAFKA_OVERRIDE_PASSWORD: secure().saslPassword,
    });
  });

  it('reaches the SASL_SSL listener through producer.override.*, and hides the JAAS password', async () => {
    const prefix = `secovr${suffix}`;
    const config = pgSource(prefix, saslOverrides(secure().saslPassword));
    expect((await create(host, prefix, config)).status).toBe(201);
    await waitRunning(host, prefix);
    expect((await snapshotEvents(prefix)).length).toBeGreaterThanOrEqual(20);
    const shown = await host.call('GET', `/connectors/${prefix}/config`);
    expect(shown.body['producer.override.sasl.jaas.config']).toBe('[hidden]');
    expect(JSON.stringify(shown.body)).not.toContain(secure().saslPassword);
  });

  it('resolves the JAAS password of an override from a config provider', async () => {
    const prefix = `secprov${suffix}`;
    const config = pgSource(prefix, saslOverrides('${env:TEST_KAFKA_OVERRIDE_PASSWORD}'));
    expect((await create(host, prefix, config)).status).toBe(201);
    await waitRunning(host, prefix);
    expect((await snapshotEvents(prefix)).length).toBeGreaterThanOrEqual(20);
    const shown = await host.call('GET', `/connectors/${prefix}/config`);
    expect(JSON.stringify(shown.body)).not.toContain(secure().saslPassword);
  });

  it('connects with an mTLS client certificate', async () => {
    const prefix = `secmtls${suffix}`;
    const config = pgSource(prefix, {
      'producer.override.bootstrap.servers': secure().mtlsBrokers.join(','),
      'producer.override.security.protocol': 'SSL',
      'producer.override.ssl.truststore.location': secure().caFile,
      'producer.override.ssl.keystore.type': 'PEM',
      'producer.override.ssl.keystore.certificate.chain': readFileSync(secure().clientCertFile, 'utf8'),
      'producer.override.ssl.keystore.key': readFileSync(secure().clientKeyFile, 'utf8'),
    });
    expect((await create(host, prefix, config)).status).toBe(201);
    await waitRunning(host, prefix);
    expect((await snapshotEvents(prefix)).length).toBeGreaterThanOrEqual(20);
    const shown = await host.call('GET', `/connectors/${prefix}/config`);
    expect(shown.body['producer.override.ssl.keystore.key']).toBe('[hidden]');
  });

  it('takes PKCS12 and JKS trust and key stores made by keytool and openssl (mTLS and SASL_SSL)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'onramp-kafka-stores-'));
    const store = (name: string) => join(dir, name);
    const password = 'store-pass-4321';
    const run = (command: string, args: string[]) => execFileSync(command, args, { stdio: 'pipe' });
    const keytool = (args: string[]) => run('keytool', [...args, '-noprompt', '-storepass', password]);
    keytool(['-importcert', '-alias', 'ca', '-file', secure().caFile, '-keystore', store('trust.p12')]);
    keytool(
      ['-importcert', '-alias', 'ca', '-file', secure().caFile, '-keystore', store('trust.jks')].concat([
        '-storetype',
        'JKS',
      ]),
    );
    run(
      'openssl',
      ['pkcs12', '-export', '-in', secure().clientCertFile, '-inkey', secure().clientKeyFile].concat([
        '-name',
        'client',
        '-out',
        store('client.p12'),
        '-passout',
        `pass:${password}`,
      ]),
    );
    keytool(
      [
        '-importkeystore',
        '-srckeystore',
        store('client.p12'),
        '-srcstoretype',
        'PKCS12',
        '-srcstorepass',
        password,
      ].concat(['-destkeystore', store('client.jks'), '-deststoretype', 'JKS', '-deststorepass', password]),
    );

    const mtls = (type: 'PKCS12' | 'JKS', extension: string) => ({
      'producer.override.bootstrap.servers': secure().mtlsBrokers.join(','),
      'producer.override.security.protocol': 'SSL',
      'producer.override.ssl.truststore.type': type,
      'producer.override.ssl.truststore.location': store(`trust.${extension}`),
      'producer.override.ssl.truststore.password': password,
      'producer.override.ssl.keystore.type': type,
      'producer.override.ssl.keystore.location': store(`client.${extension}`),
      'producer.override.ssl.keystore.password': password,
    });
    const cases: Array<[string, Record<string, string>]> = [
      [`secp12${suffix}`, mtls('PKCS12', 'p12')],
      [`secjks${suffix}`, mtls('JKS', 'jks')],
      [
        `secsaslp12${suffix}`,
        {
          ...saslOverrides(secure().saslPassword),
          'producer.override.ssl.truststore.type': 'PKCS12',
          'producer.override.ssl.truststore.location': store('trust.p12'),
          'producer.override.ssl.truststore.password': password,
        },
      ],
    ];
    for (const [prefix, overrides] of cases)
      expect((await create(host, prefix, pgSource(prefix, overrides))).status).toBe(201);
    for (const [prefix] of cases) {
      await waitRunning(host, prefix);
      expect((await snapshotEvents(prefix)).length).toBeGreaterThanOrEqual(20);
      const shown = await host.call('GET', `/connectors/${prefix}/config`);
      expect(JSON.stringify(shown.body)).not.toContain(password);
    }

    // A wrong store password is refused at validation, naming the key and not the password.
    const errors = await validationErrors(
      host,
      'PostgresConnector',
      pgSource(`secp12bad${suffix}`, {
        ...mtls('PKCS12', 'p12'),
        'producer.override.ssl.keystore.password': 'not-the-store-pass',
      }),
    );
    expect(Object.keys(errors)).toEqual(['producer.override.ssl.keystore.location']);
    expect(JSON.stringify(errors)).not.toContain('not-the-store-pass');
  });

  it('logs in with OAUTHBEARER: the unsecured login, and client credentials from a token endpoint', async () => {
    // The stack's broker validates OAUTHBEARER with Kafka's unsecured validator (unsigned JWTs), so a
    // token endpoint here may hand out such a token: what matters is that Onramp fetches it with the
    // client credentials and presents it.
    const now = Math.floor(Date.now() / 1000);
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const token = `${part({ alg: 'none' })}.${part({ sub: 'onramp-oauth', iat: now, exp: now + 3600 })}.`;
    const requests: string[] = [];
    const endpoint = createServer((request, response) => {
      requests.push(request.headers.authorization ?? '');
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ access_token: token, token_type: 'bearer', expires_in: 3600 }));
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    try {
      const tokenUrl = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/token`;
      const oauth = (prefix: string, jaas: string, extra: Record<string, string> = {}) =>
        pgSource(prefix, {
          'producer.override.bootstrap.servers': secure().secureBrokers.join(','),
          'producer.override.security.protocol': 'SASL_SSL',
          'producer.override.sasl.mechanism': 'OAUTHBEARER',
          'producer.override.sasl.jaas.config': jaas,
          'producer.override.ssl.truststore.location': secure().caFile,
          ...extra,
        });
      const module = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required';
      const unsecured = `secoauthu${suffix}`;
      const credentials = `secoauthc${suffix}`;
      expect(
        (await create(host, unsecured, oauth(unsecured, `${module} unsecuredLoginStringClaim_sub="app";`)))
          .status,
      ).toBe(201);
      expect(
        (
          await create(
            host,
            credentials,
            // With a SASL extension, as Confluent Cloud's logicalCluster (the stack's broker accepts any).
            oauth(
              credentials,
              `${module} clientId="onramp-app" clientSecret="s3cret-oauth" extension_logicalCluster="lkc-onramp";`,
              {
                'producer.override.sasl.oauthbearer.token.endpoint.url': tokenUrl,
                'producer.override.sasl.login.callback.handler.class':
                  'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler',
              },
            ),
          )
        ).status,
      ).toBe(201);
      await waitRunning(host, unsecured);
      await waitRunning(host, credentials);
      expect((await snapshotEvents(credentials)).length).toBeGreaterThanOrEqual(20);
      expect(requests[0]).toBe(`Basic ${Buffer.from('onramp-app:s3cret-oauth').toString('base64')}`);
    } finally {
      await new Promise<void>((resolve) => endpoint.close(() => resolve()));
    }
  });

  it('fails the task, naming the cause, for a wrong password, an untrusted CA and a wrong host name', async () => {
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      [
        'pw',
        saslOverrides('not-the-password-5678'),
        // The user name is shown unless it equals a secret of the connector (the stack's database
        // password is also "onramp", so the host masks it here).
        /refused the login.*127\.0\.0\.1:9093 \(SASL_SSL, SCRAM-SHA-512, user (onramp|\[hidden\])\)/s,
      ],
      [
        'ca',
        // No trust store: Node's public roots do not know the stack's CA.
        Object.fromEntries(
          Object.entries(saslOverrides(secure().saslPassword)).filter(([key]) => !key.includes('truststore')),
        ),
        /TLS with Kafka failed \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)/,
      ],
      [
        'host',
        {
          'producer.override.bootstrap.servers': secure().misnamedBrokers.join(','),
          'producer.override.security.protocol': 'SSL',
          'producer.override.ssl.truststore.location': secure().caFile,
        },
        /TLS with Kafka failed \(ERR_TLS_CERT_ALTNAME_INVALID/,
      ],
    ];
    await Promise.all(
      cases.map(async ([name, overrides]) => {
        const prefix = `secbad${name}${suffix}`;
        expect((await create(host, prefix, pgSource(prefix, overrides))).status).toBe(201);
      }),
    );
    for (const [name, , cause] of cases) {
      const trace = await waitFailed(host, `secbad${name}${suffix}`);
      expect(trace).toMatch(cause);
      expect(trace).not.toContain('not-the-password-5678');
    }
    await expectHostServes(host);
  });

  it("reads, alters and resets a stopped sink's offsets with the sink's admin.override.* client", async () => {
    const topic = `sec_offsets_${suffix}`;
    const admin = testAdmin();
    try {
      await admin.ensureTopics([topic], { partitions: 1 });
    } finally {
      await admin.close();
    }
    const adminOverrides = (password: string) => ({
      'admin.override.bootstrap.servers': secure().secureBrokers.join(','),
      'admin.override.security.protocol': 'SASL_SSL',
      'admin.override.sasl.mechanism': 'SCRAM-SHA-512',
      'admin.override.sasl.jaas.config': scram(password),
      'admin.override.ssl.truststore.location': secure().caFile,
    });
    const stoppedSink = async (name: string, overrides: Record<string, string>) => {
      const reply = await host.call('POST', '/connectors', {
        name,
        config: mariadbSinkConfig(topic, overrides),
        initial_state: 'STOPPED',
      });
      connectors.push([host, name]);
      expect(reply.status).toBe(201);
    };
    const name = `secoffs${suffix}`;
    await stoppedSink(name, adminOverrides('${env:TEST_KAFKA_OVERRIDE_PASSWORD}'));
    const patched = await host.call('PATCH', `/connectors/${name}/offsets`, {
      offsets: [{ partition: { kafka_topic: topic, kafka_partition: 0 }, offset: { kafka_offset: 0 } }],
    });
    expect(patched.status).toBe(200);
    const read = await host.call('GET', `/connectors/${name}/offsets`);
    expect(read.body.offsets).toEqual([
      { partition: { kafka_topic: topic, kafka_partition: 0 }, offset: { kafka_offset: 0 } },
    ]);
    expect((await host.call('DELETE', `/connectors/${name}/offsets`)).status).toBe(200);
    expect((await host.call('GET', `/connectors/${name}/offsets`)).body.offsets).toEqual([]);

    // The connector's admin client, not the host's plaintext one: its wrong password is what fails.
    const refused = `secoffsbad${suffix}`;
    await stoppedSink(refused, adminOverrides('not-the-password-9012'));
    const reply = await host.call('GET', `/connectors/${refused}/offsets`);
    expect(reply.status).toBeGreaterThanOrEqual(500);
    expect(reply.body.message).toMatch(/SCRAM-SHA-512/);
    expect(JSON.stringify(reply.body)).not.toContain('not-the-password-9012');
  });

  it('refuses at validation any client key it would not honour, naming it', async () => {
    const prefix = `secval${suffix}`;
    const errors = await validationErrors(
      host,
      'PostgresConnector',
      pgSource(prefix, {
        'producer.override.buffer.memory': '33554432',
        'producer.override.compression.type': 'zstd',
        'consumer.override.max.poll.records': '5',
        'producer.override.security.protocol': 'SASL_SSL',
        'producer.override.sasl.mechanism': 'SCRAM-SHA-256',
      }),
    );
    expect(Object.keys(errors).sort()).toEqual(
      [
        'consumer.override.max.poll.records',
        'producer.override.compression.type',
        'producer.override.buffer.memory',
        'producer.override.sasl.jaas.config',
      ].sort(),
    );
  });
});
