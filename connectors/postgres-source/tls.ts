import type pg from 'pg';
import {
  checkKeyMatches,
  negotiated,
  readCertificates,
  readPrivateKey,
  rememberNegotiated,
  TlsSettingError,
  tlsConnectOptions,
  tlsFailure,
  tlsFailureField,
  type Verification,
} from '../shared/tls.ts';
import type { PostgresSourceConfig } from './config.ts';

// database.sslmode as libpq has it, for every connection the source opens (validation, metadata,
// snapshot, slot export, replication stream): which connections use TLS, how much of the server's
// certificate is verified, and what a failed handshake tells the user to change.

/** How much of the server's certificate is checked: libpq's rules (require checks the chain when given a CA). */
function verification(config: PostgresSourceConfig): Verification {
  switch (config['database.sslmode']) {
    case 'verify-full':
      return 'full';
    case 'verify-ca':
      return 'ca';
    case 'require':
      return config['database.sslrootcert'] === undefined ? 'none' : 'ca';
    default:
      return 'none';
  }
}

/** The TLS options pg hands to tls.connect; reads the configured files (throws TlsSettingError). */
export function tlsOptions(config: PostgresSourceConfig): pg.ClientConfig['ssl'] {
  const rootcert = config['database.sslrootcert'];
  const certFile = config['database.sslcert'];
  const keyFile = config['database.sslkey'];
  const cert = certFile === undefined ? undefined : readCertificates(certFile, 'database.sslcert');
  const key =
    keyFile === undefined
      ? undefined
      : readPrivateKey(keyFile, config['database.sslpassword'], 'database.sslkey', 'database.sslpassword');
  if (cert !== undefined && key !== undefined) checkKeyMatches(cert, key, 'database.sslcert');
  return tlsConnectOptions({
    verify: verification(config),
    host: config['database.hostname'],
    ...(rootcert !== undefined && { ca: readCertificates(rootcert, 'database.sslrootcert') }),
    ...(cert !== undefined && { cert }),
    ...(key !== undefined && { key }),
  });
}

const opportunistic = (config: PostgresSourceConfig) =>
  config['database.sslmode'] === 'allow' || config['database.sslmode'] === 'prefer';

const serverKey = (config: PostgresSourceConfig) =>
  `postgres ${config['database.sslmode']} ${config['database.hostname']}:${config['database.port']}`;

/**
 * Whether a connection starts with TLS. allow and prefer start the way that last worked with this
 * server (allow: without TLS first; prefer: with TLS first); connect() falls back and remembers, so
 * the replication stream, which cannot retry by itself, starts the way that works.
 */
export function startsWithTls(config: PostgresSourceConfig): boolean {
  const mode = config['database.sslmode'];
  if (mode === 'disable') return false;
  if (!opportunistic(config)) return true;
  return negotiated(serverKey(config)) ?? mode === 'prefer';
}

/** Under allow/prefer, the other way to try after `error` (true: with TLS), else undefined. */
export function tlsFallback(
  config: PostgresSourceConfig,
  triedTls: boolean,
  error: unknown,
): boolean | undefined {
  const mode = config['database.sslmode'];
  const message = error instanceof Error ? error.message : '';
  // prefer: the server answered the TLS request with "no". allow: pg_hba.conf admits only TLS.
  if (mode === 'prefer' && triedTls && message === 'The server does not support SSL connections')
    return false;
  const code = (error as { code?: unknown } | undefined)?.code;
  if (mode === 'allow' && !triedTls && code === '28000' && /no encryption/.test(message)) return true;
  return undefined;
}

/** Notes how a connection under allow/prefer got through. */
export function rememberTls(config: PostgresSourceConfig, tls: boolean): void {
  if (opportunistic(config)) rememberNegotiated(serverKey(config), tls);
}

/** A validation error for a TLS setting or failure, naming the setting to change; else undefined. */
export function tlsProblem(
  error: unknown,
  config: PostgresSourceConfig,
): { field: string; message: string } | undefined {
  if (error instanceof TlsSettingError) return { field: error.field, message: error.message };
  const failure = tlsFailure(error);
  if (failure === undefined) return undefined;
  const field = tlsFailureField(failure, {
    mode: 'database.sslmode',
    ca: 'database.sslrootcert',
    cert: 'database.sslcert',
    caGiven: config['database.sslrootcert'] !== undefined,
  });
  const where = `${config['database.hostname']}:${config['database.port']}`;
  const hint: Record<typeof failure.kind, string> = {
    untrusted:
      config['database.sslrootcert'] === undefined
        ? 'set database.sslrootcert to the CA that signed it'
        : `check that database.sslrootcert (${config['database.sslrootcert']}) holds the CA that signed it`,
    hostname: `connect by a name the certificate lists (database.hostname is ${config['database.hostname']}), or use database.sslmode=verify-ca to check the chain only`,
    expired: 'renew the server certificate',
    'no-tls': 'enable ssl on the server, or use database.sslmode=prefer or disable',
    'client-rejected': 'check database.sslcert and database.sslkey',
    handshake: 'check the server TLS settings and database.sslmode',
  };
  return {
    field,
    message: `TLS to PostgreSQL at ${where} failed with database.sslmode=${config['database.sslmode']}: ${failure.message}; ${hint[failure.kind]}`,
  };
}
