import {
  defineErrors,
  type ErrorCode,
  errorMessage,
  type FieldError,
  OnrampError,
} from '../../src/plugin/index.ts';

// Turns what pg throws (a server error with a SQLSTATE, or a socket error) into our error codes, so
// the runtime knows what to retry, and into validation messages that name the setting to fix.

/** The PostgreSQL source's own error codes, added to the host's error table. */
export const {
  PG_WAL_LEVEL,
  PG_REPLICATION_PRIVILEGE,
  PG_PUBLICATION_MISSING,
  PG_REPLICA_IDENTITY_FAILED,
  PG_SLOT_IN_USE,
  PG_STREAM_FAILED,
  PG_OFFSET_INVALID,
} = defineErrors({
  PG_WAL_LEVEL: { status: 400, retriable: false, title: 'PostgreSQL wal_level is not logical' },
  PG_REPLICATION_PRIVILEGE: { status: 400, retriable: false, title: 'User lacks the REPLICATION privilege' },
  PG_PUBLICATION_MISSING: { status: 400, retriable: false, title: 'Publication does not exist' },
  PG_REPLICA_IDENTITY_FAILED: { status: 403, retriable: false, title: 'Replica identity could not be set' },
  PG_SLOT_IN_USE: { status: 409, retriable: true, title: 'Replication slot is in use by another connection' },
  PG_STREAM_FAILED: { status: 503, retriable: true, title: 'Replication stream failed' },
  PG_OFFSET_INVALID: { status: 400, retriable: false, title: 'Stored offset is not a PostgreSQL position' },
});

interface PgLikeError {
  code?: string;
  message?: string;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EPIPE',
]);

function pgCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as PgLikeError).code : undefined;
}

/** True for errors where the server or network went away (retry later), not for SQL errors. */
export function isConnectionError(error: unknown): boolean {
  const code = pgCode(error);
  if (code !== undefined && (NETWORK_CODES.has(code) || code.startsWith('08') || code.startsWith('57P')))
    return true;
  return /Connection terminated|connection timeout|timeout expired|Client has encountered a connection error/i.test(
    errorMessage(error),
  );
}

function classify(error: unknown): ErrorCode {
  const code = pgCode(error);
  const message = errorMessage(error);
  if (code === '55006' && /replication slot/i.test(message)) return PG_SLOT_IN_USE;
  if (/wal_level/i.test(message)) return PG_WAL_LEVEL;
  if (code === '42704' && /publication/i.test(message)) return PG_PUBLICATION_MISSING;
  if (code === '42501' && /replication/i.test(message)) return PG_REPLICATION_PRIVILEGE;
  if (isConnectionError(error)) return 'DATABASE_UNAVAILABLE';
  return 'DATABASE_ERROR';
}

/** Wraps a pg failure while doing `what` (e.g. "starting replication from slot x"). */
export function databaseError(error: unknown, what: string): OnrampError {
  if (error instanceof OnrampError) return error;
  return new OnrampError(classify(error), `PostgreSQL: ${what} failed: ${errorMessage(error)}`, {
    cause: error,
  });
}

/** A connection failure during validation, attributed to the setting most likely wrong. */
export function connectProblem(
  error: unknown,
  host: string,
  port: number,
  user: string,
  database: string,
): FieldError {
  const code = pgCode(error);
  const message = errorMessage(error);
  switch (code) {
    case '28P01':
      return {
        field: 'database.password',
        message: `Password authentication failed for user "${user}": check database.password`,
      };
    case '28000':
      return {
        field: 'database.user',
        message: `User "${user}" may not connect to database "${database}" (${message}): check database.user and pg_hba.conf`,
      };
    case '3D000':
      return {
        field: 'database.dbname',
        message: `Database "${database}" does not exist on ${host}:${port}: check database.dbname`,
      };
    default:
      return {
        field: 'database.hostname',
        message: `Cannot connect to PostgreSQL at ${host}:${port} (${message}): check database.hostname, database.port and that the server is running`,
      };
  }
}
