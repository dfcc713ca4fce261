import { errorMessage, OnrampError } from '../plugin/errors.ts';

// kafkajs errors -> our error table. Connection trouble and anything kafkajs marks retriable is
// KAFKA_UNAVAILABLE (the runners back off and retry); the rest (message too large, authorization,
// invalid topic, ...) fails the task with the broker's reason.

interface KafkaJsErrorShape {
  name?: string;
  retriable?: boolean;
  type?: string;
  cause?: unknown;
}

const UNAVAILABLE_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSLockTimeout',
  'KafkaJSStaleTopicMetadataAssignment',
  'KafkaJSTimeout',
]);

function isRetriableKafkaError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const shape = error as KafkaJsErrorShape;
  if (shape.name !== undefined && UNAVAILABLE_NAMES.has(shape.name)) return true;
  if (shape.retriable === true) return true;
  // KafkaJSNonRetriableError wraps the retriable error that exhausted its retries.
  return shape.cause !== undefined && shape.cause !== error && isRetriableKafkaError(shape.cause);
}

export function kafkaError(error: unknown, action: string): OnrampError {
  if (error instanceof OnrampError) return error;
  const type = (error as KafkaJsErrorShape | undefined)?.type;
  const detail = `${action}: ${errorMessage(error)}${type ? ` (${type})` : ''}`;
  if (isRetriableKafkaError(error))
    return new OnrampError('KAFKA_UNAVAILABLE', `Kafka is unavailable while ${detail}`, { cause: error });
  return new OnrampError('TASK_FAILED', `Kafka refused ${detail}`, { cause: error });
}
