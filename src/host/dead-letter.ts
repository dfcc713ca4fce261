import type { IncomingMessage, RecordProducer } from '../kafka/types.ts';
import { OnrampError } from '../plugin/errors.ts';
import type { RecordHeader } from '../plugin/record.ts';
import type { FailedRecord } from './error-policy.ts';

// Kafka Connect's dead-letter queue for sinks: the original key/value bytes and headers of a record
// that could not be processed, plus (errors.deadletterqueue.context.headers.enable) the
// `__connect.errors.*` headers saying where it came from and why it failed.

const PREFIX = '__connect.errors.';

export interface DeadLetterOptions {
  topic: string;
  replicationFactor: number;
  contextHeaders: boolean;
  connector: string;
  taskId: number;
  /** Opened on the first dead letter: most tasks never need a producer. */
  producer: () => RecordProducer;
}

export function exceptionClassName(error: unknown): string {
  if (error instanceof OnrampError) return `OnrampError(${error.code})`;
  return error instanceof Error ? error.name : typeof error;
}

export function errorContextHeaders(
  failure: FailedRecord,
  connector: string,
  taskId: number,
): RecordHeader[] {
  const { error, origin } = failure;
  const headers: RecordHeader[] = [
    { key: `${PREFIX}topic`, value: origin.topic },
    { key: `${PREFIX}partition`, value: String(origin.partition ?? -1) },
    { key: `${PREFIX}offset`, value: origin.offset ?? '-1' },
    { key: `${PREFIX}connector.name`, value: connector },
    { key: `${PREFIX}task.id`, value: String(taskId) },
    { key: `${PREFIX}stage`, value: failure.stage },
    { key: `${PREFIX}class.name`, value: failure.className },
    { key: `${PREFIX}exception.class.name`, value: exceptionClassName(error) },
  ];
  if (error instanceof Error) {
    headers.push({ key: `${PREFIX}exception.message`, value: error.message });
    if (error.stack !== undefined) headers.push({ key: `${PREFIX}exception.stacktrace`, value: error.stack });
  } else {
    headers.push({ key: `${PREFIX}exception.message`, value: String(error) });
  }
  return headers;
}

export class DeadLetterQueue {
  private readonly options: DeadLetterOptions;
  private producer: RecordProducer | undefined;

  constructor(options: DeadLetterOptions) {
    this.options = options;
  }

  /** Resolves once Kafka acknowledged the dead letter: only then may the record's offset be committed. */
  async send(failure: FailedRecord): Promise<void> {
    const message: IncomingMessage | undefined = failure.message;
    if (!message) return;
    const { contextHeaders, connector, taskId, topic, replicationFactor } = this.options;
    const headers = contextHeaders
      ? [...message.headers, ...errorContextHeaders(failure, connector, taskId)]
      : message.headers;
    this.producer ??= this.options.producer();
    await this.producer.send(
      [{ topic, key: message.key, value: message.value, headers, timestamp: message.timestamp }],
      replicationFactor > 0 ? { replicationFactor } : {},
    );
  }

  async close(): Promise<void> {
    await this.producer?.close();
    this.producer = undefined;
  }
}
