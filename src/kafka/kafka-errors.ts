import { errorMessage, OnrampError } from '../plugin/errors.ts';
import type { KafkaConnection } from './client-properties.ts';

// @platformatic/kafka's errors -> our error table. Connection trouble and anything the client marks
// retriable is KAFKA_UNAVAILABLE (the runners back off and retry). A refused login or a TLS
// certificate that does not verify will not heal by retrying: those fail the task at once, with a
// message naming the listener, the protocol, the mechanism and the user, so the operator sees what
// to fix instead of an endless RESTARTING loop. The rest (message too large, authorization, invalid
// topic, ...) fails the task with the broker's reason.

interface ClientErrorShape {
  /** Node's error code, or the client's PLT_KFK_* */
  code?: string;
  /** The Kafka protocol error name, e.g. TOPIC_ALREADY_EXISTS */
  apiId?: string;
  canRetry?: boolean;
  cause?: unknown;
  /** AggregateError (the client's MultipleErrors) */
  errors?: unknown[];
}

const AUTHENTICATION_API_ERRORS = new Set([
  'SASL_AUTHENTICATION_FAILED',
  'UNSUPPORTED_SASL_MECHANISM',
  'ILLEGAL_SASL_STATE',
]);

/** Node's codes for a certificate that does not verify, or a TLS handshake the broker refused. */
const TLS_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
]);

/** The error, its causes and aggregated errors, outermost first (bounded: chains can be cyclic). */
function chain(error: unknown): ClientErrorShape[] {
  const links: ClientErrorShape[] = [];
  const pending: unknown[] = [error];
  while (pending.length > 0 && links.length < 32) {
    const current = pending.shift();
    if (typeof current !== 'object' || current === null) continue;
    const shape = current as ClientErrorShape;
    if (links.includes(shape)) continue;
    links.push(shape);
    if (shape.cause !== undefined) pending.push(shape.cause);
    if (Array.isArray(shape.errors)) pending.push(...shape.errors);
  }
  return links;
}

/** Whether Kafka answered with this protocol error anywhere in `error` (e.g. TOPIC_ALREADY_EXISTS). */
export function hasApiError(error: unknown, id: string): boolean {
  return chain(error).some((link) => link.apiId === id);
}

function isRetriable(links: readonly ClientErrorShape[]): boolean {
  return links.some(
    (link) =>
      link.canRetry === true ||
      link.code === 'PLT_KFK_NETWORK' ||
      (link.code !== undefined &&
        /^(ECONN|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN)/.test(link.code)),
  );
}

/** "127.0.0.1:9093 (SASL_SSL, SCRAM-SHA-512, user onramp)": what the operator needs to find the setting. */
export function describeConnection(connection: KafkaConnection): string {
  const parts: string[] = [connection.securityProtocol];
  const sasl = connection.sasl;
  if (sasl) {
    parts.push(sasl.mechanism);
    if (sasl.mechanism === 'OAUTHBEARER') {
      const oauth = sasl.oauth;
      parts.push(
        oauth.kind === 'unsecured'
          ? `subject ${oauth.subject}`
          : `client ${oauth.clientId} at ${oauth.tokenEndpoint}`,
      );
    } else parts.push(`user ${sasl.username}`);
  }
  if (connection.tls?.cert) parts.push('client certificate');
  return `${connection.brokers.join(',')} (${parts.join(', ')})`;
}

export function kafkaError(error: unknown, action: string, connection?: KafkaConnection): OnrampError {
  if (error instanceof OnrampError) return error;
  const links = chain(error);
  const apiError = links.find((link) => link.apiId !== undefined)?.apiId;
  const where = connection ? ` on ${describeConnection(connection)}` : '';
  const detail = `${action}${where}: ${deepestMessage(links)}${apiError ? ` (${apiError})` : ''}`;
  const authentication = links.some(
    (link) =>
      link.code === 'PLT_KFK_AUTHENTICATION' ||
      (link.apiId !== undefined && AUTHENTICATION_API_ERRORS.has(link.apiId)),
  );
  if (authentication)
    return new OnrampError('KAFKA_AUTHENTICATION_FAILED', `Kafka refused the login while ${detail}`, {
      cause: error,
    });
  const tlsCode = links.find((link) => link.code !== undefined && TLS_CODES.has(link.code))?.code;
  if (tlsCode)
    return new OnrampError(
      'KAFKA_TLS_FAILED',
      `TLS with Kafka failed (${tlsCode}${tlsHint(tlsCode)}) while ${detail}`,
      { cause: error },
    );
  if (isRetriable(links))
    return new OnrampError('KAFKA_UNAVAILABLE', `Kafka is unavailable while ${detail}`, { cause: error });
  return new OnrampError('TASK_FAILED', `Kafka refused ${detail}`, { cause: error });
}

function tlsHint(code: string): string {
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return ': the broker certificate does not name the host connected to; fix bootstrap.servers or the certificate (ssl.endpoint.identification.algorithm= turns the check off)';
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER')
    return ': is this listener TLS at all? check security.protocol';
  if (code.includes('ALERT'))
    return ': the broker refused the handshake; does it require a client certificate (ssl.keystore.*)?';
  return ': the broker certificate is not signed by a CA in ssl.truststore.location / ssl.truststore.certificates';
}

/** The outer message, with the innermost cause's when it adds something (clients wrap a lot). */
function deepestMessage(links: readonly ClientErrorShape[]): string {
  const outer = errorMessage(links[0]);
  const inner = links.length > 1 ? errorMessage(links[links.length - 1]) : '';
  return inner && !outer.includes(inner) ? `${outer}: ${inner}` : outer;
}
