// The bounded queue between the database readers (snapshot workers, the replication stream) and
// poll(). A full queue makes put() wait, which is what pauses the replication socket (the stream
// awaits its handler) and the COPY streams: memory stays bounded when Kafka is slow. Waiting puts
// are served in arrival order, so records keep the order they were produced in.
//
// Full means `capacity` items, or (with `maxBytes`) items whose estimated sizes add up to
// `maxBytes`, as Debezium's max.queue.size and max.queue.size.in.bytes: the record count alone lets
// a table of wide rows (or a transaction of large TOAST values) hold gigabytes. An item larger than
// `maxBytes` on its own is still admitted into an empty queue, so nothing can get stuck.

/**
 * max.queue.size.in.bytes by default (Debezium's is 0, no bound). Measured (bench wide-tx: one
 * transaction of 2000 x 512 KiB rows): peak RSS 1436 MB with no byte bound, 301 MB at 16 MiB,
 * 274 MB at 8 MiB, 273 MB at 4 MiB, draining as fast at each; 8 MiB still holds two poll batches
 * of pg-stream's ~1.8 KB events, so small rows keep the producer fed.
 */
export const DEFAULT_QUEUE_BYTES = 8 * 1024 * 1024;

interface PendingPut<T> {
  item: T;
  size: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

export interface QueueByteBound<T> {
  /** The most bytes the queue holds (0: no bound by bytes). */
  maxBytes: number;
  /** An item's size in bytes, estimated once when it is put. */
  sizeOf: (item: T) => number;
}

export class RecordQueue<T> {
  private items: T[] = [];
  /** Each item's size, in step with `items` (empty without a byte bound). */
  private sizes: number[] = [];
  private queuedBytes = 0;
  private readonly waitingPuts: PendingPut<T>[] = [];
  private wakeTaker: (() => void) | undefined;
  private failure: Error | undefined;
  private closed = false;
  readonly capacity: number;
  private readonly byteBound: QueueByteBound<T> | undefined;

  constructor(capacity: number, byteBound?: QueueByteBound<T>) {
    this.capacity = capacity;
    this.byteBound = byteBound && byteBound.maxBytes > 0 ? byteBound : undefined;
  }

  get size(): number {
    return this.items.length + this.waitingPuts.length;
  }

  /** Estimated bytes of the items in the queue (0 without a byte bound). */
  get bytes(): number {
    return this.queuedBytes;
  }

  /** The byte bound, or 0 when there is none. */
  get maxBytes(): number {
    return this.byteBound?.maxBytes ?? 0;
  }

  /** Adds an item, waiting while the queue is full. Rejects once the queue is closed or failed. */
  put(item: T): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('queue closed'));
    const size = this.byteBound?.sizeOf(item) ?? 0;
    if (this.waitingPuts.length === 0 && this.hasRoomFor(size)) {
      this.admit(item, size);
      this.wakeTaker?.();
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.waitingPuts.push({ item, size, resolve, reject }));
  }

  /** Adds an item only if that needs no waiting (for optional records such as heartbeats). */
  tryPut(item: T): boolean {
    if (this.failure || this.closed || this.waitingPuts.length > 0) return false;
    const size = this.byteBound?.sizeOf(item) ?? 0;
    if (!this.hasRoomFor(size)) return false;
    this.admit(item, size);
    this.wakeTaker?.();
    return true;
  }

  /**
   * Up to `max` items, waiting at most `waitMs` for the first one. Throws the failure if the queue
   * failed; resolves [] on timeout, abort or close.
   */
  async take(max: number, waitMs: number, signal?: AbortSignal): Promise<T[]> {
    if (this.failure) throw this.failure;
    if (this.items.length === 0 && !this.closed && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          this.wakeTaker = undefined;
          resolve();
        };
        const timer = setTimeout(done, waitMs);
        signal?.addEventListener('abort', done, { once: true });
        this.wakeTaker = done;
      });
      if (this.failure) throw this.failure;
    }
    const all = this.items.length <= max;
    const taken = all ? this.items : this.items.slice(0, max);
    this.items = all ? [] : this.items.slice(max);
    if (this.byteBound) {
      const takenSizes = all ? this.sizes : this.sizes.slice(0, max);
      this.sizes = all ? [] : this.sizes.slice(max);
      for (const size of takenSizes) this.queuedBytes -= size;
    }
    this.admitWaiting();
    return taken;
  }

  /** Fails the queue: takers get `error`, waiting and later puts reject with it. */
  fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    for (const waiting of this.waitingPuts.splice(0)) waiting.reject(error);
    this.wakeTaker?.();
  }

  /** Stops accepting items; waiting puts are rejected so producers can wind down. */
  close(): void {
    this.closed = true;
    const error = new Error('queue closed');
    for (const waiting of this.waitingPuts.splice(0)) waiting.reject(error);
    this.wakeTaker?.();
  }

  get failed(): Error | undefined {
    return this.failure;
  }

  private hasRoomFor(size: number): boolean {
    if (this.items.length >= this.capacity) return false;
    if (!this.byteBound || this.items.length === 0) return true;
    return this.queuedBytes + size <= this.byteBound.maxBytes;
  }

  private admit(item: T, size: number): void {
    this.items.push(item);
    if (this.byteBound) {
      this.sizes.push(size);
      this.queuedBytes += size;
    }
  }

  private admitWaiting(): void {
    while (this.waitingPuts.length > 0 && this.hasRoomFor((this.waitingPuts[0] as PendingPut<T>).size)) {
      const next = this.waitingPuts.shift() as PendingPut<T>;
      this.admit(next.item, next.size);
      next.resolve();
    }
  }
}
