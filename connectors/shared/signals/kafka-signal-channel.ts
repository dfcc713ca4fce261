import { errorMessage, isRetriable, type Logger, type TopicReader } from '../../../src/plugin/index.ts';
import { type SignalRecord, signalFromMessage } from './signal-record.ts';

// Debezium's KafkaSignalChannel: signals are messages on signal.kafka.topic, keyed by the
// connector's topic.prefix, valued {"id": "...", "type": "execute-snapshot", "data": {...}}; others
// are skipped. The topic is read in group signal.kafka.groupId through the host's Kafka clients
// (the task context's readTopic) and a message's offset is committed once its signal ran. Kafka
// being away is waited out; a setting the host refuses fails the task.

const RETRY_MS = 5_000;

export interface KafkaSignalChannelOptions {
  readTopic: TopicReader;
  topic: string;
  groupId: string;
  bootstrapServers: readonly string[] | undefined;
  topicPrefix: string;
  log: Logger;
  deliver(signal: SignalRecord): Promise<void>;
  onFailure(error: Error): void;
}

export class KafkaSignalChannel {
  private readonly options: KafkaSignalChannelOptions;
  private readonly controller = new AbortController();
  private running: Promise<void> | undefined;

  constructor(options: KafkaSignalChannelOptions) {
    this.options = options;
  }

  start(): void {
    this.running ??= this.read();
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.running;
  }

  private async read(): Promise<void> {
    const { readTopic, topic, groupId, bootstrapServers, log } = this.options;
    const { signal } = this.controller;
    log.info({ topic, groupId }, 'reading signals from Kafka');
    while (!signal.aborted) {
      try {
        await readTopic(
          { topic, groupId, ...(bootstrapServers && { bootstrapServers }) },
          (message) => this.handle(message.key, message.value, message.offset),
          signal,
        );
      } catch (error) {
        if (signal.aborted) return;
        if (!isRetriable(error)) {
          this.options.onFailure(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        log.warn({ topic, error: errorMessage(error) }, 'reading the signal topic failed; trying again');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, RETRY_MS);
          signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    }
  }

  private async handle(key: string | null, value: string | null, offset: string): Promise<void> {
    const parsed = signalFromMessage(key, value, this.options.topicPrefix);
    if ('ignored' in parsed) {
      this.options.log.info(
        { topic: this.options.topic, offset },
        `signal message skipped: ${parsed.ignored}`,
      );
      return;
    }
    await this.options.deliver(parsed);
  }
}
