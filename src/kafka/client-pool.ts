import type { Kafka } from 'kafkajs';
import type { RootLogger } from '../host/logger.ts';
import { OnrampError } from '../plugin/errors.ts';
import type { FieldError } from '../plugin/index.ts';
import {
  type ClientKind,
  type ConsumerTuning,
  clientProperties,
  consumerTuning,
  type KafkaClientConfig,
  type KafkaConnection,
  type ProducerTuning,
  parseConnection,
  producerTuning,
} from './client-properties.ts';
import { createKafkaClient } from './kafka-client.ts';
import { TopicAdmin } from './topic-admin.ts';

// One client library instance per distinct connection (host settings, or a connector's overrides
// that reach another listener or another user), and one admin connection for each, shared by the
// tasks that use it. Connections are parsed from Kafka's property names here, once per task start.

function invalid(errors: readonly FieldError[]): OnrampError {
  const lines = errors.map(({ field, message }) => `  ${field}: ${message}`);
  return new OnrampError(
    'INVALID_CONFIG',
    `Kafka client configuration is invalid (${errors.length} error(s)):\n${lines.join('\n')}`,
  );
}

export class ClientPool {
  private readonly config: KafkaClientConfig;
  private readonly log: RootLogger;
  private readonly clients = new Map<string, Kafka>();
  private readonly admins = new Map<string, TopicAdmin>();

  constructor(config: KafkaClientConfig, log: RootLogger) {
    this.config = config;
    this.log = log;
  }

  /** The connection a client of this kind has for a connector (or for the host itself). */
  connection(kind: ClientKind, connectorConfig?: Readonly<Record<string, string>>): KafkaConnection {
    const properties = clientProperties(kind, this.config.layers, connectorConfig);
    const { connection, errors } = parseConnection(properties, {
      missingName: (key) => (connectorConfig ? `${kind}.override.${key}` : key),
    });
    if (!connection) throw invalid(errors);
    return connection;
  }

  producerTuning(connectorConfig?: Readonly<Record<string, string>>): ProducerTuning {
    const { tuning, errors } = producerTuning(
      clientProperties('producer', this.config.layers, connectorConfig),
    );
    if (errors.length > 0) throw invalid(errors);
    return tuning;
  }

  consumerTuning(connectorConfig?: Readonly<Record<string, string>>): ConsumerTuning {
    const { tuning, errors } = consumerTuning(
      clientProperties('consumer', this.config.layers, connectorConfig),
    );
    if (errors.length > 0) throw invalid(errors);
    return tuning;
  }

  client(connection: KafkaConnection): Kafka {
    const key = JSON.stringify(connection);
    let client = this.clients.get(key);
    if (!client) {
      client = createKafkaClient({ ...connection, log: this.log });
      this.clients.set(key, client);
    }
    return client;
  }

  admin(connection: KafkaConnection): TopicAdmin {
    const key = JSON.stringify(connection);
    let admin = this.admins.get(key);
    if (!admin) {
      admin = new TopicAdmin(connection);
      this.admins.set(key, admin);
    }
    return admin;
  }

  async close(): Promise<void> {
    await Promise.all([...this.admins.values()].map((admin) => admin.close()));
    this.admins.clear();
    this.clients.clear();
  }
}
