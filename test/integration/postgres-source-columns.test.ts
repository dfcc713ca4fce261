// Debezium's column keys against a real PostgreSQL, in the snapshot (COPY) and in the stream
// (pgoutput) alike: masks (n characters, hash v1 and v2), truncation, source type parameters,
// message.key.columns, interval.handling.mode=string, hstore.handling.mode=map and
// binary.handling.mode. (PostGIS is not installed in the stack, so PostgreSQL spatial types are
// not covered here; the built-in point type is, in postgres-source-types.)
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashMask } from '../../connectors/shared/column-hash.ts';
import type { ConnectField, ConnectSchema, ConnectStruct, SourceRecord } from '../../src/plugin/index.ts';
import { codecForConnect } from '../../src/schema/avro-codec.ts';
import {
  afterImage,
  beforeImage,
  connectionSettings,
  createTestDatabase,
  op,
  slotName,
  sourceConfig,
  TaskDriver,
} from '../fixtures/postgres/task-harness.ts';
import { services } from '../support/services.ts';

const DATABASE = `onramp_pgsrc_columns_${process.pid}`;

const email = (text: string) => hashMask('SHA-256', 'pepper', 'v1')(text);
// char(11): the hash is cut to the column's length.
const ssn = (text: string) => hashMask('MD5', 'pepper', 'v2')(text).slice(0, 11);

function fieldsOf(record: SourceRecord | undefined): Map<string, ConnectField> {
  const row = record?.value?.schema?.fields?.find((field) => field.field === 'after');
  return new Map((row?.fields ?? []).map((field) => [field.field, field]));
}

describe('postgres source column keys', () => {
  let client: pg.Client;
  let drop: () => Promise<void>;
  let settings: Record<string, string>;

  beforeAll(async () => {
    const { pgUrl } = services();
    ({ client, drop } = await createTestDatabase(pgUrl, DATABASE));
    settings = connectionSettings(pgUrl, DATABASE);
    await client.query(`
      CREATE EXTENSION hstore;
      CREATE TYPE mood AS ENUM ('sad', 'happy');
      CREATE TABLE orders (
        id serial PRIMARY KEY, email varchar(64), ssn char(11), notes text, tag text, photo bytea,
        price numeric(10,2), amount numeric, wait interval, attrs hstore, feeling mood,
        customer_id int NOT NULL, order_no int NOT NULL);
      -- message.key.columns names other columns than the primary key: deletes need them in the old image.
      ALTER TABLE orders REPLICA IDENTITY FULL;
      INSERT INTO orders VALUES (1, 'ann@example.com', '123-45-6789', 'likes cats', 'abcdefgh', '\\x0102030405',
        12.50, 3.25, '1 year 2 mons 3 days 04:05:06.5', 'a=>1, b=>NULL', 'happy', 7, 1);
    `);
  });

  afterAll(async () => {
    await drop?.();
  });

  it('mask, hash, truncate and annotate value fields alike in snapshot and stream; message.key.columns keys', async () => {
    const driver = new TaskDriver(
      sourceConfig({
        ...settings,
        'topic.prefix': 'cols',
        'slot.name': slotName('columns'),
        'publication.name': 'onramp_pgsrc_columns',
        'publication.autocreate.mode': 'filtered',
        'table.include.list': 'public.orders',
        'column.mask.with.6.chars': 'public.orders.notes,public.orders.feeling',
        'column.mask.hash.SHA-256.with.salt.pepper': 'public.orders.email',
        'column.mask.hash.v2.MD5.with.salt.pepper': 'public.orders.ssn',
        'column.truncate.to.4.chars': 'public\\.orders\\.(tag|photo)',
        'column.propagate.source.type': 'public.orders.price',
        'datatype.propagate.source.type': '.+\\.numeric',
        'message.key.columns': 'public.orders:customer_id,order_no',
        'interval.handling.mode': 'string',
        'hstore.handling.mode': 'map',
      }),
    );
    await driver.start();
    try {
      const [snapshot] = await driver.pollUntil(1);
      expect(op(snapshot)).toBe('r');
      const first = {
        id: 1,
        email: email('ann@example.com'),
        ssn: ssn('123-45-6789'),
        notes: '******',
        tag: 'abcd',
        photo: Buffer.from([1, 2, 3, 4]),
        price: '12.50',
        amount: { scale: 2, value: Buffer.from([0x01, 0x45]) },
        wait: 'P1Y2M3DT4H5M6.5S',
        attrs: { a: '1', b: null },
        feeling: '******',
        customer_id: 7,
        order_no: 1,
      };
      expect(afterImage(snapshot)).toEqual(first);
      expect(snapshot?.key?.value).toEqual({ customer_id: 7, order_no: 1 });
      expect(snapshot?.key?.schema?.fields).toEqual([
        { field: 'customer_id', type: 'int32', optional: false },
        { field: 'order_no', type: 'int32', optional: false },
      ]);
      const fields = fieldsOf(snapshot);
      expect(fields.get('email')?.parameters).toEqual({ masked: 'true' });
      expect(fields.get('feeling')?.parameters).toEqual({ allowed: 'sad,happy', masked: 'true' });
      expect(fields.get('tag')?.parameters).toEqual({ truncateLength: '4' });
      expect(fields.get('price')?.parameters).toEqual({
        scale: '2',
        'connect.decimal.precision': '10',
        '__debezium.source.column.type': 'NUMERIC',
        '__debezium.source.column.length': '10',
        '__debezium.source.column.scale': '2',
        '__debezium.source.column.name': 'price',
      });
      expect(fields.get('amount')?.parameters).toEqual({
        '__debezium.source.column.type': 'NUMERIC',
        '__debezium.source.column.length': '131089',
        '__debezium.source.column.scale': '0',
        '__debezium.source.column.name': 'amount',
      });
      // A column no mapper matches keeps its plain schema.
      expect(fields.get('id')?.parameters).toBeUndefined();
      expect(fields.get('wait')).toMatchObject({ type: 'string', name: 'io.debezium.time.Interval' });
      expect(fields.get('attrs')).toMatchObject({ type: 'map', values: { type: 'string', optional: true } });

      await client.query(`INSERT INTO orders VALUES (2, 'bob@example.com', '987-65-4321', NULL, 'xy', '\\x09',
        1.00, 1, '-5 minutes', '', 'sad', 8, 2)`);
      await client.query("UPDATE orders SET notes = 'new', tag = 'abcdefgh2' WHERE id = 2");
      await client.query('DELETE FROM orders WHERE id = 2');
      const records = await driver.pollFor('the delete', (all) => all.some((record) => op(record) === 'd'));
      const [, create, update, del] = records;
      const second = {
        id: 2,
        email: email('bob@example.com'),
        ssn: ssn('987-65-4321'),
        notes: '******',
        tag: 'xy',
        photo: Buffer.from([9]),
        price: '1.00',
        amount: { scale: 0, value: Buffer.from([1]) },
        wait: 'P0Y0M0DT0H-5M0S',
        attrs: {},
        feeling: '******',
        customer_id: 8,
        order_no: 2,
      };
      expect(afterImage(create)).toEqual(second);
      expect(beforeImage(update)).toEqual(second);
      expect(afterImage(update)).toEqual({ ...second, tag: 'abcd' });
      expect(beforeImage(del)).toEqual({ ...second, tag: 'abcd' });
      expect(del?.key?.value).toEqual({ customer_id: 8, order_no: 2 });
      expect(create?.value?.schema).toEqual(snapshot?.value?.schema);
      // The Avro codec takes the parameters and the map as they are.
      for (const record of [snapshot, create]) {
        const codec = codecForConnect(record?.value?.schema as ConnectSchema);
        const decoded = codec.decode(codec.encode(record?.value?.value ?? null)) as ConnectStruct;
        expect(decoded.after).toEqual(afterImage(record));
      }
    } finally {
      await driver.stop();
    }
  });

  it('binary.handling.mode encodes bytea before truncation, as Debezium converts then maps', async () => {
    const driver = new TaskDriver(
      sourceConfig({
        ...settings,
        'topic.prefix': 'colsb',
        'slot.name': slotName('columnsb'),
        'publication.name': 'onramp_pgsrc_columnsb',
        'publication.autocreate.mode': 'filtered',
        'table.include.list': 'public.orders',
        'snapshot.mode': 'initial_only',
        'binary.handling.mode': 'hex',
        'column.truncate.to.6.chars': 'public.orders.photo',
      }),
    );
    await driver.start();
    try {
      const [snapshot] = await driver.pollUntil(1);
      expect(fieldsOf(snapshot).get('photo')).toMatchObject({
        type: 'string',
        parameters: { truncateLength: '6' },
      });
      expect(afterImage(snapshot)?.photo).toBe('010203');
    } finally {
      await driver.stop();
    }
  });
});
