import {
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  pbkdf2Sync,
  timingSafeEqual,
  X509Certificate,
} from 'node:crypto';

// Java trust stores as Kafka's clients take them (ssl.truststore.type PKCS12 or JKS): the trusted
// certificates are read out here, with Node's crypto only (no dependency), and handed to TLS as PEM.
// PKCS12 (RFC 7292): certificate bags, plain or encrypted with PBES2 (PBKDF2 + AES-CBC, what keytool
// and OpenSSL 3 write) or PKCS#12 PBE with 3DES; the MAC is checked with the store password. JKS: the
// trusted certificate entries, or the client's private key (Sun's KeyProtector) and chain, with the
// store's SHA-1 integrity check when a password is given. A PKCS12 key store (client certificate and
// key) needs none of this: Node's TLS opens it (pfx).

export class KeyStoreError extends Error {}

interface Der {
  tag: number;
  /** The content octets. */
  body: Buffer;
  /** Offset just past this element in its parent. */
  end: number;
}

function readDer(buffer: Buffer, offset = 0): Der {
  const tag = buffer[offset];
  let length = buffer[offset + 1];
  if (tag === undefined || length === undefined) throw new KeyStoreError('truncated DER');
  let start = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new KeyStoreError('unsupported DER length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (buffer[start + i] ?? 0);
    start += count;
  }
  const end = start + length;
  if (end > buffer.length) throw new KeyStoreError('truncated DER');
  return { tag, body: buffer.subarray(start, end), end };
}

/** The elements of a SEQUENCE, SET or [n] constructed element. */
function children(element: Der): Der[] {
  const items: Der[] = [];
  let offset = 0;
  while (offset < element.body.length) {
    const item = readDer(element.body, offset);
    items.push(item);
    offset = item.end;
  }
  return items;
}

function oid(element: Der | undefined): string {
  if (element?.tag !== 0x06) throw new KeyStoreError('expected an object identifier');
  const bytes = element.body;
  const first = bytes[0] ?? 0;
  const parts = [Math.floor(first / 40), first % 40];
  let value = 0;
  for (const byte of bytes.subarray(1)) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

function integer(element: Der | undefined): number {
  if (element?.tag !== 0x02) throw new KeyStoreError('expected an integer');
  return element.body.reduce((sum, byte) => sum * 256 + byte, 0);
}

/** An OCTET STRING's content, also in its constructed (BER) form. */
function octets(element: Der): Buffer {
  if ((element.tag & 0x20) === 0) return element.body;
  return Buffer.concat(children(element).map(octets));
}

const OID = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  pbeSha3Des: '1.2.840.113549.1.12.1.3',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
} as const;

const HMAC_PRFS: Readonly<Record<string, string>> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};
const CIPHERS: Readonly<Record<string, string>> = {
  '2.16.840.1.101.3.4.1.2': 'aes-128-cbc',
  '2.16.840.1.101.3.4.1.22': 'aes-192-cbc',
  '2.16.840.1.101.3.4.1.42': 'aes-256-cbc',
  '1.2.840.113549.3.7': 'des-ede3-cbc',
};
const DIGESTS: Readonly<Record<string, { name: string; block: number }>> = {
  [OID.sha1]: { name: 'sha1', block: 64 },
  [OID.sha256]: { name: 'sha256', block: 64 },
  [OID.sha384]: { name: 'sha384', block: 128 },
  [OID.sha512]: { name: 'sha512', block: 128 },
};

/** The password as PKCS#12's own key derivation takes it: BMPString with a terminating zero. */
function bmpPassword(password: string): Buffer {
  const bytes = Buffer.alloc((password.length + 1) * 2);
  for (let i = 0; i < password.length; i++) bytes.writeUInt16BE(password.charCodeAt(i), i * 2);
  return bytes;
}

/** RFC 7292 appendix B.2: id 1 key, 2 IV, 3 MAC key. */
function pkcs12Kdf(
  password: Buffer,
  salt: Buffer,
  iterations: number,
  id: number,
  size: number,
  digest: { name: string; block: number },
): Buffer {
  const v = digest.block;
  const fill = (source: Buffer) => {
    if (source.length === 0) return Buffer.alloc(0);
    const out = Buffer.alloc(v * Math.ceil(source.length / v));
    for (let i = 0; i < out.length; i++) out[i] = source[i % source.length] ?? 0;
    return out;
  };
  const d = Buffer.alloc(v, id);
  const i = Buffer.concat([fill(salt), fill(password)]);
  const result: Buffer[] = [];
  let produced = 0;
  while (produced < size) {
    let a = createHash(digest.name).update(d).update(i).digest();
    for (let round = 1; round < iterations; round++) a = createHash(digest.name).update(a).digest();
    result.push(a);
    produced += a.length;
    if (produced >= size) break;
    const b = Buffer.alloc(v);
    for (let k = 0; k < v; k++) b[k] = a[k % a.length] ?? 0;
    for (let block = 0; block < i.length; block += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = (i[block + k] ?? 0) + (b[k] ?? 0) + carry;
        i[block + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(result).subarray(0, size);
}

function decrypt(algorithm: Der, encrypted: Buffer, password: string | undefined): Buffer {
  const [idElement, params] = children(algorithm);
  const id = oid(idElement);
  if (password === undefined)
    throw new KeyStoreError('its certificates are encrypted: the password is needed');
  try {
    if (id === OID.pbes2 && params) {
      const [kdf, scheme] = children(params);
      const [kdfId, kdfParams] = kdf ? children(kdf) : [];
      if (oid(kdfId) !== OID.pbkdf2 || !kdfParams)
        throw new KeyStoreError('only PBKDF2 is supported in PBES2');
      const kdfItems = children(kdfParams);
      const salt = kdfItems[0]?.body ?? Buffer.alloc(0);
      const iterations = integer(kdfItems[1]);
      const prfElement = kdfItems.find((item) => item.tag === 0x30);
      const prf = prfElement ? HMAC_PRFS[oid(children(prfElement)[0])] : 'sha1';
      const [cipherId, iv] = scheme ? children(scheme) : [];
      const cipher = CIPHERS[oid(cipherId)];
      if (!prf || !cipher || !iv) throw new KeyStoreError('an encryption algorithm Onramp does not know');
      const keyLength = cipher === 'des-ede3-cbc' ? 24 : Number(/aes-(\d+)/.exec(cipher)?.[1]) / 8;
      const key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, keyLength, prf);
      const decipher = createDecipheriv(cipher, key, iv.body);
      return Buffer.concat([decipher.update(encrypted), decipher.final()]);
    }
    if (id === OID.pbeSha3Des && params) {
      const [salt, iterations] = children(params);
      const digest = { name: 'sha1', block: 64 };
      const secret = bmpPassword(password);
      const count = integer(iterations);
      const key = pkcs12Kdf(secret, salt?.body ?? Buffer.alloc(0), count, 1, 24, digest);
      const iv = pkcs12Kdf(secret, salt?.body ?? Buffer.alloc(0), count, 2, 8, digest);
      const decipher = createDecipheriv('des-ede3-cbc', key, iv);
      return Buffer.concat([decipher.update(encrypted), decipher.final()]);
    }
  } catch (error) {
    if (error instanceof KeyStoreError) throw error;
    throw new KeyStoreError('its certificates cannot be decrypted: wrong password?');
  }
  throw new KeyStoreError(
    `its certificates are encrypted with ${id} (RC2 or RC4, OpenSSL 1.x's and old keytools' default), which Onramp does not read; re-export it with AES: openssl pkcs12 -legacy -in old.p12 -nokeys -out ca.pem && openssl pkcs12 -export -nokeys -in ca.pem -out new.p12, or keytool -importkeystore with a current JDK`,
  );
}

function verifyMac(pfx: Der[], authSafe: Buffer, password: string): void {
  const macData = pfx[2];
  if (!macData) return;
  const [digestInfo, salt, iterations] = children(macData);
  const [algorithm, expected] = digestInfo ? children(digestInfo) : [];
  const digest = DIGESTS[oid(algorithm ? children(algorithm)[0] : undefined)];
  if (!digest || !expected || !salt)
    throw new KeyStoreError('its integrity check uses an algorithm Onramp does not know');
  const count = iterations ? integer(iterations) : 1;
  const size = createHash(digest.name).digest().length;
  const key = pkcs12Kdf(bmpPassword(password), salt.body, count, 3, size, digest);
  const actual = createHmac(digest.name, key).update(authSafe).digest();
  if (actual.length !== expected.body.length || !timingSafeEqual(actual, expected.body))
    throw new KeyStoreError('the password does not open it (integrity check failed)');
}

function certificatesOfSafeContents(contents: Buffer, into: string[]): void {
  for (const bag of children(readDer(contents))) {
    const [bagId, value] = children(bag);
    if (oid(bagId) !== OID.certBag || !value) continue;
    const certBag = children(value)[0];
    const [certId, certValue] = certBag ? children(certBag) : [];
    if (oid(certId) !== OID.x509Certificate || !certValue) continue;
    const der = children(certValue)[0];
    if (der) into.push(new X509Certificate(octets(der)).toString());
  }
}

/** The certificates of a PKCS12 store, as PEM. `password` undefined: only an unencrypted store opens. */
export function pkcs12Certificates(bytes: Buffer, password: string | undefined): string[] {
  let pfx: Der[];
  let authSafe: Buffer;
  try {
    pfx = children(readDer(bytes));
    const [contentType, content] = pfx[1] ? children(pfx[1]) : [];
    if (integer(pfx[0]) !== 3 || oid(contentType) !== OID.data || !content) throw new Error();
    const wrapped = children(content)[0];
    if (!wrapped) throw new Error();
    authSafe = octets(wrapped);
  } catch {
    throw new KeyStoreError('it is not a PKCS12 store');
  }
  if (password !== undefined) verifyMac(pfx, authSafe, password);
  const certificates: string[] = [];
  for (const info of children(readDer(authSafe))) {
    const [contentType, content] = children(info);
    const type = oid(contentType);
    const inner = content ? children(content)[0] : undefined;
    if (!inner) continue;
    if (type === OID.data) certificatesOfSafeContents(octets(inner), certificates);
    else if (type === OID.encryptedData) {
      const [, encryptedContentInfo] = children(inner);
      const [, algorithm, encrypted] = encryptedContentInfo ? children(encryptedContentInfo) : [];
      if (!algorithm || !encrypted) continue;
      certificatesOfSafeContents(decrypt(algorithm, octets(encrypted), password), certificates);
    }
  }
  return certificates;
}

const JKS_MAGIC = 0xfeedfeed;

interface JksEntries {
  trusted: string[];
  /** Private key entries: the protected key (EncryptedPrivateKeyInfo DER) and its chain as PEM. */
  keys: Array<{ protectedKey: Buffer; chain: string[] }>;
}

/** A password as JKS takes it: each character as two bytes, big-endian. */
function jksPassword(password: string): Buffer {
  return bmpPassword(password).subarray(0, password.length * 2);
}

/** The entries of a JKS store; with a password, its SHA-1 integrity check first. */
function jksEntries(bytes: Buffer, password: string | undefined): JksEntries {
  if (bytes.length < 32 || bytes.readUInt32BE(0) !== JKS_MAGIC)
    throw new KeyStoreError(
      bytes.length >= 4 && bytes.readUInt32BE(0) === 0xcececece
        ? 'it is a JCEKS store, not JKS'
        : 'it is not a JKS store',
    );
  if (password !== undefined) {
    const digest = createHash('sha1')
      .update(jksPassword(password))
      .update('Mighty Aphrodite', 'utf8')
      .update(bytes.subarray(0, bytes.length - 20))
      .digest();
    if (!timingSafeEqual(digest, bytes.subarray(bytes.length - 20)))
      throw new KeyStoreError('the password does not open it (integrity check failed)');
  }
  const version = bytes.readUInt32BE(4);
  const entries: JksEntries = { trusted: [], keys: [] };
  let offset = 8;
  const count = bytes.readUInt32BE(offset);
  offset += 4;
  const skipUtf = () => {
    offset += 2 + bytes.readUInt16BE(offset);
  };
  const certificate = () => {
    if (version === 2) skipUtf(); // the certificate type, X.509
    const length = bytes.readUInt32BE(offset);
    offset += 4;
    const der = bytes.subarray(offset, offset + length);
    offset += length;
    return new X509Certificate(der).toString();
  };
  try {
    for (let entry = 0; entry < count; entry++) {
      const tag = bytes.readUInt32BE(offset);
      offset += 4;
      skipUtf(); // alias
      offset += 8; // creation date
      if (tag === 2) entries.trusted.push(certificate());
      else if (tag === 1) {
        const keyLength = bytes.readUInt32BE(offset);
        offset += 4;
        const protectedKey = bytes.subarray(offset, offset + keyLength);
        offset += keyLength;
        const chainLength = bytes.readUInt32BE(offset);
        offset += 4;
        const chain: string[] = [];
        for (let i = 0; i < chainLength; i++) chain.push(certificate());
        entries.keys.push({ protectedKey, chain });
      } else throw new KeyStoreError(`it has an entry of an unknown kind (${tag})`);
    }
  } catch (error) {
    if (error instanceof KeyStoreError) throw error;
    throw new KeyStoreError('it is not a readable JKS store');
  }
  return entries;
}

/** The trusted certificates of a JKS store, as PEM. */
export function jksCertificates(bytes: Buffer, password: string | undefined): string[] {
  return jksEntries(bytes, password).trusted;
}

const JKS_KEY_PROTECTOR = '1.3.6.1.4.1.42.2.17.1.1';

/**
 * The one private key of a JKS key store and its certificate chain, as PEM. The key is unwrapped as
 * Sun's KeyProtector wraps it (a SHA-1 key stream, and a SHA-1 check of the result).
 */
export function jksKeyPair(
  bytes: Buffer,
  storePassword: string | undefined,
  keyPassword: string,
): { key: string; cert: string } {
  const { keys } = jksEntries(bytes, storePassword);
  const [entry, more] = keys;
  if (!entry) throw new KeyStoreError('it holds no private key entry');
  if (more) throw new KeyStoreError('it holds more than one private key entry; keep only the client’s');
  const [algorithm, encrypted] = children(readDer(entry.protectedKey));
  if (!algorithm || oid(children(algorithm)[0]) !== JKS_KEY_PROTECTOR || !encrypted)
    throw new KeyStoreError('its private key is protected in a way Onramp does not read');
  const data = encrypted.body;
  const salt = data.subarray(0, 20);
  const cipherText = data.subarray(20, data.length - 20);
  const check = data.subarray(data.length - 20);
  const password = jksPassword(keyPassword);
  const plain = Buffer.alloc(cipherText.length);
  let digest: Buffer = salt;
  for (let offset = 0; offset < cipherText.length; offset += 20) {
    digest = createHash('sha1').update(password).update(digest).digest();
    for (let i = 0; i < 20 && offset + i < cipherText.length; i++)
      plain[offset + i] = (cipherText[offset + i] ?? 0) ^ (digest[i] ?? 0);
  }
  const expected = createHash('sha1').update(password).update(plain).digest();
  if (!timingSafeEqual(expected, check))
    throw new KeyStoreError('the key password does not open its private key');
  const key = createPrivateKey({ key: plain, format: 'der', type: 'pkcs8' });
  return { key: key.export({ format: 'pem', type: 'pkcs8' }).toString(), cert: entry.chain.join('') };
}
