// PostgreSQL's and MariaDB's TLS material, made with openssl in <stack>/db-tls/ by `up` and remade
// only when missing, not signed by the current CA, or within 30 days of expiry (as kafka-tls.ts does
// for the broker, with its helpers):
//   ca.pem / ca.key          a local CA for both databases (clients trust ca.pem: DB_CA_FILE)
//   server.pem / server.key  IP:127.0.0.1 + DNS:localhost, presented by both servers
//   client.pem / client.key  CN=onramp_cert, the client certificate of the user onramp_cert, which
//                            both servers admit only with it (DB_CLIENT_CERT_FILE, DB_CLIENT_KEY_FILE)
// Each server reads a copy of the server key in its own folder, owned by the user it runs as (PostgreSQL
// refuses a key others can read). Plaintext connections stay allowed; TLS is on offer, not required.
import { chmodSync, chownSync, copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureCommand } from './apt.ts';
import { newCertificate, newLeafCertificate, usable } from './kafka-tls.ts';
import { ensureDir, stackPath, type UserIds } from './layout.ts';
import { say } from './say.ts';

const CA_DAYS = 3650;

/** The user both databases admit only with the client certificate (its CN). */
export const DB_CERT_USER = 'onramp_cert';

const tlsDir = () => stackPath('db-tls');
const tlsPath = (file: string) => join(tlsDir(), file);

export function dbTlsFiles() {
  return {
    ca: tlsPath('ca.pem'),
    serverCert: tlsPath('server.pem'),
    serverKey: tlsPath('server.key'),
    clientCert: tlsPath('client.pem'),
    clientKey: tlsPath('client.key'),
  };
}

const LEAVES = [
  {
    name: 'server',
    subject: '/CN=localhost',
    extensions: ['subjectAltName=IP:127.0.0.1,DNS:localhost', 'extendedKeyUsage=serverAuth'],
  },
  {
    name: 'client',
    subject: `/CN=${DB_CERT_USER}`,
    extensions: ['extendedKeyUsage=clientAuth'],
  },
] as const;

async function makeAll(): Promise<boolean> {
  await ensureCommand('openssl', 'OpenSSL', ['openssl']);
  ensureDir(tlsDir(), { mode: 0o755 });
  let made = false;
  if (!(await usable(tlsPath('ca.pem'))) || !existsSync(tlsPath('ca.key'))) {
    say('databases: creating the local CA for their TLS...');
    await newCertificate({
      key: tlsPath('ca.key'),
      cert: tlsPath('ca.pem'),
      subject: '/CN=Onramp local stack database CA',
      days: CA_DAYS,
      extensions: ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign'],
    });
    made = true;
  }
  for (const leaf of LEAVES) {
    const cert = tlsPath(`${leaf.name}.pem`);
    const key = tlsPath(`${leaf.name}.key`);
    if (existsSync(key) && (await usable(cert, tlsPath('ca.pem')))) continue;
    say(`databases: creating the ${leaf.name} certificate (${leaf.subject.slice(4)})...`);
    await newLeafCertificate({
      key,
      cert,
      subject: leaf.subject,
      extensions: leaf.extensions,
      ca: { cert: tlsPath('ca.pem'), key: tlsPath('ca.key') },
    });
    made = true;
  }
  for (const key of ['ca.key', 'server.key', 'client.key']) chmodSync(tlsPath(key), 0o600);
  for (const cert of ['ca.pem', 'server.pem', 'client.pem']) chmodSync(tlsPath(cert), 0o644);
  return made;
}

let pending: Promise<boolean> | undefined;

/** Creates or renews what is missing or expiring (once per process); true when anything was made. */
export function ensureDbTls(): Promise<boolean> {
  pending ??= makeAll().finally(() => {
    pending = undefined;
  });
  return pending;
}

export interface ServerTlsFiles {
  ca: string;
  cert: string;
  key: string;
}

/**
 * Copies the CA, the server certificate and its key into `dir` (a server's own folder), the key
 * readable by `owner` only. Returns the copies' paths and whether any copy changed.
 */
export function installServerTls(dir: string, owner?: UserIds): ServerTlsFiles & { changed: boolean } {
  ensureDir(dir, { mode: 0o755, owner });
  const files = dbTlsFiles();
  const copies: [string, string, number][] = [
    [files.ca, join(dir, 'ca.pem'), 0o644],
    [files.serverCert, join(dir, 'server.pem'), 0o644],
    [files.serverKey, join(dir, 'server.key'), 0o600],
  ];
  let changed = false;
  for (const [from, to, mode] of copies) {
    const same = existsSync(to) && readFileSync(to).equals(readFileSync(from));
    if (!same) {
      copyFileSync(from, to);
      changed = true;
    }
    chmodSync(to, mode);
    if (owner) chownSync(to, owner.uid, owner.gid);
  }
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key'), changed };
}
