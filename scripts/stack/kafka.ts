// Apache Kafka 3.9 in KRaft mode (one node, broker and controller), from Maven Central jars run with
// the machine's Java 17. Data lives in <stack>/kafka/data, so topics survive a restart.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../../src/host/logger.ts';
import { createKafkaClient } from '../../src/kafka/kafka-client.ts';
import { aptInstall } from './apt.ts';
import { spawnDaemon, stopDaemon } from './daemon.ts';
import { STACK_ENV } from './endpoints.ts';
import { ensureDir, logFile, stackPath } from './layout.ts';
import { runCommand } from './run-command.ts';
import { say } from './say.ts';
import type { StackService } from './service.ts';
import { waitUntil } from './wait-until.ts';

const PORT = 9092;
const NAME = 'kafka';
const POM = join(dirname(fileURLToPath(import.meta.url)), 'kafka-pom.xml');

const home = () => stackPath('kafka');
const libs = () => join(home(), 'libs');
const dataDir = () => join(home(), 'data');
const serverProperties = () => join(home(), 'server.properties');
const log4jProperties = () => join(home(), 'log4j.properties');
const classpath = () => `${libs()}/*`;

function serverConfig(): string {
  return `# Written by scripts/stack/kafka.ts on every start; edit that file instead.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:9093
listeners=PLAINTEXT://127.0.0.1:${PORT},CONTROLLER://127.0.0.1:9093
advertised.listeners=PLAINTEXT://127.0.0.1:${PORT}
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=${dataDir()}
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
auto.create.topics.enable=true
num.partitions=1
group.initial.rebalance.delay.ms=0
`;
}

const LOG4J = `# Written by scripts/stack/kafka.ts. Everything goes to stdout, which the stack appends to logs/kafka.log.
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.org.apache.kafka.clients=WARN
`;

async function ensureTool(binary: string, what: string, packages: string[]): Promise<void> {
  try {
    await runCommand('sh', ['-c', `command -v ${binary}`]);
  } catch {
    await aptInstall(what, packages);
  }
}

async function install(): Promise<void> {
  await ensureTool('java', 'Java 17', ['openjdk-17-jre-headless']);
  ensureDir(home());
  const wanted = createHash('sha256').update(readFileSync(POM)).digest('hex');
  const stamp = join(libs(), '.pom-sha256');
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== wanted) {
    await ensureTool('mvn', 'Maven', ['maven']);
    say('resolving Kafka from Maven Central...');
    rmSync(libs(), { recursive: true, force: true });
    await runCommand('mvn', [
      '-q',
      '-B',
      '-f',
      POM,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${libs()}`,
      '-DincludeScope=runtime',
    ]);
    writeFileSync(stamp, wanted);
  }
  writeFileSync(serverProperties(), serverConfig());
  writeFileSync(log4jProperties(), LOG4J);
  if (existsSync(join(dataDir(), 'meta.properties'))) return;
  const idFile = join(home(), 'cluster-id');
  // A Kafka cluster id is 16 random bytes in URL-safe base64; kept so a re-format reuses it.
  if (!existsSync(idFile)) writeFileSync(idFile, randomBytes(16).toString('base64url'));
  say('Kafka: formatting the KRaft storage...');
  await runCommand('java', [
    '-cp',
    classpath(),
    `-Dlog4j.configuration=file:${log4jProperties()}`,
    'kafka.tools.StorageTool',
    'format',
    '-t',
    readFileSync(idFile, 'utf8').trim(),
    '-c',
    serverProperties(),
    '--ignore-formatted',
  ]);
}

async function start(): Promise<void> {
  writeFileSync(serverProperties(), serverConfig());
  writeFileSync(log4jProperties(), LOG4J);
  say(`Kafka: starting (log: ${logFile(NAME)})...`);
  const daemon = spawnDaemon(NAME, 'java', [
    '-Xms256m',
    '-Xmx768m',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${log4jProperties()}`,
    `-Dkafka.logs.dir=${stackPath('logs')}`,
    '-cp',
    classpath(),
    'kafka.Kafka',
    serverProperties(),
  ]);
  await waitUntil('Kafka answering a metadata request', isReady, {
    timeoutMs: 120_000,
    service: NAME,
    daemon,
  });
}

const silent = createLogger('silent');

async function isReady(): Promise<boolean> {
  // Our own client wrapper: same settings as the host, and it keeps kafkajs's Node 24 warning quiet.
  const kafka = createKafkaClient({
    brokers: [STACK_ENV.KAFKA_BROKERS],
    clientId: 'onramp-stack',
    log: silent,
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export const kafka: StackService = {
  name: NAME,
  title: 'Apache Kafka 3.9 (KRaft)',
  port: PORT,
  endpoint: STACK_ENV.KAFKA_BROKERS,
  get processMatch() {
    return serverProperties();
  },
  install,
  start,
  isReady,
  stop: () => stopDaemon(NAME, serverProperties()),
};
