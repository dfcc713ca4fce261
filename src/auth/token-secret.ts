import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// Tokens are 32 random bytes, so a single SHA-256 is enough to store them: there is nothing to
// guess that a slow hash would protect (unlike passwords). The "onramp_" prefix lets secret
// scanners recognise a leaked token.

const PREFIX = 'onramp_';
const HASH_PREFIX = 'sha256:';

export function newToken(): string {
  return `${PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** The stored form of a token: "sha256:<hex>". */
export function hashToken(token: string): string {
  return `${HASH_PREFIX}${createHash('sha256').update(token, 'utf8').digest('hex')}`;
}

export function isTokenHash(value: string): boolean {
  return /^sha256:[0-9a-f]{64}$/.test(value);
}

/** Constant-time comparison of two stored-form hashes (equal length by construction). */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
