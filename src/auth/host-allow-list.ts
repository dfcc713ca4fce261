import { isIP } from 'node:net';

// DNS rebinding: a web page from evil.example whose name later resolves to 127.0.0.1 can make a
// browser call a loopback-only API with "Host: evil.example". A loopback listener therefore serves
// only the loopback names and rest.allowed.hosts; anything else is refused before authentication.

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** True for addresses only this machine reaches: 127.0.0.0/8, ::1 and "localhost". */
export function isLoopbackAddress(host: string): boolean {
  const value = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (value === 'localhost' || value === '::1') return true;
  if (isIP(value) === 4) return value.startsWith('127.');
  // IPv4-mapped IPv6 (::ffff:127.0.0.1).
  return value.startsWith('::ffff:127.');
}

/** The Host header's name without its port, lowercased ("[::1]:8083" -> "[::1]"). */
export function hostName(header: string): string {
  const value = header.trim().toLowerCase();
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    return end === -1 ? value : value.slice(0, end + 1);
  }
  const colon = value.lastIndexOf(':');
  return colon === -1 ? value : value.slice(0, colon);
}

export class HostAllowList {
  private readonly names: ReadonlySet<string>;

  constructor(allowedHosts: readonly string[]) {
    this.names = new Set([...LOOPBACK_NAMES, ...allowedHosts.map((name) => hostName(name))]);
  }

  allows(hostHeader: string | undefined): boolean {
    return hostHeader !== undefined && this.names.has(hostName(hostHeader));
  }

  get allowed(): string[] {
    return [...this.names];
  }
}

/**
 * The allow-list to enforce: always while listening on loopback (the rebinding case), and on any
 * address once rest.allowed.hosts names hosts; none otherwise.
 */
export function hostAllowListFor(
  listenHost: string,
  allowedHosts: readonly string[],
): HostAllowList | undefined {
  if (!isLoopbackAddress(listenHost) && allowedHosts.length === 0) return undefined;
  return new HostAllowList(allowedHosts);
}
