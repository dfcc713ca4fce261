// What the two local Kafka brokers (4.4, the default, and 3.9, the legacy one) share: jars resolved
// from Maven Central by a pom into <home>/libs, a KRaft data folder formatted once (<home>/data, so
// topics survive restarts), one JVM that is broker and controller at once, every listener bound to
// 127.0.0.1, and readiness as a real metadata request on the plaintext listener.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { plaintextConnection } from '../../src/kafka/client-properties.ts';
import { TopicAdmin } from '../../src/kafka/topic-admin.ts';
import { ensureCommand } from './apt.ts';
import { spawnDaemon, stopDaemon } from './daemon.ts';
import { ensureDir, logFile, stackPath } from './layout.ts';
import { runCommand } from './run-command.ts';
import { say } from './say.ts';
import type { StackService } from './service.ts';
import { waitUntil } from './wait-until.ts';

export interface Listener {
  /** Kafka's listener name; per-listener settings use it lower-cased (listener.name.<name>.*). */
  name: string;
  port: number;
  protocol: 'PLAINTEXT' | 'SSL' | 'SASL_SSL';
}

/** The broker's logging library and its config file (log4j 1 for Kafka 3.x, log4j2 for 4.x). */
export interface LogSetup {
  fileName: string;
  text: string;
  /** JVM flags that point the library at `path`; `quiet` for command-line tools (warnings only). */
  jvmArgs(path: string, quiet: boolean): string[];
}

export interface BrokerSpec {
  /** logs/<name>.log, run/<name>.pid. */
  name: string;
  title: string;
  home: () => string;
  /** Lists kafka_2.13 and what else goes into libs/; its hash decides when to resolve again. */
  pom: string;
  /** PLAINTEXT: clients, readiness, tools and the inter-broker traffic. */
  port: number;
  controllerPort: number;
  /** Client listeners beside PLAINTEXT. */
  listeners?: Listener[];
  jvmOptions: string[];
  logging: LogSetup;
  /** More server.properties lines (TLS, SASL); may hold secrets, so the file is private. */
  extraConfig?: () => string;
  /**
   * Runs last in install, just before the stack checks that the ports are free: stops what an older
   * stack layout left running on them (as late as possible, so its users lose it only briefly).
   */
  releasePorts?: () => Promise<void>;
  /** Runs before every start: files that extraConfig refers to. */
  prepare?: () => Promise<void>;
  /** More arguments for `kafka-storage format` (e.g. --add-scram) when the data folder is new. */
  formatArgs?: () => string[];
  /** Runs after every start once the broker answers (e.g. users that must exist). */
  afterReady?: () => Promise<void>;
}

export interface KafkaBroker extends StackService {
  /** Runs a Kafka command-line tool (e.g. ConfigCommand) against this broker's plaintext listener. */
  runTool(mainClass: string, args: string[]): Promise<string>;
}

export function kafkaBroker(spec: BrokerSpec): KafkaBroker {
  const libs = () => join(spec.home(), 'libs');
  const dataDir = () => join(spec.home(), 'data');
  const serverProperties = () => join(spec.home(), 'server.properties');
  const logConfig = () => join(spec.home(), spec.logging.fileName);
  const classpath = () => `${libs()}/*`;
  const plaintext = `127.0.0.1:${spec.port}`;
  const java = (quiet: boolean, mainClass: string, args: string[]) => [
    ...spec.logging.jvmArgs(logConfig(), quiet),
    '-cp',
    classpath(),
    mainClass,
    ...args,
  ];

  function serverConfig(): string {
    const clients: Listener[] = [
      { name: 'PLAINTEXT', port: spec.port, protocol: 'PLAINTEXT' },
      ...(spec.listeners ?? []),
    ];
    const all: Listener[] = [
      ...clients,
      { name: 'CONTROLLER', port: spec.controllerPort, protocol: 'PLAINTEXT' },
    ];
    const list = (listeners: Listener[]) =>
      listeners.map((listener) => `${listener.name}://127.0.0.1:${listener.port}`).join(',');
    return `# Written by scripts/stack/kafka-broker.ts on every start; edit the scripts instead.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${spec.controllerPort}
listeners=${list(all)}
advertised.listeners=${list(clients)}
controller.listener.names=CONTROLLER
listener.security.protocol.map=${all.map((listener) => `${listener.name}:${listener.protocol}`).join(',')}
inter.broker.listener.name=PLAINTEXT
log.dirs=${dataDir()}
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
auto.create.topics.enable=true
num.partitions=1
group.initial.rebalance.delay.ms=0
${spec.extraConfig?.() ?? ''}`;
  }

  function writeConfig(): void {
    writeFileSync(serverProperties(), serverConfig(), { mode: 0o600 });
    chmodSync(serverProperties(), 0o600);
    writeFileSync(logConfig(), spec.logging.text);
  }

  async function resolveJars(): Promise<void> {
    const wanted = createHash('sha256').update(readFileSync(spec.pom)).digest('hex');
    const stamp = join(libs(), '.pom-sha256');
    if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return;
    await ensureCommand('mvn', 'Maven', ['maven']);
    say(`${spec.title}: resolving its jars from Maven Central...`);
    rmSync(libs(), { recursive: true, force: true });
    await runCommand('mvn', [
      '-q',
      '-B',
      '-f',
      spec.pom,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${libs()}`,
      '-DincludeScope=runtime',
    ]);
    writeFileSync(stamp, wanted);
  }

  async function install(): Promise<void> {
    await ensureCommand('java', 'Java 17', ['openjdk-17-jre-headless']);
    ensureDir(spec.home());
    await resolveJars();
    writeConfig();
    if (!existsSync(join(dataDir(), 'meta.properties'))) await format();
    await spec.releasePorts?.();
  }

  async function format(): Promise<void> {
    const idFile = join(spec.home(), 'cluster-id');
    // A Kafka cluster id is 16 random bytes in URL-safe base64; kept so a re-format reuses it.
    if (!existsSync(idFile)) writeFileSync(idFile, randomBytes(16).toString('base64url'));
    say(`${spec.title}: formatting the KRaft storage...`);
    await runCommand(
      'java',
      java(true, 'kafka.tools.StorageTool', [
        'format',
        '-t',
        readFileSync(idFile, 'utf8').trim(),
        '-c',
        serverProperties(),
        '--ignore-formatted',
        ...(spec.formatArgs?.() ?? []),
      ]),
    );
  }

  async function isReady(): Promise<boolean> {
    // The host's own admin client: same settings as the host.
    const admin = new TopicAdmin(plaintextConnection([plaintext], 'onramp-stack'));
    try {
      await admin.clusterId();
      return (await admin.brokerCount()) > 0;
    } catch {
      return false;
    } finally {
      await admin.close();
    }
  }

  async function start(): Promise<void> {
    await spec.prepare?.();
    writeConfig();
    say(`${spec.title}: starting (log: ${logFile(spec.name)})...`);
    const daemon = spawnDaemon(spec.name, 'java', [
      ...spec.jvmOptions,
      '-Djava.awt.headless=true',
      `-Dkafka.logs.dir=${stackPath('logs')}`,
      ...java(false, 'kafka.Kafka', [serverProperties()]),
    ]);
    await waitUntil(`${spec.title} answering a metadata request`, isReady, {
      timeoutMs: 120_000,
      service: spec.name,
      daemon,
    });
    await spec.afterReady?.();
  }

  return {
    name: spec.name,
    title: spec.title,
    port: spec.port,
    endpoint: plaintext,
    get processMatch() {
      return serverProperties();
    },
    install,
    start,
    isReady,
    stop: () => stopDaemon(spec.name, serverProperties()),
    runTool: (mainClass, args) =>
      runCommand('java', java(true, mainClass, ['--bootstrap-server', plaintext, ...args])),
  };
}
