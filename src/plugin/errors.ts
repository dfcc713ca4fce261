// The one table of error codes. Every error the service reports carries a stable code from here; the
// REST API turns it into Kafka Connect's body `{"error_code": <status>, "message": "..."}`, the
// runtime uses `retriable` to decide between backoff and failing the task. The host's and runtime's
// codes are listed below; a connector's own codes are declared next to it (connectors/<name>/errors.ts)
// with defineErrors(), which adds them to this table.

/** What a code means: the HTTP status it maps to, whether retrying may succeed, and a title. */
export interface ErrorSpec {
  readonly status: number;
  readonly retriable: boolean;
  /** No error policy may tolerate the failure: the task fails (errors.tolerance=all too). */
  readonly fatal?: boolean;
  readonly title: string;
}

export const HOST_ERRORS = {
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
  DOMAIN_NOT_FOUND: { status: 404, retriable: false, title: 'Domain not found' },
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
  RECORD_TOO_LARGE: { status: 500, retriable: false, title: 'Record larger than max.request.size' },
  // Databases (source and sink)
  DATABASE_UNAVAILABLE: { status: 503, retriable: true, title: 'Database is unreachable' },
  DATABASE_ERROR: { status: 500, retriable: false, title: 'Database error' },
  TASK_FAILED: { status: 500, retriable: false, title: 'Task failed' },
  // Cluster mode: a worker that may have lost its place in the group writes no offsets or statuses.
  TASK_FENCED: { status: 409, retriable: false, title: 'This worker no longer owns the task' },
  // Cluster mode: a write while the group rebalances (Kafka Connect's RebalanceNeededException).
  REBALANCE_NEEDED: { status: 409, retriable: true, title: 'A rebalance is expected' },
  // Cluster mode: the leader or the worker running a task did not answer a forwarded request.
  FORWARDING_FAILED: { status: 500, retriable: true, title: 'Forwarding to another worker failed' },
} as const satisfies Record<string, ErrorSpec>;

export type HostErrorCode = keyof typeof HOST_ERRORS;

declare const connectorCode: unique symbol;
/** A code a connector declared with defineErrors() (so the table knows it before it is raised). */
export type ConnectorErrorCode<C extends string = string> = C & { readonly [connectorCode]: true };
export type ErrorCode = HostErrorCode | ConnectorErrorCode;

const connectorErrors = new Map<string, ErrorSpec>();

/**
 * Adds a connector's own codes to the table and returns them, typed for OnrampError. Codes are
 * global and stable: one the host or another connector declared differently is refused.
 */
export function defineErrors<const T extends Record<string, ErrorSpec>>(
  codes: T,
): { readonly [C in keyof T & string]: ConnectorErrorCode<C> } {
  for (const [code, spec] of Object.entries(codes)) {
    const known = Object.hasOwn(HOST_ERRORS, code)
      ? HOST_ERRORS[code as HostErrorCode]
      : connectorErrors.get(code);
    if (known && JSON.stringify(known) !== JSON.stringify(spec))
      throw new Error(`Error code ${code} is already declared with another meaning`);
    connectorErrors.set(code, spec);
  }
  return Object.fromEntries(Object.keys(codes).map((code) => [code, code])) as {
    readonly [C in keyof T & string]: ConnectorErrorCode<C>;
  };
}

/** What a code means (the host's codes and every connector code declared so far). */
export function errorSpec(code: ErrorCode): ErrorSpec {
  const spec = Object.hasOwn(HOST_ERRORS, code)
    ? HOST_ERRORS[code as HostErrorCode]
    : connectorErrors.get(code);
  if (!spec) throw new Error(`Error code ${code} is not declared`);
  return spec;
}

export class OnrampError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retriable: boolean;
  readonly fatal: boolean;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; retriable?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    const spec = errorSpec(code);
    this.name = 'OnrampError';
    this.code = code;
    this.status = spec.status;
    this.retriable = options?.retriable ?? spec.retriable;
    this.fatal = spec.fatal === true;
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
  return error instanceof OnrampError && error.fatal;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
