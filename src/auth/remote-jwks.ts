import type { FileState } from './watched-file.ts';

// A JWKS served by an identity provider (rest.auth.jwt.jwks.url), fetched on first use and again
// once it is older than maxAgeMs, or sooner (at most every minIntervalMs) when a token names a key
// id the cached set does not have: keys rotate without a restart, and a flood of tokens with
// made-up key ids cannot make the host hammer the provider. Redirects are not followed, the answer
// must be a 200 of at most 1 MiB within timeoutMs.

export interface RemoteJwksOptions {
  maxAgeMs: number;
  minIntervalMs: number;
  timeoutMs: number;
}

export const REMOTE_JWKS_DEFAULTS: RemoteJwksOptions = {
  maxAgeMs: 5 * 60_000,
  minIntervalMs: 30_000,
  timeoutMs: 5_000,
};

const MAX_BYTES = 1024 * 1024;

export class RemoteJwks {
  readonly url: string;
  private readonly options: RemoteJwksOptions;
  /** When the last fetch (successful or not) started; -Infinity before the first. */
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private succeeded = false;
  private text: string | undefined;
  private fetching: Promise<FileState> | undefined;

  constructor(url: string, options: Partial<RemoteJwksOptions> = {}) {
    this.url = url;
    this.options = { ...REMOTE_JWKS_DEFAULTS, ...options };
  }

  /**
   * The JWKS if it is due to be fetched again (`unknownKey`: a token named a key id the cached
   * set lacks), else unchanged. Concurrent callers share one fetch.
   */
  async read(unknownKey = false, now: number = Date.now()): Promise<FileState> {
    if (this.fetching) return await this.fetching;
    const age = now - this.fetchedAt;
    // After a failure, try again no sooner than minIntervalMs, so an unreachable provider is not
    // asked on every request.
    const due = unknownKey || !this.succeeded ? this.options.minIntervalMs : this.options.maxAgeMs;
    if (age < due) return { kind: 'unchanged' };
    this.fetchedAt = now;
    this.fetching = this.fetch().finally(() => {
      this.fetching = undefined;
    });
    return await this.fetching;
  }

  private async fetch(): Promise<FileState> {
    try {
      const response = await fetch(this.url, {
        redirect: 'error',
        headers: { accept: 'application/json, application/jwk-set+json' },
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new Error(`${this.url} answered HTTP ${response.status}`);
      }
      const length = Number(response.headers.get('content-length') ?? 0);
      if (length > MAX_BYTES) {
        await response.body?.cancel();
        throw new Error(`${this.url} sent ${length} bytes; a JWKS of at most ${MAX_BYTES} is read`);
      }
      const text = await response.text();
      if (text.length > MAX_BYTES) throw new Error(`${this.url} sent more than ${MAX_BYTES} bytes`);
      this.succeeded = true;
      if (text === this.text) return { kind: 'unchanged' };
      this.text = text;
      return { kind: 'changed', text };
    } catch (error) {
      this.succeeded = false;
      return { kind: 'unreadable', error };
    }
  }
}
