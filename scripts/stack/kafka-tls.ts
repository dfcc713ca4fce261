// The 4.4 broker's TLS material, made with openssl in <stack>/kafka-4.4/tls/ when the broker starts and
// remade only when missing, not signed by the current CA, or within 30 days of expiry:
//   ca.pem / ca.key                  a local CA (clients trust ca.pem: KAFKA_CA_FILE)
//   broker.pem, broker-keystore.pem  IP:127.0.0.1 + DNS:localhost, for the SASL_SSL and mTLS listeners
//   misnamed.pem, misnamed-keystore.pem  only DNS:wrong-host.onramp.invalid, so that clients can be
//                                    shown failing host-name verification against the same CA
//   client.pem / client.key          a client certificate (CN=onramp-client) for the mTLS listener
// The broker reads PEM directly (ssl.keystore.type=PEM, one file with the key and the chain). Keys are
// PKCS#8 and not encrypted (Kafka 4.4 takes a PEM key store without ssl.key.password), readable by
// the owner only.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ensureCommand } from './apt.ts';
import { tlsPath } from './kafka-paths.ts';
import { ensureDir } from './layout.ts';
import { runCommand } from './run-command.ts';
import { say } from './say.ts';

const RENEW_BEFORE_SECONDS = 30 * 86_400;
const CA_DAYS = 3650;
const LEAF_DAYS = 825;

export function tlsFiles() {
  return {
    ca: tlsPath('ca.pem'),
    brokerKeystore: tlsPath('broker-keystore.pem'),
    misnamedKeystore: tlsPath('misnamed-keystore.pem'),
    clientCert: tlsPath('client.pem'),
    clientKey: tlsPath('client.key'),
  };
}

interface Leaf {
  name: 'broker' | 'misnamed' | 'client';
  subject: string;
  extensions: string[];
  /** Servers get a PEM key store (key + chain in one file); the client keeps a key file. */
  keystore: boolean;
}

const LEAVES: Leaf[] = [
  {
    name: 'broker',
    subject: '/CN=localhost',
    extensions: ['subjectAltName=IP:127.0.0.1,DNS:localhost', 'extendedKeyUsage=serverAuth'],
    keystore: true,
  },
  {
    name: 'misnamed',
    subject: '/CN=wrong-host.onramp.invalid',
    extensions: ['subjectAltName=DNS:wrong-host.onramp.invalid', 'extendedKeyUsage=serverAuth'],
    keystore: true,
  },
  {
    name: 'client',
    subject: '/CN=onramp-client',
    extensions: ['extendedKeyUsage=clientAuth'],
    keystore: false,
  },
];

const openssl = (args: string[]) => runCommand('openssl', args);

async function succeeds(args: string[]): Promise<boolean> {
  return await openssl(args).then(
    () => true,
    () => false,
  );
}

/** True when `cert` exists, chains to the current CA and is valid for another 30 days. */
export async function usable(cert: string, ca?: string): Promise<boolean> {
  if (!existsSync(cert)) return false;
  if (!(await succeeds(['x509', '-noout', '-checkend', String(RENEW_BEFORE_SECONDS), '-in', cert])))
    return false;
  return ca === undefined || (await succeeds(['verify', '-CAfile', ca, cert]));
}

/**
 * `openssl req -x509` with an empty config (-config /dev/null) so that Debian's default extensions
 * (CA:true on every certificate) do not creep in: each certificate gets exactly the ones listed.
 */
export function newCertificate(options: {
  key: string;
  cert: string;
  subject: string;
  days: number;
  extensions: string[];
  signer?: { cert: string; key: string };
}): Promise<string> {
  return openssl([
    'req',
    '-config',
    '/dev/null',
    '-x509',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-noenc',
    '-keyout',
    options.key,
    '-out',
    options.cert,
    ...(options.signer ? ['-CA', options.signer.cert, '-CAkey', options.signer.key] : []),
    '-days',
    String(options.days),
    '-subj',
    options.subject,
    ...options.extensions.flatMap((extension) => ['-addext', extension]),
  ]);
}

/** A certificate `ca` signs for a server or client: not a CA, signing only, `extensions` on top. */
export function newLeafCertificate(options: {
  key: string;
  cert: string;
  subject: string;
  extensions: readonly string[];
  ca: { cert: string; key: string };
}): Promise<string> {
  return newCertificate({
    key: options.key,
    cert: options.cert,
    subject: options.subject,
    days: LEAF_DAYS,
    extensions: [
      ...options.extensions,
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
    ],
    signer: options.ca,
  });
}

async function makeLeaf(leaf: Leaf): Promise<void> {
  const cert = tlsPath(`${leaf.name}.pem`);
  const key = tlsPath(`${leaf.name}.key`);
  await newLeafCertificate({
    key,
    cert,
    subject: leaf.subject,
    extensions: leaf.extensions,
    ca: { cert: tlsPath('ca.pem'), key: tlsPath('ca.key') },
  });
  if (!leaf.keystore) return;
  const keystore = [key, cert, tlsPath('ca.pem')].map((file) => readFileSync(file, 'utf8')).join('');
  writeFileSync(tlsPath(`${leaf.name}-keystore.pem`), keystore, { mode: 0o600 });
  rmSync(key);
}

/** Creates or renews what is missing or expiring; quick (a few openssl checks) otherwise. */
export async function ensureKafkaTls(): Promise<void> {
  await ensureCommand('openssl', 'OpenSSL', ['openssl']);
  ensureDir(dirname(tlsPath('ca.pem')), { mode: 0o700 });
  if (!(await usable(tlsPath('ca.pem'))) || !existsSync(tlsPath('ca.key'))) {
    say('Kafka: creating the local CA for its TLS listeners...');
    await newCertificate({
      key: tlsPath('ca.key'),
      cert: tlsPath('ca.pem'),
      subject: '/CN=Onramp local stack CA',
      days: CA_DAYS,
      extensions: ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign'],
    });
  }
  for (const leaf of LEAVES) {
    const complete = existsSync(tlsPath(leaf.keystore ? `${leaf.name}-keystore.pem` : `${leaf.name}.key`));
    if (complete && (await usable(tlsPath(`${leaf.name}.pem`), tlsPath('ca.pem')))) continue;
    say(`Kafka: creating the ${leaf.name} certificate (${leaf.subject.slice(4)})...`);
    await makeLeaf(leaf);
  }
}
