import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { errorMessage } from '../../src/plugin/index.ts';

// TLS to the databases, shared by the connectors: reading the CA, client certificate and key files
// their settings name (PEM, or DER as pgjdbc takes them; Java key stores are refused with how to
// convert them), the Node.js TLS options for the three levels of verification every driver knows
// (none, the chain, the chain and the host name), and what a failed handshake means, in words.

/** A TLS setting that cannot be used as given (unreadable file, wrong format); names the setting. */
export class TlsSettingError extends Error {
  readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.name = 'TlsSettingError';
    this.field = field;
  }
}

/** none: encrypt only. ca: the certificate must chain to a trusted CA. full: and name the host. */
export type Verification = 'none' | 'ca' | 'full';

export interface ClientTls {
  verify: Verification;
  /** The host name or address the connection goes to: what `full` checks the certificate against. */
  host: string;
  /** PEM CA certificates to trust; undefined: the CAs Node.js trusts (Mozilla's list). */
  ca?: string;
  /** PEM client certificate (chain), sent when the server asks for one. */
  cert?: string;
  /** PEM private key of `cert`, not encrypted (decrypted here from the configured file). */
  key?: string;
}

const JKS_MAGIC = 0xfeedfeed;
const JCEKS_MAGIC = 0xcececece;
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

function readSetting(path: string, field: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new TlsSettingError(field, `Cannot read ${field} file ${path} (${code ?? errorMessage(error)})`);
  }
}

function isPem(content: Buffer): boolean {
  return content.toString('latin1').includes('-----BEGIN ');
}

/** Throws for the formats we do not read (Java key stores, PKCS#12), saying how to convert them. */
function refuseKeyStores(content: Buffer, path: string, field: string): void {
  if (content.length >= 4) {
    const magic = content.readUInt32BE(0);
    if (magic === JKS_MAGIC || magic === JCEKS_MAGIC) {
      throw new TlsSettingError(
        field,
        `${field} file ${path} is a Java key store (JKS); Onramp reads PEM files: convert it, e.g. keytool -importkeystore -srckeystore ${path} -destkeystore store.p12 -deststoretype PKCS12, then openssl pkcs12 -in store.p12 -out store.pem -nodes`,
      );
    }
  }
}

function notPem(path: string, field: string, what: string): TlsSettingError {
  return new TlsSettingError(
    field,
    `${field} file ${path} holds no ${what} Onramp can read: use a PEM file (a PKCS#12 .p12/.pfx file converts with openssl pkcs12 -in ${path} -out file.pem -nodes)`,
  );
}

function pemBlocks(text: string, label: (name: string) => boolean): string[] {
  return [...text.matchAll(PEM_BLOCK)].filter((match) => label(match[1] ?? '')).map((match) => match[0]);
}

/** The certificates in a PEM file (one or more) or a DER file (one), as PEM. */
export function readCertificates(path: string, field: string): string {
  const content = readSetting(path, field);
  refuseKeyStores(content, path, field);
  const blocks = isPem(content)
    ? pemBlocks(content.toString('latin1'), (name) => name === 'CERTIFICATE' || name === 'X509 CERTIFICATE')
    : [];
  if (blocks.length === 0 && !isPem(content)) {
    try {
      return new X509Certificate(content).toString();
    } catch {
      throw notPem(path, field, 'certificate');
    }
  }
  if (blocks.length === 0) throw notPem(path, field, 'certificate');
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch (error) {
      throw new TlsSettingError(
        field,
        `${field} file ${path}: a certificate in it does not parse (${errorMessage(error)})`,
      );
    }
  }
  return `${blocks.join('\n')}\n`;
}

function decodeKey(
  key: Buffer | string,
  der: boolean,
  passphrase: string | undefined,
  path: string,
  field: string,
  passwordField: string,
): string {
  try {
    const object = createPrivateKey(
      der ? { key: key as Buffer, format: 'der', type: 'pkcs8', passphrase } : { key, passphrase },
    );
    return object.export({ format: 'pem', type: 'pkcs8' }).toString();
  } catch (error) {
    const message = errorMessage(error);
    const code = (error as { code?: unknown }).code;
    if (
      passphrase === undefined &&
      (code === 'ERR_MISSING_PASSPHRASE' || code === 'ERR_OSSL_CRYPTO_INTERRUPTED_OR_CANCELLED')
    ) {
      throw new TlsSettingError(passwordField, `${field} file ${path} is encrypted: set ${passwordField}`);
    }
    if (/passphrase|decrypt/i.test(message)) {
      throw new TlsSettingError(
        passwordField,
        passphrase === undefined
          ? `${field} file ${path} is encrypted: set ${passwordField}`
          : `${field} file ${path} does not decrypt with ${passwordField}`,
      );
    }
    throw der
      ? notPem(path, field, 'private key')
      : new TlsSettingError(field, `${field} file ${path}: the private key does not parse (${message})`);
  }
}

/**
 * The private key in a PEM file (PKCS#8, PKCS#1 or SEC1, encrypted or not) or a DER PKCS#8 file (pgjdbc's
 * .pk8), decrypted with `passphrase`, as unencrypted PKCS#8 PEM (it stays in memory only).
 */
export function readPrivateKey(
  path: string,
  passphrase: string | undefined,
  field: string,
  passwordField: string,
): string {
  const content = readSetting(path, field);
  refuseKeyStores(content, path, field);
  if (!isPem(content)) return decodeKey(content, true, passphrase, path, field, passwordField);
  const [block] = pemBlocks(content.toString('latin1'), (name) => name.endsWith('PRIVATE KEY'));
  if (block === undefined) throw notPem(path, field, 'private key');
  return decodeKey(block, false, passphrase, path, field, passwordField);
}

/** A PEM key store: one file with the private key and the certificate chain (as Kafka's PEM key stores). */
export function readPemKeyStore(
  path: string,
  passphrase: string | undefined,
  field: string,
  passwordField: string,
): { cert: string; key: string } {
  const content = readSetting(path, field);
  refuseKeyStores(content, path, field);
  if (!isPem(content)) throw notPem(path, field, 'private key and certificate');
  const text = content.toString('latin1');
  const [keyBlock] = pemBlocks(text, (name) => name.endsWith('PRIVATE KEY'));
  const certs = pemBlocks(text, (name) => name === 'CERTIFICATE');
  if (keyBlock === undefined || certs.length === 0) {
    throw new TlsSettingError(
      field,
      `${field} file ${path} must hold the client's private key and its certificate (PEM, in one file)`,
    );
  }
  const key = decodeKey(keyBlock, false, passphrase, path, field, passwordField);
  const cert = `${certs.join('\n')}\n`;
  checkKeyMatches(cert, key, field);
  return { cert, key };
}

/** Throws when the private key does not belong to the (first) certificate. */
export function checkKeyMatches(cert: string, key: string, field: string): void {
  const [first] = pemBlocks(cert, (name) => name === 'CERTIFICATE');
  if (first === undefined) return;
  if (!new X509Certificate(first).checkPrivateKey(createPrivateKey(key))) {
    throw new TlsSettingError(
      field,
      `The client certificate and private key of ${field} do not belong together`,
    );
  }
}

/** What a driver passes to tls.connect for this verification level. */
export function tlsConnectOptions(settings: ClientTls): tls.ConnectionOptions {
  const { verify, host } = settings;
  return {
    rejectUnauthorized: verify !== 'none',
    ...(settings.ca !== undefined && { ca: settings.ca }),
    ...(settings.cert !== undefined && { cert: settings.cert }),
    ...(settings.key !== undefined && { key: settings.key }),
    // The chain is checked by rejectUnauthorized; the name only at `full`, against the configured host
    // (an address is checked against the certificate's IP entries, a name against its DNS entries).
    checkServerIdentity:
      verify === 'full'
        ? (_name: string, cert: tls.PeerCertificate) => tls.checkServerIdentity(host, cert)
        : () => undefined,
  };
}

/**
 * A socket factory for mysql2's `stream` option when the host name must be verified. mysql2 upgrades
 * its own socket to TLS without telling Node the host, and Node then checks the certificate against
 * the socket's remembered host name, which it leaves empty for an IP address: an address would be
 * checked as "localhost". The socket made here remembers the configured host (name or address), so
 * verify_identity / VERIFY_IDENTITY checks what the connection was configured to reach. Otherwise as
 * mysql2's own socket (no delay, keep-alive).
 */
export function identityCheckedSocket(host: string, port: number): () => net.Socket {
  return () => {
    const socket = net.connect({ host, port });
    (socket as net.Socket & { _host: string | null })._host = host;
    socket.setNoDelay(true);
    socket.on('connect', () => socket.setKeepAlive(true, 0));
    return socket;
  };
}

/** Why a TLS connection failed, in the terms of the settings that fix it. */
export type TlsFailureKind =
  | 'untrusted'
  | 'hostname'
  | 'expired'
  | 'no-tls'
  | 'client-rejected'
  | 'handshake';

export interface TlsFailure {
  kind: TlsFailureKind;
  /** What happened, with the driver's own words in brackets. */
  message: string;
}

const UNTRUSTED_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'INVALID_CA',
]);
const UNTRUSTED_MESSAGE =
  /unable to verify the first certificate|unable to get (local )?issuer certificate|self[- ]signed certificate|certificate signature failure|certificate not trusted/i;
const EXPIRED = /certificate has expired|certificate is not yet valid/i;
const HOSTNAME = /Hostname\/IP does not match certificate's altnames|ERR_TLS_CERT_ALTNAME_INVALID/i;
const CLIENT_REJECTED =
  /alert (unknown ca|bad certificate|certificate required|certificate unknown|handshake failure)/i;

/** Describes a TLS failure of a connection attempt, or undefined when the error is not about TLS. */
export function tlsFailure(error: unknown): TlsFailure | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const text = errorMessage(error);
  const said = `(${text})`;
  if (
    text === 'The server does not support SSL connections' ||
    code === 'HANDSHAKE_NO_SSL_SUPPORT' ||
    /Server does not support secure connection/i.test(text)
  ) {
    return { kind: 'no-tls', message: `the server does not accept TLS connections ${said}` };
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || HOSTNAME.test(text)) {
    return {
      kind: 'hostname',
      message: `the server's certificate does not name the host connected to ${said}`,
    };
  }
  if ((typeof code === 'string' && UNTRUSTED_CODES.has(code)) || UNTRUSTED_MESSAGE.test(text)) {
    return { kind: 'untrusted', message: `the server's certificate is not signed by a trusted CA ${said}` };
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID' || EXPIRED.test(text)) {
    return { kind: 'expired', message: `the server's certificate is outside its validity period ${said}` };
  }
  if (CLIENT_REJECTED.test(text)) {
    return {
      kind: 'client-rejected',
      message: `the server refused the TLS handshake, e.g. a missing or untrusted client certificate ${said}`,
    };
  }
  if (
    (typeof code === 'string' && code.startsWith('ERR_SSL_')) ||
    code === 'HANDSHAKE_SSL_ERROR' ||
    code === 'EPROTO'
  ) {
    return { kind: 'handshake', message: `the TLS handshake failed ${said}` };
  }
  return undefined;
}

/**
 * What a connector reports for a TLS failure at validation: a CA problem names the CA setting when
 * one is set, a host-name problem the mode (verify-ca checks the chain only), anything else the mode.
 */
export function tlsFailureField(
  failure: TlsFailure,
  settings: { mode: string; ca: string; cert?: string; caGiven: boolean },
): string {
  if (failure.kind === 'untrusted' && settings.caGiven) return settings.ca;
  if (failure.kind === 'client-rejected' && settings.cert !== undefined) return settings.cert;
  return settings.mode;
}

/**
 * Servers that an opportunistic mode (allow, prefer, preferred) found with or without TLS, so the
 * connections that cannot retry themselves (the replication and binlog streams) start the way that
 * worked. `key` names the server and the mode. Remembered for ten minutes, then tried afresh.
 */
const negotiatedTls = new Map<string, { tls: boolean; until: number }>();
const REMEMBER_MS = 10 * 60_000;

export function negotiated(key: string): boolean | undefined {
  const entry = negotiatedTls.get(key);
  if (entry === undefined || entry.until < Date.now()) return undefined;
  return entry.tls;
}

export function rememberNegotiated(key: string, tls: boolean): void {
  negotiatedTls.set(key, { tls, until: Date.now() + REMEMBER_MS });
}
