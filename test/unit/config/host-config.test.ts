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
      rest: { host: '127.0.0.1', port: 8083 },
      dataDir: '/srv/onramp/data',
      kafka: { brokers: ['127.0.0.1:9092'], clientId: 'onramp' },
      schemaRegistryUrl: 'http://127.0.0.1:8081',
      workerId: '127.0.0.1:8083',
      logLevel: 'info',
      topicTracking: { enable: true, allowReset: true },
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
      },
    });
    expect(config.rest).toEqual({ host: '127.0.0.1', port: 9100 });
    expect(config.dataDir).toBe('/var/lib/onramp');
    expect(config.kafka.brokers).toEqual(['a:9092', 'b:9093']);
    expect(config.schemaRegistryUrl).toBe('https://registry:8081');
    expect(config.workerId).toBe('w1');
    expect(config.logLevel).toBe('debug');
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
});
