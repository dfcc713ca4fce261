// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${env:...} placeholders are the point
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadHostConfig } from '../../../src/config/host-config.ts';
import { withWorkerConverters } from '../../../src/schema/converter-config.ts';

// A Kafka Connect worker.properties pasted into the host config (issue 11): the worker's converter
// keys are honoured as the defaults of connectors that set none, offset.flush.interval.ms and
// plugin.path are taken, and what Onramp cannot take is refused with what to do instead.

const dir = mkdtempSync(join(tmpdir(), 'onramp-worker-properties-'));

function load(lines: string[], env: Record<string, string> = {}) {
  const path = join(dir, `host-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return loadHostConfig({ env, file: path, cwd: dir });
}

/** connect-standalone.properties and a Confluent Cloud template's keys, as they come. */
const WORKER_PROPERTIES = [
  'bootstrap.servers: broker.example.com:9092',
  'key.converter: org.apache.kafka.connect.storage.StringConverter',
  'value.converter: io.confluent.connect.avro.AvroConverter',
  'value.converter.schema.registry.url: https://registry.example.com',
  'value.converter.basic.auth.credentials.source: USER_INFO',
  'value.converter.schema.registry.basic.auth.user.info: ${env:TEST_SR_USER_INFO}',
  'offset.flush.interval.ms: 10000',
  'task.shutdown.graceful.timeout.ms: 5000',
  'plugin.path: /usr/share/java,/usr/share/confluent-hub-components',
  'ssl.endpoint.identification.algorithm: https',
  'security.protocol: SASL_SSL',
  'sasl.mechanism: PLAIN',
  `sasl.jaas.config: "org.apache.kafka.common.security.plain.PlainLoginModule required username='KEY' password='SECRET';"`,
  'request.timeout.ms: 20000',
  'retry.backoff.ms: 500',
  'producer.bootstrap.servers: broker.example.com:9092',
  'producer.security.protocol: SASL_SSL',
  'producer.sasl.mechanism: PLAIN',
  `producer.sasl.jaas.config: "org.apache.kafka.common.security.plain.PlainLoginModule required username='KEY' password='SECRET';"`,
  'consumer.security.protocol: SASL_SSL',
  'consumer.sasl.mechanism: PLAIN',
  // MSK Connect and Aiven worker tuning.
  'consumer.max.partition.fetch.bytes: 1048576',
  'consumer.fetch.max.wait.ms: 500',
  'consumer.max.poll.interval.ms: 300000',
  'consumer.max.poll.records: 500',
];

describe('a worker.properties in the host config', () => {
  it("takes the worker's converters (placeholders resolved), offset.flush.interval.ms and plugin.path (with a warning)", () => {
    const config = load(WORKER_PROPERTIES, { TEST_SR_USER_INFO: 'user:pw' });
    expect(config.converters).toEqual({
      'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
      'value.converter': 'io.confluent.connect.avro.AvroConverter',
      'value.converter.schema.registry.url': 'https://registry.example.com',
      'value.converter.basic.auth.credentials.source': 'USER_INFO',
      'value.converter.schema.registry.basic.auth.user.info': 'user:pw',
    });
    expect(config.warnings).toEqual([expect.stringMatching(/^plugin\.path \(from .*\) has no effect/)]);
    expect(config.kafka.layers.common['security.protocol']).toBe('SASL_SSL');
    expect(config.taskShutdownTimeoutMs).toBe(5000);
    expect(config.kafka.layers.consumer).toMatchObject({
      'max.partition.fetch.bytes': '1048576',
      'fetch.max.wait.ms': '500',
      'max.poll.interval.ms': '300000',
    });
  });

  it('refuses a converter setting the worker converter does not have, naming it', () => {
    expect(() =>
      load([
        'value.converter: org.apache.kafka.connect.json.JsonConverter',
        'value.converter.schema.registry.url: http://registry:8081',
      ]),
    ).toThrow(/value\.converter\.schema\.registry\.url is not a setting of .*JsonConverter/);
    expect(() => load(['value.converter.schemas.enable: maybe', 'value.converter: JsonConverter'])).toThrow(
      /value\.converter\.schemas\.enable/,
    );
    expect(() => load(['key.converter: com.example.ProtobufConverter'])).toThrow(/invalid key\.converter/);
  });

  it("refuses offset.storage.file.filename, pointing at data.dir, and a worker's header.converter", () => {
    expect(() => load(['offset.storage.file.filename: /tmp/connect.offsets'])).toThrow(
      /offset\.storage\.file\.filename is not taken: .*data\.dir/,
    );
    expect(() => load(['header.converter: org.apache.kafka.connect.storage.SimpleHeaderConverter'])).toThrow(
      /header\.converter is not taken/,
    );
    expect(() => load(['offset.flush.interval.ms: soon'])).toThrow(/invalid offset\.flush\.interval\.ms/);
  });

  it("gives a connector naming no converter the worker's, settings included; its own keys win", () => {
    const worker = {
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'key.converter.schemas.enable': 'false',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter.schemas.enable': 'false',
    };
    const config = withWorkerConverters(
      {
        'connector.class': 'X',
        'value.converter': 'io.confluent.connect.avro.AvroConverter',
        'key.converter.schemas.enable': 'true',
      },
      worker,
    );
    expect(config).toEqual({
      'connector.class': 'X',
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'key.converter.schemas.enable': 'true',
      'value.converter': 'io.confluent.connect.avro.AvroConverter',
    });
  });
});

describe("the host registry's trust store", () => {
  it('reads a PKCS12 or JKS store at start (password from the environment) and names a wrong password', () => {
    const ca = join(dir, 'registry-ca.pem');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'].concat([
        '-keyout',
        join(dir, 'registry-ca.key'),
        '-out',
        ca,
        '-days',
        '2',
        '-subj',
        '/CN=registry-ca',
      ]),
      {
        stdio: 'pipe',
      },
    );
    for (const type of ['PKCS12', 'JKS']) {
      const store = join(dir, `registry-trust.${type.toLowerCase()}`);
      execFileSync(
        'keytool',
        ['-importcert', '-noprompt', '-alias', 'ca', '-file', ca, '-keystore', store].concat([
          '-storetype',
          type,
          '-storepass',
          'registry-pass-1',
        ]),
        { stdio: 'pipe' },
      );
      const lines = [
        'schema.registry.url: https://registry.example.com',
        `schema.registry.ssl.truststore.type: ${type}`,
        `schema.registry.ssl.truststore.location: ${store}`,
        'schema.registry.ssl.truststore.password: ${env:TEST_REGISTRY_STORE_PASSWORD}',
      ];
      const config = load(lines, { TEST_REGISTRY_STORE_PASSWORD: 'registry-pass-1' });
      expect(config.schemaRegistry.ca?.map((cert) => cert.trim())).toEqual([readFileSync(ca, 'utf8').trim()]);
      expect(config.schemaRegistry.truststoreLocation).toBeUndefined();
      let message = '';
      try {
        load(lines, { TEST_REGISTRY_STORE_PASSWORD: 'wrong-pass-22' });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/schema\.registry\.ssl\.truststore\.location .*password does not open it/);
      expect(message).not.toContain('wrong-pass-22');
    }
    expect(() => load(['schema.registry.ssl.truststore.password: x'])).toThrow(/does not apply to a PEM/);
  });
});
