import { describe, expect, it } from 'vitest';
import type { ConnectSchema } from '../../../src/plugin/index.ts';
import { avroToConnect, connectToAvro } from '../../../src/schema/connect-to-avro.ts';
import { envelopeSchema, keySchema } from '../../support/runtime/debezium-sample.ts';

// The expected schemas are what Debezium 2.x + Confluent's AvroConverter register for the same event.
const ROW =
  '{"type":"record","name":"Value","fields":[{"name":"id","type":"int"},{"name":"first_name","type":"string"},' +
  '{"name":"email","type":["null","string"],"default":null},' +
  '{"name":"price","type":["null",{"type":"bytes","scale":2,"precision":10,"connect.version":1,' +
  '"connect.parameters":{"scale":"2","connect.decimal.precision":"10"},"connect.name":"org.apache.kafka.connect.data.Decimal",' +
  '"logicalType":"decimal"}],"default":null},' +
  '{"name":"created","type":["null",{"type":"long","connect.version":1,"connect.name":"io.debezium.time.MicroTimestamp"}],"default":null},' +
  '{"name":"tiny","type":{"type":"int","connect.type":"int16"}}],"connect.name":"dbserver1.inventory.customers.Value"}';
const SOURCE =
  '{"type":"record","name":"Source","namespace":"io.debezium.connector.postgresql","fields":[' +
  '{"name":"version","type":"string"},{"name":"connector","type":"string"},{"name":"name","type":"string"},' +
  '{"name":"ts_ms","type":"long"},' +
  '{"name":"snapshot","type":[{"type":"string","connect.version":1,"connect.parameters":{"allowed":"true,last,false,incremental"},' +
  '"connect.default":"false","connect.name":"io.debezium.data.Enum"},"null"],"default":"false"},' +
  '{"name":"db","type":"string"},{"name":"lsn","type":["null","long"],"default":null},' +
  '{"name":"txId","type":["null","long"],"default":null}],"connect.name":"io.debezium.connector.postgresql.Source"}';
const ENVELOPE =
  '{"type":"record","name":"Envelope","namespace":"dbserver1.inventory.customers","fields":[' +
  `{"name":"before","type":["null",${ROW}],"default":null},` +
  '{"name":"after","type":["null","Value"],"default":null},' +
  `{"name":"source","type":${SOURCE}},` +
  '{"name":"op","type":"string"},{"name":"ts_ms","type":["null","long"],"default":null},' +
  '{"name":"transaction","type":["null",{"type":"record","name":"block","namespace":"event","fields":[' +
  '{"name":"id","type":"string"},{"name":"total_order","type":"long"},{"name":"data_collection_order","type":"long"}],' +
  '"connect.version":1,"connect.name":"event.block"}],"default":null}],' +
  '"connect.version":1,"connect.name":"dbserver1.inventory.customers.Envelope"}';

describe('connectToAvro', () => {
  it('writes a Debezium envelope exactly as Confluent AvroData does', () => {
    expect(JSON.stringify(connectToAvro(envelopeSchema))).toBe(ENVELOPE);
  });

  it('writes the key as a plain record', () => {
    expect(connectToAvro(keySchema)).toEqual({
      type: 'record',
      name: 'Key',
      namespace: 'dbserver1.inventory.customers',
      fields: [{ name: 'id', type: 'int' }],
      'connect.name': 'dbserver1.inventory.customers.Key',
    });
  });

  it('maps arrays, string-keyed maps, int8, Connect logical types and unnamed structs', () => {
    const schema: ConnectSchema = {
      type: 'struct',
      fields: [
        { field: 'tags', type: 'array', items: { type: 'string', optional: true } },
        { field: 'attrs', type: 'map', optional: true, keys: { type: 'string' }, values: { type: 'int64' } },
        { field: 'flag', type: 'int8' },
        { field: 'day', type: 'int32', name: 'org.apache.kafka.connect.data.Date', version: 1 },
        { field: 'at', type: 'int64', name: 'org.apache.kafka.connect.data.Timestamp', version: 1 },
        { field: 'nested', type: 'struct', fields: [{ field: 'bad-name', type: 'boolean' }] },
      ],
    };
    expect(connectToAvro(schema)).toEqual({
      type: 'record',
      name: 'ConnectDefault',
      namespace: 'io.confluent.connect.avro',
      fields: [
        { name: 'tags', type: { type: 'array', items: ['null', 'string'] } },
        { name: 'attrs', type: ['null', { type: 'map', values: 'long' }], default: null },
        { name: 'flag', type: { type: 'int', 'connect.type': 'int8' } },
        {
          name: 'day',
          type: {
            type: 'int',
            'connect.version': 1,
            'connect.name': 'org.apache.kafka.connect.data.Date',
            logicalType: 'date',
          },
        },
        {
          name: 'at',
          type: {
            type: 'long',
            'connect.version': 1,
            'connect.name': 'org.apache.kafka.connect.data.Timestamp',
            logicalType: 'timestamp-millis',
          },
        },
        {
          name: 'nested',
          type: { type: 'record', name: 'ConnectDefault1', fields: [{ name: 'bad_name', type: 'boolean' }] },
        },
      ],
    });
  });

  it('rejects maps with non-string keys', () => {
    expect(() => connectToAvro({ type: 'map', keys: { type: 'int32' }, values: { type: 'string' } })).toThrow(
      /string keys/,
    );
  });
});

describe('avroToConnect', () => {
  it('recovers the Connect schema of a Debezium envelope from its Avro schema', () => {
    const recovered = avroToConnect(JSON.parse(ENVELOPE));
    expect(recovered).toEqual(envelopeSchema);
  });

  it('recovers logical types from plain Avro logicalType annotations', () => {
    expect(
      avroToConnect({
        type: 'record',
        name: 'r',
        fields: [
          { name: 'd', type: { type: 'bytes', logicalType: 'decimal', precision: 5, scale: 1 } },
          { name: 'day', type: { type: 'int', logicalType: 'date' } },
          { name: 'm', type: { type: 'map', values: ['null', 'double'] } },
        ],
      }),
    ).toEqual({
      type: 'struct',
      name: 'r',
      fields: [
        {
          field: 'd',
          type: 'bytes',
          name: 'org.apache.kafka.connect.data.Decimal',
          version: 1,
          parameters: { scale: '1', 'connect.decimal.precision': '5' },
        },
        { field: 'day', type: 'int32', name: 'org.apache.kafka.connect.data.Date', version: 1 },
        { field: 'm', type: 'map', keys: { type: 'string' }, values: { type: 'float64', optional: true } },
      ],
    });
  });
});
