import type { LogRecord, LogWrite, TopicLog } from '../../../src/cluster/topic-log.ts';
import { partitionForKey } from '../../../src/kafka/partitioner.ts';

// A topic held in memory for the store unit tests: every log opened on it sees every record, in
// offset order per partition, delivered asynchronously (as a fetch loop would) after the write.

export class MemoryTopic {
  readonly name: string;
  readonly partitions: LogRecord[][];
  private readonly readers = new Set<MemoryTopicLog>();

  constructor(name: string, partitions: number) {
    this.name = name;
    this.partitions = Array.from({ length: partitions }, () => []);
  }

  append(writes: readonly LogWrite[]): void {
    for (const write of writes) {
      const partition = write.partition ?? partitionForKey(write.key, this.partitions.length);
      const records = this.partitions[partition];
      if (!records) throw new Error(`no partition ${partition}`);
      records.push({ partition, offset: BigInt(records.length), key: write.key, value: write.value });
    }
    for (const reader of this.readers) reader.wake();
  }

  /** Every record, partition by partition: what a fresh reader replays. */
  records(): LogRecord[] {
    return this.partitions.flat();
  }

  open(): MemoryTopicLog {
    const log = new MemoryTopicLog(this);
    this.readers.add(log);
    return log;
  }

  close(log: MemoryTopicLog): void {
    this.readers.delete(log);
  }
}

export class MemoryTopicLog implements TopicLog {
  readonly topic: string;
  private readonly source: MemoryTopic;
  private readonly positions: number[];
  private onRecord: ((record: LogRecord) => void) | undefined;
  private waiters: (() => void)[] = [];
  private scheduled = false;

  constructor(source: MemoryTopic) {
    this.source = source;
    this.topic = source.name;
    this.positions = source.partitions.map(() => 0);
  }

  async start(onRecord: (record: LogRecord) => void): Promise<void> {
    this.onRecord = onRecord;
    this.deliver();
  }

  readToEnd(): Promise<void> {
    if (this.atEnd()) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.wake();
    });
  }

  async send(records: readonly LogWrite[]): Promise<void> {
    this.source.append(records);
  }

  partitionCount(): number {
    return this.source.partitions.length;
  }

  async stop(): Promise<void> {
    this.source.close(this);
  }

  wake(): void {
    if (this.scheduled || !this.onRecord) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.deliver();
    });
  }

  private atEnd(): boolean {
    return this.source.partitions.every(
      (records, partition) => (this.positions[partition] ?? 0) >= records.length,
    );
  }

  private deliver(): void {
    this.source.partitions.forEach((records, partition) => {
      while ((this.positions[partition] ?? 0) < records.length) {
        const record = records[this.positions[partition] ?? 0];
        this.positions[partition] = (this.positions[partition] ?? 0) + 1;
        if (record) this.onRecord?.(record);
      }
    });
    if (this.atEnd()) for (const resolve of this.waiters.splice(0)) resolve();
  }
}
