// Apache Kafka 3.9, the legacy broker: Onramp supports 3.9 as well as 4.x, so `up` runs both and CI
// tests both (KAFKA_LEGACY_BROKERS). Plaintext only, its own jars and data in <stack>/kafka-3.9, and a
// small heap: it carries test traffic only.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kafkaBroker } from './kafka-broker.ts';
import { legacyKafkaHome } from './kafka-paths.ts';

const LOG4J = `# Written by scripts/stack/kafka-legacy.ts. Everything goes to stdout, which the stack appends to logs/kafka-legacy.log.
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.org.apache.kafka.clients=WARN
`;

export const kafkaLegacy = kafkaBroker({
  name: 'kafka-legacy',
  title: 'Apache Kafka 3.9 (KRaft, legacy)',
  home: legacyKafkaHome,
  pom: join(dirname(fileURLToPath(import.meta.url)), 'kafka-legacy-pom.xml'),
  port: 19092,
  controllerPort: 19093,
  jvmOptions: ['-Xms128m', '-Xmx384m'],
  logging: {
    fileName: 'log4j.properties',
    text: LOG4J,
    jvmArgs: (path) => [`-Dlog4j.configuration=file:${path}`],
  },
});
