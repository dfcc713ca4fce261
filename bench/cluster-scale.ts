import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { HOST_NODE_FLAGS } from '../src/host-command.ts';
import type { BenchArgs } from './lib/args.ts';
import { benchEnv } from './lib/env.ts';
import { machine, type ScenarioResult, today, writeResult } from './lib/results.ts';
import { median } from './lib/stats.ts';
import { freePort, JSON_CONVERTERS } from './lib/systems.ts';

// Cluster scale (issue 18): Onramp alone, mode: distributed on the stack's Kafka. N connectors of a
// test plugin (bench/cluster/tick-source.ts: one task each, a small record every 10 s, loaded with
// `node --import`) over 3 worker processes; then, per cycle:
// - join: a 4th worker starts; from its /health answering until the cluster is rebalanced;
// - leave: that worker is stopped (SIGTERM: it stops its work and leaves the group); from the signal
//   until the cluster is rebalanced on the other 3;
// and at the end a crash: one of the 3 is killed (-9); from the kill until rebalanced on the other 2
// (the coordinator notices after session.timeout.ms).
// Rebalanced: as one worker's GET /connectors?expand=status says (polled every 200 ms), every
// connector and every task is RUNNING on a live worker, and the connectors, and the tasks, are
// spread evenly (the most and the fewest on one worker differ by at most 1).
// scheduled.rebalance.max.delay.ms is 0 here: a departed worker's work moves at once. Kafka
// Connect's default (300 s) makes a leave or a crash wait that long first; a join does not wait.
// RSS (VmRSS, anonymous part) of each of the 3 workers once the N connectors run and 15 s later.

const { Kafka, logLevel } = kafkajs;
const CHECKOUT = join(import.meta.dirname, '..');

/**
 * The workers run the committed host (HEAD), exported under bench/results/raw/ (ignored by git; node
 * finds the checkout's node_modules from there), not the working tree: a worker started minutes
 * after the others must run the same code, whatever is being edited meanwhile.
 */
function exportHead(): { root: string; commit: string } {
  const commit = execFileSync('git', ['-C', CHECKOUT, 'rev-parse', '--short', 'HEAD'], {
    encoding: 'utf8',
  }).trim();
  const root = join(CHECKOUT, 'bench', 'results', 'raw', `cluster-scale-${commit}`);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const archive = execFileSync(
    'git',
    ['-C', CHECKOUT, 'archive', 'HEAD', 'package.json', 'src', 'connectors', 'bench/cluster'],
    {
      maxBuffer: 256 * 2 ** 20,
    },
  );
  execFileSync('tar', ['-x', '-C', root], { input: archive });
  return { root, commit };
}
const SETTLE_MS = 15_000;
const SESSION_TIMEOUT_MS = 10_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Worker {
  name: string;
  base: string;
  id: string;
  child: ChildProcess;
  dataDir: string;
}

interface Spread {
  ok: boolean;
  running: number;
  connectorsPerWorker: Record<string, number>;
  tasksPerWorker: Record<string, number>;
}

function kb(pid: number, field: string): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
  } catch {
    return Number.NaN;
  }
}

const mb = (value: number) => Math.round((value / 1024) * 10) / 10;

async function call(base: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

async function until<T>(
  what: string,
  timeoutMs: number,
  intervalMs: number,
  check: () => Promise<T | undefined>,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check().catch(() => undefined);
    if (result !== undefined) return result;
    if (Date.now() > deadline) throw new Error(`cluster-scale: no ${what} within ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

async function startWorker(name: string, configFile: string, root: string): Promise<Worker> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'onramp-bench-cluster-'));
  const env = benchEnv();
  const child = spawn(
    process.execPath,
    [
      ...HOST_NODE_FLAGS,
      '--import',
      join(root, 'bench', 'cluster', 'tick-source.ts'),
      join(root, 'src', 'main.ts'),
    ],
    {
      cwd: root,
      env: {
        ...process.env,
        ONRAMP_CONFIG: configFile,
        ONRAMP_REST_PORT: String(port),
        ONRAMP_DATA_DIR: dataDir,
        KAFKA_BROKERS: env.kafkaBrokers.join(','),
        SCHEMA_REGISTRY_URL: env.schemaRegistryUrl,
        ONRAMP_LOG_LEVEL: 'warn',
        ONRAMP_PRODUCT_HASH_SALT: 'cluster-scale',
      },
      stdio: ['ignore', process.env.ONRAMP_BENCH_WORKER_LOG ? 'inherit' : 'ignore', 'inherit'],
    },
  );
  const base = `http://127.0.0.1:${port}`;
  await until(`${name} answering /health`, 120_000, 100, async () => {
    if (child.exitCode !== null || child.signalCode !== null) return 'exited';
    return (await fetch(`${base}/health`)).status > 0 ? 'ready' : undefined;
  }).then((state) => {
    if (state === 'exited') throw new Error(`${name} exited (${child.exitCode ?? child.signalCode})`);
  });
  return { name, base, id: `127.0.0.1:${port}`, child, dataDir };
}

async function stopWorker(worker: Worker, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (worker.child.exitCode === null && worker.child.signalCode === null) {
    const exited = new Promise((resolve) => worker.child.once('exit', resolve));
    worker.child.kill(signal);
    const timer = setTimeout(() => worker.child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(worker.dataDir, { recursive: true, force: true });
}

/** How the connectors are spread, as `via` sees the status topic. */
async function spread(via: Worker, live: readonly Worker[], expected: number): Promise<Spread> {
  const { status, body } = await call(via.base, 'GET', '/connectors?expand=status');
  const ids = new Set(live.map((worker) => worker.id));
  const connectorsPerWorker: Record<string, number> = Object.fromEntries(live.map((w) => [w.id, 0]));
  const tasksPerWorker: Record<string, number> = { ...connectorsPerWorker };
  let running = 0;
  if (status !== 200) return { ok: false, running, connectorsPerWorker, tasksPerWorker };
  const entries = Object.values(body as Record<string, { status: ConnectorStatus }>);
  for (const { status: s } of entries) {
    const task = s.tasks?.[0];
    const connectorOk = s.connector?.state === 'RUNNING' && ids.has(s.connector.worker_id);
    const taskOk = task?.state === 'RUNNING' && ids.has(task.worker_id);
    if (connectorOk)
      connectorsPerWorker[s.connector.worker_id] = (connectorsPerWorker[s.connector.worker_id] ?? 0) + 1;
    if (taskOk && task) tasksPerWorker[task.worker_id] = (tasksPerWorker[task.worker_id] ?? 0) + 1;
    if (connectorOk && taskOk) running++;
  }
  const even = (counts: Record<string, number>) =>
    Math.max(...Object.values(counts)) - Math.min(...Object.values(counts)) <= 1;
  return {
    ok:
      entries.length === expected &&
      running === expected &&
      even(connectorsPerWorker) &&
      even(tasksPerWorker),
    running,
    connectorsPerWorker,
    tasksPerWorker,
  };
}

interface ConnectorStatus {
  connector: { state: string; worker_id: string };
  tasks: Array<{ state: string; worker_id: string }>;
}

/** Milliseconds from `from` (performance.now()) until the connectors are spread evenly over `live`. */
async function rebalanced(from: number, via: Worker, live: readonly Worker[], expected: number) {
  const result = await until(`even spread over ${live.length} workers`, 300_000, 200, async () => {
    const now = await spread(via, live, expected);
    return now.ok ? now : undefined;
  });
  return { ms: Math.round(performance.now() - from), ...result };
}

function rss(workers: readonly Worker[]) {
  return Object.fromEntries(
    workers.map((worker) => [
      worker.name,
      {
        rssMb: mb(kb(worker.child.pid ?? 0, 'VmRSS')),
        anonMb: mb(kb(worker.child.pid ?? 0, 'RssAnon')),
        peakMb: mb(kb(worker.child.pid ?? 0, 'VmHWM')),
      },
    ]),
  );
}

/** `npm run bench -- cluster-scale [--connectors 200] [--cycles 3]` */
export async function clusterScaleScenario(args: BenchArgs): Promise<void> {
  const connectors = args.number('connectors', 200);
  const cycles = args.number('cycles', 3);
  const run = randomUUID().slice(0, 8);
  const groupId = `onramp-scale-${run}`;
  const topics = [`${groupId}-configs`, `${groupId}-offsets`, `${groupId}-status`];
  const tickTopic = `${groupId}-ticks`;
  const settings = {
    'scheduled.rebalance.max.delay.ms': 0,
    'session.timeout.ms': SESSION_TIMEOUT_MS,
    'heartbeat.interval.ms': 3_000,
    'offset.storage.partitions': 25,
    'status.storage.partitions': 5,
    'tick.interval.ms': 10_000,
  };
  const folder = mkdtempSync(join(tmpdir(), 'onramp-bench-cluster-config-'));
  const configFile = join(folder, 'worker.yaml');
  writeFileSync(
    configFile,
    [
      'mode: distributed',
      `group.id: ${groupId}`,
      `config.storage.topic: ${topics[0]}`,
      `offset.storage.topic: ${topics[1]}`,
      `status.storage.topic: ${topics[2]}`,
      'config.storage.replication.factor: 1',
      'offset.storage.replication.factor: 1',
      'status.storage.replication.factor: 1',
      `offset.storage.partitions: ${settings['offset.storage.partitions']}`,
      `status.storage.partitions: ${settings['status.storage.partitions']}`,
      `scheduled.rebalance.max.delay.ms: ${settings['scheduled.rebalance.max.delay.ms']}`,
      `session.timeout.ms: ${settings['session.timeout.ms']}`,
      `heartbeat.interval.ms: ${settings['heartbeat.interval.ms']}`,
      '',
    ].join('\n'),
  );
  const head = exportHead();
  const kafka = new Kafka({ brokers: benchEnv().kafkaBrokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: tickTopic, numPartitions: 3, replicationFactor: 1 }] });
  const loadBefore = loadavg()
    .map((load) => load.toFixed(2))
    .join(' ');
  const workers: Worker[] = [];
  const log = (line: string) => console.log(`cluster-scale: ${line}`);
  try {
    for (const name of ['w1', 'w2', 'w3']) workers.push(await startWorker(name, configFile, head.root));
    const [first] = workers as [Worker];
    const names = Array.from({ length: connectors }, (_, i) => `tick-${run}-${String(i).padStart(3, '0')}`);
    const createdAt = performance.now();
    for (const name of names) {
      await until(`PUT ${name}`, 60_000, 250, async () => {
        const response = await call(first.base, 'PUT', `/connectors/${name}/config`, {
          'connector.class': 'bench.TickSource',
          topic: tickTopic,
          'tick.interval.ms': String(settings['tick.interval.ms']),
          ...JSON_CONVERTERS,
        });
        if (response.status === 409) return undefined;
        if (response.status >= 300)
          throw new Error(`PUT ${name}: ${response.status} ${JSON.stringify(response.body)}`);
        return true;
      });
    }
    const createMs = Math.round(performance.now() - createdAt);
    const initial = await rebalanced(createdAt, first, workers, connectors);
    log(
      `${connectors} connectors created in ${createMs} ms, all RUNNING and spread after ${initial.ms} ms: ${JSON.stringify(initial.tasksPerWorker)}`,
    );
    const rssRunning = rss(workers);
    await sleep(SETTLE_MS);
    const rssSettled = rss(workers);
    log(`RSS per worker (running, +${SETTLE_MS / 1000} s): ${JSON.stringify(rssSettled)}`);

    const runs: Array<{ cycle: number; event: string; ms: number; tasksPerWorker: Record<string, number> }> =
      [];
    for (let cycle = 1; cycle <= cycles; cycle++) {
      const spawnedAt = performance.now();
      const joiner = await startWorker(`w4.${cycle}`, configFile, head.root);
      const readyAt = performance.now();
      workers.push(joiner);
      const joined = await rebalanced(readyAt, first, workers, connectors);
      runs.push({ cycle, event: 'join', ms: joined.ms, tasksPerWorker: joined.tasksPerWorker });
      log(
        `cycle ${cycle}: join rebalanced ${joined.ms} ms after the 4th worker answered (${Math.round(readyAt - spawnedAt)} ms to start it): ${JSON.stringify(joined.tasksPerWorker)}`,
      );
      await sleep(3_000);
      const leftAt = performance.now();
      workers.pop();
      await stopWorker(joiner);
      const left = await rebalanced(leftAt, first, workers, connectors);
      runs.push({ cycle, event: 'leave', ms: left.ms, tasksPerWorker: left.tasksPerWorker });
      log(
        `cycle ${cycle}: leave (SIGTERM) rebalanced after ${left.ms} ms: ${JSON.stringify(left.tasksPerWorker)}`,
      );
      await sleep(3_000);
    }
    const rssAfterCycles = rss(workers);
    const victim = workers.pop() as Worker;
    const killedAt = performance.now();
    await stopWorker(victim, 'SIGKILL');
    const crashed = await rebalanced(killedAt, first, workers, connectors);
    runs.push({ cycle: 0, event: 'crash', ms: crashed.ms, tasksPerWorker: crashed.tasksPerWorker });
    log(
      `crash (kill -9 of one of 3): rebalanced on 2 workers after ${crashed.ms} ms (session.timeout.ms ${SESSION_TIMEOUT_MS}): ${JSON.stringify(crashed.tasksPerWorker)}`,
    );
    const loadAfter = loadavg()
      .map((load) => load.toFixed(2))
      .join(' ');

    const joinMs = median(runs.filter((r) => r.event === 'join').map((r) => r.ms));
    const leaveMs = median(runs.filter((r) => r.event === 'leave').map((r) => r.ms));
    const rssValues = Object.values(rssSettled).map((value) => value.rssMb);
    const result: ScenarioResult = {
      scenario: 'cluster-scale',
      date: today(),
      machine: { ...machine(), loadAverageBefore: loadBefore, loadAverageAfter: loadAfter },
      versions: { node: process.version, onramp: head.commit },
      settings: {
        connectors,
        cycles,
        workers: 3,
        ...settings,
        build: 'sources (src/main.ts, type stripping)',
      },
      runs,
      summary: {
        onramp: {
          create_all_ms: createMs,
          initial_spread_ms: initial.ms,
          join_rebalance_ms: joinMs,
          leave_rebalance_ms: leaveMs,
          crash_rebalance_ms: crashed.ms,
          rss_mb_per_worker: rssValues,
        },
        rssRunning,
        rssSettled,
        rssAfterCycles,
      },
      table: {
        columns: [`cluster-scale: ${connectors} connectors (1 task each), 3 workers`, 'Onramp'],
        rows: [
          ['create all (PUT, one after the other), ms', createMs],
          ['created -> all RUNNING, spread evenly, ms', initial.ms],
          [`a 4th worker joins -> spread evenly over 4, ms (median of ${cycles})`, joinMs],
          [`it leaves (SIGTERM) -> spread evenly over 3, ms (median of ${cycles})`, leaveMs],
          [`kill -9 of one of 3 -> spread over 2, ms (session.timeout.ms ${SESSION_TIMEOUT_MS})`, crashed.ms],
          ['RSS per worker, MB (3 workers, ~67 connectors + 67 tasks each)', rssValues.join(' / ')],
          [
            'anonymous RSS per worker, MB',
            Object.values(rssSettled)
              .map((value) => value.anonMb)
              .join(' / '),
          ],
        ],
      },
      notes: [
        `${connectors} connectors of a test source (bench/cluster/tick-source.ts: one task each, one record per ${settings['tick.interval.ms'] / 1000} s, so each task has its producer and commits offsets) on 3 worker processes with one group.id on the stack's single Kafka broker; JSON converters.`,
        "Rebalanced: one worker's GET /connectors?expand=status shows every connector and task RUNNING on a live worker and the connectors, and the tasks, spread evenly (max - min <= 1 per worker); polled every 200 ms.",
        "scheduled.rebalance.max.delay.ms=0: a leaving or crashed worker's work moves at once. With Kafka Connect's default (300 s) a leave or crash first waits that long; a join does not.",
        `Workers run the committed sources (${head.commit}, src/main.ts under type stripping; the test plugin is loaded with node --import); the compiled dist/main.js uses somewhat less memory (see the startup results).`,
        `Shared 2-core machine: 1-minute load average ${loadBefore.split(' ')[0]} before, ${loadAfter.split(' ')[0]} after.`,
      ],
    };
    const file = writeResult(result);
    for (const row of result.table.rows) log(row.join(' | '));
    log(`wrote ${file}`);
  } finally {
    for (const worker of workers) await stopWorker(worker).catch(() => undefined);
    await admin.deleteTopics({ topics: [...topics, tickTopic] }).catch(() => undefined);
    await admin.disconnect();
    rmSync(folder, { recursive: true, force: true });
    rmSync(head.root, { recursive: true, force: true });
  }
}
