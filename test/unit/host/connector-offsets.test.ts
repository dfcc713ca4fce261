import { describe, expect, it } from 'vitest';
import {
  offsetEntries,
  parseSinkOffsets,
  parseSourceOffsets,
  sinkOffsetsBody,
} from '../../../src/host/connector-offsets.ts';

function message(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    return (error as Error).message;
  }
  return 'no error';
}

describe('KIP-875 offset bodies', () => {
  it('needs a non-empty offsets list', () => {
    for (const body of [undefined, null, {}, { offsets: [] }, { offsets: null }]) {
      expect(message(() => offsetEntries(body))).toBe(
        'Partitions / offsets need to be provided for an alter offsets request',
      );
    }
    expect(message(() => offsetEntries({ offsets: {} }))).toMatch(/must be a list/);
    expect(message(() => offsetEntries({ offsets: [123] }))).toMatch(/must be an object/);
    expect(message(() => offsetEntries({ key: [] }))).toMatch(/Unrecognized field/);
  });

  it("checks sink partitions and offsets with Kafka Connect's messages", () => {
    const sink = (entry: unknown) => message(() => parseSinkOffsets(offsetEntries({ offsets: [entry] })));
    expect(sink({})).toBe('The partition for a sink connector offset cannot be null or missing');
    expect(sink({ partition: {}, offset: null })).toBe(
      "The partition for a sink connector offset must contain the keys 'kafka_topic' and 'kafka_partition'",
    );
    expect(sink({ partition: { kafka_topic: 't', kafka_partition: 'x' }, offset: null })).toBe(
      'Partition values for sink connectors need to be integers',
    );
    expect(sink({ partition: { kafka_topic: 't', kafka_partition: 1 }, offset: {} })).toBe(
      "The offset for a sink connector should either be null or contain the key 'kafka_offset'",
    );
    expect(sink({ partition: { kafka_topic: 't', kafka_partition: 1 }, offset: { kafka_offset: 'x' } })).toBe(
      'Offset values for sink connectors need to be integers',
    );
    expect(
      parseSinkOffsets(
        offsetEntries({
          offsets: [
            {
              partition: { kafka_topic: 't', kafka_partition: '2' },
              offset: { kafka_offset: '9007199254740993' },
            },
            { partition: { kafka_topic: 't', kafka_partition: 0 }, offset: null },
          ],
        }),
      ),
    ).toEqual([
      { topic: 't', partition: 2, offset: '9007199254740993' },
      { topic: 't', partition: 0, offset: null },
    ]);
  });

  it('accepts connector-defined source partitions and offsets', () => {
    expect(
      parseSourceOffsets(
        offsetEntries({
          offsets: [
            { partition: { server: 'shop' }, offset: { lsn: 1, txId: 2 } },
            { partition: { server: 'old' }, offset: null },
          ],
        }),
      ),
    ).toEqual([
      { partition: { server: 'shop' }, offset: { lsn: 1, txId: 2 } },
      { partition: { server: 'old' }, offset: null },
    ]);
    expect(message(() => parseSourceOffsets(offsetEntries({ offsets: [{ offset: {} }] })))).toBe(
      'The partition for a source connector offset cannot be null or missing',
    );
    expect(
      message(() => parseSourceOffsets(offsetEntries({ offsets: [{ partition: { a: [1] }, offset: {} }] }))),
    ).toMatch(/strings or numbers/);
  });

  it('shows sink group offsets as kafka_topic/kafka_partition/kafka_offset', () => {
    expect(sinkOffsetsBody([{ topic: 't', partition: 3, offset: '42' }])).toEqual({
      offsets: [{ partition: { kafka_topic: 't', kafka_partition: 3 }, offset: { kafka_offset: 42 } }],
    });
  });
});
