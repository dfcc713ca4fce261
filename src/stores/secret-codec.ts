import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

// Secrets at rest: each secret value in a store file is sealed on its own with AES-256-GCM (a random
// 96-bit IV per value, the 128-bit tag checked on open) and written as `enc:v1:<base64 of iv|tag|data>`.
// A value without the prefix is plaintext (a data dir from before a key was set), read as it is and
// sealed on its next write.

export const SEALED_PREFIX = 'enc:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const SECRET_KEY_BYTES = 32;

export class SecretKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretKeyError';
  }
}

export function isSealed(value: string): boolean {
  return value.startsWith(SEALED_PREFIX);
}

export class SecretCodec {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== SECRET_KEY_BYTES)
      throw new SecretKeyError(`a secret key has ${SECRET_KEY_BYTES} bytes`);
    this.key = Buffer.from(key);
  }

  seal(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return SEALED_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64');
  }

  /** Opens a sealed value; throws when it was sealed with another key or altered. */
  open(sealed: string): string {
    const bytes = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64');
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new SecretKeyError('a sealed value is truncated');
    const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, IV_BYTES));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([
        decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new SecretKeyError('a sealed value does not open with the configured secret key');
    }
  }
}

/** A 32-byte key written as 64 hex digits or base64 (standard or URL-safe). */
export function parseSecretKey(text: string, from: string): Buffer {
  const value = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(value)) key = Buffer.from(value, 'hex');
  else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) key = Buffer.from(value, 'base64');
  if (key?.length !== SECRET_KEY_BYTES) {
    throw new SecretKeyError(
      `${from} is not a ${SECRET_KEY_BYTES}-byte key written as 64 hex digits or base64 (e.g. openssl rand -base64 32)`,
    );
  }
  return key;
}

/** The key from ONRAMP_SECRET_KEY (the key itself) or else the key file; undefined when neither is set. */
export function loadSecretKey(options: {
  envKey: string | undefined;
  keyFile: string | undefined;
}): { key: Buffer; source: string } | undefined {
  if (options.envKey !== undefined && options.envKey.trim() !== '') {
    return { key: parseSecretKey(options.envKey, 'ONRAMP_SECRET_KEY'), source: 'ONRAMP_SECRET_KEY' };
  }
  if (options.keyFile === undefined) return undefined;
  let content: Buffer;
  try {
    content = readFileSync(options.keyFile);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new SecretKeyError(`cannot read secrets.key.file ${options.keyFile} (${reason})`);
  }
  // 32 raw bytes, or the key as text.
  const key =
    content.length === SECRET_KEY_BYTES && !/^[\x21-\x7e]+$/.test(content.toString('latin1'))
      ? content
      : parseSecretKey(content.toString('utf8'), `secrets.key.file ${options.keyFile}`);
  return { key, source: options.keyFile };
}
