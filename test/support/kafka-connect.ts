import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import {
  BENCH_HOME,
  debeziumPluginDir,
  debeziumRuntimeDir,
  ensureDebezium,
  installedDebeziumStamp,
} from '../../bench/lib/debezium-install.ts';
import { parseDistributedConfig } from '../../src/cluster/distributed-config.ts';
import { KafkaOffsetStore } from '../../src/cluster/kafka-offset-store.ts';
import { KafkaTopicLog } from '../../src/kafka/kafka-topic-log.ts';
import { KafkaRecordConsumer } from '../../src/kafka/record-consumer.ts';
import { TopicAdmin } from '../../src/kafka/topic-admin.ts';
import type { IncomingMessage } from '../../src/kafka/types.ts';
import type { SourceOffsetEntry } from '../../src/plugin/index.ts';
import { freePort } from './host-process.ts';
import { readTopic, testConnection } from './runtime/kafka-reader.ts';
import { services } from './services.ts';
import { waitFor } from './wait-for.ts';

// A real Apache Kafka Connect 3.9 distributed worker (ConnectDistributed) with the Debezium
// PostgreSQL, MySQL and MariaDB connectors (Debezium 3 reads a MariaDB server only with the latter), for tests that check Onramp against Kafka Connect itself. The jars
// are the benchmarks' install (bench/debezium/pom.xml from Maven Central, cached under
// /var/tmp/onramp-bench); every worker gets its own group and internal topics, so tests never share
// a cluster by accident.
//
// Start-up is kept short on a busy machine by three things, each measured on 2 shared cores:
// - plugin.discovery=service_load: Connect reads the plugins' ServiceLoader manifests instead of
//   scanning every class (1-2 s instead of 15 s for the two Debezium plugins);
// - plugin.path holds only the plugins tests use (a folder of links into the install);
// - an application class-data-sharing archive (AppCDS), written by the first worker at its exit and
//   mapped by every later one: REST ready in 4-7 s instead of 14-18 s. The JVM checks the archive
//   against its class path and its own build and runs without it when they differ.

const CONNECT_HOME = join(BENCH_HOME, 'kafka-connect');
const PLUGINS: readonly ('postgres' | 'mysql' | 'mariadb')[] = ['postgres', 'mysql', 'mariadb'];

/** JVM flags of every worker: a small heap and the C1 compiler only (tests need start-up, not peak speed). */
const JVM_FLAGS = [
  '-Xms64m',
  '-Xmx512m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-Djava.awt.headless=true',
];

/** Workers still running: killed when the test process exits, so that no JVM outlives its test run. */
const liveWorkers = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of liveWorkers) child.kill('SIGKILL');
});

export interface KafkaConnectTopics {
  config: string;
  offset: string;
  status: string;
}

/** A group id and internal topic names of its own, as a Kafka Connect cluster is configured. */
export interface KafkaConnectCluster {
  groupId: string;
  topics: KafkaConnectTopics;
}

/** A fresh cluster identity: `label` makes the topics easy to find in Kafka while a test runs. */
export function uniqueConnectCluster(label: string): KafkaConnectCluster {
  const run = `${label}-${randomUUID().slice(0, 8)}`;
  return {
    groupId: `connect-${run}`,
    topics: {
      config: `${run}-connect-configs`,
      offset: `${run}-connect-offsets`,
      status: `${run}-connect-status`,
    },
  };
}

/** The worker properties Kafka Connect's own names use for a cluster (what Onramp's distributed mode reads too). */
export function clusterProperties(
  cluster: KafkaConnectCluster,
  brokers: readonly string[],
): Record<string, string> {
  return {
    'bootstrap.servers': brokers.join(','),
    'group.id': cluster.groupId,
    'config.storage.topic': cluster.topics.config,
    'offset.storage.topic': cluster.topics.offset,
    'status.storage.topic': cluster.topics.status,
    // The stack has one broker.
    'config.storage.replication.factor': '1',
    'offset.storage.replication.factor': '1',
    'status.storage.replication.factor': '1',
  };
}

export interface KafkaConnectOptions {
  cluster: KafkaConnectCluster;
  /** Default: the test services' Kafka. */
  brokers?: readonly string[];
  /** More worker properties, overriding the defaults. */
  properties?: Record<string, string>;
  /** How long the worker may take until /health answers healthy (default 180 s). */
  startTimeoutMs?: number;
}

export interface KafkaConnectStatus {
  name: string;
  connector: { state: string; worker_id: string; trace?: string };
  tasks: { id: number; state: string; worker_id: string; trace?: string }[];
  type?: string;
}

export interface KafkaConnectWorker {
  url: string;
  pid: number;
  /** Config, log and worker.properties of this worker. */
  workDir: string;
  /** Milliseconds from spawning the JVM to /health answering healthy. */
  startMs: number;
  /** Whether this JVM mapped the class-data archive (false for the one that writes it). */
  usedClassArchive: boolean;
  // biome-ignore lint/suspicious/noExplicitAny: REST bodies are checked field by field in tests
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** PUT /connectors/{name}/config; resolves once Connect answered 201 (retries its 409 while it rebalances). */
  createConnector(name: string, config: Record<string, string>): Promise<void>;
  /** Polls GET /connectors/{name}/status until the connector (and, if given, every task) is in the state. */
  waitForState(
    name: string,
    connectorState: string,
    taskState?: string,
    timeoutMs?: number,
  ): Promise<KafkaConnectStatus>;
  /** The last lines of the worker's log, for a failure message. */
  logTail(lines?: number): string;
  /**
   * SIGTERM, as an operator stops a worker: Connect stops its tasks, commits their offsets, leaves
   * the group and exits. Rejects if it is not gone within `timeoutMs` (it is then killed).
   */
  stop(timeoutMs?: number): Promise<void>;
  /** SIGKILL. */
  kill(): Promise<void>;
}

function log4jProperties(logFile: string): string {
  return `log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=${logFile}
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.org.reflections=ERROR
log4j.logger.org.apache.kafka.clients=WARN
`;
}

/** A plugin.path folder with links to only the plugins tests use (each plugin keeps its own class loader). */
function pluginPath(): string {
  const folder = join(CONNECT_HOME, 'plugins');
  mkdirSync(folder, { recursive: true });
  for (const plugin of PLUGINS) {
    const link = join(folder, plugin);
    if (!existsSync(link)) {
      try {
        symlinkSync(debeziumPluginDir(plugin), link, 'dir');
      } catch (error) {
        // Another worker made it at the same moment.
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
  }
  return folder;
}

/** The class-data archive for this install and these flags (a new install makes a new one). */
function classArchivePath(stamp: string): string {
  const key = createHash('sha256')
    .update(stamp)
    .update(JVM_FLAGS.join(' '))
    .update(statSync(debeziumRuntimeDir()).mtimeMs.toString())
    .digest('hex')
    .slice(0, 16);
  return join(CONNECT_HOME, `connect-${key}.jsa`);
}

function propertiesText(properties: Record<string, string>): string {
  // Java properties: backslashes and line breaks would need escaping; none of ours have any.
  return `${Object.entries(properties)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n')}\n`;
}

/**
 * How long a first install may take: Maven resolves Kafka Connect and four Debezium plugins (~150 MB)
 * from Maven Central on a fresh machine. Later runs find them cached and return at once.
 */
export const KAFKA_CONNECT_INSTALL_TIMEOUT_MS = 20 * 60_000;

/**
 * Installs Kafka Connect and the Debezium plugins when missing (Java and Maven from Debian too).
 * Call it from beforeAll with KAFKA_CONNECT_INSTALL_TIMEOUT_MS, so that a first install is not
 * counted against a test's own timeout.
 */
export async function ensureKafkaConnect(): Promise<void> {
  await ensureDebezium((line) => process.stderr.write(`${line}\n`));
}

export async function startKafkaConnect(options: KafkaConnectOptions): Promise<KafkaConnectWorker> {
  await ensureKafkaConnect();
  const stamp = installedDebeziumStamp();
  if (stamp === undefined) throw new Error('the Kafka Connect install is missing after ensureDebezium');
  mkdirSync(CONNECT_HOME, { recursive: true });
  const workDir = mkdtempSync(join(CONNECT_HOME, 'worker-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const brokers = options.brokers ?? services().kafkaBrokers;
  const properties: Record<string, string> = {
    ...clusterProperties(options.cluster, brokers),
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    listeners: url,
    'rest.advertised.host.name': '127.0.0.1',
    'rest.advertised.port': String(port),
    'plugin.path': pluginPath(),
    'plugin.discovery': 'service_load',
    // Offsets reach the topic within a second, so tests wait briefly for them.
    'offset.flush.interval.ms': '1000',
    ...options.properties,
  };
  const workerFile = join(workDir, 'worker.properties');
  const logFile = join(workDir, 'connect.log');
  const log4jFile = join(workDir, 'log4j.properties');
  writeFileSync(workerFile, propertiesText(properties));
  writeFileSync(log4jFile, log4jProperties(logFile));

  const archive = classArchivePath(stamp);
  const usedClassArchive = existsSync(archive);
  const archiveDraft = `${archive}.${process.pid}-${port}.tmp`;
  const child: ChildProcess = spawn(
    'java',
    [
      ...JVM_FLAGS,
      usedClassArchive ? `-XX:SharedArchiveFile=${archive}` : `-XX:ArchiveClassesAtExit=${archiveDraft}`,
      // The JVM's CDS warnings (old class versions it skips) are noise.
      '-Xlog:cds=off',
      '-Xlog:cds+dynamic=off',
      `-Dlog4j.configuration=file:${log4jFile}`,
      '-cp',
      `${debeziumRuntimeDir()}/*`,
      'org.apache.kafka.connect.cli.ConnectDistributed',
      workerFile,
    ],
    { cwd: workDir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  liveWorkers.add(child);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      liveWorkers.delete(child);
      resolve();
    }),
  );
  const started = performance.now();

  const logTail = (lines = 40): string => {
    const text = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
    return `${text.trimEnd().split('\n').slice(-lines).join('\n')}\n${stderr}`.trim();
  };

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      ...(body !== undefined && {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {}
    return { status: response.status, body: parsed as never };
  };

  const promoteArchive = () => {
    if (usedClassArchive) return;
    try {
      if (existsSync(archiveDraft) && statSync(archiveDraft).size > 0) renameSync(archiveDraft, archive);
    } finally {
      rmSync(archiveDraft, { force: true });
    }
  };

  const removeWorkDir = () => {
    if (!process.env.ONRAMP_KEEP_CONNECT_LOGS) rmSync(workDir, { recursive: true, force: true });
  };
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    rmSync(archiveDraft, { force: true });
    removeWorkDir();
  };

  try {
    // KIP-1017 (3.9): /health is 200 once the worker joined its group and read the config topic.
    await waitFor(
      'Kafka Connect to answer /health',
      async () => {
        if (child.exitCode !== null) throw new Error(`Kafka Connect exited with ${child.exitCode}`);
        return (await call('GET', '/health')).status === 200;
      },
      { timeoutMs: options.startTimeoutMs ?? 180_000, intervalMs: 100 },
    );
  } catch (error) {
    const tail = logTail();
    await kill();
    throw new Error(`${error instanceof Error ? error.message : String(error)} (${workDir}):\n${tail}`);
  }
  const startMs = Math.round(performance.now() - started);

  return {
    url,
    pid: child.pid ?? 0,
    workDir,
    startMs,
    usedClassArchive,
    call,
    logTail,
    async createConnector(name, config) {
      await waitFor(
        `Kafka Connect to create ${name}`,
        async () => {
          const response = await call('PUT', `/connectors/${encodeURIComponent(name)}/config`, config);
          if (response.status === 201 || response.status === 200) return true;
          // 409: a rebalance is in progress; the request is repeated.
          if (response.status === 409) return false;
          throw new Error(
            `PUT /connectors/${name}/config answered ${response.status}: ${JSON.stringify(response.body)}`,
          );
        },
        { timeoutMs: 60_000, intervalMs: 250 },
      );
    },
    async waitForState(name, connectorState, taskState, timeoutMs = 90_000) {
      let last: unknown;
      try {
        return await waitFor(
          `${name} ${connectorState}${taskState ? `/${taskState}` : ''} on Kafka Connect`,
          async () => {
            const response = await call('GET', `/connectors/${encodeURIComponent(name)}/status`);
            last = response.body;
            if (response.status !== 200) return false;
            const status = response.body as KafkaConnectStatus;
            const failed = [status.connector, ...status.tasks].find((entry) => entry.state === 'FAILED');
            if (failed && connectorState !== 'FAILED' && taskState !== 'FAILED')
              throw new Error(`FAILED: ${failed.trace?.slice(0, 1500)}`);
            const tasksOk =
              taskState === undefined ||
              (status.tasks.length > 0 && status.tasks.every((task) => task.state === taskState));
            return status.connector.state === connectorState && tasksOk ? status : false;
          },
          { timeoutMs, intervalMs: 200 },
        );
      } catch (error) {
        throw new Error(
          `${error instanceof Error ? error.message : String(error)}; last status ${JSON.stringify(last)}\n${logTail(20)}`,
        );
      }
    },
    async stop(timeoutMs = 90_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const inTime = await Promise.race([
        exited.then(() => true),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (!inTime) {
        const tail = logTail();
        await kill();
        throw new Error(`Kafka Connect did not stop within ${timeoutMs} ms after SIGTERM:\n${tail}`);
      }
      promoteArchive();
      removeWorkDir();
    },
    kill,
  };
}

/**
 * Debezium's PostgreSQL connector for the test database, as a Kafka Connect user would configure it
 * for a migration: its own slot and publication, JSON with schemas in the connector config (so
 * whoever runs it next uses the same converter), and the slot kept when a task stops.
 */
export function debeziumPostgresConfig(prefix: string, tables: string): Record<string, string> {
  const url = new URL(services().pgUrl);
  return {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'tasks.max': '1',
    'database.hostname': url.hostname,
    'database.port': url.port || '5432',
    'database.user': decodeURIComponent(url.username),
    'database.password': decodeURIComponent(url.password),
    'database.dbname': url.pathname.slice(1),
    'topic.prefix': prefix,
    'plugin.name': 'pgoutput',
    'slot.name': prefix,
    'publication.name': prefix,
    'publication.autocreate.mode': 'filtered',
    'table.include.list': tables,
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'key.converter.schemas.enable': 'true',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter.schemas.enable': 'true',
  };
}

/**
 * Debezium's MariaDB connector for the test MariaDB, capturing `tables` of `database`: its schema
 * history in a topic of its own (<prefix>.history), JSON with schemas in the connector config.
 */
export function debeziumMariadbConfig(
  prefix: string,
  database: string,
  tables: string,
  serverId: number,
): Record<string, string> {
  const url = new URL(services().mysqlUrl);
  return {
    'connector.class': 'io.debezium.connector.mariadb.MariaDbConnector',
    'tasks.max': '1',
    'database.hostname': url.hostname,
    'database.port': url.port || '3306',
    'database.user': decodeURIComponent(url.username),
    'database.password': decodeURIComponent(url.password),
    'database.server.id': String(serverId),
    'topic.prefix': prefix,
    'database.include.list': database,
    'table.include.list': tables,
    'include.schema.changes': 'false',
    'schema.history.internal.kafka.bootstrap.servers': services().kafkaBrokers.join(','),
    'schema.history.internal.kafka.topic': `${prefix}.history`,
    'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'key.converter.schemas.enable': 'true',
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter.schemas.enable': 'true',
  };
}

/** A Debezium change event as the JSON converter (schemas on) writes it, reduced to what tests check. */
export interface JsonChangeEvent {
  topic: string;
  partition: number;
  offset: string;
  key: Record<string, unknown> | null;
  /** null for a tombstone. */
  op: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  source: Record<string, unknown> | null;
}

function jsonPayload(bytes: Buffer | null): Record<string, unknown> | null {
  if (bytes === null || bytes.length === 0) return null;
  const parsed = JSON.parse(bytes.toString('utf8')) as { payload?: unknown };
  return (parsed.payload ?? null) as Record<string, unknown> | null;
}

function jsonChangeEvent(message: IncomingMessage): JsonChangeEvent {
  const value = jsonPayload(message.value);
  return {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    key: jsonPayload(message.key),
    op: (value?.op as string | undefined) ?? null,
    before: (value?.before ?? null) as Record<string, unknown> | null,
    after: (value?.after ?? null) as Record<string, unknown> | null,
    source: (value?.source ?? null) as Record<string, unknown> | null,
  };
}

/** Every event of `topic` from its beginning, once at least `count` arrived (tombstones included). */
export async function readJsonEvents(
  topic: string,
  count: number,
  timeoutMs = 60_000,
): Promise<JsonChangeEvent[]> {
  return (await readTopic(topic, count, timeoutMs)).map(jsonChangeEvent);
}

export interface JsonEventCollector {
  /** Every event read so far, in topic order (one partition). */
  readonly events: JsonChangeEvent[];
  /** The raw JSON (schema and payload) of the value of the event at `index`. */
  rawValue(index: number): unknown;
  close(): Promise<void>;
}

/** Reads `topic` from its beginning into `events` until closed, for tests that wait on what arrived. */
export async function collectJsonEvents(topic: string): Promise<JsonEventCollector> {
  const messages: IncomingMessage[] = [];
  const events: JsonChangeEvent[] = [];
  const consumer = new KafkaRecordConsumer(
    testConnection(),
    { groupId: `collector-${randomUUID()}`, topics: [topic] },
    { autoOffsetReset: 'earliest', metadataMaxAgeMs: 500 },
  );
  await consumer.connect();
  const running = consumer.run(async (batch) => {
    for (const message of batch.messages) {
      messages.push(message);
      events.push(jsonChangeEvent(message));
    }
    return true;
  });
  return {
    events,
    rawValue: (index) => {
      const value = messages[index]?.value;
      return value ? JSON.parse(value.toString('utf8')) : null;
    },
    async close() {
      await consumer.close();
      await running.catch(() => undefined);
    },
  };
}

/**
 * WARN and ERROR lines Connect logged about its internal topics (its storage classes): a record it
 * could not read — e.g. one Onramp wrote in a format Connect does not take — shows up here.
 */
export function storageErrors(worker: KafkaConnectWorker): string[] {
  const log = readFileSync(join(worker.workDir, 'connect.log'), 'utf8');
  return log
    .split('\n')
    .filter((line) => /\] (WARN|ERROR) /.test(line) && /\(org\.apache\.kafka\.connect\.storage\./.test(line));
}

/**
 * The source offsets a Kafka Connect cluster stored for `connector`, read from its offsets topic as
 * an Onramp worker reads them (src/cluster's KafkaOffsetStore): what Connect left, also after a crash.
 */
export async function storedConnectOffsets(
  cluster: KafkaConnectCluster,
  connector: string,
): Promise<SourceOffsetEntry[]> {
  const parsed = parseDistributedConfig(clusterProperties(cluster, services().kafkaBrokers));
  if (!parsed.config) throw new Error(JSON.stringify(parsed.errors));
  const connection = testConnection();
  const admin = new TopicAdmin(connection);
  const store = new KafkaOffsetStore({
    log: new KafkaTopicLog({ connection, admin, spec: parsed.config.offsetTopic }),
  });
  try {
    await store.start();
    return store.get(connector);
  } finally {
    await store.stop();
    await admin.close();
  }
}
