import { readFile, stat } from 'node:fs/promises';

// A small file the host re-reads when it changes (the tokens file, a JWKS file): each read() first
// stats the file, one cheap syscall, and reads it again only when its inode, size or mtime moved.
// Two writes within one clock tick can leave all three equal (a rename may reuse the freed inode),
// so a file modified in the last seconds is read again regardless, as git treats a "racily clean"
// index.

/** Files modified this recently are read again even when their stat looks unchanged. */
const RACY_MS = 3_000;

export type FileState =
  | { kind: 'unchanged' }
  /** text is "" when the file does not exist. */
  | { kind: 'changed'; text: string }
  | { kind: 'unreadable'; error: unknown };

export class WatchedFile {
  readonly path: string;
  private version = 'unread';
  private text: string | undefined;
  private reading: Promise<FileState> | undefined;

  constructor(path: string) {
    this.path = path;
  }

  /** Whether the content differs from the last read's (one read at a time). */
  async read(): Promise<FileState> {
    while (this.reading) await this.reading;
    this.reading = this.check().finally(() => {
      this.reading = undefined;
    });
    return await this.reading;
  }

  private async check(): Promise<FileState> {
    let version: string;
    let recent = false;
    try {
      const info = await stat(this.path, { bigint: true });
      version = `${info.ino}:${info.size}:${info.mtimeNs}`;
      recent = Date.now() - Number(info.mtimeMs) < RACY_MS;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      version = code === 'ENOENT' ? 'missing' : `error:${code}`;
    }
    if (version === this.version && !recent) return { kind: 'unchanged' };
    this.version = version;
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.text = undefined;
        return { kind: 'unreadable', error };
      }
      text = '';
    }
    if (text === this.text) return { kind: 'unchanged' };
    this.text = text;
    return { kind: 'changed', text };
  }
}
