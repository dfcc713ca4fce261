import { RecordQueue } from '../record-queue.ts';

// The source task's queue with a seat for the incremental snapshot engine: while streaming, every
// record the stream puts passes the interceptor first, which may hold the stream (a chunk is being
// read), drop keys from the chunk buffer, carry the snapshot's state in the record's offset and
// put the chunk's `read` events in between. Without an interceptor it is the plain queue.

export interface PutInterceptor<T> {
  put(item: T, enqueue: (item: T) => Promise<void>): Promise<void>;
  tryPut(item: T, enqueue: (item: T) => boolean): boolean;
}

export class InterceptedQueue<T> extends RecordQueue<T> {
  private interceptor: PutInterceptor<T> | undefined;

  intercept(interceptor: PutInterceptor<T> | undefined): void {
    this.interceptor = interceptor;
  }

  override put(item: T): Promise<void> {
    if (!this.interceptor) return super.put(item);
    return this.interceptor.put(item, (next) => super.put(next));
  }

  override tryPut(item: T): boolean {
    if (!this.interceptor) return super.tryPut(item);
    return this.interceptor.tryPut(item, (next) => super.tryPut(next));
  }

  /** Puts past the interceptor (the engine's own records). */
  enqueue(item: T): Promise<void> {
    return super.put(item);
  }
}
