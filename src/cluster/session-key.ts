import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SessionKey } from './config-topic-state.ts';

// Kafka Connect's signed requests between workers (KIP-507, the "sessioned" protocol): the leader
// writes a random key to the config topic (`session-key`, rotated every inter.worker.key.ttl.ms,
// 1 h by default) and a worker forwarding a request to another (task configs from a follower to the
// leader) signs the body with it: X-Connect-Authorization = base64(HMAC(key, body)) and
// X-Connect-Request-Signature-Algorithm = HmacSHA256. A request signed with another key (a worker
// that missed a rotation, or no worker at all) is refused.

export const SIGNATURE_HEADER = 'x-connect-authorization';
export const SIGNATURE_ALGORITHM_HEADER = 'x-connect-request-signature-algorithm';
/** inter.worker.key.ttl.ms */
export const DEFAULT_KEY_TTL_MS = 60 * 60 * 1000;

const ALGORITHMS: Readonly<Record<string, string>> = {
  HmacSHA256: 'sha256',
  HmacSHA512: 'sha512',
  HmacSHA384: 'sha384',
  HmacSHA1: 'sha1',
};

/** A fresh key, as the leader makes one (HmacSHA256, 256 bits: Java's KeyGenerator default). */
export function newSessionKey(now = Date.now()): SessionKey {
  return { key: randomBytes(32).toString('base64'), algorithm: 'HmacSHA256', creationTimestamp: now };
}

/** Whether the leader should write a new key (none yet, or older than the TTL). */
export function sessionKeyExpired(
  key: SessionKey | undefined,
  ttlMs = DEFAULT_KEY_TTL_MS,
  now = Date.now(),
): boolean {
  return key === undefined || now >= key.creationTimestamp + ttlMs;
}

function mac(algorithm: string, key: SessionKey, body: Uint8Array): Buffer {
  const digest = ALGORITHMS[algorithm];
  if (!digest) throw new Error(`unsupported signature algorithm ${algorithm}`);
  return createHmac(digest, Buffer.from(key.key, 'base64')).update(body).digest();
}

/** The headers that sign a forwarded request's body. */
export function signRequest(
  key: SessionKey,
  body: Uint8Array,
  algorithm = 'HmacSHA256',
): Record<string, string> {
  return {
    [SIGNATURE_HEADER]: mac(algorithm, key, body).toString('base64'),
    [SIGNATURE_ALGORITHM_HEADER]: algorithm,
  };
}

/**
 * Whether a forwarded request carries a valid signature of its body: 'missing' (no headers),
 * 'invalid' (another key, a changed body, an unknown algorithm) or 'valid'.
 */
export function verifyRequest(
  key: SessionKey | undefined,
  body: Uint8Array,
  headers: Readonly<Record<string, string | string[] | undefined>>,
): 'valid' | 'invalid' | 'missing' {
  const header = (name: string) => {
    const value = headers[name] ?? headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  };
  const signature = header(SIGNATURE_HEADER);
  const algorithm = header(SIGNATURE_ALGORITHM_HEADER);
  if (signature === undefined || algorithm === undefined) return 'missing';
  if (!key || !ALGORITHMS[algorithm]) return 'invalid';
  const expected = mac(algorithm, key, body);
  const given = Buffer.from(signature, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected) ? 'valid' : 'invalid';
}
