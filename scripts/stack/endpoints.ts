// The addresses and credentials tests, benchmarks and the demo read, by these environment variable
// names (`npm run stack -- env` prints them).
import { DB_CERT_USER, dbTlsFiles } from './db-tls.ts';
import { SASL_USERNAME, saslPassword } from './kafka-sasl.ts';
import { tlsFiles } from './kafka-tls.ts';

/** What every test run needs; whoever gives these four may give services other than the stack's. */
export interface ServiceEnv {
  PG_URL: string;
  MYSQL_URL: string;
  KAFKA_BROKERS: string;
  SCHEMA_REGISTRY_URL: string;
}

/** What the local stack adds: the legacy Kafka 3.9 broker and the 4.4 broker's secured listeners. */
export interface KafkaExtrasEnv {
  /** Kafka 3.9.1, plaintext. */
  KAFKA_LEGACY_BROKERS: string;
  /** SASL_SSL: SCRAM-SHA-512, SCRAM-SHA-256, PLAIN (KAFKA_SASL_USERNAME/PASSWORD) and OAUTHBEARER. */
  KAFKA_SECURE_BROKERS: string;
  KAFKA_SASL_USERNAME: string;
  KAFKA_SASL_PASSWORD: string;
  /** PEM: the CA behind every TLS listener of the 4.4 broker. */
  KAFKA_CA_FILE: string;
  /** SSL with a required client certificate. */
  KAFKA_MTLS_BROKERS: string;
  KAFKA_CLIENT_CERT_FILE: string;
  /** PKCS#8 PEM, not encrypted. */
  KAFKA_CLIENT_KEY_FILE: string;
  /** SSL whose certificate names only wrong-host.onramp.invalid: host-name verification must fail. */
  KAFKA_MISNAMED_BROKERS: string;
}

/** The databases' TLS (PostgreSQL and MariaDB both accept TLS with certificates of this CA). */
export interface DatabaseTlsEnv {
  /** PEM: the CA behind both databases' certificates (IP:127.0.0.1, DNS:localhost). */
  DB_CA_FILE: string;
  /** The user both databases admit only with the client certificate below (no password). */
  DB_CERT_USER: string;
  DB_CLIENT_CERT_FILE: string;
  /** PKCS#8 PEM, not encrypted. */
  DB_CLIENT_KEY_FILE: string;
}

export type StackEnv = ServiceEnv & KafkaExtrasEnv & DatabaseTlsEnv;

/** What tests receive: the four always, the extras when the stack (or whoever runs them) gives them. */
export type TestEnv = ServiceEnv & Partial<KafkaExtrasEnv> & Partial<DatabaseTlsEnv>;

/** The fixed endpoints (no file behind them). */
export const STACK_ENV = {
  PG_URL: 'postgres://onramp:onramp@127.0.0.1:5432/onramp',
  MYSQL_URL: 'mysql://onramp:onramp@127.0.0.1:3306/onramp',
  KAFKA_BROKERS: '127.0.0.1:9092',
  SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081',
  KAFKA_LEGACY_BROKERS: '127.0.0.1:19092',
  KAFKA_SECURE_BROKERS: '127.0.0.1:9093',
  KAFKA_MTLS_BROKERS: '127.0.0.1:9095',
  KAFKA_MISNAMED_BROKERS: '127.0.0.1:9096',
} as const;

/** Everything, with the stack folder's files and generated password (created here if still missing). */
export function stackEnv(): StackEnv {
  return {
    ...STACK_ENV,
    KAFKA_SASL_USERNAME: SASL_USERNAME,
    KAFKA_SASL_PASSWORD: saslPassword(),
    KAFKA_CA_FILE: tlsFiles().ca,
    KAFKA_CLIENT_CERT_FILE: tlsFiles().clientCert,
    KAFKA_CLIENT_KEY_FILE: tlsFiles().clientKey,
    DB_CA_FILE: dbTlsFiles().ca,
    DB_CERT_USER,
    DB_CLIENT_CERT_FILE: dbTlsFiles().clientCert,
    DB_CLIENT_KEY_FILE: dbTlsFiles().clientKey,
  };
}

export const STACK_ENV_NAMES = [
  'PG_URL',
  'MYSQL_URL',
  'KAFKA_BROKERS',
  'SCHEMA_REGISTRY_URL',
  'KAFKA_LEGACY_BROKERS',
  'KAFKA_SECURE_BROKERS',
  'KAFKA_SASL_USERNAME',
  'KAFKA_SASL_PASSWORD',
  'KAFKA_CA_FILE',
  'KAFKA_MTLS_BROKERS',
  'KAFKA_CLIENT_CERT_FILE',
  'KAFKA_CLIENT_KEY_FILE',
  'KAFKA_MISNAMED_BROKERS',
  'DB_CA_FILE',
  'DB_CERT_USER',
  'DB_CLIENT_CERT_FILE',
  'DB_CLIENT_KEY_FILE',
] as const satisfies readonly (keyof StackEnv)[];
