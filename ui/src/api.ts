// The console's one way to the host: same-origin fetches of the REST API, authenticated by the
// session cookie the host set at sign-in (the token itself never reaches this page's storage).
// Writes echo the session's CSRF token; x-onramp-console asks the host not to send a
// WWW-Authenticate challenge (which would open the browser's own password dialog).

export interface Principal {
  name: string;
  role: string;
}

export interface Session {
  auth: 'token' | 'none';
  principal: Principal | null;
  csrf: string | null;
}

export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

let csrf: string | null = null;
const signedOutListeners = new Set<() => void>();

export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

function remember(session: Session): Session {
  csrf = session.csrf;
  return session;
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', 'x-onramp-console': '1' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['x-onramp-csrf'] = csrf;
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = text;
  }
  if (!response.ok) {
    const message =
      typeof parsed === 'object' && parsed !== null && 'message' in parsed
        ? String((parsed as { message: unknown }).message)
        : `${response.status} ${response.statusText}`;
    if (response.status === 401 && !path.startsWith('/ui/session'))
      for (const listener of signedOutListeners) listener();
    throw new ApiError(response.status, message);
  }
  return parsed as T;
}

export const get = <T>(path: string) => request<T>('GET', path);

export async function currentSession(): Promise<Session> {
  return remember(await get<Session>('/ui/session'));
}

export async function signIn(token: string): Promise<Session> {
  return remember(await request<Session>('POST', '/ui/session', { token }));
}

export async function signOut(): Promise<void> {
  await request('DELETE', '/ui/session');
  csrf = null;
}

export function enc(value: string): string {
  return encodeURIComponent(value);
}

/** What a principal may change: admin everything, viewer nothing, domain:<d> its own domain. */
export function canWrite(principal: Principal | null, domain?: string | null): boolean {
  if (!principal) return false;
  if (principal.role === 'admin') return true;
  if (principal.role.startsWith('domain:'))
    return domain === undefined || domain === null ? false : principal.role === `domain:${domain}`;
  return false;
}

/** The domain a domain-scoped principal writes in, if any. */
export function ownDomain(principal: Principal | null): string | undefined {
  return principal?.role.startsWith('domain:') ? principal.role.slice('domain:'.length) : undefined;
}

/** May this principal create connectors at all (admins anywhere, domain tokens in their domain)? */
export function canCreate(principal: Principal | null): boolean {
  return principal?.role === 'admin' || ownDomain(principal) !== undefined;
}
