// The one table of error codes. Every error the service reports carries a stable code from here; the
// REST API turns it into Kafka Connect's body `{"error_code": <status>, "message": "..."}`, the
// runtime uses `retriable` to decide between backoff and failing the task.

export const ERRORS = {
  // REST and connector management
  ROUTE_NOT_FOUND: { status: 404, retriable: false, title: 'No such route' },
  METHOD_NOT_ALLOWED: { status: 405, retriable: false, title: 'Method not allowed on this route' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, retriable: false, title: 'Unsupported request content type' },
  CONNECTOR_NOT_FOUND: { status: 404, retriable: false, title: 'Connector not found' },
  TASK_NOT_FOUND: { status: 404, retriable: false, title: 'Task not found' },
  PLUGIN_NOT_FOUND: { status: 404, retriable: false, title: 'Unknown connector plugin' },
  LOGGER_NOT_FOUND: { status: 404, retriable: false, title: 'Unknown logger' },
  // Kafka Connect answers an invalid level on PUT /admin/loggers/{name} with 404 (a quirk we keep).
  INVALID_LOG_LEVEL: { status: 404, retriable: false, title: 'Invalid log level' },
  CONNECTOR_EXISTS: { status: 409, retriable: false, title: 'Connector already exists' },
  CONFLICT: { status: 409, retriable: false, title: 'Conflicting operation in progress' },
  BAD_REQUEST: { status: 400, retriable: false, title: 'Bad request' },
  INVALID_JSON: { status: 400, retriable: false, title: 'Malformed JSON body' },
  INVALID_CONFIG: { status: 400, retriable: false, title: 'Connector configuration is invalid' },
  CONNECTOR_NOT_STOPPED: { status: 400, retriable: false, title: 'Connector must be STOPPED' },
  INVALID_OFFSETS: { status: 400, retriable: false, title: 'Invalid offsets' },
  TOPIC_TRACKING_DISABLED: { status: 403, retriable: false, title: 'Topic tracking is disabled' },
  // Ad hoc snapshots (POST/GET /connectors/{name}/snapshots)
  SNAPSHOT_REQUEST_INVALID: { status: 400, retriable: false, title: 'Snapshot request is invalid' },
  SNAPSHOTS_NOT_SUPPORTED: { status: 400, retriable: false, title: 'Connector takes no ad hoc snapshots' },
  TASK_NOT_RUNNING: { status: 409, retriable: false, title: 'The connector task is not running' },
  // REST authentication and authorization (rest.auth)
  UNAUTHENTICATED: { status: 401, retriable: false, title: 'Authentication required' },
  FORBIDDEN: { status: 403, retriable: false, title: 'Not allowed for this token' },
  // A Host header the API does not serve (DNS rebinding defence while it listens on loopback).
  HOST_NOT_ALLOWED: { status: 421, retriable: false, title: 'Host not served' },
  INTERNAL: { status: 500, retriable: false, title: 'Internal error' },
  // Data products (src/mesh)
  PRODUCT_NOT_FOUND: { status: 404, retriable: false, title: 'Data product not found' },
  PRODUCT_EXISTS: { status: 409, retriable: false, title: 'Data product already exists' },
  PRODUCT_INVALID: { status: 400, retriable: false, title: 'Data product is invalid' },
  PRODUCT_NOT_READY: { status: 409, retriable: false, title: 'Data product cannot make this change now' },
  // A database change that breaks a published product's contract: the task fails whatever
  // errors.tolerance says, since skipping the record would silently drop data from the product.
  PRODUCT_BREAKING_CHANGE: {
    status: 409,
    retriable: false,
    fatal: true,
    title: "Database change breaks a published data product's contract",
  },
  // Configuration values
  PLACEHOLDER_UNRESOLVED: { status: 400, retriable: false, title: 'Config placeholder cannot be resolved' },
  // Runtime: Kafka, registry, conversion
  KAFKA_UNAVAILABLE: { status: 503, retriable: true, title: 'Kafka is unreachable' },
  KAFKA_AUTHENTICATION_FAILED: { status: 502, retriable: false, title: 'Kafka refused the SASL login' },
  KAFKA_TLS_FAILED: { status: 502, retriable: false, title: 'TLS handshake with Kafka failed' },
  REGISTRY_UNAVAILABLE: { status: 503, retriable: true, title: 'Schema registry is unreachable' },
  SCHEMA_REJECTED: { status: 409, retriable: false, title: 'Schema registry rejected the schema' },
  CONVERSION_FAILED: { status: 500, retriable: false, title: 'Record could not be converted' },
  TRANSFORM_FAILED: { status: 500, retriable: false, title: 'Transform failed on a record' },
  RECORD_FAILED: { status: 500, retriable: false, title: 'Record could not be applied' },
  // Databases (source and sink)
  DATABASE_UNAVAILABLE: { status: 503, retriable: true, title: 'Database is unreachable' },
  DATABASE_ERROR: { status: 500, retriable: false, title: 'Database error' },
  TASK_FAILED: { status: 500, retriable: false, title: 'Task failed' },
  // Cluster mode: a worker that may have lost its place in the group writes no offsets or statuses.
  TASK_FENCED: { status: 409, retriable: false, title: 'This worker no longer owns the task' },
  // PostgreSQL source
  PG_WAL_LEVEL: { status: 400, retriable: false, title: 'PostgreSQL wal_level is not logical' },
  PG_REPLICATION_PRIVILEGE: { status: 400, retriable: false, title: 'User lacks the REPLICATION privilege' },
  PG_PUBLICATION_MISSING: { status: 400, retriable: false, title: 'Publication does not exist' },
  PG_REPLICA_IDENTITY_FAILED: { status: 403, retriable: false, title: 'Replica identity could not be set' },
  PG_SLOT_IN_USE: { status: 409, retriable: true, title: 'Replication slot is in use by another connection' },
  PG_STREAM_FAILED: { status: 503, retriable: true, title: 'Replication stream failed' },
  PG_OFFSET_INVALID: { status: 400, retriable: false, title: 'Stored offset is not a PostgreSQL position' },
  // JDBC sink
  JDBC_TABLE_MISSING: {
    status: 400,
    retriable: false,
    title: 'Target table does not exist and may not be created',
  },
  JDBC_WRITE_FAILED: { status: 500, retriable: false, title: 'Target database rejected the record' },
  // MySQL/MariaDB source
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
} as const satisfies Record<string, { status: number; retriable: boolean; fatal?: boolean; title: string }>;

export type ErrorCode = keyof typeof ERRORS;

export class OnrampError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retriable: boolean;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; retriable?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OnrampError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.retriable = options?.retriable ?? ERRORS[code].retriable;
  }
}

/**
 * A record the connector cannot apply as configured (a data problem, not a bug): its message says
 * what to change, so a status trace shows that message alone, without stack traces.
 */
export class RecordRejectedError extends OnrampError {
  constructor(code: ErrorCode, message: string) {
    super(code, message, { retriable: false });
    this.name = 'RecordRejectedError';
  }
}

/** True when retrying the same operation later may succeed (the runtime backs off and retries). */
export function isRetriable(error: unknown): boolean {
  return error instanceof OnrampError && error.retriable;
}

/** True when no error policy may tolerate the failure: the task must fail (errors.tolerance=all too). */
export function isFatal(error: unknown): boolean {
  return error instanceof OnrampError && 'fatal' in ERRORS[error.code];
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
