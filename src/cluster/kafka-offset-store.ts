import type { SourceOffset, SourceOffsetEntry, SourcePartition } from '../plugin/index.ts';
import type { OffsetStore } from '../stores/stores.ts';
import {
  decodeOffsetKey,
  decodeOffsetValue,
  encodeOffsetKey,
  encodeOffsetValue,
  partitionIdentity,
} from './offset-records.ts';
import type { LogRecord, TopicLog } from './topic-log.ts';
import type { WriteFence } from './write-fence.ts';

// The offset store of a cluster: Kafka Connect's offsets topic (`offset.storage.topic`, 25
// partitions by default). Every worker reads all of it; a write goes to the partition Kafka's
// partitioner picks for the key bytes, so an offset Onramp writes for a partition Kafka Connect
// wrote before replaces it (same key bytes: the bytes read are reused) and compacts with it.

interface StoredOffset {
  partition: SourcePartition;
  offset: SourceOffset;
  /** The key as the topic holds it. */
  key: Buffer;
}

export interface KafkaOffsetStoreOptions {
  log: TopicLog;
  /** Asked before every write: a worker that lost its tasks must not commit their offsets. */
  fence?: WriteFence;
  /** Read-to-end timeout for writes (Kafka Connect: 30 s). */
  timeoutMs?: number;
}

export class KafkaOffsetStore implements OffsetStore {
  private readonly options: KafkaOffsetStoreOptions;
  /** connector -> partition identity -> offset */
  private readonly offsets = new Map<string, Map<string, StoredOffset>>();
  /** Key bytes seen per partition identity, also after a tombstone: a later write reuses them. */
  private readonly keys = new Map<string, Buffer>();

  constructor(options: KafkaOffsetStoreOptions) {
    this.options = options;
  }

  start(): Promise<void> {
    return this.options.log.start((record) => this.onRecord(record));
  }

  stop(): Promise<void> {
    return this.options.log.stop();
  }

  /**
   * Reads to the end of the topic. Call before starting a source task: the worker that ran it
   * before may have committed offsets this worker has not read yet (Kafka Connect's
   * OffsetStorageReader reads to the end on every request).
   */
  refresh(timeoutMs = this.options.timeoutMs): Promise<void> {
    return this.options.log.readToEnd(timeoutMs);
  }

  /** Every connector with stored offsets (Kafka Connect's connectorPartitions). */
  connectors(): string[] {
    return [...this.offsets.keys()];
  }

  get(connector: string): SourceOffsetEntry[] {
    return [...(this.offsets.get(connector)?.values() ?? [])].map(({ partition, offset }) =>
      structuredClone({ partition, offset }),
    );
  }

  async put(
    connector: string,
    entries: ReadonlyArray<{ partition: SourcePartition; offset: SourceOffset | null }>,
  ): Promise<void> {
    if (entries.length === 0) return;
    await this.options.fence?.confirm(connector, `committing offsets of ${connector}`);
    await this.options.log.send(
      entries.map(({ partition, offset }) => ({
        key: this.keys.get(partitionIdentity(connector, partition)) ?? encodeOffsetKey(connector, partition),
        value: encodeOffsetValue(offset),
      })),
    );
    // Read back: the store then says what the topic says, and the next get() sees this write.
    await this.options.log.readToEnd(this.options.timeoutMs);
  }

  /** Tombstones for every partition of the connector (Kafka Connect's DELETE /connectors/{n}/offsets). */
  async reset(connector: string): Promise<void> {
    const stored = [...(this.offsets.get(connector)?.values() ?? [])];
    await this.put(
      connector,
      stored.map(({ partition }) => ({ partition, offset: null })),
    );
  }

  private onRecord(record: LogRecord): void {
    if (!record.key) return;
    const key = decodeOffsetKey(record.key);
    if (!key) return;
    const identity = partitionIdentity(key.connector, key.partition);
    this.keys.set(identity, record.key);
    const offset = decodeOffsetValue(record.value);
    if (offset === undefined) return;
    let partitions = this.offsets.get(key.connector);
    if (offset === null) {
      partitions?.delete(identity);
      if (partitions?.size === 0) this.offsets.delete(key.connector);
      return;
    }
    if (!partitions) {
      partitions = new Map();
      this.offsets.set(key.connector, partitions);
    }
    partitions.set(identity, { partition: key.partition, offset, key: record.key });
  }
}
