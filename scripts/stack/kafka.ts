// Apache Kafka 4.4 in KRaft mode, the stack's default broker (jars from Maven Central, run with the
// machine's Java 17: Kafka 4.x brokers need 17 or newer, and 4.4's classes are Java 17 bytecode).
// kafkajs 2.2.4 works against it: the old protocol versions Kafka 4 removed (KIP-896) lie below the
// ones kafkajs negotiates through ApiVersions (checked with admin, idempotent produce, consumer groups
// and every SASL mechanism here, see test/integration/stack.test.ts). Listeners, all on 127.0.0.1:
//   9092 PLAINTEXT   clients, readiness, tools, inter-broker        (KAFKA_BROKERS)
//   9093 SASL_SSL    SCRAM-SHA-512/256, PLAIN, OAUTHBEARER          (KAFKA_SECURE_BROKERS)
//   9095 SSL         client certificate required (mTLS)             (KAFKA_MTLS_BROKERS)
//   9096 SSL         certificate for another host name              (KAFKA_MISNAMED_BROKERS)
//   9097 CONTROLLER  KRaft (moved from 9093, which the 3.9-only stack used)
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ownedPid, stopDaemon } from './daemon.ts';
import { STACK_ENV } from './endpoints.ts';
import { kafkaBroker } from './kafka-broker.ts';
import { kafkaHome } from './kafka-paths.ts';
import { ensureScramUser, SASL_USERNAME, saslPassword, scramFormatArgs } from './kafka-sasl.ts';
import { ensureKafkaTls, tlsFiles } from './kafka-tls.ts';
import { stackPath } from './layout.ts';
import { say } from './say.ts';

const NAME = 'kafka';

// Kafka 4 logs through log4j2. The root level can be lowered per JVM (-Donramp.kafka.log.level=WARN)
// so that command-line tools print only what matters.
const LOG4J2 = `# Written by scripts/stack/kafka.ts. Everything goes to stdout, which the stack appends to logs/kafka.log.
status = warn
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = \${sys:onramp.kafka.log.level:-INFO}
rootLogger.appenderRef.stdout.ref = STDOUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.stateChange.name = state.change.logger
logger.stateChange.level = WARN
logger.cleaner.name = kafka.log.LogCleaner
logger.cleaner.level = WARN
logger.clients.name = org.apache.kafka.clients
logger.clients.level = WARN
`;

/** Quoted for a JAAS config line (the generated passwords are base64url, this is belt and braces). */
const jaasQuoted = (value: string) => `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;

function securityConfig(): string {
  const pemKeystore = (prefix: string, file: string) =>
    `${prefix}ssl.keystore.type=PEM\n${prefix}ssl.keystore.location=${file}`;
  return `
# TLS: PEM files from scripts/stack/kafka-tls.ts; the same CA signs the broker and client certificates.
${pemKeystore('', tlsFiles().brokerKeystore)}
ssl.truststore.type=PEM
ssl.truststore.location=${tlsFiles().ca}
# SASL_SSL (9093). SCRAM credentials live in the metadata log (scripts/stack/kafka-sasl.ts); PLAIN
# checks the same user and password against this file.
sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256,PLAIN,OAUTHBEARER
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${SASL_USERNAME}=${jaasQuoted(saslPassword())};
# OAUTHBEARER with no server callback handler set: Kafka's default, unsecured validator, which accepts
# an unsigned JWT ({"alg":"none"}) carrying sub and exp and makes sub the principal. Fine for a
# loopback test broker, never for anything else; checked to still be the default on 4.4.0.
listener.name.sasl_ssl.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;
# mTLS (9095): a client certificate signed by the CA is required.
listener.name.mtls.ssl.client.auth=required
# 9096: same CA, but a certificate naming only wrong-host.onramp.invalid.
${pemKeystore('listener.name.misnamed.', tlsFiles().misnamedKeystore)}
`;
}

/**
 * Before 4.4 became the default, the stack ran Kafka 3.9 from <stack>/kafka under this same pid file
 * and with its controller on 9093. Stop that broker so that 4.4 can take the ports; its folder is left
 * as it was (the legacy broker runs from its own, <stack>/kafka-3.9) and may be deleted.
 */
async function stopPreviousLayoutBroker(): Promise<void> {
  const previous = stackPath('kafka', 'server.properties');
  if (ownedPid(NAME, previous) === undefined) return;
  say(`Kafka 3.9 from ${stackPath('kafka')} (the stack's broker before 4.4): stopping it...`);
  await stopDaemon(NAME, previous);
}

const POM = join(dirname(fileURLToPath(import.meta.url)), 'kafka-pom.xml');

export const kafka = kafkaBroker({
  name: NAME,
  title: 'Apache Kafka 4.4 (KRaft)',
  home: kafkaHome,
  pom: POM,
  port: 9092,
  controllerPort: 9097,
  listeners: [
    { name: 'SASL_SSL', port: 9093, protocol: 'SASL_SSL' },
    { name: 'MTLS', port: 9095, protocol: 'SSL' },
    { name: 'MISNAMED', port: 9096, protocol: 'SSL' },
  ],
  jvmOptions: ['-Xms256m', '-Xmx768m'],
  logging: {
    fileName: 'log4j2.properties',
    text: LOG4J2,
    jvmArgs: (path, quiet) => [
      `-Dlog4j2.configurationFile=${path}`,
      ...(quiet ? ['-Donramp.kafka.log.level=WARN'] : []),
    ],
  },
  extraConfig: securityConfig,
  releasePorts: stopPreviousLayoutBroker,
  prepare: ensureKafkaTls,
  formatArgs: scramFormatArgs,
  afterReady: () =>
    ensureScramUser(
      STACK_ENV.KAFKA_SECURE_BROKERS,
      async (args) => {
        await kafka.runTool('org.apache.kafka.tools.ConfigCommand', args);
      },
      NAME,
    ),
});
