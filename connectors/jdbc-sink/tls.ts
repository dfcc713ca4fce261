import type { PoolOptions } from 'mysql2';
import type pg from 'pg';
import {
  type ClientTls,
  checkKeyMatches,
  identityCheckedSocket,
  readCertificates,
  readPemKeyStore,
  readPrivateKey,
  TlsSettingError,
  tlsConnectOptions,
  tlsFailure,
  type Verification,
} from '../shared/tls.ts';
import type { JdbcUrl } from './jdbc-url.ts';

// TLS to the target database from the JDBC URL's parameters, by the names the JDBC drivers use:
// pgjdbc's sslmode/ssl, sslrootcert, sslcert, sslkey, sslpassword; MySQL Connector/J's sslMode,
// useSSL/requireSSL/verifyServerCertificate, trustCertificateKeyStoreUrl,
// clientCertificateKeyStoreUrl; MariaDB Connector/J's sslMode, useSsl/trustServerCertificate/
// disableSslHostnameVerification, serverSslCert, trustStore, keyStore. Certificate files are PEM
// (Java key stores are refused with the command that converts them). Values no driver knows, Java
// classes (sslfactory) and files given to a mode that does not use TLS are refused, naming the
// parameter; nothing is accepted and then ignored.

/** A file (or, for serverSslCert, inline PEM) and the URL parameter that named it. */
interface Source {
  param: string;
  path?: string;
  pem?: string;
}

export interface UrlTls {
  verify: Verification;
  /** The mode as the URL spells it, for messages. */
  mode: string;
  ca?: Source;
  /** pgjdbc: certificate and key in separate files. */
  cert?: Source;
  key?: Source & { passphrase?: string; passphraseParam: string };
  /** Connector/J: one PEM file with the key and its certificate. */
  keystore?: Source & { passphrase?: string; passphraseParam: string };
}

function fail(param: string, message: string): never {
  throw new Error(`URL parameter ${param}: ${message}`);
}

/** The parameter by name, ignoring case (MariaDB's useSsl is MySQL's useSSL); [name, value]. */
function param(params: Record<string, string>, name: string): [string, string] | undefined {
  const wanted = name.toLowerCase();
  for (const key of Object.keys(params)) {
    if (key.toLowerCase() === wanted) return [key, params[key] ?? ''];
  }
  return undefined;
}

function flag(params: Record<string, string>, name: string): boolean | undefined {
  const found = param(params, name);
  if (found === undefined) return undefined;
  const value = found[1].trim().toLowerCase();
  if (value === 'true' || value === '') return true;
  if (value === 'false') return false;
  return fail(found[0], `"${found[1]}" is not true or false`);
}

/** A file path from a path or a file: URL; classpath: and other URLs are refused. */
function filePath(name: string, value: string): string {
  if (value.trim() === '') fail(name, 'names no file');
  if (/^file:/i.test(value)) return decodeURIComponent(value.replace(/^file:(\/\/(localhost)?)?/i, ''));
  if (/^[a-z][a-z0-9+.-]+:/i.test(value) && !/^[a-z]:[\\/]/i.test(value))
    fail(name, `only local files are read (a path or a file: URL), not ${value.split(':')[0]}:`);
  return value;
}

function fileSource(params: Record<string, string>, names: string[]): Source | undefined {
  for (const name of names) {
    const found = param(params, name);
    if (found !== undefined) return { param: found[0], path: filePath(found[0], found[1]) };
  }
  return undefined;
}

/** Connector/J's ...KeyStoreType parameters: only PEM (or unset, read as PEM) is read. */
function checkStoreType(params: Record<string, string>, names: string[]): void {
  for (const name of names) {
    const found = param(params, name);
    if (found !== undefined && found[1].trim().toUpperCase() !== 'PEM') {
      fail(
        found[0],
        `${found[1]} key stores are not read: convert the store to PEM (e.g. keytool -importkeystore -srckeystore store.jks -destkeystore store.p12 -deststoretype PKCS12, then openssl pkcs12 -in store.p12 -out store.pem -nodes) and set ${found[0]}=PEM or leave it out`,
      );
    }
  }
}

const PG_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
const UNSUPPORTED_PG = ['sslfactory', 'sslfactoryarg', 'sslhostnameverifier', 'sslpasswordcallback'];

function postgresUrlTls(params: Record<string, string>): UrlTls | undefined {
  for (const name of UNSUPPORTED_PG) {
    if (param(params, name) !== undefined)
      fail(
        name,
        'Java classes are not supported: verification follows sslmode (require: encrypt only; verify-ca: the chain; verify-full: the chain and the host name) and sslrootcert',
      );
  }
  const negotiation = param(params, 'sslnegotiation');
  if (negotiation !== undefined && negotiation[1].toLowerCase() !== 'postgres')
    fail(negotiation[0], `"${negotiation[1]}" is not supported; only postgres (the usual SSLRequest) is`);
  const given = param(params, 'sslmode');
  let mode: string;
  if (given !== undefined) {
    mode = given[1].trim().toLowerCase();
    if (!(PG_MODES as readonly string[]).includes(mode))
      fail(given[0], `unknown value "${given[1]}": use ${PG_MODES.join(', ')}`);
  } else {
    // pgjdbc: ssl=true without sslmode verifies fully; neither is prefer.
    mode = flag(params, 'ssl') === true ? 'verify-full' : 'prefer';
  }
  const rootcert = param(params, 'sslrootcert');
  const ca: Source | undefined =
    rootcert === undefined || rootcert[1] === 'system'
      ? undefined
      : { param: rootcert[0], path: filePath(rootcert[0], rootcert[1]) };
  const cert = fileSource(params, ['sslcert']);
  const key = fileSource(params, ['sslkey']);
  if ((cert === undefined) !== (key === undefined))
    fail(cert === undefined ? 'sslcert' : 'sslkey', 'sslcert and sslkey go together: give both, or neither');
  const files = [rootcert?.[0], cert?.param].filter((name) => name !== undefined);
  if (mode === 'disable' || mode === 'allow' || mode === 'prefer') {
    if (files.length > 0)
      fail(
        given?.[0] ?? 'sslmode',
        `${files.join(' and ')} given, but sslmode ${mode} connects without TLS here: set sslmode=verify-full (or verify-ca, require)`,
      );
    return undefined;
  }
  const verify: Verification =
    mode === 'verify-full' ? 'full' : mode === 'verify-ca' || ca !== undefined ? 'ca' : 'none';
  const password = param(params, 'sslpassword');
  return {
    verify,
    mode: `sslmode=${mode}`,
    ...(ca !== undefined && { ca }),
    ...(cert !== undefined && { cert }),
    ...(key !== undefined && {
      key: {
        ...key,
        passphraseParam: password?.[0] ?? 'sslpassword',
        ...(password && { passphrase: password[1] }),
      },
    }),
  };
}

const MYSQL_MODES: Record<string, Verification | 'off'> = {
  disabled: 'off',
  disable: 'off',
  preferred: 'off',
  required: 'none',
  trust: 'none',
  verify_ca: 'ca',
  'verify-ca': 'ca',
  verify_identity: 'full',
  'verify-full': 'full',
};

function mysqlUrlTls(params: Record<string, string>, mariadb: boolean): UrlTls | undefined {
  const given = param(params, 'sslMode');
  let mode: string;
  let verify: Verification | 'off';
  if (given !== undefined) {
    mode = given[1].trim();
    const found = MYSQL_MODES[mode.toLowerCase()];
    if (found === undefined)
      fail(
        given[0],
        `unknown value "${given[1]}": use DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY (MySQL Connector/J) or disable, trust, verify-ca, verify-full (MariaDB Connector/J)`,
      );
    verify = found;
  } else if (flag(params, 'useSSL') === true || flag(params, 'requireSSL') === true) {
    // The drivers' older flags: MariaDB verifies fully unless told otherwise; MySQL's Connector/J
    // verified the chain (verifyServerCertificate) and never the host name.
    if (
      flag(params, 'trustServerCertificate') === true ||
      flag(params, 'verifyServerCertificate') === false
    ) {
      verify = 'none';
    } else if (!mariadb || flag(params, 'disableSslHostnameVerification') === true) {
      verify = 'ca';
    } else {
      verify = 'full';
    }
    mode = `useSSL=true (${verify === 'none' ? 'not verified' : verify === 'ca' ? 'chain verified' : 'fully verified'})`;
  } else {
    mode = 'none';
    verify = 'off';
  }
  checkStoreType(params, [
    'trustCertificateKeyStoreType',
    'trustStoreType',
    'clientCertificateKeyStoreType',
    'keyStoreType',
  ]);
  const inline = param(params, 'serverSslCert');
  const ca: Source | undefined = inline?.[1].includes('-----BEGIN')
    ? { param: inline[0], pem: inline[1] }
    : fileSource(params, ['serverSslCert', 'trustCertificateKeyStoreUrl', 'trustStore']);
  const store = fileSource(params, ['clientCertificateKeyStoreUrl', 'keyStore']);
  const password =
    param(params, 'clientCertificateKeyStorePassword') ??
    param(params, 'keyPassword') ??
    param(params, 'keyStorePassword');
  if (verify === 'off') {
    const files = [ca?.param, store?.param].filter((name) => name !== undefined);
    if (files.length > 0)
      fail(
        given?.[0] ?? 'sslMode',
        `${files.join(' and ')} given, but ${given ? `sslMode ${given[1]}` : 'no sslMode'} connects without TLS here: set sslMode=VERIFY_IDENTITY (or VERIFY_CA, REQUIRED)`,
      );
    return undefined;
  }
  return {
    verify,
    mode: given ? `sslMode=${mode}` : mode,
    ...(ca !== undefined && { ca }),
    ...(store !== undefined && {
      keystore: {
        ...store,
        passphraseParam: password?.[0] ?? 'clientCertificateKeyStorePassword',
        ...(password && { passphrase: password[1] }),
      },
    }),
  };
}

/**
 * The TLS a URL asks for, or undefined for none (also for prefer/PREFERRED: the sink does not
 * negotiate, so those connect without TLS). Throws an Error naming the parameter for a value it
 * cannot honour. Reads no file.
 */
export function urlTls(url: JdbcUrl): UrlTls | undefined {
  return url.dialect === 'postgres'
    ? postgresUrlTls(url.params)
    : mysqlUrlTls(url.params, url.scheme === 'mariadb');
}

function certificates(source: Source): string {
  if (source.pem !== undefined) return source.pem;
  return readCertificates(source.path ?? '', source.param);
}

function clientTls(url: JdbcUrl, tls: UrlTls): ClientTls {
  let cert: string | undefined;
  let key: string | undefined;
  if (tls.cert && tls.key) {
    cert = certificates(tls.cert);
    key = readPrivateKey(tls.key.path ?? '', tls.key.passphrase, tls.key.param, tls.key.passphraseParam);
    checkKeyMatches(cert, key, tls.cert.param);
  }
  if (tls.keystore) {
    ({ cert, key } = readPemKeyStore(
      tls.keystore.path ?? '',
      tls.keystore.passphrase,
      tls.keystore.param,
      tls.keystore.passphraseParam,
    ));
  }
  return {
    verify: tls.verify,
    host: url.host,
    ...(tls.ca !== undefined && { ca: certificates(tls.ca) }),
    ...(cert !== undefined && { cert }),
    ...(key !== undefined && { key }),
  };
}

/** pg's `ssl` option for the URL (reads the files; throws TlsSettingError naming the parameter). */
export function pgSsl(url: JdbcUrl): pg.ClientConfig['ssl'] {
  const tls = urlTls(url);
  return tls === undefined ? false : tlsConnectOptions(clientTls(url, tls));
}

/**
 * mysql2's `ssl` option for the URL (and, to verify the host name, the socket that makes mysql2 check
 * the configured host; see identityCheckedSocket); {} for no TLS. Reads the files (throws TlsSettingError).
 */
export function mysqlTls(url: JdbcUrl): Pick<PoolOptions, 'ssl' | 'stream'> {
  const tls = urlTls(url);
  if (tls === undefined) return {};
  const settings = clientTls(url, tls);
  const ssl = {
    rejectUnauthorized: settings.verify !== 'none',
    verifyIdentity: settings.verify === 'full',
    ...(settings.ca !== undefined && { ca: settings.ca }),
    ...(settings.cert !== undefined && { cert: settings.cert }),
    ...(settings.key !== undefined && { key: settings.key }),
  };
  return settings.verify === 'full' ? { ssl, stream: identityCheckedSocket(url.host, url.port) } : { ssl };
}

/** A validation message for a TLS setting or failure (naming the URL parameter to change), else undefined. */
export function tlsProblem(error: unknown, url: JdbcUrl): string | undefined {
  if (error instanceof TlsSettingError) return `URL parameter ${error.message}`;
  const failure = tlsFailure(error);
  if (failure === undefined) return undefined;
  let tls: UrlTls | undefined;
  try {
    tls = urlTls(url);
  } catch {
    tls = undefined;
  }
  const caParam =
    url.dialect === 'postgres' ? 'sslrootcert' : 'serverSslCert (or trustCertificateKeyStoreUrl)';
  const hint: Record<typeof failure.kind, string> = {
    untrusted:
      tls?.ca === undefined
        ? `give the CA that signed it in ${caParam}`
        : `check that ${tls.ca.param} holds the CA that signed it`,
    hostname: `connect by a name the certificate lists (the URL names ${url.host}), or verify the chain only (${url.dialect === 'postgres' ? 'sslmode=verify-ca' : 'sslMode=VERIFY_CA'})`,
    expired: 'renew the server certificate',
    'no-tls': 'enable TLS on the server, or leave TLS out of the URL',
    'client-rejected': `check the client certificate (${url.dialect === 'postgres' ? 'sslcert, sslkey' : 'clientCertificateKeyStoreUrl or keyStore'})`,
    handshake: 'check the server TLS settings and the URL TLS parameters',
  };
  return `TLS to ${url.host}:${url.port} failed with ${tls?.mode ?? 'the URL TLS parameters'}: ${failure.message}; ${hint[failure.kind]}`;
}
