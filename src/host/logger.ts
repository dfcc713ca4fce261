import { pino } from 'pino';
import { redactLogLine } from './secret-redaction.ts';

// One pino root logger; connectors and tasks get children with their names bound. Levels can be
// changed at run time through /admin/loggers. Every line passes redactLogLine on its way out: a
// value a placeholder resolved to, a connector's password or a password inside a URL never reaches
// the log, whoever logged it (a runner, a driver's error, a plugin).
export type RootLogger = pino.Logger;

export function createLogger(
  level = process.env.ONRAMP_LOG_LEVEL ?? 'info',
  destination?: pino.DestinationStream,
): RootLogger {
  const options = { level, base: { service: 'onramp' }, hooks: { streamWrite: redactLogLine } };
  return destination ? pino(options, destination) : pino(options);
}
