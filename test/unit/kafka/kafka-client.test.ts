import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createKafkaClient } from '../../../src/kafka/kafka-client.ts';

describe('createKafkaClient', () => {
  it('connects to nothing on creation and keeps TimeoutNegativeWarning (only that) out of the process warnings', async () => {
    createKafkaClient({ brokers: ['127.0.0.1:1'], clientId: 'unit', log: pino({ level: 'silent' }) });
    const seen: string[] = [];
    const listener = (warning: Error) => seen.push(warning.name);
    process.on('warning', listener);
    try {
      process.emitWarning('-5 is a negative number.', 'TimeoutNegativeWarning');
      process.emitWarning(
        Object.assign(new Error('-5 is a negative number.'), { name: 'TimeoutNegativeWarning' }),
      );
      process.emitWarning('something else', 'OtherWarning');
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', listener);
    }
    expect(seen).toEqual(['OtherWarning']);
  });
});
