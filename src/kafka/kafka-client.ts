import type { ConnectionOptions } from 'node:tls';
import type { LogEntry, SASLOptions } from 'kafkajs';
import type { RootLogger } from '../host/logger.ts';
import type { KafkaConnection, SaslSettings, TlsSettings } from './client-properties.ts';
import { Kafka, logLevel } from './kafkajs.ts';
import { oauthTokenProvider } from './oauth-token.ts';

// The kafkajs client, its logs routed to pino. kafkajs logs every connection retry at ERROR; the
// runners report the failures that matter (in task status and logs), so its records are demoted
// one level and its default console logger is never used.

/** Retry for connecting and for admin requests: short, so "Kafka is down" surfaces in seconds. */
export const CLIENT_RETRY = { initialRetryTime: 200, maxRetryTime: 5_000, retries: 5 };

const IGNORED_MESSAGES = [
  // We bound producer retries on purpose: a producer that gave up is discarded with its task
  // attempt, and offsets only move after acks, so no guarantee depends on infinite retries.
  'Limiting retries for the idempotent producer may invalidate EoS guarantees',
];

/** A client for one connection; TLS and SASL are used when given (security.protocol decided that). */
export function createKafkaClient(
  options: Pick<KafkaConnection, 'brokers' | 'clientId' | 'tls' | 'sasl'> & { log: RootLogger },
): Kafka {
  installWarningFilter();
  const log = options.log.child({ component: 'kafkajs' });
  const ssl = options.tls ? tlsOptions(options.tls) : undefined;
  const sasl = options.sasl ? saslOptions(options.sasl) : undefined;
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    ...(ssl && { ssl }),
    ...(sasl && { sasl }),
    connectionTimeout: 3_000,
    retry: CLIENT_RETRY,
    logLevel: logLevel.INFO,
    logCreator:
      () =>
      ({ namespace, level, log: entry }: LogEntry) => {
        const { message, timestamp: _timestamp, logger: _logger, ...rest } = entry;
        if (IGNORED_MESSAGES.includes(message)) return;
        const fields = { namespace, ...rest };
        if (level === logLevel.ERROR || level === logLevel.WARN) log.warn(fields, message);
        else if (level === logLevel.INFO) log.debug(fields, message);
        else log.trace(fields, message);
      },
  });
}

function tlsOptions(tls: TlsSettings): ConnectionOptions {
  return {
    rejectUnauthorized: true,
    ...(tls.ca && { ca: tls.ca }),
    ...(tls.cert && { cert: tls.cert }),
    ...(tls.key && { key: tls.key }),
    ...(tls.keyPassword !== undefined && { passphrase: tls.keyPassword }),
    ...(tls.minVersion && { minVersion: tls.minVersion }),
    // The chain is still verified; only the host-name match is skipped (Kafka's empty
    // ssl.endpoint.identification.algorithm).
    ...(!tls.verifyHostname && { checkServerIdentity: () => undefined }),
  };
}

function saslOptions(sasl: SaslSettings): SASLOptions {
  switch (sasl.mechanism) {
    case 'PLAIN':
      return { mechanism: 'plain', username: sasl.username, password: sasl.password };
    case 'SCRAM-SHA-256':
      return { mechanism: 'scram-sha-256', username: sasl.username, password: sasl.password };
    case 'SCRAM-SHA-512':
      return { mechanism: 'scram-sha-512', username: sasl.username, password: sasl.password };
    case 'OAUTHBEARER': {
      const token = oauthTokenProvider(sasl.oauth);
      return { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: await token() }) };
    }
  }
}

let filterInstalled = false;

/**
 * kafkajs computes negative timeouts on Node >= 24, which then prints a TimeoutNegativeWarning
 * (kafkajs#1751; harmless, the timer fires at once). Drop exactly that warning, nothing else.
 */
function installWarningFilter(): void {
  if (filterInstalled) return;
  filterInstalled = true;
  const emitWarning = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const [typeOrOptions] = rest;
    const name =
      typeof warning === 'object'
        ? warning.name
        : typeof typeOrOptions === 'string'
          ? typeOrOptions
          : (typeOrOptions as { type?: string } | undefined)?.type;
    if (name === 'TimeoutNegativeWarning') return;
    (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
  }) as typeof process.emitWarning;
}
