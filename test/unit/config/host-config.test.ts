import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_FILE, loadHostConfig } from '../../../src/config/host-config.ts';

const dir = mkdtempSync(join(tmpdir(), 'onramp-host-config-'));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('loadHostConfig', () => {
  it('reads config/host.example.yaml with its documented defaults', () => {
    const config = loadHostConfig({ env: {}, file: DEFAULT_CONFIG_FILE, cwd: '/srv/onramp' });
    expect(config).toEqual({
      // REST security settings are covered by test/unit/auth/rest-listener.test.ts.
      rest: expect.objectContaining({ host: '127.0.0.1', port: 8083 }),
      dataDir: '/srv/onramp/data',
      kafka: {
        brokers: ['127.0.0.1:9092'],
        layers: {
          common: { 'bootstrap.servers': '127.0.0.1:9092', 'client.id': 'onramp' },
          producer: {},
          consumer: {},
          admin: {},
        },
        overridePolicy: 'All',
      },
      schemaRegistryUrl: 'http://127.0.0.1:8081',
      schemaRegistry: { url: 'http://127.0.0.1:8081' },
      lineage: { openlineageUrl: '', namespace: 'onramp' },
      workerId: '127.0.0.1:8083',
      logLevel: 'info',
      logFormat: 'auto',
      topicTracking: { enable: true, allowReset: true },
      configProviders: new Map(),
      secretsKeyFile: undefined,
      converters: {},
      warnings: [],
      taskShutdownTimeoutMs: 10_000,
    });
  });

  it('accepts nested and dotted keys, lists, and lets the environment win', () => {
    const path = file(
      'mixed.yaml',
      [
        'rest:',
        '  port: 9000',
        'data.dir: /var/lib/onramp',
        'kafka:',
        '  brokers: [a:9092, b:9093]',
        'worker.id: w1',
        '',
      ].join('\n'),
    );
    const config = loadHostConfig({
      env: {
        ONRAMP_CONFIG: path,
        ONRAMP_REST_PORT: '9100',
        SCHEMA_REGISTRY_URL: 'https://registry:8081',
        ONRAMP_LOG_LEVEL: 'DEBUG',
        ONRAMP_LOG_FORMAT: 'JSON',
      },
    });
    expect(config.rest).toMatchObject({ host: '127.0.0.1', port: 9100 });
    expect(config.dataDir).toBe('/var/lib/onramp');
    expect(config.kafka.brokers).toEqual(['a:9092', 'b:9093']);
    expect(config.schemaRegistryUrl).toBe('https://registry:8081');
    expect(config.workerId).toBe('w1');
    expect(config.logLevel).toBe('debug');
    expect(config.logFormat).toBe('json');
  });

  it('takes Kafka client settings by their Kafka names, from the file and ONRAMP_KAFKA_* variables', () => {
    const ca = file('ca.pem', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const path = file(
      'secured.yaml',
      [
        'bootstrap.servers: broker:9093',
        'security.protocol: SASL_SSL',
        'sasl:',
        '  mechanism: SCRAM-SHA-512',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a config placeholder, resolved by the host
        '  jaas.config: org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="${env:KAFKA_PW}";',
        `ssl.truststore.location: ${ca}`,
        'ssl.truststore.type: PEM',
        'producer.compression.type: gzip',
        'connector.client.config.override.policy: principal',
        '',
      ].join('\n'),
    );
    const config = loadHostConfig({
      env: { KAFKA_PW: 'pw', ONRAMP_KAFKA_CONSUMER_SESSION_TIMEOUT_MS: '30000' },
      file: path,
    });
    expect(config.kafka.brokers).toEqual(['broker:9093']);
    expect(config.kafka.overridePolicy).toBe('Principal');
    expect(config.kafka.layers.common).toMatchObject({
      'bootstrap.servers': 'broker:9093',
      'security.protocol': 'SASL_SSL',
      'sasl.mechanism': 'SCRAM-SHA-512',
      'sasl.jaas.config':
        'org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="pw";',
    });
    expect(config.kafka.layers.producer).toEqual({ 'compression.type': 'gzip' });
    expect(config.kafka.layers.consumer).toEqual({ 'session.timeout.ms': '30000' });
  });

  it("takes a worker.properties template's <kind>.bootstrap.servers when it names the host's brokers", () => {
    const same = file(
      'kind-brokers.yaml',
      'bootstrap.servers: b1:9093,b2:9093\nproducer.bootstrap.servers: b1:9093, b2:9093\nconsumer.bootstrap.servers: b1:9093,b2:9093\n',
    );
    const config = loadHostConfig({ env: {}, file: same });
    expect(config.kafka.brokers).toEqual(['b1:9093', 'b2:9093']);
    expect(config.kafka.layers.producer).toEqual({});
    const other = file(
      'other-brokers.yaml',
      'bootstrap.servers: b1:9093\nproducer.bootstrap.servers: elsewhere:9093\n',
    );
    expect(() => loadHostConfig({ env: {}, file: other })).toThrow(
      /invalid producer.bootstrap.servers .*same brokers as bootstrap.servers .*producer.override.bootstrap.servers/,
    );
  });

  it('refuses cluster settings on a standalone host instead of ignoring them', () => {
    const path = file('standalone-group.yaml', 'group.id: connect-cluster\nsession.timeout.ms: 45000\n');
    expect(() => loadHostConfig({ env: {}, file: path })).toThrow(
      /group.id, session.timeout.ms \(from .*\): settings of mode distributed.*consumer.override.group.id.*consumer.session.timeout.ms/,
    );
    const advertised = file('standalone-advertised.yaml', 'rest.advertised.host.name: worker-1\n');
    expect(loadHostConfig({ env: {}, file: advertised }).distributed).toBeUndefined();
  });

  it('refuses Kafka client settings it would not honour, naming them without their values', () => {
    const buffer = file('buffer.yaml', 'producer.buffer.memory: 33554432\n');
    expect(() => loadHostConfig({ env: {}, file: buffer })).toThrow(
      /unknown setting producer.buffer.memory \(a Kafka client setting Onramp cannot honour: .*max.queue.size.in.bytes/,
    );
    const send = file('send-buffer.yaml', 'producer.send.buffer.bytes: 131072\n');
    expect(() => loadHostConfig({ env: {}, file: send })).toThrow(
      /unknown setting producer.send.buffer.bytes/,
    );
    // The producer tuning Debezium users paste is honoured at host level too.
    const tuned = file(
      'tuned.yaml',
      'producer.linger.ms: 5\nproducer.batch.size: 1048576\nproducer.max.request.size: 2097152\nproducer.delivery.timeout.ms: 180000\nproducer.max.in.flight.requests.per.connection: 5\n',
    );
    expect(loadHostConfig({ env: {}, file: tuned }).kafka.layers.producer).toEqual({
      'linger.ms': '5',
      'batch.size': '1048576',
      'max.request.size': '2097152',
      'delivery.timeout.ms': '180000',
      'max.in.flight.requests.per.connection': '5',
    });
    const inflight = file('inflight.yaml', 'producer.max.in.flight.requests.per.connection: 10\n');
    expect(() => loadHostConfig({ env: {}, file: inflight })).toThrow(
      /Invalid value 10 for configuration producer.max.in.flight.requests.per.connection: .*idempotent/,
    );
    // One group.instance.id for every sink task of the host would make them fence each other.
    const instance = file('instance.yaml', 'consumer.group.instance.id: host-a\n');
    expect(() => loadHostConfig({ env: {}, file: instance })).toThrow(
      /unknown setting consumer.group.instance.id \(a connector's own setting, consumer.override.group.instance.id/,
    );
    // Nor one consumer group for every sink (Onramp would keep connect-<connector> and ignore it).
    const group = file('group.yaml', 'consumer.group.id: shared\n');
    expect(() => loadHostConfig({ env: {}, file: group })).toThrow(
      /unknown setting consumer.group.id \(a connector's own setting, consumer.override.group.id/,
    );
    // The same through the environment: a variable no setting reads is refused, not ignored.
    expect(() => loadHostConfig({ env: { ONRAMP_KAFKA_PRODUCER_BUFFER_MEMORY: '5' }, file: null })).toThrow(
      /unknown environment variable ONRAMP_KAFKA_PRODUCER_BUFFER_MEMORY/,
    );
    expect(
      loadHostConfig({ env: { ONRAMP_KAFKA_PRODUCER_LINGER_MS: '5' }, file: null }).kafka.layers.producer,
    ).toEqual({ 'linger.ms': '5' });
    expect(() => loadHostConfig({ env: { ONRAMP_KAFKA_CONSUMER_GROUP_ID: 'shared' }, file: null })).toThrow(
      /unknown environment variable ONRAMP_KAFKA_CONSUMER_GROUP_ID/,
    );
    expect(
      loadHostConfig({ env: { ONRAMP_KAFKA_CLIENT_ID: 'etl-7', ONRAMP_KAFKA_LINGER_MS: '' }, file: null })
        .kafka.layers.common['client.id'],
    ).toBe('etl-7');
    const missing = file('sasl-missing.yaml', 'security.protocol: SASL_SSL\nsasl.mechanism: PLAIN\n');
    expect(() => loadHostConfig({ env: {}, file: missing })).toThrow(/sasl.jaas.config/);
    const badJaas = file(
      'bad-jaas.yaml',
      'security.protocol: SASL_SSL\nsasl.mechanism: PLAIN\nsasl.jaas.config: \'x.Y required password="hunter2"\'\n',
    );
    expect(() => loadHostConfig({ env: {}, file: badJaas })).toThrow(/sasl.jaas.config/);
    try {
      loadHostConfig({ env: {}, file: badJaas });
    } catch (error) {
      expect(String(error)).not.toContain('hunter2');
    }
  });

  it('uses KAFKA_BROKERS and ONRAMP_DATA_DIR without a file', () => {
    const config = loadHostConfig({
      env: { KAFKA_BROKERS: 'k1:9092, k2:9092', ONRAMP_DATA_DIR: 'state' },
      file: null,
      cwd: '/x',
    });
    expect(config.kafka.brokers).toEqual(['k1:9092', 'k2:9092']);
    expect(config.dataDir).toBe('/x/state');
  });

  it('fails with a message naming the key and where the value came from', () => {
    expect(() => loadHostConfig({ env: { ONRAMP_REST_PORT: 'http' }, file: null })).toThrow(
      'invalid rest.port "http" (from environment variable ONRAMP_REST_PORT): must be a port number between 0 and 65535',
    );
    expect(() => loadHostConfig({ env: { KAFKA_BROKERS: 'localhost' }, file: null })).toThrow(
      /kafka.brokers.*not host:port/,
    );
    expect(() => loadHostConfig({ env: { SCHEMA_REGISTRY_URL: 'registry:8081' }, file: null })).toThrow(
      /schema.registry.url/,
    );
    expect(() => loadHostConfig({ env: { ONRAMP_LOG_LEVEL: 'loud' }, file: null })).toThrow(/log.level/);
    const unknown = file('unknown.yaml', 'rest:\n  prot: 8083\n');
    expect(() => loadHostConfig({ env: {}, file: unknown })).toThrow(/unknown setting rest.prot/);
    const broken = file('broken.yaml', 'rest: [\n');
    expect(() => loadHostConfig({ env: {}, file: broken })).toThrow(/not valid YAML/);
    expect(() => loadHostConfig({ env: {}, file: join(dir, 'missing.yaml') })).toThrow(
      /cannot read host config/,
    );
  });

  it('takes config provider aliases with Kafka class names, each with its own limits', () => {
    const load = (yaml: string, env: Record<string, string> = {}) =>
      loadHostConfig({ env, file: file('providers.yaml', yaml), cwd: '/srv/onramp' }).configProviders;
    const providers = load(
      [
        'config.providers: secrets,vars,file',
        'config.providers.secrets.class: org.apache.kafka.common.config.provider.DirectoryConfigProvider',
        'config.providers.secrets.param.allowed.paths: /run/secrets',
        'config.providers.vars.class: EnvVarConfigProvider',
        'config.providers.vars.param.allowlist.pattern: DB_.*',
        'config.providers.file.param.allowed.paths: /etc/onramp',
      ].join('\n'),
    );
    expect(providers.get('secrets')).toEqual({
      name: 'secrets',
      kind: 'dir',
      allowedPaths: ['/run/secrets'],
    });
    expect(providers.get('vars')).toMatchObject({ name: 'vars', kind: 'env' });
    expect(providers.get('vars')?.allowlist?.test('DB_PASSWORD')).toBe(true);
    expect(providers.get('vars')?.allowlist?.test('HOME')).toBe(false);
    expect(providers.get('file')).toEqual({ name: 'file', kind: 'file', allowedPaths: ['/etc/onramp'] });
    expect([...providers.keys()].sort()).toEqual(['file', 'secrets', 'vars']);

    expect(() => load('config.providers: vault\n')).toThrow(
      /vault, which needs config.providers.vault.class/,
    );
    expect(() =>
      load('config.providers: vault\nconfig.providers.vault.class: io.example.VaultConfigProvider\n'),
    ).toThrow(/invalid config.providers.vault.class .*must be one of/);
    expect(() => load('config.providers: env\nconfig.providers.other.class: FileConfigProvider\n')).toThrow(
      /other is not one of config.providers \(env\)/,
    );
    expect(() =>
      load(
        'config.providers: v\nconfig.providers.v.class: EnvVarConfigProvider\nconfig.providers.v.param.allowed.paths: /x\n',
      ),
    ).toThrow(/env provider takes allowlist.pattern/);
    expect(() => load('config.providers: a:b\n')).toThrow(/not a config provider name/);
    // An alias named in the environment needs its class in the file all the same.
    expect(() => load('log.level: info\n', { ONRAMP_CONFIG_PROVIDERS: 'secrets' })).toThrow(/needs/);
  });
});
