import { readFile, stat } from 'node:fs/promises';
import type { Credentials } from './credentials.ts';
import type { Principal } from './roles.ts';
import { parseTokenFile, type TokenEntry } from './token-file.ts';
import { hashToken, sameHash } from './token-secret.ts';

// The host's view of rest.auth.tokens.file. Every authentication first stats the file (one cheap
// syscall) and re-reads it when its inode, size or mtime changed, so `npm run token -- revoke`
// takes effect on the next request without a restart. Two writes within one clock tick can leave
// all three equal (a rename may reuse the freed inode), so a file modified in the last seconds is
// read again regardless, as git treats a "racily clean" index. A file that cannot be read or parsed
// accepts no token at all: failing closed means a broken edit can never revive a revoked token.

/** Files modified this recently are read again even when their stat looks unchanged. */
const RACY_MS = 3_000;

export interface AuthLog {
  info(details: object, message: string): void;
  error(details: object, message: string): void;
}

export class TokenStore {
  private entries: readonly TokenEntry[] = [];
  private version = 'unread';
  private text: string | undefined;
  private reloading: Promise<void> | undefined;

  readonly file: string;
  private readonly log: AuthLog;

  constructor(file: string, log: AuthLog) {
    this.file = file;
    this.log = log;
  }

  /** The principal these credentials belong to, or undefined when they match no token. */
  async authenticate(credentials: Credentials): Promise<Principal | undefined> {
    await this.refresh();
    const hash = hashToken(credentials.token);
    let match: TokenEntry | undefined;
    // Every entry is compared (no early exit), so timing says nothing about which hash matched.
    for (const entry of this.entries) {
      const nameMatches = credentials.scheme === 'bearer' || credentials.name === entry.name;
      if (sameHash(entry.hash, hash) && nameMatches) match = entry;
    }
    return match && { name: match.name, role: match.role };
  }

  /** Re-reads the file when it changed since the last read (one reload at a time). */
  async refresh(): Promise<void> {
    while (this.reloading) await this.reloading;
    const { version, recent } = await this.currentVersion();
    if (version === this.version && !recent) return;
    this.reloading = this.reload(version).finally(() => {
      this.reloading = undefined;
    });
    await this.reloading;
  }

  private async currentVersion(): Promise<{ version: string; recent: boolean }> {
    try {
      const info = await stat(this.file, { bigint: true });
      const ageMs = Date.now() - Number(info.mtimeMs);
      return { version: `${info.ino}:${info.size}:${info.mtimeNs}`, recent: ageMs < RACY_MS };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return { version: code === 'ENOENT' ? 'missing' : `error:${code}`, recent: false };
    }
  }

  private async reload(version: string): Promise<void> {
    this.version = version;
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') text = '';
      else return this.failClosed(error);
    }
    if (text === this.text) return;
    this.text = text;
    try {
      this.entries = parseTokenFile(text, this.file);
      this.log.info({ file: this.file, tokens: this.entries.length }, 'REST tokens loaded');
    } catch (error) {
      this.failClosed(error);
    }
  }

  private failClosed(error: unknown): void {
    this.entries = [];
    this.text = undefined;
    this.log.error({ file: this.file, err: error }, 'REST tokens file unreadable: no token is accepted');
  }
}
