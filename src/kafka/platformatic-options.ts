import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { BaseOptions, SASLOptions } from '@platformatic/kafka';
import type { KafkaConnection, SaslSettings, TlsSettings } from './client-properties.ts';
import { oauthTokenProvider } from './oauth-token.ts';

// A KafkaConnection as @platformatic/kafka's client options: brokers, TLS (CA, client certificate,
// host-name check) and SASL (PLAIN, SCRAM, OAUTHBEARER with our token provider).

/** Short per-request retries, so "Kafka is down" surfaces in seconds and the task backs off instead. */
const RETRIES = 3;
const RETRY_DELAY_MS = 250;

export function platformaticOptions(connection: KafkaConnection): BaseOptions {
  return {
    clientId: connection.clientId,
    bootstrapBrokers: connection.brokers,
    connectTimeout: 3_000,
    timeout: 30_000,
    requestTimeout: connection.requestTimeoutMs ?? 30_000,
    retries: RETRIES,
    retryDelay: connection.retryBackoffMs ?? RETRY_DELAY_MS,
    ...(connection.tls && { tls: tlsOptions(connection.tls) }),
    ...(connection.sasl && { sasl: saslOptions(connection.sasl) }),
  };
}

function tlsOptions(tls: TlsSettings): TlsOptions {
  return {
    rejectUnauthorized: true,
    ...(tls.ca && { ca: tls.ca }),
    ...(tls.cert && { cert: tls.cert }),
    ...(tls.key && { key: tls.key }),
    ...(tls.pfx && { pfx: Buffer.from(tls.pfx, 'base64') }),
    ...(tls.keyPassword !== undefined && { passphrase: tls.keyPassword }),
    ...(tls.minVersion && { minVersion: tls.minVersion }),
    ...(tls.maxVersion && { maxVersion: tls.maxVersion }),
    // The chain is still verified; only the host-name match is skipped (Kafka's empty
    // ssl.endpoint.identification.algorithm).
    ...(!tls.verifyHostname && { checkServerIdentity: () => undefined }),
  };
}

function saslOptions(sasl: SaslSettings): SASLOptions {
  if (sasl.mechanism === 'OAUTHBEARER')
    return {
      mechanism: 'OAUTHBEARER',
      token: oauthTokenProvider(sasl.oauth),
      ...(sasl.extensions && { oauthBearerExtensions: sasl.extensions }),
    };
  return { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password };
}
