import type mysql from 'mysql2/promise';
import {
  identityCheckedSocket,
  negotiated,
  readCertificates,
  readPemKeyStore,
  rememberNegotiated,
  TlsSettingError,
  tlsFailure,
  tlsFailureField,
  type Verification,
} from '../shared/tls.ts';
import type { MysqlSourceConfig } from './config.ts';

// database.ssl.mode as Debezium's MySQL connector has it (and its MariaDB connector's spellings),
// for every connection the source opens: the probe, the metadata and snapshot connections and both
// of zongji's (the binlog and its control connection take the same options). Trust and key stores
// are PEM files here, where Debezium takes Java key stores.

type SslMode = MysqlSourceConfig['database.ssl.mode'];

/** The mode in Debezium's MySQL spelling (the MariaDB connector's names folded onto it). */
export function canonicalSslMode(
  mode: SslMode,
): 'disabled' | 'preferred' | 'required' | 'verify_ca' | 'verify_identity' {
  switch (mode) {
    case 'disable':
      return 'disabled';
    case 'trust':
      return 'required';
    case 'verify-ca':
      return 'verify_ca';
    case 'verify-full':
      return 'verify_identity';
    default:
      return mode;
  }
}

function verification(config: MysqlSourceConfig): Verification {
  const mode = canonicalSslMode(config['database.ssl.mode']);
  return mode === 'verify_identity' ? 'full' : mode === 'verify_ca' ? 'ca' : 'none';
}

/**
 * mysql2's `ssl` option (zongji hands it to mysql2 unchanged), and for verify_identity the socket
 * that lets the certificate be checked against database.hostname (a DNS name against its DNS
 * entries, an address against its IP entries; see identityCheckedSocket). Reads the configured
 * files (throws TlsSettingError).
 */
export function tlsSettings(config: MysqlSourceConfig): Pick<mysql.ConnectionOptions, 'ssl' | 'stream'> {
  const ssl = sslOptions(config);
  return ssl.verifyIdentity
    ? { ssl, stream: identityCheckedSocket(config['database.hostname'], config['database.port']) }
    : { ssl };
}

function sslOptions(config: MysqlSourceConfig): mysql.SslOptions {
  const verify = verification(config);
  const truststore = config['database.ssl.truststore'];
  const keystore = config['database.ssl.keystore'];
  const client =
    keystore === undefined
      ? undefined
      : readPemKeyStore(
          keystore,
          config['database.ssl.keystore.password'],
          'database.ssl.keystore',
          'database.ssl.keystore.password',
        );
  return {
    rejectUnauthorized: verify !== 'none',
    verifyIdentity: verify === 'full',
    ...(truststore !== undefined && { ca: readCertificates(truststore, 'database.ssl.truststore') }),
    ...(client !== undefined && { cert: client.cert, key: client.key }),
  };
}

const serverKey = (config: MysqlSourceConfig) =>
  `mysql preferred ${config['database.hostname']}:${config['database.port']}`;

/**
 * Whether a connection starts with TLS: preferred starts the way that last worked with this server
 * (with TLS first); connect() falls back and remembers, so the binlog stream starts the way that works.
 */
export function startsWithTls(config: MysqlSourceConfig): boolean {
  const mode = canonicalSslMode(config['database.ssl.mode']);
  if (mode === 'disabled') return false;
  if (mode !== 'preferred') return true;
  return negotiated(serverKey(config)) ?? true;
}

/** Under preferred, whether to try again without TLS after `error`. */
export function retryWithoutTls(config: MysqlSourceConfig, triedTls: boolean, error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return (
    canonicalSslMode(config['database.ssl.mode']) === 'preferred' &&
    triedTls &&
    code === 'HANDSHAKE_NO_SSL_SUPPORT'
  );
}

/** Notes how a connection under preferred got through. */
export function rememberTls(config: MysqlSourceConfig, tls: boolean): void {
  if (canonicalSslMode(config['database.ssl.mode']) === 'preferred')
    rememberNegotiated(serverKey(config), tls);
}

/** A validation error for a TLS setting or failure, naming the setting to change; else undefined. */
export function tlsProblem(
  error: unknown,
  config: MysqlSourceConfig,
): { field: string; message: string } | undefined {
  if (error instanceof TlsSettingError) return { field: error.field, message: error.message };
  const failure = tlsFailure(error);
  if (failure === undefined) return undefined;
  const truststore = config['database.ssl.truststore'];
  const field = tlsFailureField(failure, {
    mode: 'database.ssl.mode',
    ca: 'database.ssl.truststore',
    cert: 'database.ssl.keystore',
    caGiven: truststore !== undefined,
  });
  const hint: Record<typeof failure.kind, string> = {
    untrusted:
      truststore === undefined
        ? 'set database.ssl.truststore to a PEM file of the CA that signed it'
        : `check that database.ssl.truststore (${truststore}) holds the CA that signed it`,
    hostname: `connect by a name the certificate lists (database.hostname is ${config['database.hostname']}), or use database.ssl.mode=verify_ca to check the chain only`,
    expired: 'renew the server certificate',
    'no-tls': 'enable TLS on the server (ssl_cert, ssl_key), or use database.ssl.mode=preferred or disabled',
    'client-rejected': 'check database.ssl.keystore',
    handshake: 'check the server TLS settings and database.ssl.mode',
  };
  return {
    field,
    message: `TLS to MySQL at ${config['database.hostname']}:${config['database.port']} failed with database.ssl.mode=${config['database.ssl.mode']}: ${failure.message}; ${hint[failure.kind]}`,
  };
}
