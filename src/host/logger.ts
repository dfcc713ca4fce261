import { pino } from 'pino';
import { formatLsns, humanLine, type LogFormat, resolveLogFormat } from './log-format.ts';
import { connectorAllows } from './log-levels.ts';
import { redactLogLine } from './secret-redaction.ts';

// One pino root logger; connectors and tasks get named children (log-levels.ts), whose levels can
// be changed at run time through /admin/loggers. Lines are JSON with an ISO-8601 `time` and the
// level's name, or the human format on a terminal (log-format.ts). Every line passes redactLogLine
// on its way out: a value a placeholder resolved to, a connector's password or a password inside a
// URL never reaches the log, whoever logged it (a runner, a driver's error, a plugin).
export type RootLogger = pino.Logger;

export interface LoggerOptions {
  level?: string;
  format?: LogFormat;
  /** Where lines go (stdout by default); the format's `auto` then means JSON. */
  destination?: pino.DestinationStream;
}

export function createLogger(
  levelOrOptions: string | LoggerOptions = {},
  destinationStream?: pino.DestinationStream,
): RootLogger {
  const options: LoggerOptions =
    typeof levelOrOptions === 'string'
      ? { level: levelOrOptions, ...(destinationStream && { destination: destinationStream }) }
      : levelOrOptions;
  const { destination } = options;
  const format = resolveLogFormat(options.format ?? 'auto', destination ? false : undefined);
  const color = format === 'human' && !destination && process.stdout.isTTY === true && !process.env.NO_COLOR;
  const settings: pino.LoggerOptions = {
    level: options.level ?? process.env.ONRAMP_LOG_LEVEL ?? 'info',
    base: { service: 'onramp' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => formatLsns(object),
    },
    hooks: {
      // A line about a connector (a `connector` field) from another logger, e.g. the host's, is
      // held back when that connector's logger is set above the line's level.
      logMethod(args, method, level) {
        const first: unknown = args[0];
        if (
          first !== null &&
          typeof first === 'object' &&
          'connector' in first &&
          typeof first.connector === 'string' &&
          !connectorAllows(this, first.connector, level)
        )
          return;
        method.apply(this, args);
      },
      streamWrite:
        format === 'human' ? (line: string) => humanLine(redactLogLine(line), color) : redactLogLine,
    },
  };
  return destination ? pino(settings, destination) : pino(settings);
}
