import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { hostNodeArgs } from '../../src/host-command.ts';
import { hasExited, killGroup, signalGroup, spawnGroup } from './child-processes.ts';
import { services } from './services.ts';
import { waitFor } from './wait-for.ts';

// The shipped entry point (`node src/main.ts`) as a child process against the test services, with a
// small REST client: what end-to-end tests drive.

const root = join(import.meta.dirname, '..', '..');

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface HostProcess {
  base: string;
  /** The data directory (configs, offsets, statuses): pass it to the next start to resume. */
  dataDir: string;
  /** The child's process id. */
  pid: number;
  // biome-ignore lint/suspicious/noExplicitAny: REST bodies are checked field by field in tests
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
  /** SIGKILL: no shutdown hook runs, nothing is flushed; resolves once the process is gone. */
  kill(): Promise<void>;
}

export interface HostProcessOptions {
  /** Reuse this data directory (a previous host's `dataDir`) instead of a fresh one. */
  dataDir?: string;
  /** Wait until /health says healthy (default), or only until the REST API answers at all. */
  ready?: 'healthy' | 'answering';
  /** Collect the host's stdout (its log) here, a line per entry. */
  output?: string[];
  /** How long to wait for readiness before the host is killed and the start fails (default 45 s). */
  readyTimeoutMs?: number;
  /** Told the child's process id as soon as it is spawned (before it is ready). */
  onSpawn?: (pid: number) => void;
}

export async function startHostProcess(
  env: Record<string, string> = {},
  options: HostProcessOptions = {},
): Promise<HostProcess> {
  const { kafkaBrokers, schemaRegistryUrl } = services();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'onramp-e2e-'));
  // ONRAMP_E2E_HOST_LOG=<file>: every host's log (info level) appended there, for a failure's story.
  const logPath = process.env.ONRAMP_E2E_HOST_LOG;
  const logFile = logPath ? openSync(logPath, 'a') : undefined;
  // Its own process group: a start that fails, and the test process exiting, kill all of it.
  const child: ChildProcess = spawnGroup(process.execPath, hostNodeArgs(root), {
    cwd: root,
    env: {
      ...process.env,
      ONRAMP_REST_PORT: String(port),
      ONRAMP_DATA_DIR: dataDir,
      KAFKA_BROKERS: kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: schemaRegistryUrl,
      ONRAMP_LOG_LEVEL: logPath ? 'info' : 'warn',
      ...env,
    },
    stdio:
      options.output !== undefined
        ? ['ignore', 'pipe', 'inherit']
        : logFile === undefined
          ? ['ignore', 'ignore', 'inherit']
          : ['ignore', logFile, logFile],
  });
  const output = options.output;
  if (output !== undefined && child.stdout)
    createInterface({ input: child.stdout }).on('line', (line) => output.push(line));
  if (logFile !== undefined) closeSync(logFile);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const answering = options.ready === 'answering';
  if (child.pid !== undefined) options.onSpawn?.(child.pid);
  // A start takes well under a second on an idle machine; the deadline is for a CI machine at a
  // load average of 20, where it was measured at 12-25 s.
  try {
    const ready = await waitFor(
      answering ? 'the host to answer /health' : 'the host to be healthy',
      async () => {
        if (hasExited(child)) return 'exited';
        const response = await fetch(`${base}/health`);
        return (answering ? response.status === 200 || response.status === 503 : response.ok) && 'ready';
      },
      { timeoutMs: options.readyTimeoutMs ?? 45_000 },
    );
    if (ready === 'exited')
      throw new Error(`the host exited before it was ready (${child.exitCode ?? child.signalCode})`);
  } catch (error) {
    // Not left running: an orphaned host would load the machine for the rest of the suite.
    await killGroup(child);
    throw error;
  }
  return {
    base,
    dataDir,
    pid: child.pid ?? 0,
    async call(method, path, body) {
      const response = await fetch(`${base}${path}`, {
        method,
        ...(body !== undefined && {
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
      });
      const text = await response.text();
      return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
    },
    async stop() {
      if (!hasExited(child)) signalGroup(child, 'SIGTERM');
      await exited;
    },
    async kill() {
      await killGroup(child);
      await exited;
    },
  };
}

/** Debezium's PostgreSQL connector settings for the test database. */
export function postgresSourceConfig(prefix: string, tables: string): Record<string, string> {
  const url = new URL(services().pgUrl);
  return {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'database.hostname': url.hostname,
    'database.port': url.port || '5432',
    'database.user': decodeURIComponent(url.username),
    'database.password': decodeURIComponent(url.password),
    'database.dbname': url.pathname.slice(1),
    'topic.prefix': prefix,
    'plugin.name': 'pgoutput',
    'table.include.list': tables,
    'slot.name': prefix,
    'publication.name': prefix,
    'publication.autocreate.mode': 'filtered',
    'slot.drop.on.stop': 'true',
  };
}

/** Debezium's MySQL connector settings for the test MariaDB, capturing the given databases. */
export function mysqlSourceConfig(
  prefix: string,
  databases: string,
  serverId: number,
): Record<string, string> {
  const url = new URL(services().mysqlUrl);
  return {
    'connector.class': 'io.debezium.connector.mysql.MySqlConnector',
    'database.hostname': url.hostname,
    'database.port': url.port || '3306',
    'database.user': decodeURIComponent(url.username),
    'database.password': decodeURIComponent(url.password),
    'database.server.id': String(serverId),
    'topic.prefix': prefix,
    'database.include.list': databases,
  };
}

/**
 * The Debezium JDBC sink's settings for the test MariaDB: upsert by record key, deletes applied,
 * tables created and evolved; `extra` adds to or overrides them (e.g. collection.name.format).
 */
export function mariadbSinkConfig(
  topics: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  const url = new URL(services().mysqlUrl);
  return {
    'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
    topics,
    'connection.url': `jdbc:mariadb://${url.hostname}:${url.port || '3306'}${url.pathname}`,
    'connection.username': decodeURIComponent(url.username),
    'connection.password': decodeURIComponent(url.password),
    'insert.mode': 'upsert',
    'delete.enabled': 'true',
    'primary.key.mode': 'record_key',
    'schema.evolution': 'basic',
    ...extra,
  };
}
