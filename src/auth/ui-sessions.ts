import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Credentials } from './credentials.ts';

// Console sign-ins: a token presented once to POST /ui/session is kept here, in the host's memory,
// and the browser gets only a random session id in an HttpOnly, SameSite=Strict cookie (Secure on
// HTTPS) — no script, of this origin or another, can read the token back. The credentials are
// authenticated again on every request, so revoking the token ends its sessions at once. Each
// session also has a CSRF token that writes must echo in a header (see rest-security.ts).
// Sessions live in memory only: a restart signs everyone out, which is the safe direction.

export const SESSION_COOKIE = 'onramp_session';
/** Over HTTPS the cookie gets the __Host- prefix: Secure, Path=/ and no Domain, enforced by browsers. */
export const SECURE_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`;
export const CSRF_HEADER = 'x-onramp-csrf';

export interface UiSession {
  id: string;
  csrf: string;
  credentials: Credentials;
  created: number;
  lastUsed: number;
}

export interface UiSessionOptions {
  /** A session ends this long after sign-in whatever happens (default 12 h). */
  maxAgeMs?: number;
  /** ... or after this long without a request (default 2 h). */
  idleMs?: number;
  /** At most this many sessions; the least recently used goes first (default 10,000). */
  maxSessions?: number;
  now?: () => number;
}

export class UiSessions {
  private readonly sessions = new Map<string, UiSession>();
  readonly maxAgeMs: number;
  private readonly idleMs: number;
  private readonly maxSessions: number;
  private readonly now: () => number;

  constructor(options: UiSessionOptions = {}) {
    this.maxAgeMs = options.maxAgeMs ?? 12 * 60 * 60 * 1000;
    this.idleMs = options.idleMs ?? 2 * 60 * 60 * 1000;
    this.maxSessions = options.maxSessions ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  create(credentials: Credentials): UiSession {
    const now = this.now();
    const session: UiSession = {
      id: randomBytes(32).toString('base64url'),
      csrf: randomBytes(32).toString('base64url'),
      credentials,
      created: now,
      lastUsed: now,
    };
    while (this.sessions.size >= this.maxSessions) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id (its idle clock restarts), or undefined. */
  get(id: string | undefined): UiSession | undefined {
    if (id === undefined) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    const now = this.now();
    if (now - session.created > this.maxAgeMs || now - session.lastUsed > this.idleMs) {
      this.sessions.delete(id);
      return undefined;
    }
    session.lastUsed = now;
    // Map order is insertion order: re-inserting keeps the least recently used first for eviction.
    this.sessions.delete(id);
    this.sessions.set(id, session);
    return session;
  }

  delete(id: string | undefined): void {
    if (id !== undefined) this.sessions.delete(id);
  }
}

/** The session id in a Cookie header (either cookie name), if any. */
export function sessionIdFrom(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (name === SESSION_COOKIE || name === SECURE_SESSION_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return value === '' ? undefined : value;
    }
  }
  return undefined;
}

/** Set-Cookie for a session id; an empty id with maxAgeSeconds 0 clears it. */
export function sessionCookie(id: string, secure: boolean, maxAgeSeconds: number): string {
  const name = secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
  return [
    `${name}=${id}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Why a cookie-authenticated write does not come from the console's own pages, or undefined when
 * it does: the browser's Sec-Fetch-Site (or else Origin) must say same origin, and the request must
 * echo the session's CSRF token, which only a page of this origin could have read.
 */
export function crossSiteProblem(
  headers: Record<string, string | string[] | undefined>,
  host: string | undefined,
  csrf: string | undefined,
): string | undefined {
  const site = headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin')
    return `a console write must come from the console itself (Sec-Fetch-Site: ${site})`;
  const origin = headers.origin;
  if (typeof origin === 'string' && origin !== 'null') {
    let originHost: string | undefined;
    try {
      originHost = new URL(origin).host;
    } catch {
      originHost = undefined;
    }
    if (originHost === undefined || originHost !== host)
      return `a console write must come from the console itself (Origin: ${origin})`;
  } else if (origin === 'null') {
    return 'a console write must come from the console itself (Origin: null)';
  }
  if (csrf === undefined) return undefined;
  const echoed = headers[CSRF_HEADER];
  if (typeof echoed !== 'string' || !sameSecret(echoed, csrf))
    return `a console write must carry the session's ${CSRF_HEADER} header`;
  return undefined;
}
