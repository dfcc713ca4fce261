import { describe, expect, it } from 'vitest';
import type { ConnectSchema, ConnectStruct } from '../../../src/plugin/index.ts';
import {
  connectJsonWriter,
  connectValueToJson,
  NumberText,
  parseJsonExact,
} from '../../../src/schema/connect-json.ts';
import { JsonConverter } from '../../../src/schema/json-converter.ts';
import {
  envelopeSchema,
  keySchema,
  sampleEnvelope,
  sampleKey,
} from '../../support/runtime/debezium-sample.ts';

// What Kafka Connect's JsonConverter (schemas.enable=true) writes for the same Debezium event.
const ROW_FIELDS =
  '[{"type":"int32","optional":false,"field":"id"},{"type":"string","optional":false,"field":"first_name"},' +
  '{"type":"string","optional":true,"field":"email"},' +
  '{"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,' +
  '"parameters":{"scale":"2","connect.decimal.precision":"10"},"field":"price"},' +
  '{"type":"int64","optional":true,"name":"io.debezium.time.MicroTimestamp","version":1,"field":"created"},' +
  '{"type":"int16","optional":false,"field":"tiny"}]';
const SCHEMA =
  '{"type":"struct","fields":[' +
  `{"type":"struct","fields":${ROW_FIELDS},"optional":true,"name":"dbserver1.inventory.customers.Value","field":"before"},` +
  `{"type":"struct","fields":${ROW_FIELDS},"optional":true,"name":"dbserver1.inventory.customers.Value","field":"after"},` +
  '{"type":"struct","fields":[{"type":"string","optional":false,"field":"version"},' +
  '{"type":"string","optional":false,"field":"connector"},{"type":"string","optional":false,"field":"name"},' +
  '{"type":"int64","optional":false,"field":"ts_ms"},' +
  '{"type":"string","optional":true,"name":"io.debezium.data.Enum","version":1,' +
  '"parameters":{"allowed":"true,last,false,incremental"},"default":"false","field":"snapshot"},' +
  '{"type":"string","optional":false,"field":"db"},{"type":"int64","optional":true,"field":"lsn"},' +
  '{"type":"int64","optional":true,"field":"txId"}],"optional":false,"name":"io.debezium.connector.postgresql.Source","field":"source"},' +
  '{"type":"string","optional":false,"field":"op"},{"type":"int64","optional":true,"field":"ts_ms"},' +
  '{"type":"struct","fields":[{"type":"string","optional":false,"field":"id"},{"type":"int64","optional":false,"field":"total_order"},' +
  '{"type":"int64","optional":false,"field":"data_collection_order"}],"optional":true,"name":"event.block","version":1,"field":"transaction"}' +
  '],"optional":false,"name":"dbserver1.inventory.customers.Envelope","version":1}';
const PAYLOAD =
  '{"before":null,"after":{"id":1,"first_name":"name-1","email":"user1@example.com","price":"BM4=","created":1700000000123456,"tiny":-3},' +
  '"source":{"version":"2.7.0.Final","connector":"postgresql","name":"dbserver1","ts_ms":1700000000123,"snapshot":"false",' +
  '"db":"inventory","lsn":24023129,"txId":1152921504606847748},"op":"c","ts_ms":1700000000200,"transaction":null}';

describe('JsonConverter', () => {
  it('writes a Debezium envelope exactly as Kafka Connect does (schema + payload)', async () => {
    const converter = new JsonConverter();
    const bytes = await converter.fromConnect('t', false, {
      schema: envelopeSchema,
      value: sampleEnvelope(1),
    });
    expect(bytes?.toString()).toBe(`{"schema":${SCHEMA},"payload":${PAYLOAD}}`);
    const key = await converter.fromConnect('t', true, { schema: keySchema, value: sampleKey(1) });
    expect(key?.toString()).toBe(
      '{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"}],"optional":false,' +
        '"name":"dbserver1.inventory.customers.Key"},"payload":{"id":1}}',
    );
  });

  it('reads back what it wrote: schema, big int64 and decimals intact', async () => {
    const converter = new JsonConverter();
    const bytes = await converter.fromConnect('t', false, {
      schema: envelopeSchema,
      value: sampleEnvelope(2),
    });
    const back = await converter.toConnect('t', false, bytes);
    expect(back?.schema).toEqual(envelopeSchema);
    expect(back?.value).toEqual(sampleEnvelope(2));
  });

  it('writes NUMERIC decimals as exact numbers and floats as Java prints them', async () => {
    const schema: ConnectSchema = {
      type: 'struct',
      fields: [
        {
          field: 'd',
          type: 'bytes',
          name: 'org.apache.kafka.connect.data.Decimal',
          parameters: { scale: '2' },
        },
        { field: 'f', type: 'float64' },
        { field: 'g', type: 'float32' },
        { field: 'h', type: 'float64' },
      ],
    };
    const converter = new JsonConverter({ decimalFormat: 'NUMERIC', schemasEnable: false });
    const bytes = await converter.fromConnect('t', false, {
      schema,
      value: { d: '12.3', f: 1, g: Math.fround(0.1), h: 12345678.5 },
    });
    expect(bytes?.toString()).toBe('{"d":12.30,"f":1.0,"g":0.1,"h":1.23456785E7}');
    const withSchema = new JsonConverter({ decimalFormat: 'NUMERIC' });
    const back = await withSchema.toConnect(
      't',
      false,
      await withSchema.fromConnect('t', false, { schema, value: { d: '-0.50', f: 2.5, g: 1, h: 0 } }),
    );
    expect(back?.value).toEqual({ d: '-0.50', f: 2.5, g: 1, h: 0 });
  });

  it('passes tombstones and schemaless JSON through', async () => {
    const converter = new JsonConverter({ schemasEnable: false });
    expect(await converter.fromConnect('t', false, null)).toBeNull();
    expect(await converter.toConnect('t', false, null)).toBeNull();
    expect(
      await converter.toConnect('t', false, Buffer.from('{"a":[1,2.5,"x"],"big":9007199254740993}')),
    ).toEqual({
      schema: null,
      value: { a: [1, 2.5, 'x'], big: 9007199254740993n },
    });
  });

  it('parses only the payload when a message repeats the schema text seen last on its topic', async () => {
    const converter = new JsonConverter();
    const message = (payload: string) => Buffer.from(`{"schema":${SCHEMA},"payload":${payload}}`);
    const first = await converter.toConnect('t', false, message(PAYLOAD));
    const again = await converter.toConnect('t', false, message(PAYLOAD.replace('"op":"c"', '"op":"u"')));
    expect(again?.schema).toBe(first?.schema);
    expect(again?.value).toEqual({ ...sampleEnvelope(1), op: 'u' });
    // What the full path rejects is still rejected after a schema was remembered.
    await expect(
      converter.toConnect('t', false, Buffer.from(`{"schema":${SCHEMA},"payload":${PAYLOAD},"x":1}`)),
    ).rejects.toThrow(/may not contain additional fields/);
    // A schema whose text holds braces and quotes inside strings is delimited correctly.
    const odd =
      '{"type":"struct","fields":[{"type":"int32","optional":false,"doc":"a \\"}\\" {","field":"payload"}],"optional":false}';
    for (const id of [1, 2])
      expect(
        (await converter.toConnect('odd', true, Buffer.from(`{"schema":${odd},"payload":{"payload":${id}}}`)))
          ?.value,
      ).toEqual({ payload: id });
  });

  it('keeps every digit on a topic whose payloads needed the exact parse before, and after', async () => {
    const converter = new JsonConverter();
    const message = (txId: string) =>
      Buffer.from(`{"schema":${SCHEMA},"payload":${PAYLOAD.replace('1152921504606847748', txId)}}`);
    const source = async (txId: string) =>
      ((await converter.toConnect('t', false, message(txId)))?.value as ConnectStruct)
        .source as ConnectStruct;
    expect((await source('1152921504606847748')).txId).toBe(1152921504606847748n);
    expect((await source('7')).txId).toBe(7);
    expect((await source('9007199254740993')).txId).toBe(9007199254740993n);
  });

  it('parses exactly with or without the reviver: only plain numbers skip it', () => {
    expect(parseJsonExact('{"a":12.34,"b":1700000000123456,"s":"3.0.0.Final 1e5"}')).toEqual({
      a: 12.34,
      b: 1700000000123456,
      s: '3.0.0.Final 1e5',
    });
    const exact = parseJsonExact(
      '{"big":9007199254740993,"zero":12.30,"exp":1.5E10,"long":1234567890.12345678,"list":[ -2.50]}',
    ) as Record<string, unknown>;
    expect(exact.big).toBe(9007199254740993n);
    for (const [key, text] of [
      ['zero', '12.30'],
      ['exp', '1.5E10'],
      ['long', '1234567890.12345678'],
    ])
      expect(exact[key as string]).toEqual(new NumberText(text as string));
    expect(exact.list).toEqual([new NumberText('-2.50')]);
  });

  it('names float types "float" and "double" as Kafka Connect does, and reads both spellings', async () => {
    const converter = new JsonConverter();
    const schema: ConnectSchema = {
      type: 'struct',
      fields: [
        { field: 'f', type: 'float32' },
        { field: 'd', type: 'float64', optional: true },
      ],
    };
    const bytes = await converter.fromConnect('floats', false, { schema, value: { f: 1.5, d: 2 } });
    expect(bytes?.toString()).toBe(
      '{"schema":{"type":"struct","fields":[{"type":"float","optional":false,"field":"f"},{"type":"double","optional":true,"field":"d"}],"optional":false},"payload":{"f":1.5,"d":2.0}}',
    );
    expect((await converter.toConnect('floats', false, bytes))?.schema).toEqual(schema);
    const legacy = Buffer.from('{"schema":{"type":"float64","optional":false},"payload":2.5}');
    expect(await converter.toConnect('legacy', false, legacy)).toEqual({
      schema: { type: 'float64' },
      value: 2.5,
    });
  });

  it('rejects plain JSON when schemas are enabled, naming the setting', async () => {
    await expect(new JsonConverter().toConnect('t', false, Buffer.from('{"a":1}'))).rejects.toThrow(
      /schemas.enable=false/,
    );
  });

  it('writes the same text as JSON.stringify of connectValueToJson, for every kind of schema and value', () => {
    const row: ConnectSchema = {
      type: 'struct',
      name: 'row',
      optional: true,
      fields: [
        { field: 'i64', type: 'int64' },
        { field: 'i32', type: 'int32', optional: true },
        { field: 'f64', type: 'float64', optional: true },
        { field: 'f32', type: 'float32', optional: true },
        { field: 'flag', type: 'boolean', optional: true },
        { field: 'text', type: 'string', optional: true },
        { field: 'dflt', type: 'string', optional: true, default: 'fallback' },
        {
          field: 'price',
          type: 'bytes',
          optional: true,
          name: 'org.apache.kafka.connect.data.Decimal',
          parameters: { scale: '2' },
        },
        { field: 'raw', type: 'bytes', optional: true },
        { field: 'list', type: 'array', optional: true, items: { type: 'float64' } },
        { field: 'tags', type: 'map', optional: true, keys: { type: 'string' }, values: { type: 'int64' } },
        { field: 'inner', type: 'struct', optional: true, fields: [{ field: 'x', type: 'int16' }] },
      ],
    };
    // Field names JSON.stringify would reorder or drop keep the generic path, and its output.
    const odd: ConnectSchema = {
      type: 'struct',
      fields: [
        { field: 'b', type: 'int32' },
        { field: '10', type: 'int32' },
        { field: '2', type: 'string', optional: true },
      ],
    };
    const values: ConnectStruct[] = [
      {
        i64: 9007199254740993n,
        i32: -7,
        f64: 1e21,
        f32: 0.1,
        flag: true,
        text: 'quote " backslash \\ line\n tab\t \u0001 é 😀 \ud800',
        dflt: null,
        price: '-12.30',
        raw: new Uint8Array([0, 255, 7]),
        list: [1, 1.5, -0, Number.NaN],
        tags: { a: 1n, b: 2 },
        inner: { x: 3 },
      },
      {
        i64: 0,
        i32: null,
        f64: Number.NEGATIVE_INFINITY,
        f32: 16777216,
        flag: false,
        text: '',
        price: null,
        raw: null,
        list: null,
        tags: null,
        inner: null,
      },
      { i64: -1, f64: 0.001, f32: 1.5e-7, i32: 2147483647, text: 'x', dflt: 'given' },
    ];
    for (const decimals of ['BASE64', 'NUMERIC'] as const) {
      const write = connectJsonWriter(row, decimals);
      for (const value of [...values, null])
        expect(write(value)).toBe(JSON.stringify(connectValueToJson(row, value, decimals)));
      const writeOdd = connectJsonWriter(odd, decimals);
      const oddValue = { b: 1, '10': 2, '2': 'two' };
      expect(writeOdd(oddValue)).toBe(JSON.stringify(connectValueToJson(odd, oddValue, decimals)));
    }
    // A required field without a value still fails as before.
    expect(() => connectJsonWriter(row, 'BASE64')({ i64: null })).toThrow(/required and has no default/);
  });

  it('writes many messages, small and large, each intact (shared slabs)', async () => {
    const converter = new JsonConverter();
    const schema: ConnectSchema = { type: 'struct', fields: [{ field: 'text', type: 'string' }] };
    const written: { text: string; bytes: Buffer }[] = [];
    for (let index = 0; index < 2000; index++) {
      const text = (index % 3 === 0 ? 'é' : 'a').repeat(index % 7 === 0 ? 70_000 : index);
      const bytes = await converter.fromConnect('t', false, { schema, value: { text } });
      written.push({ text, bytes: bytes as Buffer });
    }
    for (const { text, bytes } of written) {
      expect(bytes.toString()).toBe(
        `{"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"text"}],"optional":false},"payload":${JSON.stringify({ text })}}`,
      );
    }
  });
});
