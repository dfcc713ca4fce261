import { isLoopbackAddress } from './host-allow-list.ts';
import type { JwtSettings } from './jwt-verifier.ts';

// Parsers for the host settings that secure the REST API (listeners, TLS, rest.auth,
// rest.allowed.hosts), used by HOST_SETTINGS in src/config/host-config.ts. Each throws a message
// the config loader prefixes with the key and where the value came from.

export interface RestListener {
  scheme: 'http' | 'https';
  host: string;
  port: number;
}

export type ClientAuth = 'none' | 'requested' | 'required';
export type RestAuthMode = 'none' | 'token';

/** The REST security part of HostConfig.rest. */
export interface RestSecurityConfig {
  /** `listeners`; when set it wins over rest.host and rest.port. */
  listener: RestListener | undefined;
  tls: {
    certificate: string | undefined;
    key: string | undefined;
    truststore: string | undefined;
    clientAuth: ClientAuth;
  };
  auth: {
    mode: RestAuthMode;
    allowNone: boolean;
    tokensFile: string;
    /** JWT bearer tokens, when rest.auth.jwt.jwks.file is set. */
    jwt: JwtSettings | undefined;
  };
  allowedHosts: string[];
}

/** Kafka Connect's `listeners`: one http:// or https:// URL with host and port. */
export function parseListener(raw: string): RestListener | undefined {
  const value = raw.trim();
  if (value === '') return undefined;
  if (value.includes(',')) throw new Error('only one listener is supported');
  const match = /^(https?):\/\/(\[[0-9a-fA-F:.]*\]|[^:/[\]\s]*):(\d{1,5})\/?$/i.exec(value);
  const port = Number(match?.[3]);
  if (!match || port > 65535) throw new Error('must be http://<host>:<port> or https://<host>:<port>');
  const scheme = match[1]?.toLowerCase() === 'https' ? 'https' : 'http';
  const bracketed = match[2] ?? '';
  // An empty host means every interface, as in Kafka Connect ("http://:8083").
  const host = bracketed === '' ? '0.0.0.0' : bracketed.replace(/^\[(.*)\]$/, '$1');
  return { scheme, host, port };
}

function oneOf<T extends string>(allowed: readonly T[]): (raw: string) => T {
  return (raw) => {
    const value = raw.trim().toLowerCase();
    const found = allowed.find((candidate) => candidate === value);
    if (found === undefined) throw new Error(`must be one of ${allowed.join(', ')}`);
    return found;
  };
}

export const parseClientAuth = oneOf<ClientAuth>(['none', 'requested', 'required']);
export const parseAuthMode = oneOf<RestAuthMode>(['none', 'token']);

/** An optional file path: "" when unset. */
export function parseOptionalPath(raw: string): string | undefined {
  const value = raw.trim();
  return value === '' ? undefined : value;
}

/** rest.allowed.hosts: host names (a port, if given, is ignored), comma-separated. */
export function parseHostList(raw: string): string[] {
  const hosts = raw
    .split(',')
    .map((host) => host.trim().toLowerCase())
    .filter((host) => host !== '');
  for (const host of hosts) {
    if (/[\s/@]/.test(host)) throw new Error(`${host} is not a host name`);
  }
  return hosts;
}

/** rest.auth.jwt.jwks.url: https://, or http:// only to this machine (the keys decide who gets in). */
export function parseJwksUrl(raw: string): string | undefined {
  const value = raw.trim();
  if (value === '') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error('must be an https:// URL');
  }
  if (url.protocol === 'https:') return url.toString();
  if (url.protocol === 'http:' && isLoopbackAddress(url.hostname)) return url.toString();
  throw new Error(
    'must be an https:// URL (http:// only to a loopback address): its keys decide who gets in',
  );
}

/**
 * The JWT settings, or undefined when no JWKS file or URL enables them (paths resolved by the
 * caller). Throws when both are set.
 */
export function jwtSettings(
  jwks: { file: string | undefined; url: string | undefined },
  rest: Omit<JwtSettings, 'jwksFile' | 'jwksUrl' | 'jwksFetch'>,
): JwtSettings | undefined {
  if (jwks.file !== undefined && jwks.url !== undefined)
    throw new Error('set rest.auth.jwt.jwks.file or rest.auth.jwt.jwks.url, not both');
  if (jwks.file !== undefined) return { jwksFile: jwks.file, ...rest };
  if (jwks.url !== undefined) return { jwksUrl: jwks.url, ...rest };
  return undefined;
}
