// The integration services answer real clients with the settings CDC needs.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, type PeerCertificate } from 'node:tls';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import { Kafka, logLevel } from 'kafkajs';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { legacyKafkaBrokers, secureKafka, services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

const unique = () => `stack-test-${randomUUID().slice(0, 8)}`;

interface Cluster {
  clusterId: string;
  brokers: { host: string; port: number }[];
}

/** What a metadata request returns, through a client with `config` and no retries. */
async function describeCluster(config: Omit<KafkaConfig, 'clientId'>): Promise<Cluster> {
  const kafka = new Kafka({
    clientId: 'stack-test',
    logLevel: logLevel.NOTHING,
    connectionTimeout: 5_000,
    retry: { retries: 0 },
    ...config,
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    const { clusterId, brokers } = await admin.describeCluster();
    return { clusterId, brokers: brokers.map(({ host, port }) => ({ host, port })) };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

const hostPort = (address: string) => {
  const [host = '', port = ''] = address.split(':');
  return { host, port: Number(port) };
};

/** A TLS handshake with `address`; resolves with the server's certificate once it verified. */
async function tlsHandshake(
  address: string,
  options: { ca: string; cert?: string; key?: string; checkServerIdentity?: () => undefined },
): Promise<PeerCertificate> {
  return await new Promise((resolve, reject) => {
    const socket = connect({ ...hostPort(address), ...options, rejectUnauthorized: true }, () => {
      const certificate = socket.getPeerCertificate();
      socket.end();
      resolve(certificate);
    });
    socket.setTimeout(5_000, () => socket.destroy(new Error(`no TLS handshake with ${address} in 5 s`)));
    socket.once('error', reject);
  });
}

/** An unsigned JWT, all that Kafka's default (unsecured) OAUTHBEARER validator asks for. */
function unsecuredJwt(subject: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: 'none' })}.${part({ sub: subject, iat: now, exp: now + 600 })}.`;
}

describe('integration services', () => {
  it('PostgreSQL runs with logical decoding', async () => {
    const client = new pg.Client({ connectionString: services().pgUrl });
    await client.connect();
    try {
      const result = await client.query<{ wal_level: string }>(
        "SELECT current_setting('wal_level') AS wal_level",
      );
      expect(result.rows).toEqual([{ wal_level: 'logical' }]);
    } finally {
      await client.end();
    }
  });

  it('MariaDB/MySQL writes a full row-based binlog', async () => {
    const connection = await mysql.createConnection({ uri: services().mysqlUrl });
    try {
      const [rows] = await connection.query<mysql.RowDataPacket[]>(
        'SELECT @@log_bin AS log_bin, @@binlog_format AS format, @@binlog_row_image AS image, ' +
          '@@binlog_row_metadata AS metadata',
      );
      expect(rows.map((row) => ({ ...row }))).toEqual([
        { log_bin: 1, format: 'ROW', image: 'FULL', metadata: 'FULL' },
      ]);
    } finally {
      await connection.end();
    }
  });

  it('Kafka round-trips a message on a fresh topic', async () => {
    const kafka = new Kafka({
      clientId: 'stack-test',
      brokers: services().kafkaBrokers,
      logLevel: logLevel.NOTHING,
    });
    const topic = unique();
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();

    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: 'k1', value: 'hello' }] });
    await producer.disconnect();

    const received: { key: string; value: string; offset: string }[] = [];
    const consumer = kafka.consumer({ groupId: `${topic}-group` });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          received.push({ key: String(message.key), value: String(message.value), offset: message.offset });
        },
      });
      await waitFor('the produced message to be consumed', () => received.length > 0, { timeoutMs: 30_000 });
    } finally {
      await consumer.disconnect();
    }
    expect(received).toEqual([{ key: 'k1', value: 'hello', offset: '0' }]);
  });

  it('the legacy Kafka 3.9 broker answers as a cluster of its own', async () => {
    const [broker = ''] = legacyKafkaBrokers();
    const legacy = await describeCluster({ brokers: [broker] });
    expect(legacy.brokers).toEqual([hostPort(broker)]);
    const main = await describeCluster({ brokers: services().kafkaBrokers });
    expect(legacy.clusterId).not.toBe(main.clusterId);
  });

  it('the SASL_SSL listener presents a certificate for 127.0.0.1 signed by KAFKA_CA_FILE', async () => {
    const secure = secureKafka();
    const certificate = await tlsHandshake(secure.secureBrokers[0] ?? '', {
      ca: readFileSync(secure.caFile, 'utf8'),
    });
    expect(certificate.subjectaltname).toContain('IP Address:127.0.0.1');
  });

  const credentials = () => ({
    username: secureKafka().saslUsername,
    password: secureKafka().saslPassword,
  });
  const mechanisms: { name: string; sasl: () => SASLOptions }[] = [
    { name: 'SCRAM-SHA-512', sasl: () => ({ mechanism: 'scram-sha-512', ...credentials() }) },
    { name: 'SCRAM-SHA-256', sasl: () => ({ mechanism: 'scram-sha-256', ...credentials() }) },
    { name: 'PLAIN', sasl: () => ({ mechanism: 'plain', ...credentials() }) },
    {
      name: 'OAUTHBEARER',
      sasl: () => ({
        mechanism: 'oauthbearer',
        oauthBearerProvider: async () => ({ value: unsecuredJwt(secureKafka().saslUsername) }),
      }),
    },
  ];

  it.each(mechanisms)('a $name login on the SASL_SSL listener gets metadata', async ({ sasl }) => {
    const secure = secureKafka();
    const { brokers } = await describeCluster({
      brokers: secure.secureBrokers,
      ssl: { ca: readFileSync(secure.caFile, 'utf8') },
      sasl: sasl(),
    });
    expect(brokers).toEqual(secure.secureBrokers.map(hostPort));
  });

  it('the SASL_SSL listener refuses a wrong SCRAM password', async () => {
    const secure = secureKafka();
    const attempt = describeCluster({
      brokers: secure.secureBrokers,
      ssl: { ca: readFileSync(secure.caFile, 'utf8') },
      sasl: {
        mechanism: 'scram-sha-512',
        username: secure.saslUsername,
        password: `${secure.saslPassword}x`,
      },
    });
    await expect(attempt).rejects.toMatchObject({ name: 'KafkaJSSASLAuthenticationError' });
  });

  it('the mTLS listener serves a client with a certificate and refuses one without', async () => {
    const secure = secureKafka();
    const ca = readFileSync(secure.caFile, 'utf8');
    const withCertificate = await describeCluster({
      brokers: secure.mtlsBrokers,
      ssl: {
        ca,
        cert: readFileSync(secure.clientCertFile, 'utf8'),
        key: readFileSync(secure.clientKeyFile, 'utf8'),
      },
    });
    expect(withCertificate.brokers).toEqual(secure.mtlsBrokers.map(hostPort));
    await expect(describeCluster({ brokers: secure.mtlsBrokers, ssl: { ca } })).rejects.toThrow(
      /certificate/i,
    );
  });

  it('the misnamed listener fails host-name verification though its chain verifies', async () => {
    const secure = secureKafka();
    const address = secure.misnamedBrokers[0] ?? '';
    const ca = readFileSync(secure.caFile, 'utf8');
    await expect(tlsHandshake(address, { ca })).rejects.toMatchObject({
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
    const certificate = await tlsHandshake(address, { ca, checkServerIdentity: () => undefined });
    expect(certificate.subjectaltname).toBe('DNS:wrong-host.onramp.invalid');
  });

  it('the schema registry registers an Avro schema and serves it by id', async () => {
    const registry = services().schemaRegistryUrl;
    const subject = `${unique()}-value`;
    const schema = JSON.stringify({
      type: 'record',
      name: 'Row',
      namespace: 'onramp.stack_test',
      fields: [
        { name: 'id', type: 'int' },
        { name: 'name', type: ['null', 'string'], default: null },
      ],
    });
    const headers = { 'Content-Type': 'application/vnd.schemaregistry.v1+json' };
    const posted = await fetch(`${registry}/subjects/${subject}/versions`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ schema }),
    });
    expect(posted.status).toBe(200);
    const { id } = (await posted.json()) as { id: number };
    expect(id).toBeGreaterThan(0);

    const fetched = await fetch(`${registry}/schemas/ids/${id}`);
    expect(fetched.status).toBe(200);
    const body = (await fetched.json()) as { schema: string };
    expect(JSON.parse(body.schema)).toEqual(JSON.parse(schema));

    const subjects = await fetch(`${registry}/subjects`);
    expect((await subjects.json()) as string[]).toContain(subject);
  });
});
