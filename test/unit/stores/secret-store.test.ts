import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openFileStores, type StoreSecrets } from '../../../src/stores/file-store.ts';
import {
  loadSecretKey,
  parseSecretKey,
  SEALED_PREFIX,
  SecretCodec,
  SecretKeyError,
} from '../../../src/stores/secret-codec.ts';

// Secrets at rest in the embedded file store: sealed with AES-256-GCM when a key is configured,
// plaintext data dirs still load and get sealed, files are 0600.

const isSecret: StoreSecrets['isSecret'] = (_config, key, value) =>
  key.endsWith('password') || value.includes('password=');

function filesText(dir: string): string {
  return readdirSync(join(dir, 'connectors'))
    .map((name) => readFileSync(join(dir, 'connectors', name), 'utf8'))
    .join('\n');
}

const connector = {
  name: 'pg',
  config: {
    'connector.class': 'PostgresConnector',
    'database.password': 'literal-pw-123',
    'connection.url': 'jdbc:postgresql://db/app?password=url-pw-456',
    'database.hostname': 'db',
  },
  targetState: 'STOPPED' as const,
  tasks: [{ 'database.password': 'literal-pw-123', 'task.id': '0' }],
};

describe('SecretCodec', () => {
  it('seals with a random IV per value and opens only with the same key', () => {
    const codec = new SecretCodec(randomBytes(32));
    const a = codec.seal('s3cret');
    const b = codec.seal('s3cret');
    expect(a.startsWith(SEALED_PREFIX)).toBe(true);
    expect(a).not.toBe(b);
    expect(codec.open(a)).toBe('s3cret');
    expect(() => new SecretCodec(randomBytes(32)).open(a)).toThrow(SecretKeyError);
    const tampered = `${a.slice(0, -4)}AAAA`;
    expect(() => codec.open(tampered)).toThrow(SecretKeyError);
  });

  it('reads keys as hex or base64, from ONRAMP_SECRET_KEY or a key file', () => {
    const key = randomBytes(32);
    expect(parseSecretKey(key.toString('hex'), 'x')).toEqual(key);
    expect(parseSecretKey(key.toString('base64'), 'x')).toEqual(key);
    expect(parseSecretKey(key.toString('base64url'), 'x')).toEqual(key);
    expect(() => parseSecretKey('too-short', 'ONRAMP_SECRET_KEY')).toThrow(
      'ONRAMP_SECRET_KEY is not a 32-byte key',
    );
    const dir = mkdtempSync(join(tmpdir(), 'onramp-key-'));
    writeFileSync(join(dir, 'key.txt'), `${key.toString('base64')}\n`);
    writeFileSync(join(dir, 'key.bin'), key);
    expect(loadSecretKey({ envKey: undefined, keyFile: join(dir, 'key.txt') })?.key).toEqual(key);
    expect(loadSecretKey({ envKey: undefined, keyFile: join(dir, 'key.bin') })?.key).toEqual(key);
    expect(loadSecretKey({ envKey: key.toString('hex'), keyFile: join(dir, 'nope') })?.source).toBe(
      'ONRAMP_SECRET_KEY',
    );
    expect(() => loadSecretKey({ envKey: undefined, keyFile: join(dir, 'nope') })).toThrow('ENOENT');
    expect(loadSecretKey({ envKey: '', keyFile: undefined })).toBeUndefined();
  });
});

describe('file store secrets', () => {
  it('seals secret values (config and tasks) and opens them again on restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'onramp-sealed-'));
    const codec = new SecretCodec(randomBytes(32));
    const stores = await openFileStores(dir, { codec, isSecret });
    await stores.configs.put(connector);
    await stores.flush();
    const text = filesText(dir);
    expect(text).not.toContain('literal-pw-123');
    expect(text).not.toContain('url-pw-456');
    expect(text).toContain(SEALED_PREFIX);
    expect(text).toContain('"database.hostname": "db"');
    expect(stores.configs.get('pg')).toEqual(connector);

    const reopened = await openFileStores(dir, { codec, isSecret });
    expect(reopened.configs.get('pg')).toEqual(connector);
    // Without the key, or with another one, the data dir is refused with a clear message.
    await expect(openFileStores(dir, { isSecret })).rejects.toThrow(/no secret key is configured/);
    await expect(openFileStores(dir, { codec: new SecretCodec(randomBytes(32)), isSecret })).rejects.toThrow(
      /does not open with the configured secret key/,
    );
  });

  it('loads a plaintext data dir and seals it once a key is set; files are 0600', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'onramp-plain-'));
    const plain = await openFileStores(dir, { isSecret });
    await plain.configs.put(connector);
    await plain.flush();
    expect(filesText(dir)).toContain('literal-pw-123');
    const [file] = readdirSync(join(dir, 'connectors'));
    const path = join(dir, 'connectors', file ?? '');
    expect(statSync(path).mode & 0o777).toBe(0o600);

    // An older file written world-readable is made private at open.
    chmodSync(path, 0o644);
    const codec = new SecretCodec(randomBytes(32));
    const sealed = await openFileStores(dir, { codec, isSecret });
    await sealed.flush();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(filesText(dir)).not.toContain('literal-pw-123');
    expect(sealed.configs.get('pg')).toEqual(connector);
    expect((await openFileStores(dir, { codec, isSecret })).configs.get('pg')).toEqual(connector);
  });

  it('keeps the data dir itself private', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'onramp-dir-'));
    const dir = join(parent, 'data');
    await openFileStores(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });
});
