import type { Credentials } from './credentials.ts';
import type { Principal } from './roles.ts';
import { parseTokenFile, type TokenEntry } from './token-file.ts';
import { hashToken, sameHash } from './token-secret.ts';
import { WatchedFile } from './watched-file.ts';

// The host's view of rest.auth.tokens.file, re-read when it changes so `npm run token -- revoke`
// takes effect on the next request without a restart. A file that cannot be read or parsed accepts
// no token at all: failing closed means a broken edit can never revive a revoked token.

export interface AuthLog {
  info(details: object, message: string): void;
  error(details: object, message: string): void;
}

export class TokenStore {
  private entries: readonly TokenEntry[] = [];
  private readonly watched: WatchedFile;
  private readonly log: AuthLog;

  constructor(file: string, log: AuthLog) {
    this.watched = new WatchedFile(file);
    this.log = log;
  }

  get file(): string {
    return this.watched.path;
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

  /** Re-reads the file when it changed since the last read. */
  async refresh(): Promise<void> {
    const state = await this.watched.read();
    if (state.kind === 'unchanged') return;
    if (state.kind === 'unreadable') return this.failClosed(state.error);
    try {
      this.entries = parseTokenFile(state.text, this.file);
      this.log.info({ file: this.file, tokens: this.entries.length }, 'REST tokens loaded');
    } catch (error) {
      this.failClosed(error);
    }
  }

  private failClosed(error: unknown): void {
    this.entries = [];
    this.log.error({ file: this.file, err: error }, 'REST tokens file unreadable: no token is accepted');
  }
}
