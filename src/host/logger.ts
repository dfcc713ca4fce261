import { pino } from 'pino';

// One pino root logger; connectors and tasks get children with their names bound. Levels can be
// changed at run time through /admin/loggers.
export type RootLogger = pino.Logger;

export function createLogger(level = process.env.ONRAMP_LOG_LEVEL ?? 'info'): RootLogger {
  return pino({ level, base: { service: 'onramp' } });
}
