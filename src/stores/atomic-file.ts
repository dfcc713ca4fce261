import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

// Crash-safe file replacement: the new content goes to a temp file in the same directory, which is
// fsynced, renamed over the target and followed by an fsync of the directory, so after a crash the
// target holds either the old or the new content, never a mix. Writes to one file are serialized;
// writes queued behind a running one are coalesced (only the newest content is written, and every
// waiter resolves once it is durable), which keeps frequent offset updates cheap.

/** Temp files carry this marker; whatever still has it after a crash is garbage. */
export const TEMP_MARKER = '.tmp-';

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

interface Slot {
  /** Content (or null for delete) waiting for the running write to finish. */
  pending: { content: string | null; waiters: Waiter[] } | undefined;
  draining: Promise<void>;
}

export class AtomicFileWriter {
  private readonly slots = new Map<string, Slot>();
  private counter = 0;

  /** Replaces `path` with `content` (or removes it when null); resolves once that is durable. */
  write(path: string, content: string | null): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter = { resolve, reject };
      const slot = this.slots.get(path);
      if (slot) {
        if (slot.pending) {
          slot.pending.content = content;
          slot.pending.waiters.push(waiter);
        } else {
          slot.pending = { content, waiters: [waiter] };
        }
        return;
      }
      const fresh: Slot = { pending: { content, waiters: [waiter] }, draining: Promise.resolve() };
      this.slots.set(path, fresh);
      fresh.draining = this.drain(path, fresh);
    });
  }

  /** Resolves when every write queued so far has finished. */
  async idle(): Promise<void> {
    while (this.slots.size > 0) {
      await Promise.all([...this.slots.values()].map((slot) => slot.draining));
    }
  }

  private async drain(path: string, slot: Slot): Promise<void> {
    while (slot.pending) {
      const batch = slot.pending;
      slot.pending = undefined;
      try {
        await this.apply(path, batch.content);
        for (const waiter of batch.waiters) waiter.resolve();
      } catch (error) {
        for (const waiter of batch.waiters) waiter.reject(error);
      }
    }
    this.slots.delete(path);
  }

  private async apply(path: string, content: string | null): Promise<void> {
    const dir = dirname(path);
    if (content === null) {
      try {
        await unlink(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        return;
      }
      await syncDirectory(dir);
      return;
    }
    const temp = `${path}${TEMP_MARKER}${process.pid}-${++this.counter}`;
    try {
      const handle = await open(temp, 'w', 0o600);
      try {
        await handle.writeFile(content, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, path);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    await syncDirectory(dir);
  }
}

/** Makes a rename or unlink in `dir` durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
