import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { HostConfigError } from '../config/host-config.ts';
import { errorMessage } from '../plugin/errors.ts';
import { type HostAllowList, hostAllowListFor, isLoopbackAddress } from './host-allow-list.ts';
import type { RestSecurityConfig } from './rest-settings.ts';

// Where and how the REST API listens, checked before anything starts: the one listener (listeners,
// else rest.host:rest.port), its TLS material read and tried, the Host allow-list, and the refusal
// to run without authentication where other machines can reach the API.

export interface HttpsOptions {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
  requestCert: boolean;
  rejectUnauthorized: boolean;
}

export interface RestListenPlan {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  https: HttpsOptions | undefined;
  /** Undefined when every Host header is served. */
  hostAllowList: HostAllowList | undefined;
}

type RestConfig = { host: string; port: number } & RestSecurityConfig;

function readPem(key: string, path: string | undefined): Buffer {
  if (path === undefined) throw new HostConfigError(`an https:// listener needs ${key}`);
  try {
    return readFileSync(path);
  } catch (error) {
    throw new HostConfigError(`cannot read ${key} ${path}: ${errorMessage(error)}`);
  }
}

function httpsOptions(rest: RestConfig): HttpsOptions {
  const { tls } = rest;
  const cert = readPem('listeners.https.ssl.certificate.location', tls.certificate);
  const key = readPem('listeners.https.ssl.key.location', tls.key);
  const clientCerts = tls.clientAuth !== 'none';
  if (clientCerts && tls.truststore === undefined) {
    throw new HostConfigError(
      `listeners.https.ssl.client.auth=${tls.clientAuth} needs listeners.https.ssl.truststore.location (the CA client certificates chain to)`,
    );
  }
  const ca =
    tls.truststore === undefined
      ? undefined
      : readPem('listeners.https.ssl.truststore.location', tls.truststore);
  try {
    // Fails here, with the setting named, on a key that does not match its certificate.
    createSecureContext({ cert, key, ...(ca && { ca }) });
  } catch (error) {
    throw new HostConfigError(
      `the https listener's certificate, key or truststore is unusable: ${errorMessage(error)}`,
    );
  }
  return {
    cert,
    key,
    ...(ca && { ca }),
    requestCert: clientCerts,
    // "requested" asks for a certificate but serves clients without one, as Kafka Connect does.
    rejectUnauthorized: tls.clientAuth === 'required',
  };
}

export function planRestListener(rest: RestConfig): RestListenPlan {
  const { scheme, host, port } = rest.listener ?? {
    scheme: 'http' as const,
    host: rest.host,
    port: rest.port,
  };
  if (rest.auth.mode === 'none' && !isLoopbackAddress(host) && !rest.auth.allowNone) {
    throw new HostConfigError(
      `rest.auth=none while the REST API listens on ${host}, which other machines can reach: anyone could ` +
        'manage connectors. Set rest.auth=token and create tokens with `npm run token -- create --name <name> ' +
        '--role admin`, listen on 127.0.0.1, or set rest.auth.allow.none=true if something in front authenticates.',
    );
  }
  if (rest.auth.jwt && rest.auth.mode !== 'token') {
    throw new HostConfigError(
      `${rest.auth.jwt.jwksUrl === undefined ? 'rest.auth.jwt.jwks.file' : 'rest.auth.jwt.jwks.url'} is set but rest.auth is not token: set rest.auth=token`,
    );
  }
  return {
    scheme,
    host,
    port,
    https: scheme === 'https' ? httpsOptions(rest) : undefined,
    hostAllowList: hostAllowListFor(host, rest.allowedHosts),
  };
}
