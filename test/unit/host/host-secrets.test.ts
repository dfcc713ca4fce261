// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${provider:...} placeholders are literal config values here
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configProviders } from '../../../src/host/config-placeholders.ts';
import { isSecretSetting } from '../../../src/host/connector-config.ts';
import { ConnectorHost } from '../../../src/host/host.ts';
import { createLogger } from '../../../src/host/logger.ts';
import { Metrics } from '../../../src/host/metrics.ts';
import { PluginRegistry } from '../../../src/host/plugin-registry.ts';
import type { RunningTask, TaskRunner, TaskSpec, TaskStatus } from '../../../src/host/task-runner.ts';
import type { Cluster } from '../../../src/kafka/types.ts';
import type { ConnectorPlugin } from '../../../src/plugin/index.ts';
import { defineConfig, field, OnrampError } from '../../../src/plugin/index.ts';
import { openFileStores } from '../../../src/stores/file-store.ts';
import { SecretCodec } from '../../../src/stores/secret-codec.ts';
import { waitFor } from '../../support/wait-for.ts';

// The host keeps resolved values and secrets out of /status traces, the log, GET bodies and the
// data dir, and keeps a stored secret where a PUT or PATCH sends "[hidden]" back.

const plugin = {
  name: 'echo-source',
  aliases: ['org.onramp.test.EchoSourceConnector'],
  kind: 'source',
  version: '1.0.0',
  config: defineConfig({
    'connection.url': field.string({ doc: 'URL', required: true }),
    'database.password': field.password({ doc: 'Password' }),
    'database.dbname': field.string({ doc: 'Database' }),
  }),
  planTasks: () => [{}],
  createTask: () => {
    throw new Error('not used');
  },
} as unknown as ConnectorPlugin;

/** Tasks fail with a driver-like message that quotes every value they were given. */
class EchoRunner implements TaskRunner {
  readonly started: TaskSpec[] = [];
  start(spec: TaskSpec): RunningTask {
    this.started.push(spec);
    const status: TaskStatus = {
      state: 'FAILED',
      trace: `DriverError: cannot open database "${spec.config['database.dbname']}" at ${spec.config['connection.url']} with password ${spec.config['database.password']}`,
    };
    queueMicrotask(() => spec.onStatus(status));
    return { status, pause() {}, resume() {}, stop: async () => {} };
  }
}

const cluster: Cluster = {
  clusterId: async () => 'test',
  groupOffsets: async () => [],
  alterGroupOffsets: async () => {},
  resetGroupOffsets: async () => {},
  close: async () => {},
};

async function startHost(dataDir: string) {
  const lines: string[] = [];
  const log = createLogger('info', { write: (line: string) => void lines.push(line) });
  const plugins = new PluginRegistry([plugin]);
  const stores = await openFileStores(dataDir, {
    codec: new SecretCodec(Buffer.alloc(32, 7)),
    isSecret: (config, key, value) =>
      isSecretSetting(key, value, plugins.resolve(config['connector.class'] ?? '')),
  });
  const runner = new EchoRunner();
  const host = new ConnectorHost({
    plugins,
    configs: stores.configs,
    offsets: stores.offsets,
    statuses: stores.statuses,
    topics: stores.topics,
    runner,
    cluster,
    log,
    metrics: new Metrics(),
    workerId: 'w',
    placeholders: {
      env: { DB_NAME: 'resolved-db-name-789' },
      providers: configProviders({ enabled: ['env'] }),
    },
  });
  await host.start();
  return { host, stores, runner, lines };
}

const config = {
  'connector.class': 'EchoSource',
  'connection.url': 'jdbc:postgresql://db/app?user=u&password=url-pw-456',
  'database.password': 'literal-pw-123',
  'database.dbname': '${env:DB_NAME}',
};
const secrets = ['url-pw-456', 'literal-pw-123', 'resolved-db-name-789'];

describe('ConnectorHost and secrets', () => {
  it('shows no secret in GET bodies, /status traces, the log or the data dir', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'onramp-host-secrets-'));
    const { host, stores, runner, lines } = await startHost(dataDir);
    await host.createConnector('echo', config);
    const status = await waitFor('the task failed', async () => {
      const current = host.connectorStatus('echo');
      return current.tasks[0]?.state === 'FAILED' ? current : undefined;
    });
    // The task got the real values...
    expect(runner.started[0]?.config['database.dbname']).toBe('resolved-db-name-789');
    // ...nobody else sees them.
    expect(status.tasks[0]?.trace).toBe(
      'DriverError: cannot open database "${env:DB_NAME}" at jdbc:postgresql://db/app?user=u&password=[hidden] with password [hidden]',
    );
    const bodies = JSON.stringify([
      host.connectorInfo('echo'),
      host.connectorConfig('echo'),
      host.taskConfigs('echo'),
      host.tasksConfig('echo'),
      host.connectorStatus('echo'),
    ]);
    await stores.flush();
    const files = ['connectors', 'status']
      .flatMap((sub) =>
        readdirSync(join(dataDir, sub)).map((name) => readFileSync(join(dataDir, sub, name), 'utf8')),
      )
      .join('\n');
    expect(lines.join('')).toContain('task failed');
    for (const secret of secrets) {
      expect(bodies).not.toContain(secret);
      expect(lines.join('')).not.toContain(secret);
      expect(files).not.toContain(secret);
    }
    await host.close();
  });

  it('keeps stored secrets where PUT or PATCH sends [hidden] back, and survives a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'onramp-host-roundtrip-'));
    const first = await startHost(dataDir);
    await first.host.createConnector('rt', config, 'STOPPED');
    const shown = first.host.connectorConfig('rt');
    expect(shown['database.password']).toBe('[hidden]');
    expect(shown['connection.url']).toBe('jdbc:postgresql://db/app?user=u&password=[hidden]');

    // GET then PUT unchanged: nothing changes (no reconfiguration).
    const put = await first.host.putConnectorConfig('rt', shown);
    expect(put.created).toBe(false);
    expect(first.stores.configs.get('rt')?.config).toEqual({ ...config, name: 'rt' });

    // PUT with another setting changed, PATCH another: secrets stay.
    await first.host.putConnectorConfig('rt', { ...shown, 'database.dbname': 'other' });
    await first.host.patchConnectorConfig('rt', {
      'database.dbname': 'third',
      'connection.url': shown['connection.url'] ?? '',
    });
    expect(first.stores.configs.get('rt')?.config).toMatchObject({
      'database.password': 'literal-pw-123',
      'connection.url': 'jdbc:postgresql://db/app?user=u&password=url-pw-456',
      'database.dbname': 'third',
    });
    await first.host.close();
    await first.stores.flush();

    const second = await startHost(dataDir);
    expect(second.stores.configs.get('rt')?.config['database.password']).toBe('literal-pw-123');
    // A new connector cannot take "[hidden]": there is nothing stored to keep.
    const { name: _name, ...copied } = shown;
    await expect(second.host.createConnector('fresh', copied)).rejects.toThrow(OnrampError);
    await expect(second.host.createConnector('fresh', copied)).rejects.toThrow(
      /database\.password: \[hidden\] keeps the stored secret/,
    );
    await second.host.close();
  });
});
