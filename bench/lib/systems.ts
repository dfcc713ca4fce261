import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { hostNodeArgs } from '../../src/host-command.ts';
import { AvroConverter } from '../../src/schema/avro-converter.ts';
import type { Converter } from '../../src/schema/converter.ts';
import { JsonConverter } from '../../src/schema/json-converter.ts';
import { SchemaRegistry } from '../../src/schema/registry.ts';
import { BENCH_HOME, DEBEZIUM_HOME, debeziumRuntimeDir, ensureDebezium } from './debezium-install.ts';
import { TUNED_PRODUCER } from './debezium-tuning.ts';
import { benchEnv } from './env.ts';
import { type ProcUsage, procUsage } from './proc-usage.ts';

// One harness for both systems under comparison. Both speak the Kafka Connect REST API, so a
// scenario creates the same connector JSON on either (differing only in what must differ) and reads
// the same figures: the process id for /proc sampling, CPU seconds and peak RSS.
//
// Onramp: `node src/main.ts` (this Node, process.execPath) with a fresh data dir.
// Debezium: Apache Kafka Connect 3.9.1 standalone (ConnectStandalone) with the Debezium plugins
// from bench/debezium/pom.xml (plugin.path = the plugins folder, one sub-folder per connector),
// a fixed maximum heap (-Xmx, default 1 GB; -Xms256m as in Kafka's scripts), offsets in a temp file.

// Debezium runs twice in every comparison: `debezium` with Kafka's and Debezium's defaults, and
// `debezium-tuned` as someone who tunes it would run it (bench/lib/debezium-tuning.ts); Onramp is
// compared with the better of the two.
//
// `onramp-1core` (opt-in: --systems onramp,onramp-1core,...) is Onramp's compiled host pinned to
// one CPU (`taskset -c 0`; the database and the broker stay unpinned), run beside the normal one
// to show how throughput grows with cores (summary.one_core_share). It is Onramp in every other
// respect (connector JSON, heap sampling) and takes no part in the Debezium comparison.
export type SystemKind = 'onramp' | 'onramp-1core' | 'debezium' | 'debezium-tuned';
/** Every kind --systems accepts. */
export const SYSTEM_KINDS: readonly SystemKind[] = ['onramp', 'onramp-1core', 'debezium', 'debezium-tuned'];
/** The kinds a comparison runs when --systems is not given. */
export const DEFAULT_KINDS: readonly SystemKind[] = ['onramp', 'debezium', 'debezium-tuned'];
export const DEBEZIUM_KINDS: readonly SystemKind[] = ['debezium', 'debezium-tuned'];

export function isDebezium(kind: SystemKind): boolean {
  return DEBEZIUM_KINDS.includes(kind);
}

/** Onramp's host, whether free to use every core or pinned to one. */
export function isOnramp(kind: SystemKind): boolean {
  return kind === 'onramp' || kind === 'onramp-1core';
}

/** The CPU list `onramp-1core` is pinned to (taskset -c). */
export const ONE_CORE_CPUS = '0';

export interface SystemOptions {
  /** Debezium's maximum JVM heap (-Xmx), in MB. Default 1024. */
  heapMb?: number;
  /** Log level of either system (Onramp: pino level; Connect: log4j level). Default warn. */
  logLevel?: 'error' | 'warn' | 'info' | 'debug';
  /** How long start-up may take before failing. Default 120 s (the JVM is slow on a busy box). */
  startTimeoutMs?: number;
}

export interface ConnectorState {
  connector: string;
  tasks: { id: number; state: string; trace?: string }[];
}

export interface RunningSystem {
  kind: SystemKind;
  restUrl: string;
  pid: number;
  /** Scratch folder of this instance (data dir / offsets / logs); removed by stop() unless kept. */
  workDir: string;
  /** POST /connectors; resolves once the REST API accepted it (201). `initialState` is KIP-980's. */
  createConnector(
    name: string,
    config: Record<string, string>,
    options?: { initialState?: 'RUNNING' | 'PAUSED' | 'STOPPED' },
  ): Promise<void>;
  /** PATCH /connectors/{name}/offsets of a STOPPED connector (KIP-875). */
  alterOffsets(
    name: string,
    offsets: { partition: Record<string, unknown>; offset: Record<string, unknown> | null }[],
  ): Promise<void>;
  /** PUT /connectors/{name}/resume (a STOPPED or PAUSED connector starts). */
  resume(name: string): Promise<void>;
  deleteConnector(name: string): Promise<void>;
  status(name: string): Promise<ConnectorState | undefined>;
  /** Waits until the connector and all its tasks are RUNNING; throws with the trace on FAILED. */
  waitRunning(name: string, timeoutMs?: number): Promise<void>;
  /** CPU seconds (utime+stime, all threads) so far, peak RSS (VmHWM) and current RSS of the process. */
  usage(): ProcUsage;
  /**
   * Onramp: the highest V8 heap in use (MB) seen on /metrics (sampled every second while it runs);
   * undefined for Debezium (the JVM heap is not sampled) or before the first sample.
   */
  peakHeapUsedMb(): number | undefined;
  /** SIGTERM, then SIGKILL after 20 s; removes the work dir unless keepWorkDir. */
  stop(options?: { keepWorkDir?: boolean }): Promise<void>;
}

/** The converter both systems use in a comparison: Kafka Connect JSON with schemas, keys and values. */
export const JSON_CONVERTERS: Readonly<Record<string, string>> = {
  'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
  'key.converter.schemas.enable': 'true',
  'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
  'value.converter.schemas.enable': 'true',
};

/**
 * `json` (the comparisons' converter) or `avro`: Confluent's wire format through the stack's schema
 * registry. Onramp alone runs Avro: Confluent's AvroConverter is not on Maven Central, where the
 * benchmarks fetch Kafka Connect and Debezium from.
 */
export type ConverterFormat = 'json' | 'avro';

export function convertersFor(format: ConverterFormat): Record<string, string> {
  if (format === 'json') return { ...JSON_CONVERTERS };
  const url = benchEnv().schemaRegistryUrl;
  return {
    'key.converter': 'io.confluent.connect.avro.AvroConverter',
    'key.converter.schema.registry.url': url,
    'value.converter': 'io.confluent.connect.avro.AvroConverter',
    'value.converter.schema.registry.url': url,
  };
}

/** The converter that writes and reads what `convertersFor(format)` configures (bench-side checks). */
export function converterOf(format: ConverterFormat): Converter {
  return format === 'json'
    ? new JsonConverter()
    : new AvroConverter(new SchemaRegistry({ url: benchEnv().schemaRegistryUrl }));
}

/** The --format argument, refused with a clear message for anything but json and avro. */
export function converterFormat(value: string): ConverterFormat {
  if (value === 'json' || value === 'avro') return value;
  throw new Error(`--format must be json or avro, not ${value}`);
}

/** Avro runs Onramp alone (see ConverterFormat): a Debezium system asked for with it is refused. */
export function checkFormatSystems(format: ConverterFormat, kinds: readonly SystemKind[]): void {
  const debezium = kinds.filter((kind) => !isOnramp(kind));
  if (format === 'avro' && debezium.length > 0)
    throw new Error(
      `--format avro runs Onramp alone (--systems onramp[,onramp-1core]): no Avro converter for ${debezium.join(', ')} here`,
    );
}

const ONRAMP_PRODUCER: Readonly<Record<string, string>> = {
  acks: 'all',
  idempotence: 'true',
  'max.in.flight': '1',
  compression: 'none',
  batching: 'one produce request per poll batch (max.batch.size 2048)',
};

/**
 * Producer settings, stated for the results. Onramp's producer is fixed: idempotent, acks=all, one
 * request in flight, one produce request per polled batch (up to max.batch.size records), no
 * compression. Connect's worker producer is configured to match: acks=all, idempotence on, one
 * request in flight, no compression; with the client defaults linger.ms=0 and batch.size=16384
 * (`debezium`) or tuned to 1 MB batches and linger.ms=10 (`debezium-tuned`).
 */
export const PRODUCER_SETTINGS: Readonly<Record<SystemKind, Readonly<Record<string, string>>>> = {
  onramp: ONRAMP_PRODUCER,
  'onramp-1core': ONRAMP_PRODUCER,
  debezium: {
    'producer.acks': 'all',
    'producer.enable.idempotence': 'true',
    'producer.max.in.flight.requests.per.connection': '1',
    'producer.compression.type': 'none',
    'producer.linger.ms': '0',
    'producer.batch.size': '16384',
  },
  'debezium-tuned': {
    'producer.acks': 'all',
    'producer.enable.idempotence': 'true',
    'producer.max.in.flight.requests.per.connection': '1',
    'producer.compression.type': 'none',
    ...TUNED_PRODUCER,
  },
};

export const DEFAULT_HEAP_MB = 1024;

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const REPO_ROOT = join(import.meta.dirname, '..', '..');

function workerProperties(kind: SystemKind, restPort: number, workDir: string): string {
  const { kafkaBrokers } = benchEnv();
  const producer = Object.entries(PRODUCER_SETTINGS[kind])
    .map(([key, value]) => `${key}=${value}`)
    .join('\n');
  const converters = Object.entries(JSON_CONVERTERS)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n');
  return `# Written by bench/lib/systems.ts for one benchmark run.
bootstrap.servers=${kafkaBrokers.join(',')}
${converters}
offset.storage.file.filename=${join(workDir, 'connect.offsets')}
offset.flush.interval.ms=10000
listeners=http://127.0.0.1:${restPort}
rest.advertised.host.name=127.0.0.1
plugin.path=${join(DEBEZIUM_HOME, 'plugins')}
${producer}
`;
}

function log4jProperties(level: string, logFile: string): string {
  return `log4j.rootLogger=${level.toUpperCase()}, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=${logFile}
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.org.reflections=ERROR
`;
}

/**
 * `pinned`: the host runs under `taskset -c 0`, which sets its affinity and execs node, so the
 * child's pid is node's (the /proc CPU and memory figures stay the host's own).
 */
function spawnOnramp(restPort: number, workDir: string, level: string, pinned: boolean): ChildProcess {
  const { kafkaBrokers, schemaRegistryUrl } = benchEnv();
  const log = createWriteStream(join(workDir, 'onramp.log'));
  // ONRAMP_BENCH_NODE_FLAGS adds Node flags to the host for one bench run, e.g. a CPU profile:
  // ONRAMP_BENCH_NODE_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/prof' (never in HOST_NODE_FLAGS). They
  // come after the host's own flags, so they can override one (V8 takes a flag's last value).
  const extra = (process.env.ONRAMP_BENCH_NODE_FLAGS ?? '').split(' ').filter((flag) => flag !== '');
  // ONRAMP_BENCH_HOST_MAIN runs another compiled host (a copy of dist/main.js, e.g. a build of the
  // commit before a change, kept under bench/results/raw/) so that two builds can alternate.
  const host = hostNodeArgs(REPO_ROOT, 'compiled');
  const main = process.env.ONRAMP_BENCH_HOST_MAIN || host.at(-1);
  const nodeArgs = [...host.slice(0, -1), ...extra, main as string];
  const [command, commandArgs] = pinned
    ? ['taskset', ['-c', ONE_CORE_CPUS, process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  const child = spawn(command, commandArgs, {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      ONRAMP_REST_PORT: String(restPort),
      ONRAMP_DATA_DIR: join(workDir, 'data'),
      ONRAMP_LOG_LEVEL: level,
      KAFKA_BROKERS: kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: schemaRegistryUrl,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  return child;
}

async function spawnDebezium(
  kind: SystemKind,
  restPort: number,
  workDir: string,
  level: string,
  heapMb: number,
) {
  await ensureDebezium();
  const worker = join(workDir, 'worker.properties');
  const log4j = join(workDir, 'log4j.properties');
  writeFileSync(worker, workerProperties(kind, restPort, workDir));
  writeFileSync(log4j, log4jProperties(level, join(workDir, 'connect.log')));
  const out = createWriteStream(join(workDir, 'connect.out'));
  const child = spawn(
    'java',
    [
      // Kafka's connect-*.sh start at -Xms256M; pinning -Xms to -Xmx would only inflate the RSS.
      '-Xms256m',
      `-Xmx${heapMb}m`,
      '-XX:+UseG1GC',
      '-Djava.awt.headless=true',
      `-Dlog4j.configuration=file:${log4j}`,
      '-cp',
      `${debeziumRuntimeDir()}/*`,
      'org.apache.kafka.connect.cli.ConnectStandalone',
      worker,
    ],
    { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  return child;
}

async function request(
  method: string,
  url: string,
  body?: unknown,
): Promise<{ status: number; text: string }> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

async function waitReady(
  child: ChildProcess,
  restUrl: string,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`${what} exited with ${child.exitCode} before its REST API answered`);
    try {
      // GET /connectors answers on both once the herder is up (Connect's root answers earlier).
      const { status } = await request('GET', `${restUrl}/connectors`);
      if (status === 200) return;
    } catch {}
    if (Date.now() > deadline) throw new Error(`${what} REST API did not answer within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Polls Onramp's /metrics once a second for prom-client's nodejs_heap_size_used_bytes (prefixed
 * onramp_process_ or onramp_, as the host names its default metrics) and keeps
 * the highest value: the V8 heap, apart from the RSS (which adds code, buffers and native memory).
 */
class HeapSampler {
  peakMb: number | undefined;
  private readonly timer: NodeJS.Timeout;
  private busy = false;

  constructor(restUrl: string) {
    this.timer = setInterval(() => void this.sample(restUrl), 1000);
    this.timer.unref();
  }

  private async sample(restUrl: string): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const text = await (await fetch(`${restUrl}/metrics`)).text();
      const match = /^onramp_(?:process_)?nodejs_heap_size_used_bytes(?:\{[^}]*\})? ([\d.e+]+)/m.exec(text);
      if (match) {
        const mb = Number(match[1]) / 2 ** 20;
        if (this.peakMb === undefined || mb > this.peakMb) this.peakMb = mb;
      }
    } catch {
      // Not up yet, or gone: the next sample tries again.
    } finally {
      this.busy = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export async function startSystem(kind: SystemKind, options: SystemOptions = {}): Promise<RunningSystem> {
  const level = options.logLevel ?? 'warn';
  const restPort = await freePort();
  mkdirSync(BENCH_HOME, { recursive: true });
  const workDir = mkdtempSync(join(BENCH_HOME, `${kind}-`));
  const child = isOnramp(kind)
    ? spawnOnramp(restPort, workDir, level, kind === 'onramp-1core')
    : await spawnDebezium(kind, restPort, workDir, level, options.heapMb ?? DEFAULT_HEAP_MB);
  const pid = child.pid ?? 0;
  const restUrl = `http://127.0.0.1:${restPort}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitReady(child, restUrl, options.startTimeoutMs ?? 120_000, kind);
  } catch (error) {
    await kill();
    throw new Error(`${error instanceof Error ? error.message : String(error)} (logs in ${workDir})`);
  }

  const heap = isOnramp(kind) ? new HeapSampler(restUrl) : undefined;

  const status = async (name: string): Promise<ConnectorState | undefined> => {
    const response = await request('GET', `${restUrl}/connectors/${encodeURIComponent(name)}/status`);
    if (response.status !== 200) return undefined;
    const body = JSON.parse(response.text) as {
      connector: { state: string };
      tasks: { id: number; state: string; trace?: string }[];
    };
    return { connector: body.connector.state, tasks: body.tasks };
  };

  return {
    kind,
    restUrl,
    pid,
    workDir,
    async createConnector(name, config, createOptions = {}) {
      const body =
        createOptions.initialState === undefined
          ? { name, config }
          : { name, config, initial_state: createOptions.initialState };
      const response = await request('POST', `${restUrl}/connectors`, body);
      if (response.status !== 201) {
        throw new Error(`${kind}: POST /connectors ${name} answered ${response.status}: ${response.text}`);
      }
    },
    async alterOffsets(name, offsets) {
      const url = `${restUrl}/connectors/${encodeURIComponent(name)}/offsets`;
      // A connector created STOPPED may still be settling into that state: retry a 400 briefly.
      const deadline = Date.now() + 30_000;
      for (;;) {
        const response = await request('PATCH', url, { offsets });
        if (response.status === 200) return;
        if (Date.now() > deadline || response.status !== 400) {
          throw new Error(`${kind}: PATCH offsets of ${name} answered ${response.status}: ${response.text}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async resume(name) {
      const response = await request('PUT', `${restUrl}/connectors/${encodeURIComponent(name)}/resume`);
      if (response.status !== 202 && response.status !== 204) {
        throw new Error(
          `${kind}: PUT /connectors/${name}/resume answered ${response.status}: ${response.text}`,
        );
      }
    },
    async deleteConnector(name) {
      const response = await request('DELETE', `${restUrl}/connectors/${encodeURIComponent(name)}`);
      if (response.status !== 204 && response.status !== 404) {
        throw new Error(`${kind}: DELETE /connectors/${name} answered ${response.status}: ${response.text}`);
      }
    },
    status,
    async waitRunning(name, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const state = await status(name);
        const failed = state?.tasks.find((task) => task.state === 'FAILED');
        if (state?.connector === 'FAILED' || failed) {
          throw new Error(`${kind}: connector ${name} FAILED: ${failed?.trace ?? ''}`.slice(0, 2000));
        }
        if (
          state?.connector === 'RUNNING' &&
          state.tasks.length > 0 &&
          state.tasks.every((t) => t.state === 'RUNNING')
        ) {
          return;
        }
        if (Date.now() > deadline)
          throw new Error(`${kind}: connector ${name} not RUNNING after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    usage() {
      return procUsage(pid) ?? { cpuSeconds: Number.NaN, peakRssMb: Number.NaN, rssMb: Number.NaN };
    },
    peakHeapUsedMb: () => heap?.peakMb,
    async stop(stopOptions = {}) {
      heap?.stop();
      await kill();
      if (!stopOptions.keepWorkDir) rmSync(workDir, { recursive: true, force: true });
    },
  };
}
