import { describe, expect, it } from 'vitest';
import type { ConnectSchema } from '../../../src/plugin/index.ts';
import { codecForAvroText, codecForConnect } from '../../../src/schema/avro-codec.ts';
import {
  envelopeSchema,
  keySchema,
  sampleEnvelope,
  sampleKey,
} from '../../support/runtime/debezium-sample.ts';

describe('AvroCodec', () => {
  it('round-trips a Debezium envelope through Avro bytes, decoded with the registry-side schema', () => {
    const writer = codecForConnect(envelopeSchema);
    const bytes = writer.encode(sampleEnvelope(7));
    const reader = codecForAvroText(writer.avroText);
    const decoded = reader.decode(bytes);
    expect(decoded).toEqual(sampleEnvelope(7));
    // int64 beyond 2^53 stays exact; decimals keep their scale.
    expect((decoded as { source: { txId: unknown } }).source.txId).toBe(771n + 7n + 2n ** 60n);
    expect((decoded as { after: { price: unknown } }).after.price).toBe('12.30');
    expect(reader.connectSchema).toEqual(envelopeSchema);
  });

  it('compiles once per schema: the same object and equal schemas share a codec', () => {
    expect(codecForConnect(envelopeSchema)).toBe(codecForConnect(envelopeSchema));
    expect(codecForConnect({ ...keySchema })).toBe(codecForConnect(keySchema));
    expect(codecForConnect(keySchema).decode(codecForConnect(keySchema).encode(sampleKey(3)))).toEqual({
      id: 3,
    });
  });

  it('encodes bytes, arrays, maps, defaults and optional nulls', () => {
    const schema: ConnectSchema = {
      type: 'struct',
      name: 'test.Various',
      fields: [
        { field: 'blob', type: 'bytes' },
        { field: 'list', type: 'array', items: { type: 'int64', optional: true } },
        { field: 'dict', type: 'map', keys: { type: 'string' }, values: { type: 'float64' } },
        { field: 'status', type: 'string', default: 'active' },
        {
          field: 'maybe',
          type: 'struct',
          optional: true,
          name: 'test.Inner',
          fields: [{ field: 'x', type: 'int8' }],
        },
      ],
    };
    const codec = codecForConnect(schema);
    const value = {
      blob: new Uint8Array([1, 2, 255]),
      list: [1, null, -(2n ** 62n)],
      dict: { a: 1.5 },
      status: null,
      maybe: null,
    };
    expect(codecForAvroText(codec.avroText).decode(codec.encode(value))).toEqual({
      blob: Buffer.from([1, 2, 255]),
      list: [1, null, -(2n ** 62n)],
      dict: { a: 1.5 },
      status: 'active',
      maybe: null,
    });
  });

  it('names the offending field when a value does not fit', () => {
    const codec = codecForConnect(keySchema);
    expect(() => codec.encode({ id: 'seven' })).toThrow(/id/);
    expect(() => codecForConnect(envelopeSchema).encode({ ...sampleEnvelope(1), op: null })).toThrow(
      /op: missing required value/,
    );
  });
});
