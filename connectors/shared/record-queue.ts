// The bounded queue between the database readers (snapshot workers, the replication stream) and
// poll(). A full queue makes put() wait, which is what pauses the replication socket (the stream
// awaits its handler) and the COPY streams: memory stays bounded when Kafka is slow. Waiting puts
// are served in arrival order, so records keep the order they were produced in.

interface PendingPut<T> {
  item: T;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class RecordQueue<T> {
  private items: T[] = [];
  private readonly waitingPuts: PendingPut<T>[] = [];
  private wakeTaker: (() => void) | undefined;
  private failure: Error | undefined;
  private closed = false;
  readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.items.length + this.waitingPuts.length;
  }

  /** Adds an item, waiting while the queue is full. Rejects once the queue is closed or failed. */
  put(item: T): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('queue closed'));
    if (this.waitingPuts.length === 0 && this.items.length < this.capacity) {
      this.items.push(item);
      this.wakeTaker?.();
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.waitingPuts.push({ item, resolve, reject }));
  }

  /** Adds an item only if that needs no waiting (for optional records such as heartbeats). */
  tryPut(item: T): boolean {
    if (this.failure || this.closed || this.waitingPuts.length > 0 || this.items.length >= this.capacity)
      return false;
    this.items.push(item);
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
    const taken = this.items.length <= max ? this.items : this.items.slice(0, max);
    this.items = this.items.length <= max ? [] : this.items.slice(max);
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

  private admitWaiting(): void {
    while (this.waitingPuts.length > 0 && this.items.length < this.capacity) {
      const next = this.waitingPuts.shift() as PendingPut<T>;
      this.items.push(next.item);
      next.resolve();
    }
  }
}
