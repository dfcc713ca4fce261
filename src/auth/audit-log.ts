import { mkdirSync, statSync } from 'node:fs';
import { appendFile, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

// <data.dir>/audit.log: one JSON line per write request (every method but GET/HEAD/OPTIONS), whether
// it was allowed or not. Only who, what and the outcome are kept, never a request body (it holds
// connector configs and their passwords) nor a header. Refused requests are audited too, so anyone
// who reaches the port adds lines: once the file passes maxBytes it becomes audit.log.1 (replacing
// the one before), which bounds the log at twice maxBytes instead of letting it fill the disk.

export interface AuditEntry {
  time: string;
  /** Token name; "anonymous" when rest.auth=none; null when no valid token was presented. */
  principal: string | null;
  role: string | null;
  method: string;
  /** The route pattern, or the path when no route matched. */
  route: string;
  path: string;
  connector?: string;
  /** The data product a /products write named. */
  product?: string;
  status: number;
  remote: string;
}

export interface AuditLogOptions {
  file: string;
  onError(error: unknown): void;
  /** Size at which the file is rotated to <file>.1 (default 64 MiB). */
  maxBytes?: number;
}

export const AUDIT_MAX_BYTES = 64 * 1024 * 1024;

export class AuditLog {
  private tail: Promise<void> = Promise.resolve();
  private readonly options: AuditLogOptions;
  private readonly maxBytes: number;
  private size: number;

  constructor(options: AuditLogOptions) {
    this.options = options;
    this.maxBytes = options.maxBytes ?? AUDIT_MAX_BYTES;
    mkdirSync(dirname(options.file), { recursive: true });
    this.size = sizeOf(options.file);
  }

  /** Appends one entry; appends are serialized so lines keep the order requests finished in. */
  append(entry: AuditEntry): Promise<void> {
    const line = `${JSON.stringify(clipped(entry))}\n`;
    this.tail = this.tail
      .then(async () => {
        if (this.size > 0 && this.size + line.length > this.maxBytes) {
          await rename(this.options.file, `${this.options.file}.1`);
          this.size = 0;
        }
        await appendFile(this.options.file, line, { mode: 0o600 });
        this.size += Buffer.byteLength(line);
      })
      .catch((error: unknown) => this.options.onError(error));
    return this.tail;
  }

  /** The newest `limit` entries, newest first (reads the file from its end, then the rotated one). */
  async recent(limit: number): Promise<AuditEntry[]> {
    await this.tail;
    let lines = await lastLines(this.options.file, limit);
    if (lines.length < limit)
      lines = [...(await lastLines(`${this.options.file}.1`, limit - lines.length)), ...lines];
    const entries: AuditEntry[] = [];
    for (const line of lines.reverse()) {
      try {
        entries.push(JSON.parse(line) as AuditEntry);
      } catch {
        // A line torn by a crash mid-append is skipped rather than failing the whole read.
      }
    }
    return entries;
  }
}

/**
 * The longest text kept per field. Names, paths and principals come from the request (a refused
 * POST's body name may be megabytes long): each line stays small, so a client cannot grow the log
 * by the size of its bodies.
 */
export const AUDIT_FIELD_MAX = 512;

function clip(value: string): string {
  if (value.length <= AUDIT_FIELD_MAX) return value;
  return `${value.slice(0, AUDIT_FIELD_MAX)}...(${value.length - AUDIT_FIELD_MAX} more characters)`;
}

function clipped(entry: AuditEntry): AuditEntry {
  return {
    ...entry,
    ...(entry.principal !== null && { principal: clip(entry.principal) }),
    route: clip(entry.route),
    path: clip(entry.path),
    ...(entry.connector !== undefined && { connector: clip(entry.connector) }),
    ...(entry.product !== undefined && { product: clip(entry.product) }),
  };
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

const CHUNK = 64 * 1024;

/** The last `count` non-empty lines of a file, oldest first; none when it does not exist. */
async function lastLines(file: string, count: number): Promise<string[]> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  try {
    const { size } = await handle.stat();
    let position = size;
    let buffered = Buffer.alloc(0);
    // Reads backwards until the buffer holds more than `count` line breaks (or the whole file).
    while (position > 0 && countNewlines(buffered) <= count) {
      const length = Math.min(CHUNK, position);
      position -= length;
      const chunk = Buffer.alloc(length);
      await handle.read(chunk, 0, length, position);
      buffered = Buffer.concat([chunk, buffered]);
    }
    const pieces = buffered.toString('utf8').split('\n');
    // When reading stopped mid-file, what precedes the first line break may be a partial line.
    if (position > 0) pieces.shift();
    return pieces.filter((line) => line !== '').slice(-count);
  } finally {
    await handle.close();
  }
}

function countNewlines(buffer: Buffer): number {
  let newlines = 0;
  for (let index = buffer.indexOf(10); index !== -1; index = buffer.indexOf(10, index + 1)) newlines++;
  return newlines;
}
