import { createHash } from 'node:crypto';

// Debezium's column.mask.hash.<algorithm>.with.salt.<salt> (MaskStrings.HashValueConverter): the
// lower-case hex digest of the salt's bytes followed by the value's bytes. Version 1 (the default)
// hashes the value as Java serializes a String object (ObjectOutputStream: stream header, then
// TC_STRING and the modified UTF-8 text), which is what makes its digests differ from other tools';
// version 2 (column.mask.hash.v2...) hashes the value's UTF-8 bytes alone.

export type HashVersion = 'v1' | 'v2';

/** Java's MessageDigest names (and the SUN provider's aliases) and Node's names for them. */
const ALGORITHMS: Readonly<Record<string, string>> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  SHA1: 'sha1',
  SHA: 'sha1',
  'SHA-224': 'sha224',
  SHA224: 'sha224',
  'SHA-256': 'sha256',
  SHA256: 'sha256',
  'SHA-384': 'sha384',
  SHA384: 'sha384',
  'SHA-512': 'sha512',
  SHA512: 'sha512',
  'SHA-512/224': 'sha512-224',
  'SHA512/224': 'sha512-224',
  'SHA-512/256': 'sha512-256',
  'SHA512/256': 'sha512-256',
  'SHA3-224': 'sha3-224',
  'SHA3-256': 'sha3-256',
  'SHA3-384': 'sha3-384',
  'SHA3-512': 'sha3-512',
};

/** The algorithms a hash mask accepts, as Java names them (for messages). */
export const HASH_ALGORITHMS = [
  'MD5',
  'SHA-1',
  'SHA-224',
  'SHA-256',
  'SHA-384',
  'SHA-512',
  'SHA-512/224',
  'SHA-512/256',
  'SHA3-224',
  'SHA3-256',
  'SHA3-384',
  'SHA3-512',
] as const;

/** Node's name of a Java digest algorithm (case-insensitive, as MessageDigest.getInstance), or undefined. */
export function nodeHashName(javaName: string): string | undefined {
  const upper = javaName.toUpperCase();
  return Object.hasOwn(ALGORITHMS, upper) ? ALGORITHMS[upper] : undefined;
}

const STREAM_HEADER = Buffer.from([0xac, 0xed, 0x00, 0x05]);
const TC_STRING = 0x74;
const TC_LONGSTRING = 0x7c;

/** Java's modified UTF-8 (DataOutput.writeUTF): NUL as two bytes, supplementary characters as two surrogates. */
export function modifiedUtf8(text: string): Buffer {
  const bytes: number[] = [];
  for (let index = 0; index < text.length; index += 1) {
    const unit = text.charCodeAt(index);
    if (unit >= 0x01 && unit <= 0x7f) bytes.push(unit);
    else if (unit <= 0x7ff) bytes.push(0xc0 | (unit >> 6), 0x80 | (unit & 0x3f));
    else bytes.push(0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f));
  }
  return Buffer.from(bytes);
}

/** A String as java.io.ObjectOutputStream writes it as the stream's only object. */
export function javaSerializedString(text: string): Buffer {
  const utf = modifiedUtf8(text);
  if (utf.length <= 0xffff) {
    const head = Buffer.alloc(3);
    head[0] = TC_STRING;
    head.writeUInt16BE(utf.length, 1);
    return Buffer.concat([STREAM_HEADER, head, utf]);
  }
  const head = Buffer.alloc(9);
  head[0] = TC_LONGSTRING;
  head.writeBigUInt64BE(BigInt(utf.length), 1);
  return Buffer.concat([STREAM_HEADER, head, utf]);
}

/** A hash mask for one algorithm, salt and version: text in, lower-case hex digest out. */
export function hashMask(
  javaAlgorithm: string,
  salt: string,
  version: HashVersion,
): (text: string) => string {
  const algorithm = nodeHashName(javaAlgorithm);
  if (algorithm === undefined) throw new Error(`unknown hash algorithm ${javaAlgorithm}`);
  const saltBytes = Buffer.from(salt, 'utf8');
  return (text) =>
    createHash(algorithm)
      .update(saltBytes)
      .update(version === 'v1' ? javaSerializedString(text) : Buffer.from(text, 'utf8'))
      .digest('hex');
}
