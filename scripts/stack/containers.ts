// The same services as testcontainers, for machines with a Docker engine (never this one, so this
// path is best effort and untested here). The local stack stays the default: see test/support/global-setup.ts.
import { createServer } from 'node:net';
import type { StartedNetwork } from 'testcontainers';
import type { TestEnv } from './endpoints.ts';

export interface Containers {
  /** Without the secured listeners of the local stack's 4.4 broker (no generated certificates here). */
  env: TestEnv;
  stop(): Promise<void>;
}

/** True when a container engine answers; rejects within milliseconds when there is none. */
export async function containerEngineAnswers(): Promise<boolean> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  return await getContainerRuntimeClient().then(
    () => true,
    () => false,
  );
}

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** One KRaft node: PLAINTEXT for the host, INTERNAL (<alias>:19092) for containers and the broker itself. */
async function kafkaContainer(
  image: string,
  host: string,
  hostPort: number,
  network: StartedNetwork,
  alias: string,
) {
  const { GenericContainer, Wait } = await import('testcontainers');
  return await new GenericContainer(image)
    .withNetwork(network)
    .withNetworkAliases(alias)
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093,INTERNAL://:19092',
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${host}:${hostPort},INTERNAL://${alias}:19092`,
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,INTERNAL:PLAINTEXT',
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_INTER_BROKER_LISTENER_NAME: 'INTERNAL',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_NUM_PARTITIONS: '1',
    })
    .withExposedPorts({ container: 9092, host: hostPort })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .start();
}

export async function containersUp(): Promise<Containers> {
  const { GenericContainer, Network, Wait, getContainerRuntimeClient } = await import('testcontainers');
  const host = (await getContainerRuntimeClient()).info.containerRuntime.host;
  const network = await new Network().start();
  const postgres = new GenericContainer('postgres:15')
    .withEnvironment({ POSTGRES_USER: 'onramp', POSTGRES_PASSWORD: 'onramp', POSTGRES_DB: 'onramp' })
    .withCommand([
      'postgres',
      '-c',
      'wal_level=logical',
      '-c',
      'max_replication_slots=32',
      '-c',
      'max_wal_senders=32',
    ])
    .withExposedPorts(5432)
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .start();
  const mariadb = new GenericContainer('mariadb:10.11')
    .withEnvironment({
      MARIADB_ROOT_PASSWORD: 'onramp',
      MARIADB_USER: 'onramp',
      MARIADB_PASSWORD: 'onramp',
      MARIADB_DATABASE: 'onramp',
    })
    .withCommand([
      '--server-id=1',
      '--log-bin=mysql-bin',
      '--binlog-format=ROW',
      '--binlog-row-image=FULL',
      '--binlog-row-metadata=FULL',
    ])
    .withExposedPorts(3306)
    .withWaitStrategy(Wait.forLogMessage(/ready for connections/, 2))
    .start();
  // Kafka must advertise the address clients use, so its host port is chosen before it starts.
  const kafkaPort = await freePort();
  const legacyPort = await freePort();
  const kafka = kafkaContainer('apache/kafka:4.4.0', host, kafkaPort, network, 'kafka');
  // The legacy broker: Kafka 3.9 stays supported, so tests run against both (KAFKA_LEGACY_BROKERS).
  const legacy = kafkaContainer('apache/kafka:3.9.1', host, legacyPort, network, 'kafka-legacy');
  const started = await Promise.all([postgres, mariadb, kafka, legacy]);
  const [pg, maria, broker, legacyBroker] = started;
  // The image grants its user only its database; CDC needs replication rights on the server.
  await maria.exec([
    'mariadb',
    '-uroot',
    '-ponramp',
    '-e',
    "GRANT ALL PRIVILEGES ON *.* TO 'onramp'@'%' WITH GRANT OPTION",
  ]);
  const registry = await new GenericContainer('confluentinc/cp-schema-registry:7.7.1')
    .withNetwork(network)
    .withEnvironment({
      SCHEMA_REGISTRY_HOST_NAME: 'schema-registry',
      SCHEMA_REGISTRY_LISTENERS: 'http://0.0.0.0:8081',
      SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS: 'PLAINTEXT://kafka:19092',
    })
    .withExposedPorts(8081)
    .withWaitStrategy(Wait.forHttp('/subjects', 8081).forStatusCode(200))
    .start();
  return {
    env: {
      PG_URL: `postgres://onramp:onramp@${pg.getHost()}:${pg.getMappedPort(5432)}/onramp`,
      MYSQL_URL: `mysql://onramp:onramp@${maria.getHost()}:${maria.getMappedPort(3306)}/onramp`,
      KAFKA_BROKERS: `${broker.getHost()}:${kafkaPort}`,
      KAFKA_LEGACY_BROKERS: `${legacyBroker.getHost()}:${legacyPort}`,
      SCHEMA_REGISTRY_URL: `http://${registry.getHost()}:${registry.getMappedPort(8081)}`,
    },
    async stop() {
      await Promise.all([registry, ...started].map((container) => container.stop()));
      await network.stop();
    },
  };
}
