// AxonOps Schema Registry (Confluent REST API compatible, Apache-2.0), built from the Go module proxy
// and storing its schemas in the stack's PostgreSQL (database schema_registry): schema ids inside
// messages already in Kafka must still resolve after a restart.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { spawnDaemon, stopDaemon } from './daemon.ts';
import { STACK_ENV } from './endpoints.ts';
import { goBinary } from './go-toolchain.ts';
import { ensureDir, stackPath } from './layout.ts';
import { runCommand } from './run-command.ts';
import { say } from './say.ts';
import type { StackService } from './service.ts';
import { waitUntil } from './wait-until.ts';

const MODULE = 'github.com/axonops/axonops-schema-registry';
const VERSION = 'v0.2.1';
const PORT = 8081;
const NAME = 'schema-registry';

const binary = () => stackPath('bin', 'schema-registry');
const versionStamp = () => stackPath('bin', 'schema-registry.version');
const home = () => stackPath('schema-registry');
const configFile = () => join(home(), 'config.yaml');

function config(): string {
  return stringify({
    server: { host: '127.0.0.1', port: PORT, read_timeout: 30, write_timeout: 30 },
    storage: {
      type: 'postgresql',
      postgresql: {
        host: '127.0.0.1',
        port: 5432,
        database: 'schema_registry',
        user: 'onramp',
        password: 'onramp',
        ssl_mode: 'disable',
        max_open_conns: 10,
        max_idle_conns: 2,
        conn_max_lifetime: 300,
      },
    },
    compatibility: { default_level: 'BACKWARD' },
    logging: { level: 'info', format: 'text' },
    security: { auth: { enabled: false } },
  });
}

async function install(): Promise<void> {
  ensureDir(home());
  ensureDir(stackPath('bin'));
  if (
    existsSync(binary()) &&
    existsSync(versionStamp()) &&
    readFileSync(versionStamp(), 'utf8') === VERSION
  ) {
    return;
  }
  const go = await goBinary();
  say(`building the schema registry (${MODULE}@${VERSION}) from the Go module proxy...`);
  // `go install ...@latest` needs the proxy's version list, which is refused here; a pinned
  // `go get` into a throwaway module works.
  // A fresh module each time: a go.mod left by another Go version could demand a newer toolchain.
  const build = stackPath('build', 'schema-registry');
  rmSync(build, { recursive: true, force: true });
  ensureDir(build);
  const env = { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local', CGO_ENABLED: '0' };
  await runCommand(go, ['mod', 'init', 'srbuild'], { cwd: build, env });
  await runCommand(go, ['get', `${MODULE}/cmd/schema-registry@${VERSION}`], { cwd: build, env });
  await runCommand(go, ['build', '-o', binary(), `${MODULE}/cmd/schema-registry`], { cwd: build, env });
  writeFileSync(versionStamp(), VERSION);
}

/** Our environment minus the registry's own SCHEMA_REGISTRY_* overrides (e.g. our SCHEMA_REGISTRY_URL). */
function registryEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('SCHEMA_REGISTRY_')),
  );
}

async function start(): Promise<void> {
  writeFileSync(configFile(), config());
  say('schema registry: starting...');
  const daemon = spawnDaemon(NAME, binary(), ['-config', configFile()], { env: registryEnv(), cwd: home() });
  await waitUntil('schema registry answering GET /subjects', isReady, {
    timeoutMs: 60_000,
    service: NAME,
    daemon,
  });
}

async function isReady(): Promise<boolean> {
  try {
    const response = await fetch(`${STACK_ENV.SCHEMA_REGISTRY_URL}/subjects`, {
      signal: AbortSignal.timeout(2_000),
    });
    // AxonOps v0.2.1 answers `null` rather than `[]` while no subject exists (Go's nil slice).
    const body: unknown = await response.json();
    return response.status === 200 && (Array.isArray(body) || body === null);
  } catch {
    return false;
  }
}

export const schemaRegistry: StackService = {
  name: NAME,
  title: 'AxonOps Schema Registry',
  port: PORT,
  endpoint: STACK_ENV.SCHEMA_REGISTRY_URL,
  get processMatch() {
    return configFile();
  },
  install,
  start,
  isReady,
  stop: () => stopDaemon(NAME, configFile()),
};
