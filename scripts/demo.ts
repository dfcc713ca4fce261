// npm run demo: streamify a legacy PostgreSQL database and keep a MariaDB copy in sync, end to end.
//
// Brings the local stack up, starts the Onramp host, creates the "legacy" inventory database
// (customers, products, orders), registers through the REST API the PostgreSQL source (onboarding the
// inventory domain's data product, which the demo then publishes: personal-data suggestions confirmed,
// so the customers' email reaches Kafka hashed) and the JDBC sink (syncing it into MariaDB) from
// config/connectors/*.json, runs a live workload and shows events per second, lag and the downstream
// row counts converging to the upstream ones, then where to see the product. Ctrl-C deletes the connectors (dropping the replication
// slot) and stops the host; the stack keeps running (`npm run stack -- down` stops it).
//
//   --once         non-interactive: exit 0 once downstream equals upstream, non-zero with the reason
//   --seconds N    how long the live workload runs (default 20, with --once 5)
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { hostNodeArgs } from '../src/host-command.ts';
import { Comparer, prepareDatabases, runWorkload, type TableState } from './demo/inventory.ts';
import { stackUp } from './stack/index.ts';

const root = join(import.meta.dirname, '..');
const args = process.argv.slice(2);
const once = args.includes('--once');
const seconds = Number(args[args.indexOf('--seconds') + 1]) || (once ? 5 : 20);
const port = process.env.ONRAMP_REST_PORT ?? '8083';
const base = `http://127.0.0.1:${port}`;
const SOURCE = 'inventory';
const SINK = 'inventory-replica';
const PRODUCT = 'inventory.inventory-changes';
// The product stage's HMAC key, known here so the comparison can hash the upstream emails too.
const hashSalt = randomBytes(16).toString('hex');

function say(message: string): void {
  process.stdout.write(`${message}\n`);
}

function fail(reason: string): never {
  throw new Error(reason);
}

async function rest(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${base}${path}`, {
    method,
    ...(body !== undefined && {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const result = await check();
      if (result !== undefined) return result;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return fail(
    `${what} did not happen within ${timeoutMs / 1000} s${last instanceof Error ? `: ${last.message}` : ''}`,
  );
}

/** Sums a counter or gauge family from /metrics (Prometheus text). */
async function metric(name: string, combine: 'sum' | 'max' = 'sum'): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const values = text
    .split('\n')
    .filter((line) => line.startsWith(`onramp_${name}{`) || line.startsWith(`onramp_${name} `))
    .map((line) => Number(line.slice(line.lastIndexOf(' ') + 1)));
  if (values.length === 0) return 0;
  return combine === 'sum' ? values.reduce((a, b) => a + b, 0) : Math.max(...values);
}

function connectorConfig(file: string): Record<string, string> {
  return JSON.parse(readFileSync(join(root, 'config', 'connectors', file), 'utf8'));
}

async function register(name: string, file: string): Promise<void> {
  const { status, body } = await rest('PUT', `/connectors/${name}/config`, connectorConfig(file));
  if (status !== 201 && status !== 200)
    fail(`registering ${name} failed (${status}): ${JSON.stringify(body)}`);
  await untilRunning(name, file);
}

/**
 * The source is created STOPPED, so its product can be published before the first event: the
 * catalog drafts inventory.inventory-changes from the database, the demo (as its owner) confirms
 * the personal-data suggestions and publishes, then resumes the connector.
 */
async function registerAndPublish(name: string, file: string): Promise<void> {
  const created = await rest('POST', '/connectors', {
    name,
    config: connectorConfig(file),
    initial_state: 'STOPPED',
  });
  if (created.status !== 201)
    fail(`registering ${name} failed (${created.status}): ${JSON.stringify(created.body)}`);
  const product = await until(
    `the ${PRODUCT} draft with its three tables`,
    async () => {
      const answer = await rest('GET', `/products/${PRODUCT}`);
      const body = answer.body as {
        outputPorts?: unknown[];
        classifications?: Array<{ column: string; category: string }>;
      };
      return answer.status === 200 && body.outputPorts?.length === 3 ? body : undefined;
    },
    30_000,
  );
  const suggestions = product.classifications ?? [];
  say(
    `  ${PRODUCT} drafted by onboarding; personal data suggested: ${suggestions.map((entry) => `${entry.column} (${entry.category})`).join(', ') || 'none'}`,
  );
  const decided = await rest('PATCH', `/products/${PRODUCT}`, {
    // The owner's decisions: the customers' names and email are personal data (hashed before
    // Kafka); a product's name is not.
    classifications: suggestions.map((entry) =>
      entry.column.startsWith('inventory.customers.')
        ? { column: entry.column, state: 'confirmed', treatment: 'hash' }
        : { column: entry.column, state: 'rejected' },
    ),
    tags: ['demo', 'inventory'],
  });
  if (decided.status !== 200)
    fail(`deciding the suggestions failed (${decided.status}): ${JSON.stringify(decided.body)}`);
  const published = await rest('POST', `/products/${PRODUCT}/publish`);
  if (published.status !== 200)
    fail(`publishing ${PRODUCT} failed (${published.status}): ${JSON.stringify(published.body)}`);
  say(`  ${PRODUCT} published: confirmed columns hashed before Kafka, FULL_TRANSITIVE in the registry`);
  const resumed = await rest('PUT', `/connectors/${name}/resume`);
  if (resumed.status !== 202) fail(`resuming ${name} failed (${resumed.status})`);
  await untilRunning(name, file);
}

async function untilRunning(name: string, file: string): Promise<void> {
  await until(
    `${name} RUNNING`,
    async () => {
      const state = (await rest('GET', `/connectors/${name}/status`)).body as {
        connector: { state: string };
        tasks: Array<{ state: string; trace?: string }>;
      };
      const failed = state.tasks.find((task) => task.state === 'FAILED');
      if (failed) fail(`${name} FAILED: ${failed.trace?.split('\n')[0]}`);
      return state.tasks.length > 0 && state.tasks.every((task) => task.state === 'RUNNING')
        ? true
        : undefined;
    },
    30_000,
  );
  say(`  ${name}: RUNNING (config/connectors/${file})`);
}

function counts(states: TableState[]): string {
  return states.map((state) => `${state.table} ${state.downstream}/${state.upstream}`).join('  ');
}

say('1/5 Local stack (PostgreSQL, MariaDB, Kafka, schema registry); the first run installs them...');
const env = await stackUp();

say('2/5 Creating the legacy inventory database in PostgreSQL and an empty inventory_replica in MariaDB');
await prepareDatabases(
  env.PG_URL,
  env.MYSQL_URL,
  connectorConfig('inventory-source.json')['slot.name'] ?? SOURCE,
);

say(`3/5 Starting Onramp on ${base}`);
const dataDir = process.env.ONRAMP_DATA_DIR ?? join(root, 'data', 'demo');
rmSync(dataDir, { recursive: true, force: true });
const host = spawn(process.execPath, hostNodeArgs(root, 'compiled'), {
  cwd: root,
  env: {
    ...process.env,
    ...env,
    // The example configs read their passwords from ${env:...} placeholders: the host resolves env
    // placeholders, and only these two variables.
    PGPASSWORD: decodeURIComponent(new URL(env.PG_URL).password),
    MYSQL_PASSWORD: decodeURIComponent(new URL(env.MYSQL_URL).password),
    ONRAMP_CONFIG_PROVIDERS: 'env',
    ONRAMP_CONFIG_PROVIDERS_ENV_ALLOWLIST_PATTERN: 'PGPASSWORD|MYSQL_PASSWORD',
    ONRAMP_REST_PORT: port,
    ONRAMP_DATA_DIR: dataDir,
    ONRAMP_LOG_LEVEL: process.env.ONRAMP_LOG_LEVEL ?? 'error',
    ONRAMP_PRODUCT_HASH_SALT: hashSalt,
  },
  stdio: ['ignore', 'inherit', 'inherit'],
  // Its own process group: Ctrl-C in the terminal reaches the demo only, which deletes the connectors
  // (dropping the replication slot) before it stops the host. Sharing the group, the host died first,
  // the deletes failed and the slot stayed in PostgreSQL holding WAL.
  detached: true,
});
// Whatever ends the demo, the host does not outlive it.
process.on('exit', () => {
  if (host.exitCode === null) host.kill('SIGTERM');
});
const hostExited = new Promise<number>((resolve) => host.once('exit', (code) => resolve(code ?? 1)));
let comparer: Comparer | undefined;

let stopping: Promise<never> | undefined;
/** Once, however many signals arrive (Ctrl-C reaches the launcher too, which passes it on). */
function shutdown(code: number): Promise<never> {
  stopping ??= stopDemo(code);
  return stopping;
}

async function stopDemo(code: number): Promise<never> {
  say('Deleting the demo connectors (the replication slot is dropped) and stopping the host...');
  await rest('DELETE', `/connectors/${SINK}`).catch(() => undefined);
  await rest('DELETE', `/connectors/${SOURCE}`).catch(() => undefined);
  if (host.exitCode === null) host.kill('SIGTERM');
  await hostExited;
  await comparer?.close().catch(() => undefined);
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  await until(
    'the host answering /health',
    async () => ((await fetch(`${base}/health`)).ok ? true : undefined),
    15_000,
  );
  say(`  Web console: ${base}/ui/ (the inventory product and both connectors appear there live)`);

  say('4/5 Registering the connectors through the Kafka Connect REST API (Debezium config keys)');
  await registerAndPublish(SOURCE, 'inventory-source.json');
  comparer = await Comparer.open(env.PG_URL, env.MYSQL_URL, hashSalt);
  await until(
    'the snapshot',
    async () =>
      (await metric('snapshot_tables_total')) > 0 && (await metric('snapshot_tables_remaining', 'max')) === 0
        ? true
        : undefined,
    60_000,
  );
  say(`  snapshot done: ${await metric('snapshot_rows_scanned')} rows published to Kafka`);
  await register(SINK, 'inventory-sink.json');

  say(`5/5 Live workload for ${seconds} s: inserts, updates and deletes in PostgreSQL`);
  const stopWorkload = new AbortController();
  const workload = runWorkload(env.PG_URL, stopWorkload.signal);
  setTimeout(() => stopWorkload.abort(), seconds * 1000);
  let previous = await metric('source_records_total');
  let converged = false;
  const deadline = Date.now() + (seconds + 60) * 1000;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const total = await metric('source_records_total');
    const lagMs = await metric('sink_lag_ms', 'max');
    const states = await comparer.compare();
    say(
      `  ${String(total - previous).padStart(5)} events/s  lag ${String(Math.round(lagMs)).padStart(5)} ms  ${counts(states)} (downstream/upstream)`,
    );
    previous = total;
    if (stopWorkload.signal.aborted && states.every((state) => state.equal)) {
      converged = true;
      break;
    }
  }
  const changes = await workload;
  if (!converged) fail(`downstream did not converge: ${counts(await comparer.compare())}`);
  say(`MariaDB inventory_replica equals the PostgreSQL inventory tables after ${changes} live changes.`);
  say(
    [
      '',
      `The data product ${PRODUCT} is published. See it at:`,
      `  curl -s ${base}/products/${PRODUCT}            # owner, status, ports, consumers, policy`,
      `  curl -s ${base}/products/${PRODUCT}/contract   # ODCS v3 data contract (YAML)`,
      `  curl -s ${base}/products/${PRODUCT}/lineage    # table -> connector -> topic -> sink -> table`,
      `  curl -s ${base}/products/${PRODUCT}/schema     # registry subjects, versions, FULL_TRANSITIVE`,
      `  curl -s ${base}/products/${PRODUCT}/health     # connectors, freshness`,
      '',
      'Try next:',
      `  curl -s '${base}/connectors?expand=status'          # both connectors and their tasks`,
      `  curl -s ${base}/connectors/${SOURCE}/offsets         # the stored PostgreSQL position (LSN)`,
      `  curl -s ${base}/connectors/${SINK}/offsets  # Kafka offsets the sink has applied`,
      `  curl -s ${base}/connectors/${SOURCE}/topics          # the data product's topics`,
      `  curl -s ${base}/metrics | grep onramp_                # Prometheus metrics`,
      `  open ${base}/docs                                     # OpenAPI docs (${base}/openapi.json)`,
      '',
      `Web console: ${base}/ui/  (products, lineage, sample events, connectors live)`,
      '',
    ].join('\n'),
  );
  if (once) await shutdown(0);
  say(
    'The host keeps running; change rows in PostgreSQL (schema inventory) and watch MariaDB follow. Ctrl-C stops.',
  );
} catch (error) {
  say(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  await shutdown(1);
}
