import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRoot, userIds } from '../../scripts/stack/layout.ts';

// Throwaway certificates made with openssl inside a test: a CA the stack's servers never heard of
// (a wrong CA), server certificates for scratch servers, and the stack's client key in the other
// formats the connectors read (encrypted PEM, DER PKCS#8, a PEM key store).

export interface CertificateFolder {
  readonly dir: string;
  /** A self-signed CA: `<name>.pem` and `<name>.key`. Returns the certificate's path. */
  ca(name: string): string;
  /** A certificate signed by the CA `ca` (its name) with these subjectAltName entries. */
  server(name: string, ca: string, subjectAltName: string): { cert: string; key: string };
  /** Writes a file into the folder; returns its path. */
  write(name: string, content: string | Buffer): string;
  /** Runs openssl with these arguments in the folder. */
  openssl(args: string[]): void;
  /** Makes `files` readable by the database server's user (postgres, mysql) when we run as root. */
  shareWith(user: 'postgres' | 'mysql', files: string[]): void;
  remove(): void;
}

export function certificateFolder(): CertificateFolder {
  const dir = mkdtempSync(join(tmpdir(), 'onramp-test-certs-'));
  // Servers running as their own user read their certificate and key from here.
  chmodSync(dir, 0o755);
  const openssl = (args: string[]) => {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  };
  const newCertificate = (name: string, subject: string, extensions: string[], signer?: string) =>
    openssl([
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
      `${name}.key`,
      '-out',
      `${name}.pem`,
      ...(signer ? ['-CA', `${signer}.pem`, '-CAkey', `${signer}.key`] : []),
      '-days',
      '2',
      '-subj',
      subject,
      ...extensions.flatMap((extension) => ['-addext', extension]),
    ]);
  return {
    dir,
    ca(name) {
      newCertificate(name, `/CN=${name}`, [
        'basicConstraints=critical,CA:TRUE',
        'keyUsage=critical,keyCertSign',
      ]);
      return join(dir, `${name}.pem`);
    },
    server(name, ca, subjectAltName) {
      newCertificate(
        name,
        `/CN=${name}`,
        [
          `subjectAltName=${subjectAltName}`,
          'basicConstraints=critical,CA:FALSE',
          'keyUsage=critical,digitalSignature',
          'extendedKeyUsage=serverAuth',
        ],
        ca,
      );
      return { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
    },
    write(name, content) {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
    openssl,
    shareWith(user, files) {
      for (const file of files) {
        chmodSync(file, file.endsWith('.key') ? 0o600 : 0o644);
        if (isRoot()) {
          const owner = userIds(user);
          chownSync(file, owner.uid, owner.gid);
        }
      }
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The client key in the other formats: encrypted PEM, DER PKCS#8 (pgjdbc's .pk8), and a PEM key store. */
export function clientKeyVariants(
  folder: CertificateFolder,
  certFile: string,
  keyFile: string,
  password: string,
): { encrypted: string; der: string; keystore: string; encryptedKeystore: string } {
  const encrypted = join(folder.dir, 'client.enc.key');
  const der = join(folder.dir, 'client.pk8');
  folder.openssl([
    'pkcs8',
    '-topk8',
    '-in',
    keyFile,
    '-out',
    encrypted,
    '-passout',
    `pass:${password}`,
    '-v2',
    'aes-256-cbc',
  ]);
  folder.openssl(['pkcs8', '-topk8', '-in', keyFile, '-outform', 'DER', '-out', der, '-nocrypt']);
  const cert = readFileSync(certFile, 'utf8');
  const keystore = folder.write('client-keystore.pem', `${readFileSync(keyFile, 'utf8')}${cert}`);
  const encryptedKeystore = folder.write(
    'client-keystore.enc.pem',
    `${readFileSync(encrypted, 'utf8')}${cert}`,
  );
  return { encrypted, der, keystore, encryptedKeystore };
}
