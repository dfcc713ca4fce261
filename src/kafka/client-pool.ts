import { OnrampError } from '../plugin/errors.ts';
import type { FieldError } from '../plugin/index.ts';
import {
  type ClientKind,
  type ClientOverrides,
  type ConsumerTuning,
  clientProperties,
  consumerTuning,
  type KafkaClientConfig,
  type KafkaConnection,
  type ProducerTuning,
  parseConnection,
  producerTuning,
} from './client-properties.ts';
import { TopicAdmin } from './topic-admin.ts';

// The connections a task's clients use (the host's settings, with a connector's overrides on top),
// parsed from Kafka's property names once per task start, and one admin client per distinct
// connection, shared by the tasks that use it.

function invalid(errors: readonly FieldError[]): OnrampError {
  const lines = errors.map(({ field, message }) => `  ${field}: ${message}`);
  return new OnrampError(
    'INVALID_CONFIG',
    `Kafka client configuration is invalid (${errors.length} error(s)):\n${lines.join('\n')}`,
  );
}

export class ClientPool {
  private readonly config: KafkaClientConfig;
  private readonly admins = new Map<string, TopicAdmin>();

  constructor(config: KafkaClientConfig) {
    this.config = config;
  }

  /** The connection a client of this kind has for a connector (or, without overrides, for the host itself). */
  connection(kind: ClientKind, overrides?: ClientOverrides): KafkaConnection {
    const properties = clientProperties(kind, this.config.layers, overrides);
    const { connection, errors } = parseConnection(properties, {
      missingName: (key) => (overrides ? `${kind}.override.${key}` : key),
    });
    if (!connection) throw invalid(errors);
    return connection;
  }

  producerTuning(overrides?: ClientOverrides): ProducerTuning {
    const { tuning, errors } = producerTuning(clientProperties('producer', this.config.layers, overrides));
    if (errors.length > 0) throw invalid(errors);
    return tuning;
  }

  consumerTuning(overrides?: ClientOverrides): ConsumerTuning {
    const { tuning, errors } = consumerTuning(clientProperties('consumer', this.config.layers, overrides));
    if (errors.length > 0) throw invalid(errors);
    return tuning;
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
  }
}
