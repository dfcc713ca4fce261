import {
  defineErrors,
  type ErrorCode,
  errorMessage,
  type FieldError,
  OnrampError,
} from '../../src/plugin/index.ts';

// Tells the database being unreachable (retry with backoff, lose nothing) from the database
// rejecting a statement (the record is bad: dead-letter queue or a failed task).

/** The JDBC sink's own error codes, added to the host's error table. */
export const { JDBC_TABLE_MISSING, JDBC_WRITE_FAILED } = defineErrors({
  JDBC_TABLE_MISSING: {
    status: 400,
    retriable: false,
    title: 'Target table does not exist and may not be created',
  },
  JDBC_WRITE_FAILED: { status: 500, retriable: false, title: 'Target database rejected the record' },
});

interface DriverError {
  code?: string;
  errno?: number;
  sqlState?: string;
  fatal?: boolean;
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
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'POOL_CLOSED',
]);

/** MySQL/MariaDB errnos that are about the server or the session, not the statement's data. */
const MYSQL_TRANSIENT = new Set([1040, 1045, 1053, 1077, 1205, 1213, 1927, 2002, 2003, 2006, 2013]);

function driverError(error: unknown): DriverError {
  return typeof error === 'object' && error !== null ? (error as DriverError) : {};
}

/**
 * True when the database is unreachable or the failure is transient (connection loss, shutdown,
 * authentication, deadlock, serialization failure): the same write may succeed later.
 */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof OnrampError) return error.retriable;
  const { code, errno, fatal } = driverError(error);
  if (code !== undefined && NETWORK_CODES.has(code)) return true;
  if (fatal === true) return true;
  if (errno !== undefined && MYSQL_TRANSIENT.has(errno)) return true;
  // PostgreSQL SQLSTATE classes: 08 connection, 28 authorization, 53 resources, 57 operator
  // intervention (shutdown), 40 transaction rollback (deadlock, serialization).
  if (code !== undefined && /^(08|28|53|57|40)[0-9A-Z]{3}$/.test(code)) return true;
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    errorMessage(error),
  );
}

/** The database unreachable while doing `what`: retriable. */
export function unavailable(error: unknown, what: string): OnrampError {
  if (error instanceof OnrampError) return error;
  return new OnrampError('DATABASE_UNAVAILABLE', `JDBC sink: ${what} failed: ${errorMessage(error)}`, {
    cause: error,
  });
}

/** A record the target rejected (the database's message kept), for reportBadRecord. */
export function rejected(code: ErrorCode, table: string, error: unknown): OnrampError {
  if (error instanceof OnrampError) return error;
  const { sqlState, code: driverCode } = driverError(error);
  const state = sqlState ?? (driverCode && /^[0-9A-Z]{5}$/.test(driverCode) ? driverCode : undefined);
  return new OnrampError(
    code,
    `Table ${table}: ${errorMessage(error)}${state ? ` (SQLSTATE ${state})` : ''}`,
    { cause: error },
  );
}

/** A connection failure during validation, attributed to the setting most likely wrong. */
export function connectProblem(error: unknown): FieldError {
  const { code, errno } = driverError(error);
  const message = errorMessage(error);
  if (code === '28P01' || code === '28000' || errno === 1045)
    return {
      field: 'connection.username',
      message: `Authentication failed (${message}): check connection.username and connection.password`,
    };
  if (code === '3D000' || errno === 1049)
    return {
      field: 'connection.url',
      message: `The database does not exist (${message}): check connection.url`,
    };
  return {
    field: 'connection.url',
    message: `Cannot connect (${message}): check connection.url and that the server is running`,
  };
}
