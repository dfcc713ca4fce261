// npm run demo: brings the local stack up, starts the Onramp host against it and shows what to try.
// Ctrl-C stops the host (the stack keeps running; `npm run stack -- down` stops it). With --once it
// exits 0 as soon as the host reports healthy, non-zero with the reason otherwise.
//
// The full newcomer flow (a legacy PostgreSQL database streamified into Kafka and synced into MariaDB,
// with live counts) arrives with the PostgreSQL source and the JDBC sink connectors.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { stackUp } from './stack/index.ts';

const root = join(import.meta.dirname, '..');
const once = process.argv.includes('--once');
const port = process.env.ONRAMP_REST_PORT ?? '8083';
const base = `http://127.0.0.1:${port}`;

function say(message: string): void {
  process.stdout.write(`${message}\n`);
}

async function waitForHealthy(deadlineMs: number): Promise<string> {
  const deadline = Date.now() + deadlineMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${base}/health`);
      const body = (await response.json()) as { status?: string; message?: string };
      last = body.message ?? JSON.stringify(body);
      if (response.ok && body.status === 'healthy') return last;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the host did not become healthy within ${deadlineMs / 1000} s: ${last}`);
}

say('Starting the local stack (PostgreSQL, MariaDB, Kafka, schema registry); the first run installs them...');
const env = await stackUp();
say(
  `Stack is up: ${Object.entries(env)
    .map(([name, value]) => `${name}=${value}`)
    .join(' ')}`,
);

const host = spawn(process.execPath, [join(root, 'src', 'main.ts')], {
  cwd: root,
  env: {
    ...process.env,
    ...env,
    ONRAMP_REST_PORT: port,
    ONRAMP_DATA_DIR: process.env.ONRAMP_DATA_DIR ?? join(root, 'data', 'demo'),
    ONRAMP_LOG_LEVEL: process.env.ONRAMP_LOG_LEVEL ?? 'warn',
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const exited = new Promise<number>((resolve) => host.once('exit', (code) => resolve(code ?? 1)));
const stop = async (code: number): Promise<never> => {
  if (host.exitCode === null) host.kill('SIGTERM');
  await exited;
  process.exit(code);
};
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

try {
  const health = await waitForHealthy(15_000);
  say(`Onramp is running on ${base}: ${health}`);
} catch (error) {
  say(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  await stop(1);
}

const plugins = (await (await fetch(`${base}/connector-plugins`)).json()) as Array<{ class: string }>;
say(`Connector plugins: ${plugins.map((plugin) => plugin.class).join(', ') || '(none registered yet)'}`);
say(
  [
    '',
    'Try next:',
    `  curl -s ${base}/                              # version and Kafka cluster id`,
    `  curl -s ${base}/connector-plugins?connectorsOnly=false`,
    `  curl -s '${base}/connectors?expand=status&expand=info'`,
    `  curl -s ${base}/metrics                       # Prometheus`,
    `  open ${base}/docs                             # OpenAPI docs (${base}/openapi.json)`,
    '',
  ].join('\n'),
);

if (once) {
  say('demo --once: the host answered healthy; stopping it.');
  await stop(0);
}
say('Press Ctrl-C to stop the host.');
process.exit(await exited);
