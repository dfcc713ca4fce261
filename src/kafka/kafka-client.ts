import type { LogEntry } from 'kafkajs';
import type { RootLogger } from '../host/logger.ts';
import { Kafka, logLevel } from './kafkajs.ts';

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

export function createKafkaClient(options: { brokers: string[]; clientId: string; log: RootLogger }): Kafka {
  installWarningFilter();
  const log = options.log.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
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
