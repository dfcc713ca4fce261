import {
  defineErrors,
  type ErrorCode,
  errorMessage,
  type FieldError,
  OnrampError,
} from '../../src/plugin/index.ts';

// Turns what mysql2 and zongji throw (a server error with an errno, or a socket error) into our
// error codes, so the runtime knows what to retry, and into validation messages naming what to fix.

/** The MySQL/MariaDB source's own error codes, added to the host's error table. */
export const {
  MYSQL_BINLOG_CONFIG,
  MYSQL_PRIVILEGE,
  MYSQL_BINLOG_PURGED,
  MYSQL_STREAM_FAILED,
  MYSQL_OFFSET_INVALID,
  MYSQL_GTID_MISMATCH,
} = defineErrors({
  MYSQL_BINLOG_CONFIG: {
    status: 400,
    retriable: false,
    title: 'Server binlog settings do not allow row-based capture',
  },
  MYSQL_PRIVILEGE: { status: 400, retriable: false, title: 'User lacks a privilege the MySQL source needs' },
  MYSQL_BINLOG_PURGED: { status: 400, retriable: false, title: 'Binlog position to resume from was purged' },
  MYSQL_STREAM_FAILED: { status: 503, retriable: true, title: 'Binlog stream failed' },
  MYSQL_OFFSET_INVALID: { status: 400, retriable: false, title: 'Stored offset is not a binlog position' },
  MYSQL_GTID_MISMATCH: {
    status: 400,
    retriable: false,
    title: 'Stored GTID position is not in the server binlog (another server?)',
  },
});

interface MysqlLikeError {
  code?: string;
  errno?: number;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'ER_SERVER_SHUTDOWN',
  'ER_CON_COUNT_ERROR',
]);

/** ER_MASTER_FATAL_ERROR_READING_BINLOG: the requested binlog file or position is gone. */
const BINLOG_READ_ERROR = 1236;
const ACCESS_DENIED = new Set([1045, 1044, 1142, 1227, 1370]);

function errnoOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null ? (error as MysqlLikeError).errno : undefined;
}

function codeOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as MysqlLikeError).code : undefined;
}

export function isConnectionError(error: unknown): boolean {
  const code = codeOf(error);
  return (
    (code !== undefined && NETWORK_CODES.has(code)) ||
    /Connection lost|closed state/i.test(errorMessage(error))
  );
}

function classify(error: unknown): ErrorCode {
  const errno = errnoOf(error);
  if (errno === BINLOG_READ_ERROR) return MYSQL_BINLOG_PURGED;
  if (errno !== undefined && ACCESS_DENIED.has(errno) && errno !== 1045) return MYSQL_PRIVILEGE;
  if (isConnectionError(error)) return 'DATABASE_UNAVAILABLE';
  return 'DATABASE_ERROR';
}

/** Wraps a mysql2/zongji failure while doing `what`. */
export function databaseError(error: unknown, what: string): OnrampError {
  if (error instanceof OnrampError) return error;
  const code = classify(error);
  const hint =
    code === MYSQL_BINLOG_PURGED
      ? ' (the binlog to resume from is no longer on the server: set snapshot.mode=when_needed to re-snapshot, or delete the stored offsets)'
      : '';
  return new OnrampError(code, `MySQL: ${what} failed: ${errorMessage(error)}${hint}`, { cause: error });
}

/** A connection failure during validation, attributed to the setting most likely wrong. */
export function connectProblem(error: unknown, host: string, port: number, user: string): FieldError {
  const errno = errnoOf(error);
  const message = errorMessage(error);
  if (errno === 1045) {
    return {
      field: 'database.password',
      message: `Access denied for user "${user}" (${message}): check database.user and database.password`,
    };
  }
  return {
    field: 'database.hostname',
    message: `Cannot connect to MySQL at ${host}:${port} (${message}): check database.hostname, database.port and that the server is running`,
  };
}
