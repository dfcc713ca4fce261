import { describe, expect, it } from 'vitest';
import {
  checkClientOverrides,
  clientOverrides,
  clientProperties,
  consumerTuning,
  DEFAULT_REQUEST_BYTES,
  type KafkaConnection,
  kafkaClientConfig,
  layerProperties,
  parseConnection,
  plaintextConnection,
  producerTuning,
  requestBytes,
} from '../../../src/kafka/client-properties.ts';
import { parseJaasConfig } from '../../../src/kafka/jaas-config.ts';
import { platformaticOptions } from '../../../src/kafka/platformatic-options.ts';

const CA = '-----BEGIN CERTIFICATE-----\nMIIBca\n-----END CERTIFICATE-----';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIEkey\n-----END PRIVATE KEY-----';
const SCRAM =
  'org.apache.kafka.common.security.scram.ScramLoginModule required username="onramp" password="s3cr\\"et";';

function parse(properties: Record<string, string>, files: Record<string, string> = {}) {
  return parseConnection(layerProperties([{ prefix: '', properties }]), {
    missingName: (key) => key,
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
      return text;
    },
  });
}

describe('parseJaasConfig', () => {
  it('reads the login module, flag and options as Kafka does, quoted values with escapes', () => {
    expect(parseJaasConfig(SCRAM)).toEqual({
      loginModule: 'org.apache.kafka.common.security.scram.ScramLoginModule',
      controlFlag: 'required',
      options: { username: 'onramp', password: 's3cr"et' },
    });
    expect(parseJaasConfig('a.B required x=1 y="two words";')).toMatchObject({
      options: { x: '1', y: 'two words' },
    });
    // Single quotes, as Confluent Cloud's generated Java client config writes them.
    expect(
      parseJaasConfig(
        `org.apache.kafka.common.security.plain.PlainLoginModule required username='ABCKEY' password='p"w\\'d';`,
      ),
    ).toEqual({
      loginModule: 'org.apache.kafka.common.security.plain.PlainLoginModule',
      controlFlag: 'required',
      options: { username: 'ABCKEY', password: `p"w'd` },
    });
  });

  it('refuses broken text without repeating it', () => {
    for (const text of [
      'a.B required password="secret',
      "a.B required password='secret",
      'a.B maybe x=1;',
      'a.B required x=1',
      'a.B required; c.D required;',
    ]) {
      const parsed = parseJaasConfig(text);
      expect(parsed).toHaveProperty('error');
      expect(JSON.stringify(parsed)).not.toContain('secret');
    }
  });
});

describe('parseConnection', () => {
  it('SASL_SSL with SCRAM and a PEM trust store file', () => {
    const { connection, errors } = parse(
      {
        'bootstrap.servers': 'broker-1:9093, broker-2:9093',
        'security.protocol': 'SASL_SSL',
        'sasl.mechanism': 'SCRAM-SHA-512',
        'sasl.jaas.config': SCRAM,
        'ssl.truststore.type': 'PEM',
        'ssl.truststore.location': '/ca.pem',
      },
      { '/ca.pem': `junk\n${CA}\n${CA}\n` },
    );
    expect(errors).toEqual([]);
    expect(connection).toEqual({
      brokers: ['broker-1:9093', 'broker-2:9093'],
      clientId: 'onramp',
      securityProtocol: 'SASL_SSL',
      tls: { ca: [CA, CA], verifyHostname: true },
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'onramp', password: 's3cr"et' },
    });
  });

  it('mTLS from a PEM key store, host name check turned off by an empty algorithm', () => {
    const { connection, errors } = parse(
      {
        'bootstrap.servers': 'b:9095',
        'security.protocol': 'SSL',
        'ssl.truststore.certificates': CA,
        'ssl.keystore.location': '/client.pem',
        'ssl.endpoint.identification.algorithm': '',
      },
      { '/client.pem': `${KEY}\n${CA}\n` },
    );
    expect(errors).toEqual([]);
    expect(connection?.tls).toEqual({ ca: [CA], key: KEY, cert: CA, verifyHostname: false });
  });

  it("takes the connection tuning of Confluent Cloud's worker.properties: DNS lookup, request timeout, retry backoff", () => {
    const { connection, errors } = parse({
      'bootstrap.servers': 'b:9092',
      'client.dns.lookup': 'use_all_dns_ips',
      'request.timeout.ms': '20000',
      'retry.backoff.ms': '500',
    });
    expect(errors).toEqual([]);
    expect(connection).toMatchObject({ requestTimeoutMs: 20_000, retryBackoffMs: 500 });
    expect(platformaticOptions(connection as KafkaConnection)).toMatchObject({
      requestTimeout: 20_000,
      retryDelay: 500,
    });
    expect(platformaticOptions(plaintextConnection(['b:9092']))).toMatchObject({
      requestTimeout: 30_000,
      retryDelay: 250,
    });
    const refused = parse({
      'bootstrap.servers': 'b:9092',
      'client.dns.lookup': 'resolve_canonical_bootstrap_servers_only',
      'request.timeout.ms': '10',
      'retry.backoff.ms': 'soon',
    }).errors;
    expect(refused.map((error) => error.field)).toEqual([
      'client.dns.lookup',
      'request.timeout.ms',
      'retry.backoff.ms',
    ]);
  });

  it('TLS versions as Kafka reads ssl.protocol and ssl.enabled.protocols', () => {
    const tls = (settings: Record<string, string>) => {
      const { connection, errors } = parse({
        'bootstrap.servers': 'b:9093',
        'security.protocol': 'SSL',
        ...settings,
      });
      return errors.length > 0
        ? errors.map((error) => error.field)
        : { min: connection?.tls?.minVersion, max: connection?.tls?.maxVersion };
    };
    const any = { min: undefined, max: undefined };
    expect(tls({})).toEqual(any);
    // Kafka's default ssl.protocol (TLSv1.3) still allows TLSv1.2 from the default enabled list.
    expect(tls({ 'ssl.protocol': 'TLSv1.3' })).toEqual(any);
    expect(tls({ 'ssl.protocol': 'TLS' })).toEqual(any);
    expect(tls({ 'ssl.protocol': 'TLSv1.2' })).toEqual({ min: undefined, max: 'TLSv1.2' });
    expect(tls({ 'ssl.enabled.protocols': 'TLSv1.2' })).toEqual({ min: undefined, max: 'TLSv1.2' });
    expect(tls({ 'ssl.enabled.protocols': 'TLSv1.3' })).toEqual({ min: 'TLSv1.3', max: undefined });
    expect(tls({ 'ssl.enabled.protocols': 'TLSv1.3, TLSv1.2', 'ssl.protocol': 'TLSv1.3' })).toEqual(any);
    expect(tls({ 'ssl.enabled.protocols': 'TLSv1.3', 'ssl.protocol': 'TLSv1.2' })).toEqual(['ssl.protocol']);
    expect(tls({ 'ssl.enabled.protocols': 'TLSv1.1' })).toEqual(['ssl.enabled.protocols']);
    expect(tls({ 'ssl.protocol': 'SSLv3' })).toEqual(['ssl.protocol']);
  });

  it('OAUTHBEARER: client credentials from the JAAS options, or the unsecured login', () => {
    const oauth = parse({
      'bootstrap.servers': 'b:9093',
      'security.protocol': 'SASL_SSL',
      'sasl.mechanism': 'OAUTHBEARER',
      'sasl.oauthbearer.token.endpoint.url': 'https://idp.example/token',
      'sasl.login.callback.handler.class':
        'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler',
      'sasl.jaas.config':
        'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId="app" clientSecret="x" scope="kafka";',
    });
    expect(oauth.errors).toEqual([]);
    expect(oauth.connection?.sasl).toEqual({
      mechanism: 'OAUTHBEARER',
      oauth: {
        kind: 'client_credentials',
        tokenEndpoint: 'https://idp.example/token',
        clientId: 'app',
        clientSecret: 'x',
        scope: 'kafka',
      },
    });
    const unsecured = parse({
      'bootstrap.servers': 'b:9093',
      'security.protocol': 'SASL_PLAINTEXT',
      'sasl.mechanism': 'OAUTHBEARER',
      'sasl.jaas.config':
        'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="alice";',
    });
    expect(unsecured.connection?.sasl).toEqual({
      mechanism: 'OAUTHBEARER',
      oauth: { kind: 'unsecured', subject: 'alice' },
    });
  });

  it("OAUTHBEARER SASL extensions (Confluent Cloud's extension_logicalCluster), and no JAAS option ignored", () => {
    const jaas = (options: string) => ({
      'bootstrap.servers': 'b:9093',
      'security.protocol': 'SASL_SSL',
      'sasl.mechanism': 'OAUTHBEARER',
      'sasl.oauthbearer.token.endpoint.url': 'https://idp.example/token',
      'sasl.jaas.config': `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId='app' clientSecret='x' ${options};`,
    });
    const cloud = parse(jaas("extension_logicalCluster='lkc-abc12' extension_identityPoolId='pool-Xy9'"));
    expect(cloud.errors).toEqual([]);
    expect(cloud.connection?.sasl).toMatchObject({
      extensions: { logicalCluster: 'lkc-abc12', identityPoolId: 'pool-Xy9' },
    });
    expect(platformaticOptions(cloud.connection as KafkaConnection).sasl).toMatchObject({
      mechanism: 'OAUTHBEARER',
      oauthBearerExtensions: { logicalCluster: 'lkc-abc12', identityPoolId: 'pool-Xy9' },
    });
    const unsecured = parse({
      'bootstrap.servers': 'b:9093',
      'security.protocol': 'SASL_PLAINTEXT',
      'sasl.mechanism': 'OAUTHBEARER',
      'sasl.jaas.config':
        'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="alice" unsecuredLoginExtension_traceId="t1";',
    });
    expect(unsecured.connection?.sasl).toMatchObject({ extensions: { traceId: 't1' } });
    // Options no login here uses, and extensions Kafka would refuse, are refused by name.
    for (const options of [
      'extension_auth="x"',
      'extension_log-cluster="x"',
      'unsecuredLoginLifetimeSeconds="60"',
    ]) {
      const { errors } = parse(jaas(options));
      expect(errors.map((error) => error.field)).toEqual(['sasl.jaas.config']);
      expect(errors[0]?.message).toMatch(
        /extension_auth|extension_log-cluster|unsecuredLoginLifetimeSeconds/,
      );
    }
    const scram = parse({
      'bootstrap.servers': 'b:9093',
      'security.protocol': 'SASL_SSL',
      'sasl.mechanism': 'SCRAM-SHA-512',
      'sasl.jaas.config':
        'org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="hunter2" tokenauth="true";',
    });
    expect(scram.errors.map((error) => error.message).join()).toMatch(/option tokenauth is not one/);
    expect(JSON.stringify(scram.errors)).not.toContain('hunter2');
  });

  it('names every bad key and never repeats a secret or file content', () => {
    const { connection, errors } = parse(
      {
        'bootstrap.servers': 'b:70000',
        'security.protocol': 'SASL_SSL',
        'sasl.mechanism': 'GSSAPI',
        'ssl.truststore.type': 'JCEKS',
        'ssl.truststore.location': '/secret-file',
        'ssl.keystore.key': KEY,
      },
      { '/secret-file': 'TOP-SECRET CONTENT' },
    );
    expect(connection).toBeUndefined();
    expect(errors.map((error) => error.field).sort()).toEqual(
      [
        'bootstrap.servers',
        'sasl.mechanism',
        'ssl.keystore.key',
        'ssl.truststore.location',
        'ssl.truststore.type',
      ].sort(),
    );
    const text = JSON.stringify(errors);
    expect(text).not.toContain('TOP-SECRET');
    expect(text).not.toContain('MIIEkey');
  });

  it('refuses TLS or SASL settings that the protocol would not use', () => {
    const { errors } = parse({
      'bootstrap.servers': 'b:9092',
      'sasl.jaas.config': SCRAM,
      'ssl.truststore.certificates': CA,
    });
    expect(errors.map((error) => error.field).sort()).toEqual([
      'sasl.jaas.config',
      'ssl.truststore.certificates',
    ]);
    expect(JSON.stringify(errors)).not.toContain('s3cr');
  });

  it('PLAIN needs the PlainLoginModule with username and password', () => {
    const { errors } = parse({
      'bootstrap.servers': 'b:9093',
      'security.protocol': 'SASL_PLAINTEXT',
      'sasl.mechanism': 'PLAIN',
      'sasl.jaas.config': SCRAM,
    });
    expect(errors[0]?.message).toMatch(
      /PLAIN takes org\.apache\.kafka\.common\.security\.plain\.PlainLoginModule/,
    );
  });
});

describe('client layers and connector overrides', () => {
  const host = kafkaClientConfig({
    brokers: ['127.0.0.1:9092'],
    common: { 'security.protocol': 'PLAINTEXT' },
    producer: { 'compression.type': 'gzip' },
  });

  it('host settings, then the host kind prefix, then the connector override win', () => {
    const properties = clientProperties(
      'producer',
      host.layers,
      clientOverrides({
        'producer.override.bootstrap.servers': '127.0.0.1:9093',
        'consumer.override.group.id': 'ignored-for-producers',
      }),
    );
    expect(properties.get('bootstrap.servers')).toEqual({
      value: '127.0.0.1:9093',
      from: 'producer.override.bootstrap.servers',
    });
    expect(properties.get('compression.type')).toEqual({ value: 'gzip', from: 'producer.compression.type' });
    expect(properties.has('group.id')).toBe(false);
  });

  it('refuses keys nothing honours, clients the connector lacks, and what the policy forbids', () => {
    const errors = checkClientOverrides(
      'source',
      {
        'producer.override.buffer.memory': '33554432',
        'producer.override.send.buffer.bytes': '131072',
        'consumer.override.group.id': 'x',
        'producer.override.compression.type': 'zstd',
        'producer.override.security.protocol': 'SASL_SSL',
      },
      host,
    );
    expect(Object.fromEntries(errors.map((error) => [error.field, error.message]))).toEqual({
      'producer.override.buffer.memory': expect.stringMatching(
        /buffer.memory is not available: .*max.queue.size.in.bytes/,
      ),
      'producer.override.send.buffer.bytes': expect.stringMatching(
        /not a Kafka client setting Onramp honours/,
      ),
      'consumer.override.group.id': expect.stringMatching(/source connector has no consumer client/),
      'producer.override.compression.type': expect.stringMatching(/only none and gzip/),
      'producer.override.sasl.mechanism': expect.stringMatching(/GSSAPI/),
    });
    expect(
      checkClientOverrides('sink', { 'consumer.override.group.instance.id': 'orders-eu.1' }, host),
    ).toEqual([]);
    expect(
      checkClientOverrides('sink', { 'consumer.override.group.instance.id': 'orders eu' }, host)[0]?.message,
    ).toMatch(/consumer.override.group.instance.id: may contain only ASCII letters, digits/);
    expect(
      checkClientOverrides('sink', { 'consumer.override.group.instance.id': 'x'.repeat(241) }, host)[0]
        ?.message,
    ).toMatch(/at most 240 characters/);
    const principal = { ...host, overridePolicy: 'Principal' as const };
    expect(
      checkClientOverrides('sink', { 'consumer.override.session.timeout.ms': '10000' }, principal)[0]
        ?.message,
    ).toMatch(/policy is Principal/);
    const none = { ...host, overridePolicy: 'None' as const };
    expect(
      checkClientOverrides('sink', { 'admin.override.security.protocol': 'SSL' }, none)[0]?.message,
    ).toMatch(/policy is None/);
  });
});

describe('consumerTuning', () => {
  const tune = (properties: Record<string, string>) =>
    consumerTuning(layerProperties([{ prefix: 'consumer.override.', properties }]));

  it('takes the fetch and group settings of MSK and Aiven worker configs', () => {
    const { tuning, errors } = tune({
      'fetch.min.bytes': '1024',
      'fetch.max.wait.ms': '200',
      'fetch.max.bytes': '1048576',
      'max.partition.fetch.bytes': '262144',
      'max.poll.records': '500',
      'session.timeout.ms': '30000',
      'heartbeat.interval.ms': '5000',
      'max.poll.interval.ms': '300000',
    });
    expect(errors).toEqual([]);
    expect(tuning).toMatchObject({
      fetchMinBytes: 1024,
      fetchMaxWaitMs: 200,
      fetchMaxBytes: 1_048_576,
      maxPartitionFetchBytes: 262_144,
      maxPollRecords: 500,
      sessionTimeoutMs: 30_000,
      heartbeatIntervalMs: 5_000,
      rebalanceTimeoutMs: 300_000,
    });
  });

  it('refuses values the group coordinator or a fetch would not take, naming the key', () => {
    const { errors } = tune({
      'fetch.max.bytes': '0',
      'heartbeat.interval.ms': '50000',
      'max.poll.interval.ms': '10000',
    });
    expect(errors.map((error) => error.field).sort()).toEqual(['consumer.override.fetch.max.bytes']);
    const group = tune({ 'heartbeat.interval.ms': '50000', 'max.poll.interval.ms': '10000' });
    expect(group.errors.map((error) => error.field).sort()).toEqual([
      'consumer.override.heartbeat.interval.ms',
      'consumer.override.max.poll.interval.ms',
    ]);
    expect(group.errors.map((error) => error.message).join('\n')).toMatch(/session\.timeout\.ms \(45000\)/);
  });
});

describe('producerTuning', () => {
  const tune = (properties: Record<string, string>) =>
    producerTuning(layerProperties([{ prefix: 'producer.override.', properties }]));

  it("keeps today's behaviour by default: no linger, requests of 768 KiB, no record bound, 120 s outage window", () => {
    const { tuning, errors } = tune({});
    expect(errors).toEqual([]);
    expect(tuning).toEqual({ compression: 'none', lingerMs: 0, deliveryTimeoutMs: 120_000 });
    expect(requestBytes(tuning)).toBe(DEFAULT_REQUEST_BYTES);
  });

  it("takes Debezium's usual producer tuning and Kafka's idempotent-safe settings", () => {
    const { tuning, errors } = tune({
      'linger.ms': '10',
      'batch.size': '1048576',
      'max.request.size': '524288',
      'delivery.timeout.ms': '300000',
      acks: 'all',
      'enable.idempotence': 'true',
      'max.in.flight.requests.per.connection': '5',
      'compression.type': 'gzip',
    });
    expect(errors).toEqual([]);
    expect(tuning).toEqual({
      compression: 'gzip',
      lingerMs: 10,
      batchBytes: 1_048_576,
      maxRequestBytes: 524_288,
      deliveryTimeoutMs: 300_000,
    });
    // A request never carries more than max.request.size, whatever batch.size says.
    expect(requestBytes(tuning)).toBe(524_288);
    expect(requestBytes(tune({ 'batch.size': '16384' }).tuning)).toBe(16_384);
  });

  it('raises an unset delivery.timeout.ms to linger.ms + request.timeout.ms, as Kafka does', () => {
    expect(tune({ 'linger.ms': '200000' }).tuning.deliveryTimeoutMs).toBe(230_000);
    expect(tune({ 'linger.ms': '5', 'request.timeout.ms': '10000' }).tuning.deliveryTimeoutMs).toBe(120_000);
  });

  it('refuses contradictions and values Kafka would refuse, naming each key', () => {
    const { errors } = tune({
      acks: '1',
      'max.in.flight.requests.per.connection': '6',
      'batch.size': '-1',
      'max.request.size': '0',
      'linger.ms': 'soon',
    });
    expect(Object.fromEntries(errors.map((error) => [error.field, error.message]))).toEqual({
      'producer.override.acks': expect.stringMatching(/acks=all/),
      'producer.override.max.in.flight.requests.per.connection': expect.stringMatching(
        /Invalid value 6 .*at most 5 for an idempotent producer/,
      ),
      'producer.override.batch.size': expect.stringMatching(/between 0 and 2147483647 bytes/),
      'producer.override.max.request.size': expect.stringMatching(/between 1 and 2147483647 bytes/),
      'producer.override.linger.ms': expect.stringMatching(/between 0 and 2147483647 ms/),
    });
    const delivery = tune({ 'delivery.timeout.ms': '20000', 'linger.ms': '100' });
    expect(delivery.errors).toEqual([
      {
        field: 'producer.override.delivery.timeout.ms',
        message: expect.stringMatching(/must be at least linger.ms \+ request.timeout.ms \(100 \+ 30000\)/),
      },
    ]);
    expect(tune({ 'enable.idempotence': 'false' }).errors[0]?.message).toMatch(/always idempotent/);
  });

  it('connector validation honours the producer keys and names the refused ones', () => {
    const host = kafkaClientConfig({ brokers: ['127.0.0.1:9092'] });
    expect(
      checkClientOverrides(
        'source',
        {
          'producer.override.linger.ms': '20',
          'producer.override.batch.size': '1048576',
          'producer.override.max.request.size': '2097152',
          'producer.override.delivery.timeout.ms': '180000',
          'producer.override.max.in.flight.requests.per.connection': '1',
        },
        host,
      ),
    ).toEqual([]);
    const errors = checkClientOverrides(
      'source',
      {
        'producer.override.max.in.flight.requests.per.connection': '10',
        'producer.override.max.block.ms': '1',
      },
      host,
    );
    expect(errors.map((error) => error.field).sort()).toEqual([
      'producer.override.max.block.ms',
      'producer.override.max.in.flight.requests.per.connection',
    ]);
    // A sink's producer writes only its dead letter queue, one record at a time: nothing lingers.
    const sink = checkClientOverrides(
      'sink',
      {
        'producer.override.linger.ms': '5',
        'producer.override.delivery.timeout.ms': '60000',
        'producer.override.max.request.size': '2097152',
      },
      host,
    );
    expect(Object.fromEntries(sink.map((error) => [error.field, error.message]))).toEqual({
      'producer.override.linger.ms': expect.stringMatching(/dead letter queue/),
      'producer.override.delivery.timeout.ms': expect.stringMatching(/dead letter queue/),
    });
  });
});
