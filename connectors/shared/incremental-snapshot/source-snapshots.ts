import { randomUUID } from 'node:crypto';
import {
  OnrampError,
  type SnapshotProgress,
  type SourceOffset,
  type SourceRecord,
  type TaskContext,
  type TaskSignal,
} from '../../../src/plugin/index.ts';
import { KafkaSignalChannel } from '../signals/kafka-signal-channel.ts';
import { channelEnabled, type SignalSettings, signalBootstrapServers } from '../signals/signal-config.ts';
import { SnapshotRequestError } from '../signals/snapshot-request.ts';
import { IncrementalSnapshotEngine } from './engine.ts';
import type { InterceptedQueue } from './intercepted-queue.ts';
import type { IncrementalSource } from './snapshot-source.ts';

// What a source task holds for ad hoc snapshots and signals: the engine (engine.ts), the Kafka
// signal channel, and the REST API's way in. The task creates it at start (with the stored offset,
// so an interrupted incremental snapshot continues), attaches it when streaming begins, and hands
// it signal() and snapshots() for the host.

export interface SourceSnapshotsOptions<V> {
  settings: SignalSettings & {
    'topic.prefix': string;
    'incremental.snapshot.watermarking.strategy': 'insert_insert' | 'insert_delete';
    /** MySQL/MariaDB only (PostgreSQL's stream has no DDL to wait for). */
    'incremental.snapshot.allow.schema.changes'?: boolean;
  };
  context: TaskContext;
  source: IncrementalSource<V>;
  /** The signal table's id and the topic of its events, when signal.data.collection is set. */
  signalTable: { id: string; topic: string } | undefined;
  stored: SourceOffset | undefined;
  count(table: string): void;
  onFailure(error: Error): void;
}

export class SourceSnapshots<V = unknown> {
  private readonly engine: IncrementalSnapshotEngine<V>;
  private readonly kafka: KafkaSignalChannel | undefined;

  constructor(options: SourceSnapshotsOptions<V>) {
    const { settings, context, signalTable } = options;
    this.engine = new IncrementalSnapshotEngine({
      source: options.source,
      log: context.log,
      chunkSize: settings['incremental.snapshot.chunk.size'],
      signalTable,
      writeWatermarks: signalTable !== undefined && !settings['read.only'],
      watermarkStrategy: settings['incremental.snapshot.watermarking.strategy'],
      allowSchemaChanges: settings['incremental.snapshot.allow.schema.changes'] === true,
      sourceChannel: channelEnabled(settings, 'source'),
      stored: options.stored,
      count: options.count,
      onFailure: options.onFailure,
    });
    if (channelEnabled(settings, 'kafka')) {
      if (context.readTopic === undefined) {
        context.log.warn({}, 'signal.enabled.channels has kafka, but this host gives tasks no Kafka reader');
      } else {
        this.kafka = new KafkaSignalChannel({
          readTopic: context.readTopic,
          topic: settings['signal.kafka.topic'] ?? `${settings['topic.prefix']}-signal`,
          groupId: settings['signal.kafka.groupId'],
          bootstrapServers: signalBootstrapServers(settings),
          topicPrefix: settings['topic.prefix'],
          log: context.log,
          deliver: (signal) => this.engine.signal(signal, false),
          onFailure: options.onFailure,
        });
        this.kafka.start();
      }
    }
  }

  /** Streaming began: its records pass through the engine from now on. */
  attach(queue: InterceptedQueue<SourceRecord>, position: SourceOffset): void {
    this.engine.attach(queue, position);
  }

  /** A signal through the REST API; a request that cannot run is refused with the reason. */
  async signal(signal: TaskSignal): Promise<void> {
    try {
      await this.engine.signal({ ...signal, id: signal.id || randomUUID(), channel: 'rest' }, true);
    } catch (error) {
      if (error instanceof SnapshotRequestError)
        throw new OnrampError('SNAPSHOT_REQUEST_INVALID', error.message);
      throw error;
    }
  }

  progress(): SnapshotProgress {
    return this.engine.progress();
  }

  async stop(): Promise<void> {
    await this.kafka?.stop();
    await this.engine.stop();
  }
}
