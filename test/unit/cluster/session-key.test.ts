import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  newSessionKey,
  SIGNATURE_ALGORITHM_HEADER,
  SIGNATURE_HEADER,
  sessionKeyExpired,
  signRequest,
  verifyRequest,
} from '../../../src/cluster/session-key.ts';

describe('session keys (KIP-507)', () => {
  const body = Buffer.from('[{"task.class":"x"}]');

  it('signs a body as Kafka Connect does: base64 of HMAC-SHA256 with the key bytes', () => {
    const key = newSessionKey(1_000);
    expect(Buffer.from(key.key, 'base64')).toHaveLength(32);
    const headers = signRequest(key, body);
    const expected = createHmac('sha256', Buffer.from(key.key, 'base64')).update(body).digest('base64');
    expect(headers).toEqual({ [SIGNATURE_HEADER]: expected, [SIGNATURE_ALGORITHM_HEADER]: 'HmacSHA256' });
    expect(verifyRequest(key, body, headers)).toBe('valid');
  });

  it('refuses another key, a changed body and unsigned requests', () => {
    const key = newSessionKey();
    const headers = signRequest(key, body);
    expect(verifyRequest(newSessionKey(), body, headers)).toBe('invalid');
    expect(verifyRequest(key, Buffer.from('[]'), headers)).toBe('invalid');
    expect(verifyRequest(key, body, { ...headers, [SIGNATURE_ALGORITHM_HEADER]: 'HmacMD5' })).toBe('invalid');
    expect(verifyRequest(undefined, body, headers)).toBe('invalid');
    expect(verifyRequest(key, body, {})).toBe('missing');
  });

  it('expires after the TTL (inter.worker.key.ttl.ms, 1 h)', () => {
    const key = newSessionKey(0);
    expect(sessionKeyExpired(undefined)).toBe(true);
    expect(sessionKeyExpired(key, 3_600_000, 3_599_999)).toBe(false);
    expect(sessionKeyExpired(key, 3_600_000, 3_600_000)).toBe(true);
  });
});
