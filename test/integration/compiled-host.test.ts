import { type ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostNodeArgs } from '../../src/host-command.ts';
import { hasExited, killGroup, spawnGroup } from '../support/child-processes.ts';
import { freePort } from '../support/host-process.ts';
import { services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

// The compiled host (scripts/build.mjs -> dist/main.js), as `npm start`, the image, the demo and the
// benchmarks run it: it finds the project's files from the bundle (package.json's version, the git
// commit, config/, ui/dist), lists the connector plugins, validates a config, reaches Kafka through
// the bundled client, and the compiled token tool works. The other tests run the TypeScript sources.

const root = join(import.meta.dirname, '..', '..');
const packageVersion = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string })
  .version;

let child: ChildProcess | undefined;
let exited: Promise<void> = Promise.resolve();
let base = '';
let dataDir = '';

async function get(path: string): Promise<{ status: number; body: string; type: string }> {
  const response = await fetch(`${base}${path}`);
  return {
    status: response.status,
    body: await response.text(),
    type: response.headers.get('content-type') ?? '',
  };
}

beforeAll(async () => {
  // Builds dist/ when it is older than the sources (a no-op when fresh).
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  dataDir = mkdtempSync(join(tmpdir(), 'onramp-compiled-'));
  const { kafkaBrokers, schemaRegistryUrl } = services();
  child = spawnGroup(process.execPath, hostNodeArgs(root, 'compiled'), {
    cwd: tmpdir(),
    env: {
      ...process.env,
      KAFKA_BROKERS: kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: schemaRegistryUrl,
      ONRAMP_REST_PORT: String(port),
      ONRAMP_DATA_DIR: dataDir,
      ONRAMP_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const running = child;
  exited = new Promise((resolve) => running.once('exit', () => resolve()));
  try {
    const answered = await waitFor('the compiled host to answer', async () => {
      if (hasExited(running)) return 'exited';
      return (await get('/health').catch(() => undefined)) !== undefined && 'answered';
    });
    if (answered === 'exited')
      throw new Error(`the host exited with ${running.exitCode ?? running.signalCode}`);
  } catch (error) {
    await killGroup(running);
    throw error;
  }
}, 180_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGTERM');
  await exited;
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('the compiled host (dist/main.js)', () => {
  it("reports package.json's version and the checkout's commit", async () => {
    const head = execFileSync('git', ['-C', root, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    const info = JSON.parse((await get('/')).body) as { version: string; commit: string };
    expect(info.version).toBe(packageVersion);
    expect(info.commit).toBe(head);
  });

  it('lists the connector plugins and validates a config', async () => {
    const plugins = JSON.parse((await get('/connector-plugins')).body) as { class: string }[];
    expect(plugins.map((plugin) => plugin.class)).toEqual(
      expect.arrayContaining([
        'io.debezium.connector.postgresql.PostgresConnector',
        'io.debezium.connector.mysql.MySqlConnector',
        'io.debezium.connector.jdbc.JdbcSinkConnector',
      ]),
    );
    const response = await fetch(`${base}/connector-plugins/PostgresConnector/config/validate`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ 'connector.class': 'PostgresConnector', 'topic.prefix': 'compiled' }),
    });
    const validation = (await response.json()) as {
      error_count: number;
      configs: { value: { name: string; errors: string[] } }[];
    };
    expect(response.status).toBe(200);
    const hostname = validation.configs.find((config) => config.value.name === 'database.hostname');
    expect(hostname?.value.errors.join(' ')).toMatch(/required|missing/i);
    expect(validation.error_count).toBeGreaterThan(0);
  });

  it('reaches Kafka through the bundled client', async () => {
    const health = await waitFor('Kafka to be reported reachable', async () => {
      const answer = await get('/health');
      return answer.status === 200 && answer.body;
    });
    expect(JSON.parse(health)).toMatchObject({ status: 'healthy', kafka: { reachable: true } });
  });

  it('serves the web console and the OpenAPI description', async () => {
    const console = await get('/ui/');
    expect(console.status).toBe(200);
    expect(console.type).toMatch(/text\/html/);
    const openapi = JSON.parse((await get('/openapi.json')).body) as { info: { version: string } };
    expect(openapi.info.version).toBe(packageVersion);
  });

  it('ships a working token tool (dist/token.js)', () => {
    const env = { ...process.env, ONRAMP_DATA_DIR: dataDir };
    const created = execFileSync(
      process.execPath,
      [join(root, 'dist', 'token.js'), 'create', '--name', 'compiled-check', '--role', 'viewer'],
      { cwd: tmpdir(), env, encoding: 'utf8' },
    );
    expect(created.trim().split('\n').at(-1)).toMatch(/^\S{20,}$/);
    const listed = execFileSync(process.execPath, [join(root, 'dist', 'token.js'), 'list'], {
      cwd: tmpdir(),
      env,
      encoding: 'utf8',
    });
    expect(listed).toContain('compiled-check');
  });
});
