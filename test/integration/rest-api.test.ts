// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${provider:...} placeholders are literal config values here
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.ts';
import { configProviders } from '../../src/host/config-placeholders.ts';
import { ConnectorHost } from '../../src/host/host.ts';
import { createKafkaRuntime } from '../../src/host/kafka-runtime.ts';
import { LogLevels } from '../../src/host/log-levels.ts';
import { Metrics } from '../../src/host/metrics.ts';
import { PluginRegistry } from '../../src/host/plugin-registry.ts';
import type { RunningTask, TaskRunner, TaskSpec, TaskStatus } from '../../src/host/task-runner.ts';
import { plaintextConnection } from '../../src/kafka/client-properties.ts';
import { kafkaClientConfig } from '../../src/kafka/index.ts';
import { KafkaCluster } from '../../src/kafka/kafka-cluster.ts';
import { TopicAdmin } from '../../src/kafka/topic-admin.ts';
import type { Cluster } from '../../src/kafka/types.ts';
import type { ConnectorPlugin, FieldError, SourceOffsetEntry, SourceRecord } from '../../src/plugin/index.ts';
import { defineConfig, field } from '../../src/plugin/index.ts';
import { type FileStores, openFileStores } from '../../src/stores/file-store.ts';
import { services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

// REST conformance over real HTTP against the in-process server: Kafka Connect's routes, status codes
// and bodies. Tasks run in a tiny TaskRunner double (our own contract); sink offsets, the cluster id
// and /health talk to the real Kafka.

// --- test-only connector plugins (source and sink)

const hooks: string[] = [];

function testFields() {
  return {
    'test.url': field.string({ doc: 'Where the test data lives', required: true }),
    'test.password': field.password({ doc: 'Secret' }),
    'test.count': field.int({ doc: 'Number of tasks to plan', default: 1 }),
    'test.fail': field.boolean({ doc: 'Tasks fail right after starting', default: false }),
  };
}

function probe(config: { 'test.url': string }): Promise<FieldError[]> {
  return Promise.resolve(
    config['test.url'] === 'probe-fail' ? [{ field: 'test.url', message: 'cannot reach probe-fail' }] : [],
  );
}

const unusedTask = () => {
  throw new Error('the TaskRunner double never creates plugin tasks');
};

const sourcePlugin: ConnectorPlugin = {
  name: 'test-source',
  aliases: ['org.onramp.test.TestSourceConnector'],
  kind: 'source',
  version: '1.2.3',
  config: defineConfig(testFields(), {
    check: (config) =>
      config['test.count'] > 5 ? [{ field: 'test.count', message: 'test.count must be at most 5' }] : [],
    probe,
  }),
  planTasks: (config, maxTasks) =>
    Array.from({ length: Math.min(maxTasks, Number(config['test.count'])) }, (_, index) => ({
      'task.index': String(index),
      'test.url': String(config['test.url']),
    })),
  onCreated: async (config) => {
    hooks.push(`created:${config['test.url']}`);
  },
  onDeleted: async (config) => {
    hooks.push(`deleted:${config['test.url']}`);
  },
  createTask: unusedTask,
};

const sinkPlugin: ConnectorPlugin = {
  name: 'test-sink',
  aliases: ['org.onramp.test.TestSinkConnector'],
  kind: 'sink',
  version: '1.2.3',
  config: defineConfig(testFields(), { probe }),
  planTasks: (_config, maxTasks) =>
    Array.from({ length: maxTasks }, (_, index) => ({ 'task.index': String(index) })),
  createTask: unusedTask,
};

/** For the real Kafka runtime: emits records seq 1..test.count (JSON), remembering what it got. */
const counting = { starts: [] as SourceOffsetEntry[][], commits: [] as SourceOffsetEntry[][] };
const countingSource: ConnectorPlugin = {
  name: 'test-counting-source',
  aliases: ['org.onramp.test.CountingSourceConnector'],
  kind: 'source',
  version: '1.2.3',
  config: defineConfig({
    'test.topic': field.string({ doc: 'Topic to write', required: true }),
    'test.count': field.int({ doc: 'Records to emit', default: 3 }),
  }),
  planTasks: () => [{}],
  createTask: () => {
    let next = 1;
    let until = 0;
    let topic = '';
    return {
      async start(config: Record<string, unknown>, _context: unknown, from: readonly SourceOffsetEntry[]) {
        counting.starts.push([...from]);
        topic = String(config['test.topic']);
        until = Number(config['test.count']);
        const stored = from[0]?.offset.seq;
        next = typeof stored === 'number' ? stored + 1 : 1;
      },
      async poll(signal: AbortSignal): Promise<SourceRecord[]> {
        if (next > until) {
          await new Promise((resolve) => {
            const timer = setTimeout(resolve, 100);
            signal.addEventListener('abort', () => {
              clearTimeout(timer);
              resolve(undefined);
            });
          });
          return [];
        }
        const seq = next++;
        return [
          {
            topic,
            key: { schema: { type: 'string' }, value: `k${seq}` },
            value: { schema: { type: 'struct', fields: [{ field: 'seq', type: 'int32' }] }, value: { seq } },
            sourcePartition: { server: 'counting' },
            sourceOffset: { seq },
          },
        ];
      },
      async commit(offsets: readonly SourceOffsetEntry[]) {
        counting.commits.push([...offsets]);
      },
      async stop() {},
    };
  },
} as ConnectorPlugin;

// --- the TaskRunner double: RUNNING at once (or FAILED when test.fail=true), reports one topic.

class RunnerDouble implements TaskRunner {
  readonly started: TaskSpec[] = [];
  readonly stopped: string[] = [];

  start(spec: TaskSpec): RunningTask {
    this.started.push(spec);
    let status: TaskStatus = { state: 'UNASSIGNED' };
    const set = (next: TaskStatus) => {
      status = next;
      spec.onStatus(next);
    };
    queueMicrotask(() => {
      spec.onTopic?.(`${spec.connector}.topic`);
      if (status.state !== 'UNASSIGNED') return; // paused (or stopped) before it got going
      if (spec.config['test.fail'] === 'true')
        set({ state: 'FAILED', trace: `TestFailure: task ${spec.taskId} failed on purpose` });
      else set({ state: 'RUNNING' });
    });
    return {
      get status() {
        return status;
      },
      pause: () => set({ state: 'PAUSED' }),
      resume: () => set({ state: 'RUNNING' }),
      stop: async () => {
        this.stopped.push(`${spec.connector}-${spec.taskId}`);
      },
    };
  }
}

// --- server under test

const secretFile = join(mkdtempSync(join(tmpdir(), 'onramp-secrets-')), 'db.properties');
writeFileSync(secretFile, '# secrets\ndb.password = s3cret-from-file\n');
const placeholderEnv: Record<string, string | undefined> = { ONRAMP_TEST_URL: 'jdbc:test://resolved' };

interface Started {
  url: string;
  app: FastifyInstance;
  host: ConnectorHost;
  stores: FileStores;
  runner: RunnerDouble;
}

interface RealRuntime {
  runner: TaskRunner;
  cluster: Cluster;
  close(): Promise<void>;
}

async function startServer(
  dataDir: string,
  cluster: Cluster,
  real?: (deps: { stores: FileStores; metrics: Metrics }) => RealRuntime,
): Promise<Started & { runtime?: RealRuntime }> {
  const root = pino({ level: 'silent' });
  const levels = new LogLevels(root);
  const metrics = new Metrics();
  const stores = await openFileStores(dataDir);
  const runner = new RunnerDouble();
  const runtime = real?.({ stores, metrics });
  const host = new ConnectorHost({
    plugins: new PluginRegistry([sourcePlugin, sinkPlugin, countingSource]),
    configs: stores.configs,
    offsets: stores.offsets,
    statuses: stores.statuses,
    topics: stores.topics,
    runner: runtime?.runner ?? runner,
    cluster: runtime?.cluster ?? cluster,
    log: levels.logger('onramp.host'),
    metrics,
    workerId: 'test-worker:8083',
    placeholders: { env: placeholderEnv, providers: configProviders({ enabled: ['env'] }) },
  });
  const app = await buildServer({ host, levels, metrics });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await host.start();
  return { url: `http://127.0.0.1:${port}`, app, host, stores, runner, ...(runtime && { runtime }) };
}

async function stopServer(server: Started): Promise<void> {
  await server.app.close();
  await server.host.close();
  await server.stores.flush();
}

interface Reply {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

let server: Started;
let topicAdmin: TopicAdmin;
let cluster: KafkaCluster;
const dataDir = mkdtempSync(join(tmpdir(), 'onramp-rest-'));
const suffix = Date.now().toString(36);

async function call(method: string, path: string, body?: unknown, rawBody?: string): Promise<Reply> {
  const init: RequestInit = { method };
  if (body !== undefined || rawBody !== undefined) {
    init.headers = { 'content-type': 'application/json' };
    init.body = rawBody ?? JSON.stringify(body);
  }
  const response = await fetch(`${server.url}${path}`, init);
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

// biome-ignore lint/suspicious/noExplicitAny: test helper reads into loosely typed JSON bodies
type Json = any;
const json = (reply: Reply): Json => reply.body;

function sourceConfig(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'connector.class': 'TestSource',
    'test.url': '${env:ONRAMP_TEST_URL}',
    'test.password': 'plain-secret',
    'tasks.max': '2',
    'test.count': '2',
    ...extra,
  };
}

async function state(name: string): Promise<Json> {
  return json(await call('GET', `/connectors/${encodeURIComponent(name)}/status`));
}

function allRunning(status: Json, state = 'RUNNING'): boolean {
  return (
    status.connector.state === state &&
    status.tasks.length > 0 &&
    status.tasks.every((task: Json) => task.state === state)
  );
}

beforeAll(async () => {
  const { kafkaBrokers } = services();
  topicAdmin = new TopicAdmin(plaintextConnection(kafkaBrokers, 'onramp-rest-test'));
  cluster = new KafkaCluster(topicAdmin);
  server = await startServer(dataDir, cluster);
});

afterAll(async () => {
  await stopServer(server);
  await topicAdmin.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('worker routes', () => {
  it('GET / gives version, commit and the real Kafka cluster id', async () => {
    const reply = await call('GET', '/');
    expect(reply.status).toBe(200);
    expect(json(reply)).toEqual({
      version: '0.1.0',
      commit: expect.any(String),
      kafka_cluster_id: expect.any(String),
    });
    expect(json(reply).kafka_cluster_id).toBe(await cluster.clusterId());
  });

  it('GET /health is healthy and says Kafka is reachable', async () => {
    const reply = await call('GET', '/health');
    expect(reply.status).toBe(200);
    expect(json(reply).status).toBe('healthy');
    expect(json(reply).message).toMatch(/Kafka is reachable/);
  });

  it('unknown routes, wrong methods and malformed JSON get the Kafka Connect error body', async () => {
    const unknown = await call('GET', '/no/such/route');
    expect(unknown.status).toBe(404);
    expect(json(unknown)).toEqual({ error_code: 404, message: 'HTTP 404 Not Found' });

    const wrongMethod = await call('DELETE', '/connectors');
    expect(wrongMethod.status).toBe(405);
    expect(json(wrongMethod)).toEqual({ error_code: 405, message: 'HTTP 405 Method Not Allowed' });

    const malformed = await call('POST', '/connectors', undefined, '{"name": "x", "config": {');
    expect(malformed.status).toBe(400);
    expect(json(malformed).error_code).toBe(400);
    expect(json(malformed).message).toMatch(/Malformed JSON/);

    const wrongType = await call('PUT', '/connectors/x/config', { 'connector.class': { nested: true } });
    expect(wrongType.status).toBe(400);
    expect(json(wrongType)).toEqual({ error_code: 400, message: expect.stringContaining('connector.class') });
  });

  it('GET /openapi.json is an OpenAPI 3 description of the routes, with docs at /docs', async () => {
    const reply = await call('GET', '/openapi.json');
    expect(reply.status).toBe(200);
    const doc = json(reply);
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info.title).toBe('Onramp REST API');
    for (const path of [
      '/connectors',
      '/connectors/{name}',
      '/connectors/{name}/config',
      '/connectors/{name}/status',
      '/connectors/{name}/restart',
      '/connectors/{name}/offsets',
      '/connectors/{name}/tasks/{task}/status',
      '/connector-plugins/{plugin}/config/validate',
      '/admin/loggers/{logger}',
      '/health',
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    expect(doc.paths['/connectors/{name}/config'].put.responses).toHaveProperty('201');
    const docs = await fetch(`${server.url}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toMatch(/swagger/i);
  });
});

describe('connector lifecycle', () => {
  const name = `src-${suffix}`;

  it('POST /connectors creates: 201, Location, name trimmed and injected, password hidden, hooks run', async () => {
    const reply = await call('POST', '/connectors', { name: `  ${name} `, config: sourceConfig() });
    expect(reply.status).toBe(201);
    expect(reply.headers.get('location')).toBe(`/connectors/${name}`);
    expect(json(reply)).toEqual({
      name,
      config: { ...sourceConfig(), 'test.password': '[hidden]', name },
      tasks: [
        { connector: name, task: 0 },
        { connector: name, task: 1 },
      ],
      type: 'source',
    });
    expect(hooks).toContain('created:jdbc:test://resolved');
    await waitFor('tasks running', async () => allRunning(await state(name)));
  });

  it('a duplicate create is 409', async () => {
    const reply = await call('POST', '/connectors', { name, config: sourceConfig() });
    expect(reply.status).toBe(409);
    expect(json(reply)).toEqual({ error_code: 409, message: `Connector ${name} already exists` });
  });

  it('rejects empty names, control characters and a mismatched config name with 400', async () => {
    for (const bad of ['', '   ', 'bad\u0001name']) {
      const reply = await call('POST', '/connectors', { name: bad, config: sourceConfig() });
      expect(reply.status, JSON.stringify(bad)).toBe(400);
      expect(json(reply).error_code).toBe(400);
    }
    const mismatch = await call('PUT', '/connectors/one/config', { ...sourceConfig(), name: 'other' });
    expect(mismatch.status).toBe(400);
    expect(json(mismatch).message).toBe(
      "Connector name configuration (other) doesn't match connector name in the URL (one)",
    );
  });

  it('rejects an invalid config with 400 naming every bad field, and an unknown class naming connector.class', async () => {
    const invalid = await call('POST', '/connectors', {
      name: `bad-${suffix}`,
      config: { 'connector.class': 'TestSource', 'test.count': 'many', 'tasks.max': '0' },
    });
    expect(invalid.status).toBe(400);
    const message: string = json(invalid).message;
    expect(message).toMatch(/^Connector configuration is invalid and contains the following 3 error\(s\):/);
    expect(message).toContain('test.url');
    expect(message).toContain('test.count');
    expect(message).toContain('tasks.max');

    const unknownClass = await call('POST', '/connectors', {
      name: `bad-${suffix}`,
      config: { 'connector.class': 'NoSuchConnector' },
    });
    expect(unknownClass.status).toBe(400);
    expect(json(unknownClass).message).toContain('connector.class');

    const probeFails = await call('POST', '/connectors', {
      name: `bad-${suffix}`,
      config: sourceConfig({ 'test.url': 'probe-fail' }),
    });
    expect(probeFails.status).toBe(400);
    expect(json(probeFails).message).toContain('cannot reach probe-fail');
    expect((await call('GET', `/connectors/bad-${suffix}`)).status).toBe(404);
  });

  it('lists connectors, with expand=status and expand=info', async () => {
    const names = await call('GET', '/connectors');
    expect(names.status).toBe(200);
    expect(json(names)).toContain(name);

    const expanded = json(await call('GET', '/connectors?expand=status&expand=info'));
    expect(expanded[name].status.connector.state).toBe('RUNNING');
    expect(expanded[name].info.type).toBe('source');
    expect(expanded[name].info.config['test.password']).toBe('[hidden]');

    const statusOnly = json(await call('GET', '/connectors?expand=status&expand=bogus'));
    expect(Object.keys(statusOnly[name])).toEqual(['status']);
  });

  it('GET /connectors/{n} and /config return placeholders unresolved and the password hidden', async () => {
    const info = await call('GET', `/connectors/${name}`);
    expect(info.status).toBe(200);
    expect(json(info).config['test.url']).toBe('${env:ONRAMP_TEST_URL}');

    const config = await call('GET', `/connectors/${name}/config`);
    expect(config.status).toBe(200);
    expect(json(config)).toEqual({ ...sourceConfig(), 'test.password': '[hidden]', name });

    // ...while the task got the resolved values.
    const spec = server.runner.started.find((candidate) => candidate.connector === name);
    expect(spec?.config['test.url']).toBe('jdbc:test://resolved');
    expect(spec?.config['test.password']).toBe('plain-secret');
  });

  it('status, tasks, tasks-config and task status', async () => {
    const status = await call('GET', `/connectors/${name}/status`);
    expect(status.status).toBe(200);
    expect(json(status)).toEqual({
      name,
      connector: { state: 'RUNNING', worker_id: 'test-worker:8083' },
      tasks: [
        { id: 0, state: 'RUNNING', worker_id: 'test-worker:8083' },
        { id: 1, state: 'RUNNING', worker_id: 'test-worker:8083' },
      ],
      type: 'source',
    });

    const tasks = json(await call('GET', `/connectors/${name}/tasks`));
    expect(tasks).toHaveLength(2);
    expect(tasks[1].id).toEqual({ connector: name, task: 1 });
    expect(tasks[1].config).toMatchObject({
      'task.index': '1',
      'task.class': 'org.onramp.test.TestSourceConnectorTask',
      // Planned from the resolved value, stored and shown as the placeholder again.
      'test.url': '${env:ONRAMP_TEST_URL}',
      'test.password': '[hidden]',
    });

    const tasksConfig = json(await call('GET', `/connectors/${name}/tasks-config`));
    expect(Object.keys(tasksConfig)).toEqual([`${name}-0`, `${name}-1`]);

    const one = await call('GET', `/connectors/${name}/tasks/1/status`);
    expect(one.status).toBe(200);
    expect(json(one)).toEqual({ id: 1, state: 'RUNNING', worker_id: 'test-worker:8083' });

    const missing = await call('GET', `/connectors/${name}/tasks/7/status`);
    expect(missing.status).toBe(404);
    expect(json(missing)).toEqual({ error_code: 404, message: `No status found for task ${name}-7` });
    expect((await call('GET', `/connectors/${name}/tasks/abc/status`)).status).toBe(404);
    expect((await call('GET', '/connectors/nope/tasks/0/status')).status).toBe(404);
  });

  it('tracks the topics its tasks report, and resets them', async () => {
    const topics = await waitFor('topics reported', async () => {
      const body = json(await call('GET', `/connectors/${name}/topics`));
      return body[name].topics.length > 0 ? body : undefined;
    });
    expect(topics).toEqual({ [name]: { topics: [`${name}.topic`] } });
    const reset = await call('PUT', `/connectors/${name}/topics/reset`);
    expect(reset.status).toBe(202);
    expect(json(await call('GET', `/connectors/${name}/topics`))).toEqual({ [name]: { topics: [] } });
    expect((await call('GET', '/connectors/nope/topics')).status).toBe(404);
  });

  it('PUT /config creates with 201 then reconfigures with 200', async () => {
    const other = `put-${suffix}`;
    const created = await call('PUT', `/connectors/${other}/config`, sourceConfig({ 'tasks.max': '1' }));
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/connectors/${other}`);
    expect(json(created).tasks).toEqual([{ connector: other, task: 0 }]);

    const updated = await call('PUT', `/connectors/${other}/config`, sourceConfig({ 'tasks.max': '2' }));
    expect(updated.status).toBe(200);
    expect(json(updated).tasks).toHaveLength(2);
    await waitFor('reconfigured tasks running', async () => {
      const status = await state(other);
      return status.tasks.length === 2 && allRunning(status);
    });
    expect((await call('DELETE', `/connectors/${other}`)).status).toBe(204);
  });

  it('PATCH /config merges and removes keys set to null; 404 for an unknown connector', async () => {
    const patched = await call('PATCH', `/connectors/${name}/config`, {
      'product.owner': 'team-a',
      'test.count': null,
    });
    expect(patched.status).toBe(200);
    const config = json(await call('GET', `/connectors/${name}/config`));
    expect(config['product.owner']).toBe('team-a');
    expect(config).not.toHaveProperty('test.count');
    // test.count fell back to its default of 1 task.
    expect(json(patched).tasks).toEqual([{ connector: name, task: 0 }]);

    const missing = await call('PATCH', '/connectors/nope/config', { 'test.url': 'x' });
    expect(missing.status).toBe(404);
    expect(json(missing)).toEqual({ error_code: 404, message: 'Connector nope not found' });
  });

  it('pause 202 -> PAUSED, resume 202 -> RUNNING (both idempotent)', async () => {
    for (let i = 0; i < 2; i++) expect((await call('PUT', `/connectors/${name}/pause`)).status).toBe(202);
    await waitFor('paused', async () => allRunning(await state(name), 'PAUSED'));
    for (let i = 0; i < 2; i++) expect((await call('PUT', `/connectors/${name}/resume`)).status).toBe(202);
    await waitFor('running again', async () => allRunning(await state(name)));
    const unknown = await call('PUT', '/connectors/nope/pause');
    expect(unknown.status).toBe(404);
    expect(json(unknown)).toEqual({ error_code: 404, message: 'Unknown connector nope' });
  });

  it('offsets need a STOPPED connector (400), then alter and reset round-trip', async () => {
    const offsets = {
      offsets: [
        { partition: { server: 'shop' }, offset: { lsn: 24023128, txId: 771 } },
        { partition: { server: 'other', db: 2 }, offset: { pos: 'mysql-bin.000003:154' } },
      ],
    };
    expect(json(await call('GET', `/connectors/${name}/offsets`))).toEqual({ offsets: [] });
    const running = await call('PATCH', `/connectors/${name}/offsets`, offsets);
    expect(running.status).toBe(400);
    expect(json(running).message).toBe(
      `Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/${name}/stop' endpoint`,
    );
    expect((await call('DELETE', `/connectors/${name}/offsets`)).status).toBe(400);

    expect((await call('PUT', `/connectors/${name}/stop`)).status).toBe(204);
    expect((await call('PUT', `/connectors/${name}/stop`)).status).toBe(204);
    expect(await state(name)).toEqual({
      name,
      connector: { state: 'STOPPED', worker_id: 'test-worker:8083' },
      tasks: [],
      type: 'source',
    });
    expect(json(await call('GET', `/connectors/${name}/tasks`))).toEqual([]);
    expect(json(await call('GET', `/connectors/${name}`)).tasks).toEqual([]);

    for (const bad of [
      {},
      { offsets: [] },
      { offsets: [{ partition: null, offset: { a: 1 } }] },
      { offsets: {} },
    ]) {
      const reply = await call('PATCH', `/connectors/${name}/offsets`, bad);
      expect(reply.status, JSON.stringify(bad)).toBe(400);
      expect(json(reply).error_code).toBe(400);
    }
    expect(json(await call('PATCH', `/connectors/${name}/offsets`, {})).message).toBe(
      'Partitions / offsets need to be provided for an alter offsets request',
    );

    const altered = await call('PATCH', `/connectors/${name}/offsets`, offsets);
    expect(altered.status).toBe(200);
    expect(json(altered).message).toMatch(
      /^The Connect framework-managed offsets for this connector have been altered successfully/,
    );
    const stored = json(await call('GET', `/connectors/${name}/offsets`));
    expect(stored.offsets).toHaveLength(2);
    expect(stored.offsets).toEqual(expect.arrayContaining(offsets.offsets));

    // A null offset removes that partition only.
    await call('PATCH', `/connectors/${name}/offsets`, {
      offsets: [{ partition: { db: 2, server: 'other' }, offset: null }],
    });
    expect(json(await call('GET', `/connectors/${name}/offsets`)).offsets).toEqual([offsets.offsets[0]]);

    const reset = await call('DELETE', `/connectors/${name}/offsets`);
    expect(reset.status).toBe(200);
    expect(json(reset).message).toMatch(/have been reset successfully/);
    expect(json(await call('GET', `/connectors/${name}/offsets`))).toEqual({ offsets: [] });
    expect((await call('GET', '/connectors/nope/offsets')).status).toBe(404);
    expect((await call('PATCH', '/connectors/nope/offsets', offsets)).status).toBe(404);

    expect((await call('PUT', `/connectors/${name}/resume`)).status).toBe(202);
    await waitFor('resumed from STOPPED', async () => allRunning(await state(name)));
    expect(json(await call('GET', `/connectors/${name}`)).tasks).toHaveLength(1);
  });

  it('sink offsets live in the connect-<name> consumer group on the real Kafka', async () => {
    const sink = `sink-${suffix}`;
    const topic = `onramp-rest-${suffix}`;
    await topicAdmin.ensureTopics([topic], { partitions: 2, replicationFactor: 1 });
    const created = await call('POST', '/connectors', {
      name: sink,
      config: { 'connector.class': 'org.onramp.test.TestSinkConnector', topics: topic, 'test.url': 'x' },
      initial_state: 'STOPPED',
    });
    expect(created.status).toBe(201);
    expect(json(created).type).toBe('sink');
    expect((await state(sink)).connector.state).toBe('STOPPED');

    const missingKeys = await call('PATCH', `/connectors/${sink}/offsets`, {
      offsets: [{ partition: { kafka_topic: topic }, offset: null }],
    });
    expect(missingKeys.status).toBe(400);
    expect(json(missingKeys).message).toBe(
      "The partition for a sink connector offset must contain the keys 'kafka_topic' and 'kafka_partition'",
    );

    const altered = await call('PATCH', `/connectors/${sink}/offsets`, {
      offsets: [{ partition: { kafka_topic: topic, kafka_partition: 1 }, offset: { kafka_offset: 0 } }],
    });
    expect(altered.status).toBe(200);
    expect(json(await call('GET', `/connectors/${sink}/offsets`))).toEqual({
      offsets: [{ partition: { kafka_topic: topic, kafka_partition: 1 }, offset: { kafka_offset: 0 } }],
    });
    expect((await cluster.groupOffsets(`connect-${sink}`)).map((entry) => entry.partition)).toEqual([1]);

    expect((await call('DELETE', `/connectors/${sink}/offsets`)).status).toBe(200);
    expect(json(await call('GET', `/connectors/${sink}/offsets`))).toEqual({ offsets: [] });
    expect((await call('DELETE', `/connectors/${sink}`)).status).toBe(204);
  });

  it('restart: 204 plain; 202 with RESTARTING for includeTasks; 404 for unknown under every flag', async () => {
    const plain = await call('POST', `/connectors/${name}/restart`);
    expect(plain.status).toBe(204);
    expect(
      (await call('POST', `/connectors/${name}/restart?includeTasks=false&onlyFailed=false`)).status,
    ).toBe(204);

    const all = await call('POST', `/connectors/${name}/restart?includeTasks=true`);
    expect(all.status).toBe(202);
    expect(json(all).connector.state).toBe('RESTARTING');
    expect(json(all).tasks.map((task: Json) => task.state)).toEqual(['RESTARTING']);
    await waitFor('running after restart', async () => allRunning(await state(name)));

    for (const query of [
      '',
      '?includeTasks=true',
      '?onlyFailed=true',
      '?includeTasks=true&onlyFailed=true',
    ]) {
      const reply = await call('POST', `/connectors/nope/restart${query}`);
      expect(reply.status, query).toBe(404);
      expect(json(reply).error_code).toBe(404);
    }

    const task = await call('POST', `/connectors/${name}/tasks/0/restart`);
    expect(task.status).toBe(204);
    await waitFor('task running after restart', async () => allRunning(await state(name)));
    expect((await call('POST', `/connectors/${name}/tasks/9/restart`)).status).toBe(404);
    expect((await call('POST', '/connectors/nope/tasks/0/restart')).status).toBe(404);
  });

  it('a failing task is FAILED with its trace while the connector stays RUNNING; onlyFailed restarts only it', async () => {
    const failing = `fail-${suffix}`;
    expect(
      (
        await call('POST', '/connectors', {
          name: failing,
          config: sourceConfig({ 'test.fail': 'true', 'test.count': '1' }),
        })
      ).status,
    ).toBe(201);
    const failed = await waitFor('task failed', async () => {
      const status = await state(failing);
      return status.tasks[0]?.state === 'FAILED' ? status : undefined;
    });
    expect(failed.connector.state).toBe('RUNNING');
    expect(failed.tasks[0].trace).toContain('failed on purpose');

    const starts = server.runner.started.filter((spec) => spec.connector === failing).length;
    const reply = await call('POST', `/connectors/${failing}/restart?includeTasks=true&onlyFailed=true`);
    expect(reply.status).toBe(202);
    expect(json(reply).connector.state).toBe('RUNNING');
    expect(json(reply).tasks).toEqual([{ id: 0, state: 'RESTARTING', worker_id: 'test-worker:8083' }]);
    await waitFor(
      'failed task started again',
      () => server.runner.started.filter((spec) => spec.connector === failing).length > starts,
    );
    expect((await call('DELETE', `/connectors/${failing}`)).status).toBe(204);
  });

  it('an unresolvable placeholder fails the task at start with a trace naming the key', async () => {
    const secretive = `secret-${suffix}`;
    placeholderEnv.ONRAMP_TEST_TEMP = 'there';
    const config = sourceConfig({ 'test.count': '1', 'product.description': '${env:ONRAMP_TEST_TEMP}' });
    expect((await call('PUT', `/connectors/${secretive}/config`, config)).status).toBe(201);
    await waitFor('running', async () => allRunning(await state(secretive)));
    delete placeholderEnv.ONRAMP_TEST_TEMP;
    expect((await call('POST', `/connectors/${secretive}/tasks/0/restart`)).status).toBe(204);
    const status = await waitFor('task failed', async () => {
      const current = await state(secretive);
      return current.tasks[0]?.state === 'FAILED' ? current : undefined;
    });
    expect(status.tasks[0].trace).toContain('PLACEHOLDER_UNRESOLVED');
    expect(status.tasks[0].trace).toContain('product.description');
    expect((await call('DELETE', `/connectors/${secretive}`)).status).toBe(204);
  });

  it('DELETE is 204, then the connector is gone (404) and onDeleted ran', async () => {
    const reply = await call('DELETE', `/connectors/${name}`);
    expect(reply.status).toBe(204);
    expect(reply.text).toBe('');
    expect(hooks).toContain('deleted:jdbc:test://resolved');
    const gone = await call('GET', `/connectors/${name}`);
    expect(gone.status).toBe(404);
    expect(json(gone)).toEqual({ error_code: 404, message: `Connector ${name} not found` });
    expect((await call('DELETE', `/connectors/${name}`)).status).toBe(404);
    expect(json(await call('GET', '/connectors'))).not.toContain(name);
  });
});

describe('connector plugins and validation', () => {
  it('lists connector plugins, and converters with connectorsOnly=false', async () => {
    const plugins = json(await call('GET', '/connector-plugins'));
    expect(plugins).toEqual([
      { class: 'org.onramp.test.CountingSourceConnector', type: 'source', version: '1.2.3' },
      { class: 'org.onramp.test.TestSinkConnector', type: 'sink', version: '1.2.3' },
      { class: 'org.onramp.test.TestSourceConnector', type: 'source', version: '1.2.3' },
    ]);
    const all = json(await call('GET', '/connector-plugins?connectorsOnly=false'));
    const classes = all.map((plugin: Json) => plugin.class);
    for (const converter of [
      'io.confluent.connect.avro.AvroConverter',
      'org.apache.kafka.connect.json.JsonConverter',
      'org.apache.kafka.connect.storage.StringConverter',
    ]) {
      expect(classes).toContain(converter);
      expect(all.find((plugin: Json) => plugin.class === converter).type).toBe('converter');
    }
    // The transforms and predicates sources and sinks can use (KIP-769 lists them too).
    const typeOf = (name: string) => all.find((plugin: Json) => plugin.class === name)?.type;
    expect(typeOf('org.apache.kafka.connect.transforms.InsertField$Value')).toBe('transformation');
    expect(typeOf('io.debezium.transforms.outbox.EventRouter')).toBe('transformation');
    expect(typeOf('org.apache.kafka.connect.transforms.predicates.TopicNameMatches')).toBe('predicate');
  });

  it("GET /connector-plugins/{p}/config describes the plugin's fields; unknown plugin 404", async () => {
    for (const alias of [
      'TestSource',
      'TestSourceConnector',
      'org.onramp.test.TestSourceConnector',
      'test-source',
    ]) {
      const reply = await call('GET', `/connector-plugins/${alias}/config`);
      expect(reply.status, alias).toBe(200);
      expect(json(reply).map((key: Json) => key.name)).toEqual([
        'test.url',
        'test.password',
        'test.count',
        'test.fail',
      ]);
    }
    const keys = json(await call('GET', '/connector-plugins/TestSource/config'));
    expect(keys[0]).toEqual({
      name: 'test.url',
      type: 'STRING',
      required: true,
      default_value: null,
      importance: 'HIGH',
      documentation: 'Where the test data lives',
      group: 'Common',
      order: 1,
      width: 'MEDIUM',
      display_name: 'test.url',
      dependents: [],
    });
    expect(keys[2].default_value).toBe('1');
    const converter = json(await call('GET', '/connector-plugins/JsonConverter/config'));
    expect(converter.map((key: Json) => key.name)).toContain('schemas.enable');
    const unknown = await call('GET', '/connector-plugins/Nope/config');
    expect(unknown.status).toBe(404);
    expect(json(unknown)).toEqual({ error_code: 404, message: 'Unknown plugin Nope.' });
  });

  it('validate answers 200 with every error at once, passwords hidden and unknown keys listed', async () => {
    const reply = await call('PUT', '/connector-plugins/TestSourceConnector/config/validate', {
      'connector.class': 'org.onramp.test.TestSourceConnector',
      name: 'v',
      'test.count': 'many',
      'test.password': 'hunter2',
      'tasks.max': '0',
      'made.up.key': 'kept',
      'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
    });
    expect(reply.status).toBe(200);
    const infos = json(reply);
    expect(infos.name).toBe('org.onramp.test.TestSourceConnector');
    expect(infos.error_count).toBe(3);
    expect(infos.groups).toEqual(
      expect.arrayContaining(['Common', 'Error Handling', 'Transforms', 'Unknown']),
    );
    const byName = new Map(infos.configs.map((config: Json) => [config.value.name, config]));
    const errorsOf = (key: string) => (byName.get(key) as Json).value.errors;
    expect(errorsOf('test.url')).toEqual([
      'Missing required configuration "test.url" which has no default value.',
    ]);
    expect(errorsOf('test.count')[0]).toContain('test.count');
    expect(errorsOf('tasks.max')[0]).toContain('at least 1');
    expect((byName.get('test.password') as Json).value.value).toBe('[hidden]');
    expect((byName.get('test.password') as Json).definition.type).toBe('PASSWORD');
    expect((byName.get('made.up.key') as Json).value).toEqual({
      name: 'made.up.key',
      value: 'kept',
      recommended_values: [],
      errors: [],
      visible: true,
    });
    expect(errorsOf('transforms.unwrap.type')).toEqual([]);
    expect((byName.get('errors.tolerance') as Json).value.recommended_values).toEqual(['none', 'all']);
    // Kept keys without effect: warnings beside Kafka Connect's fields (error_count unchanged).
    expect(infos.warnings).toEqual([
      { name: 'made.up.key', message: expect.stringContaining('it is kept but has no effect') },
      {
        name: 'transforms.unwrap.type',
        message: expect.stringContaining('unwrap is not listed in transforms'),
      },
    ]);
  });

  it('refuses a bad converter setting at validation and create, naming the key, and warns about an unknown one', async () => {
    const infos = json(
      await call(
        'PUT',
        '/connector-plugins/TestSourceConnector/config/validate',
        sourceConfig({
          name: 'conv',
          'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
          'value.converter.schemas.enable': 'maybe',
          'key.converter.schemas.enable': 'false',
        }),
      ),
    );
    expect(infos.error_count).toBe(1);
    const byName = new Map(infos.configs.map((config: Json) => [config.value.name, config]));
    const schemasEnable = byName.get('value.converter.schemas.enable') as Json;
    expect(schemasEnable.definition).toMatchObject({
      type: 'BOOLEAN',
      default_value: 'true',
      group: 'Converter',
    });
    expect(schemasEnable.value.errors).toEqual([
      'Invalid value maybe for configuration value.converter.schemas.enable: Expected value to be either true or false',
    ]);
    // The key converter is Avro (the default), which has no schemas.enable: kept, with a warning.
    expect(infos.warnings).toEqual([
      {
        name: 'key.converter.schemas.enable',
        message:
          'key.converter.schemas.enable is not a setting of io.confluent.connect.avro.AvroConverter; it has no effect',
      },
    ]);
    const name = `badconv-${Date.now()}`;
    const refused = await call('POST', '/connectors', {
      name,
      config: sourceConfig({ 'value.converter': 'JsonConverter', 'value.converter.decimal.format': 'HEX' }),
    });
    expect(refused.status).toBe(400);
    expect(json(refused).message).toContain(
      'Invalid value HEX for configuration value.converter.decimal.format: Must be one of BASE64, NUMERIC',
    );
    expect((await call('GET', `/connectors/${name}`)).status).toBe(404);
  });

  it('refuses a Kafka client override its clients would refuse, naming the key, at validation and create', async () => {
    const config = sourceConfig({ name: 'over', 'producer.override.compression.type': 'lz4' });
    const infos = json(await call('PUT', '/connector-plugins/TestSourceConnector/config/validate', config));
    expect(infos.error_count).toBe(1);
    const compression = infos.configs.find(
      (entry: Json) => entry.value.name === 'producer.override.compression.type',
    );
    expect(compression.definition).toMatchObject({ group: 'Client Overrides', type: 'STRING' });
    expect(compression.value.errors).toEqual([
      "Invalid value lz4 for configuration producer.override.compression.type: only none and gzip are available (Onramp's Kafka client has no lz4 codec)",
    ]);
    const name = `over-${Date.now()}`;
    const refused = await call('POST', '/connectors', { name, config: { ...config, name } });
    expect(refused.status).toBe(400);
    expect(json(refused).message).toContain('producer.override.compression.type');
  });

  it('create and update answer with warnings for kept keys without effect, and refuse unimplemented ones', async () => {
    const name = `warned-${Date.now()}`;
    const created = await call('POST', '/connectors', {
      name,
      config: sourceConfig({ 'made.up.key': 'kept' }),
    });
    expect(created.status).toBe(201);
    expect(json(created).warnings).toEqual([
      { name: 'made.up.key', message: expect.stringContaining('is not a setting of this connector') },
    ]);
    expect(json(created).config['made.up.key']).toBe('kept');
    expect(json(await call('GET', `/connectors/${name}`)).warnings).toBeUndefined();
    const updated = await call('PUT', `/connectors/${name}/config`, sourceConfig({ 'other.key': 'x' }));
    expect(updated.status).toBe(200);
    expect(json(updated).warnings.map((warning: Json) => warning.name)).toEqual(['other.key']);
    const refused = await call(
      'PUT',
      `/connectors/${name}/config`,
      sourceConfig({ 'exactly.once.support': 'required' }),
    );
    expect(refused.status).toBe(400);
    expect(json(refused).message).toContain(
      'exactly.once.support is a Kafka Connect setting Onramp does not implement',
    );
    await call('DELETE', `/connectors/${name}`);
  });

  it('validate runs the probe once the fields are valid', async () => {
    const ok = json(
      await call('PUT', '/connector-plugins/TestSource/config/validate', sourceConfig({ name: 'v' })),
    );
    expect(ok.error_count).toBe(0);
    const probed = json(
      await call(
        'PUT',
        '/connector-plugins/TestSource/config/validate',
        sourceConfig({ name: 'v', 'test.url': 'probe-fail' }),
      ),
    );
    expect(probed.error_count).toBe(1);
    expect(probed.configs.find((config: Json) => config.value.name === 'test.url').value.errors).toEqual([
      'cannot reach probe-fail',
    ]);
  });

  it('validate: sinks need exactly one of topics and topics.regex', async () => {
    const neither = json(
      await call('PUT', '/connector-plugins/TestSink/config/validate', {
        'connector.class': 'TestSink',
        name: 's',
        'test.url': 'x',
      }),
    );
    expect(neither.configs.find((config: Json) => config.value.name === 'topics').value.errors).toEqual([
      'Must configure one of topics or topics.regex',
    ]);
    const both = json(
      await call('PUT', '/connector-plugins/TestSink/config/validate', {
        'connector.class': 'TestSink',
        name: 's',
        'test.url': 'x',
        topics: 'a',
        'topics.regex': 'a.*',
      }),
    );
    expect(both.error_count).toBe(2);
  });

  it('validate: 400 when connector.class is missing or does not match the path', async () => {
    const missing = await call('PUT', '/connector-plugins/TestSource/config/validate', { name: 'v' });
    expect(missing.status).toBe(400);
    expect(json(missing).message).toContain('connector.class');
    const mismatch = await call('PUT', '/connector-plugins/TestSink/config/validate', sourceConfig());
    expect(mismatch.status).toBe(400);
    expect(json(mismatch)).toEqual({
      error_code: 400,
      message: 'Included connector type TestSource does not match request type TestSink',
    });
    const unknown = await call('PUT', '/connector-plugins/Nope/config/validate', {
      'connector.class': 'Nope',
    });
    expect(unknown.status).toBe(400);
    expect(json(unknown).message).toContain('connector.class');
  });
});

describe('admin and metrics', () => {
  it('GET/PUT /admin/loggers with Kafka Connect level names', async () => {
    const all = json(await call('GET', '/admin/loggers'));
    expect(all.root).toEqual({ level: 'OFF', last_modified: null });

    const set = await call('PUT', '/admin/loggers/onramp.host', { level: 'DEBUG' });
    expect(set.status).toBe(200);
    expect(json(set)).toEqual(['onramp.host']);
    const one = json(await call('GET', '/admin/loggers/onramp.host'));
    expect(one.level).toBe('DEBUG');
    expect(one.last_modified).toEqual(expect.any(Number));

    const cluster = await call('PUT', '/admin/loggers/onramp?scope=cluster', { level: 'warn' });
    expect(cluster.status).toBe(204);
    expect(json(await call('GET', '/admin/loggers/onramp.api')).level).toBe('WARN');

    const invalid = await call('PUT', '/admin/loggers/onramp.host', { level: 'LOUD' });
    expect(invalid.status).toBe(404);
    expect(json(invalid)).toEqual({ error_code: 404, message: "invalid log level 'LOUD'." });
    const missing = await call('PUT', '/admin/loggers/onramp.host', {});
    expect(missing.status).toBe(400);
    expect(json(missing)).toEqual({
      error_code: 400,
      message: "Desired 'level' parameter was not specified in request.",
    });
    const unknown = await call('GET', '/admin/loggers/no.such.logger');
    expect(unknown.status).toBe(404);
    expect(json(unknown)).toEqual({ error_code: 404, message: 'Logger no.such.logger not found.' });
  });

  it('GET /metrics is Prometheus text with connector and task states', async () => {
    const name = `metrics-${suffix}`;
    expect(
      (
        await call('POST', '/connectors', {
          name,
          config: sourceConfig({ 'test.count': '1' }),
          initial_state: 'PAUSED',
        })
      ).status,
    ).toBe(201);
    await waitFor('paused', async () => allRunning(await state(name), 'PAUSED'));
    const reply = await call('GET', '/metrics');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(reply.text).toContain(`onramp_connector_state{connector="${name}",state="PAUSED"} 1`);
    expect(reply.text).toContain(`onramp_task_state{connector="${name}",task="0",state="PAUSED"} 1`);
    expect(reply.text).toContain('onramp_process_');
  });
});

describe('with the real Kafka runtime', () => {
  it('runs a source task: RUNNING, offsets after acks, topics, pause/resume, stop + alter offsets + resume', async () => {
    const { kafkaBrokers, schemaRegistryUrl } = services();
    const realDir = mkdtempSync(join(tmpdir(), 'onramp-rest-real-'));
    const real = await startServer(realDir, cluster, ({ stores, metrics }) =>
      createKafkaRuntime({
        kafka: kafkaClientConfig({ brokers: kafkaBrokers, clientId: 'onramp-rest-real' }),
        schemaRegistryUrl,
        log: pino({ level: 'silent' }),
        metrics,
        offsets: stores.offsets,
      }),
    );
    const previous = server;
    server = real;
    try {
      const name = `real-${suffix}`;
      const topic = `onramp-rest-real-${suffix}`;
      const created = await call('POST', '/connectors', {
        name,
        config: {
          'connector.class': 'CountingSource',
          'test.topic': topic,
          'test.count': '3',
          'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
          'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
        },
      });
      expect(created.status).toBe(201);
      await waitFor('task running', async () => allRunning(await state(name)));
      const offsets = await waitFor('offsets of all 3 records', async () => {
        const body = json(await call('GET', `/connectors/${name}/offsets`));
        return body.offsets[0]?.offset.seq === 3 ? body : undefined;
      });
      expect(offsets).toEqual({ offsets: [{ partition: { server: 'counting' }, offset: { seq: 3 } }] });
      expect(json(await call('GET', `/connectors/${name}/topics`))).toEqual({ [name]: { topics: [topic] } });

      expect((await call('PUT', `/connectors/${name}/pause`)).status).toBe(202);
      await waitFor('paused', async () => allRunning(await state(name), 'PAUSED'));
      expect((await call('PUT', `/connectors/${name}/resume`)).status).toBe(202);
      await waitFor('running', async () => allRunning(await state(name)));

      expect((await call('PUT', `/connectors/${name}/stop`)).status).toBe(204);
      const altered = await call('PATCH', `/connectors/${name}/offsets`, {
        offsets: [{ partition: { server: 'counting' }, offset: { seq: 1 } }],
      });
      expect(altered.status).toBe(200);
      const starts = counting.starts.length;
      expect((await call('PUT', `/connectors/${name}/resume`)).status).toBe(202);
      await waitFor('restarted task', () => counting.starts.length > starts);
      expect(counting.starts.at(-1)).toEqual([{ partition: { server: 'counting' }, offset: { seq: 1 } }]);
      await waitFor('records 2..3 produced again', async () => {
        const body = json(await call('GET', `/connectors/${name}/offsets`));
        return body.offsets[0]?.offset.seq === 3;
      });
      expect((await call('DELETE', `/connectors/${name}`)).status).toBe(204);
    } finally {
      server = previous;
      await stopServer(real);
      await real.runtime?.close();
      rmSync(realDir, { recursive: true, force: true });
    }
  });
});

describe('restart of the host', () => {
  it('resumes every stored connector in its target state', async () => {
    const running = `keep-running-${suffix}`;
    const paused = `keep-paused-${suffix}`;
    const stopped = `keep-stopped-${suffix}`;
    for (const [name, initial] of [
      [running, 'RUNNING'],
      [paused, 'PAUSED'],
      [stopped, 'STOPPED'],
    ] as const) {
      expect(
        (
          await call('POST', '/connectors', {
            name,
            config: sourceConfig({ 'test.count': '1' }),
            initial_state: initial,
          })
        ).status,
      ).toBe(201);
    }
    await stopServer(server);
    server = await startServer(dataDir, cluster);

    await waitFor('running resumed', async () => allRunning(await state(running)));
    await waitFor('paused resumed', async () => allRunning(await state(paused), 'PAUSED'));
    expect(await state(stopped)).toMatchObject({ connector: { state: 'STOPPED' }, tasks: [] });
    expect(json(await call('GET', `/connectors/${running}/config`))['test.url']).toBe(
      '${env:ONRAMP_TEST_URL}',
    );
  });

  it('answers /health with 503 while Kafka is unreachable, saying why', async () => {
    const deadAdmin = new TopicAdmin(plaintextConnection(['127.0.0.1:1'], 'onramp-dead'));
    const dead = await startServer(
      mkdtempSync(join(tmpdir(), 'onramp-rest-dead-')),
      new KafkaCluster(deadAdmin),
    );
    try {
      const response = await fetch(`${dead.url}/health`);
      expect(response.status).toBe(503);
      const body = (await response.json()) as Json;
      expect(body.status).toBe('unhealthy');
      expect(body.message).toMatch(/Kafka (is unreachable|did not answer)/);
      const root = (await (await fetch(`${dead.url}/`)).json()) as Json;
      expect(root.kafka_cluster_id).toBeNull();
    } finally {
      await stopServer(dead);
      // Not awaited: closing waits for the connect attempt to exhaust its retries.
      void deadAdmin.close();
    }
  });
});
