// Where the integration services are: PG_URL, MYSQL_URL, KAFKA_BROKERS and SCHEMA_REGISTRY_URL, and
// (local stack) the legacy Kafka 3.9 broker and the 4.4 broker's secured listeners, by the names of
// `npm run stack -- env`, as set by test/support/global-setup.ts (or by whoever runs the tests).
// Workers inherit that env; vitest's provide/inject is the fallback should a pool ever not.
import { inject } from 'vitest';
import type { StackEnv, TestEnv } from '../../scripts/stack/index.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    services: TestEnv;
  }
}

export interface Services {
  pgUrl: string;
  mysqlUrl: string;
  kafkaBrokers: string[];
  schemaRegistryUrl: string;
}

function provided(): Partial<StackEnv> {
  try {
    return inject('services') ?? {};
  } catch {
    return {};
  }
}

function setting(name: keyof StackEnv): string {
  const value = process.env[name] || provided()[name];
  if (!value) {
    throw new Error(
      `${name} is not set: run the integration tests through vitest (its global setup sets it) or set it`,
    );
  }
  return value;
}

const brokerList = (value: string) =>
  value
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker.length > 0);

/**
 * ONRAMP_TEST_KAFKA=legacy (the vitest project `kafka-3.9`) points the Kafka-facing suites at the
 * Kafka 3.9 broker instead of the default 4.x one, so both stay supported.
 */
function kafkaBrokersSetting(): string {
  return process.env.ONRAMP_TEST_KAFKA === 'legacy'
    ? setting('KAFKA_LEGACY_BROKERS')
    : setting('KAFKA_BROKERS');
}

export function services(): Services {
  return {
    pgUrl: setting('PG_URL'),
    mysqlUrl: setting('MYSQL_URL'),
    kafkaBrokers: brokerList(kafkaBrokersSetting()),
    schemaRegistryUrl: setting('SCHEMA_REGISTRY_URL').replace(/\/$/, ''),
  };
}

/** KAFKA_LEGACY_BROKERS: the Kafka 3.9 broker beside the default 4.x one. Throws when unset. */
export function legacyKafkaBrokers(): string[] {
  return brokerList(setting('KAFKA_LEGACY_BROKERS'));
}

/** The 4.4 broker's secured listeners (names as in `npm run stack -- env`). Throws when unset. */
export interface SecureKafka {
  /** SASL_SSL: SCRAM-SHA-512, SCRAM-SHA-256, PLAIN (username/password) and OAUTHBEARER. */
  secureBrokers: string[];
  saslUsername: string;
  saslPassword: string;
  /** PEM file of the CA behind all of the listeners below. */
  caFile: string;
  /** SSL with a required client certificate. */
  mtlsBrokers: string[];
  clientCertFile: string;
  clientKeyFile: string;
  /** SSL with a certificate for another host name: verification must fail. */
  misnamedBrokers: string[];
}

export function secureKafka(): SecureKafka {
  return {
    secureBrokers: brokerList(setting('KAFKA_SECURE_BROKERS')),
    saslUsername: setting('KAFKA_SASL_USERNAME'),
    saslPassword: setting('KAFKA_SASL_PASSWORD'),
    caFile: setting('KAFKA_CA_FILE'),
    mtlsBrokers: brokerList(setting('KAFKA_MTLS_BROKERS')),
    clientCertFile: setting('KAFKA_CLIENT_CERT_FILE'),
    clientKeyFile: setting('KAFKA_CLIENT_KEY_FILE'),
    misnamedBrokers: brokerList(setting('KAFKA_MISNAMED_BROKERS')),
  };
}

/** The databases' TLS (names as in `npm run stack -- env`). Throws when unset. */
export interface DatabaseTls {
  /** PEM file of the CA behind PostgreSQL's and MariaDB's certificates (IP:127.0.0.1, DNS:localhost). */
  caFile: string;
  /** A user both databases admit only over TLS with the client certificate below. */
  certUser: string;
  clientCertFile: string;
  clientKeyFile: string;
}

export function databaseTls(): DatabaseTls {
  return {
    caFile: setting('DB_CA_FILE'),
    certUser: setting('DB_CERT_USER'),
    clientCertFile: setting('DB_CLIENT_CERT_FILE'),
    clientKeyFile: setting('DB_CLIENT_KEY_FILE'),
  };
}
