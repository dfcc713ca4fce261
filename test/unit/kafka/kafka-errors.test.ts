import { describe, expect, it } from 'vitest';
import { kafkaError } from '../../../src/kafka/kafka-errors.ts';

// Shapes of kafkajs errors (name / retriable / type / cause), as it throws them.
describe('kafkaError', () => {
  it('maps connection trouble and retriable errors to KAFKA_UNAVAILABLE (retriable)', () => {
    for (const error of [
      Object.assign(new Error('Connection error: connect ECONNREFUSED'), {
        name: 'KafkaJSConnectionError',
        retriable: true,
      }),
      Object.assign(new Error('retries exhausted'), {
        name: 'KafkaJSNonRetriableError',
        retriable: false,
        cause: Object.assign(new Error('leader not available'), {
          name: 'KafkaJSProtocolError',
          retriable: true,
        }),
      }),
      Object.assign(new Error('Request timed out'), { name: 'KafkaJSRequestTimeoutError' }),
    ]) {
      const mapped = kafkaError(error, 'producing to t');
      expect(mapped.code).toBe('KAFKA_UNAVAILABLE');
      expect(mapped.retriable).toBe(true);
      expect(mapped.cause).toBe(error);
    }
  });

  it('maps refusals to a non-retriable task failure with the broker reason', () => {
    const error = Object.assign(
      new Error('The request included a message larger than the max message size'),
      {
        name: 'KafkaJSProtocolError',
        retriable: false,
        type: 'MESSAGE_TOO_LARGE',
      },
    );
    const mapped = kafkaError(error, 'producing to t');
    expect(mapped.retriable).toBe(false);
    expect(mapped.message).toContain('MESSAGE_TOO_LARGE');
    expect(mapped.message).toContain('producing to t');
  });
});
