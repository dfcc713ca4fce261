import { describe, expect, it } from 'vitest';
import { hostAllowListFor, hostName, isLoopbackAddress } from '../../../src/auth/host-allow-list.ts';

describe('Host header allow-list', () => {
  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) {
      expect(isLoopbackAddress(host), host).toBe(true);
    }
    for (const host of ['0.0.0.0', '::', '10.0.0.1', 'onramp.internal', '128.0.0.1']) {
      expect(isLoopbackAddress(host), host).toBe(false);
    }
  });

  it('strips ports from Host headers', () => {
    expect(hostName('LocalHost:8083')).toBe('localhost');
    expect(hostName('[::1]:8083')).toBe('[::1]');
    expect(hostName('[::1]')).toBe('[::1]');
    expect(hostName('127.0.0.1')).toBe('127.0.0.1');
  });

  it('serves loopback names and rest.allowed.hosts on a loopback listener', () => {
    const list = hostAllowListFor('127.0.0.1', ['onramp.internal']);
    for (const host of [
      'localhost:8083',
      '127.0.0.1:8083',
      '[::1]:8083',
      'localhost',
      'onramp.internal:443',
    ]) {
      expect(list?.allows(host), host).toBe(true);
    }
    for (const host of ['evil.example', 'evil.example:8083', '127.0.0.2', undefined]) {
      expect(list?.allows(host), String(host)).toBe(false);
    }
  });

  it('serves any Host on other addresses unless rest.allowed.hosts is set', () => {
    expect(hostAllowListFor('0.0.0.0', [])).toBeUndefined();
    expect(hostAllowListFor('0.0.0.0', ['onramp.example.com'])?.allows('evil.example')).toBe(false);
  });
});
