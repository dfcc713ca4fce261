import type { SourceRecord } from '../../src/plugin/index.ts';
import { InterceptedQueue } from './incremental-snapshot/intercepted-queue.ts';
import { recordSizer } from './record-size.ts';

// A source task's queue, bounded as its config says: max.queue.size records and
// max.queue.size.in.bytes estimated bytes (record-size.ts), whichever is reached first.

export interface SourceQueueConfig {
  'max.queue.size': number;
  'max.queue.size.in.bytes': number;
}

export function sourceRecordQueue(config: SourceQueueConfig): InterceptedQueue<SourceRecord> {
  return new InterceptedQueue<SourceRecord>(config['max.queue.size'], {
    maxBytes: config['max.queue.size.in.bytes'],
    sizeOf: recordSizer(),
  });
}
