import { describe, expect, it } from 'vitest';
import {
  CSRF_HEADER,
  crossSiteProblem,
  sessionCookie,
  sessionIdFrom,
  UiSessions,
} from '../../../src/auth/ui-sessions.ts';

const credentials = { scheme: 'bearer' as const, token: 'onramp_x' };

describe('console sessions', () => {
  it('ends a session after its idle time and after its maximum age', () => {
    let now = 0;
    const sessions = new UiSessions({ idleMs: 100, maxAgeMs: 1_000, now: () => now });
    const session = sessions.create(credentials);
    expect(session.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session.csrf).not.toBe(session.id);
    now = 90;
    expect(sessions.get(session.id)).toBe(session);
    now = 180; // 90 ms after the last use
    expect(sessions.get(session.id)).toBe(session);
    now = 281;
    expect(sessions.get(session.id)).toBeUndefined();
    const kept = sessions.create(credentials);
    for (now = 300; now <= 1_300; now += 50) sessions.get(kept.id);
    expect(sessions.get(kept.id)).toBeUndefined();
  });

  it('drops the least recently used session when full', () => {
    const sessions = new UiSessions({ maxSessions: 2 });
    const a = sessions.create(credentials);
    const b = sessions.create(credentials);
    sessions.get(a.id);
    sessions.create(credentials);
    expect(sessions.get(b.id)).toBeUndefined();
    expect(sessions.get(a.id)).toBe(a);
  });

  it('reads and writes the cookie', () => {
    expect(sessionIdFrom('a=1; onramp_session=abc; b=2')).toBe('abc');
    expect(sessionIdFrom('__Host-onramp_session=xyz')).toBe('xyz');
    expect(sessionIdFrom('onramp_session=')).toBeUndefined();
    expect(sessionIdFrom(undefined)).toBeUndefined();
    expect(sessionCookie('abc', false, 60)).toBe(
      'onramp_session=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=60',
    );
    expect(sessionCookie('abc', true, 60)).toBe(
      '__Host-onramp_session=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=60; Secure',
    );
  });

  it('accepts a write only from its own origin with the CSRF token', () => {
    const host = '127.0.0.1:8083';
    const own = { origin: `http://${host}`, 'sec-fetch-site': 'same-origin', [CSRF_HEADER]: 'token' };
    expect(crossSiteProblem(own, host, 'token')).toBeUndefined();
    expect(crossSiteProblem({ ...own, [CSRF_HEADER]: 'other' }, host, 'token')).toContain(CSRF_HEADER);
    expect(crossSiteProblem({ [CSRF_HEADER]: 'token' }, host, 'token')).toBeUndefined();
    expect(crossSiteProblem({ ...own, 'sec-fetch-site': 'cross-site' }, host, 'token')).toContain(
      'cross-site',
    );
    expect(crossSiteProblem({ ...own, 'sec-fetch-site': 'same-site' }, host, 'token')).toContain('same-site');
    expect(
      crossSiteProblem(
        { ...own, origin: 'https://evil.example', 'sec-fetch-site': undefined },
        host,
        'token',
      ),
    ).toContain('evil.example');
    expect(crossSiteProblem({ origin: 'null' }, host, undefined)).toContain('null');
    // Sign-in has no CSRF token yet: only the origin is checked.
    expect(crossSiteProblem({ origin: `http://${host}` }, host, undefined)).toBeUndefined();
  });
});
