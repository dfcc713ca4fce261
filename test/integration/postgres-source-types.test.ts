// Type coverage against a real PostgreSQL: every common type, read once by the snapshot (COPY) and
// once by the stream (pgoutput), must give the values Debezium emits, identically from both paths.
// Also: unchanged TOAST values, REPLICA IDENTITY FULL before images, and a new column mid-stream.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectSchema, ConnectStruct } from '../../src/plugin/index.ts';
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

const DATABASE = `onramp_pgsrc_types_${process.pid}`;

const ROW = `(
  1, true, 32767, 2147483647, 9223372036854775807, 1.5, 1.2345678901234567,
  12345.67, 0.000000000123456789, '$1,234.56', 'text é', 'varchar', 'char',
  '\\x00ff', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": 1}', '{"b": [1, 2]}',
  '2024-02-29', '13:45:30.123456', '13:45:30.123', '13:45:30+02',
  '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05.123', '2024-01-02 03:04:05.123456+01',
  '1 year 2 months 3 days 04:05:06.789', '{1,NULL,3}', '{"a b",NULL,"c\\"d"}', '{1.50,NULL}',
  'happy', '{sad,happy}', B'1', B'1010', '192.168.0.1/24', '[1,5)', '(1.5,2)', NULL
)`;

describe('postgres source type coverage', () => {
  let client: pg.Client;
  let drop: () => Promise<void>;
  let settings: Record<string, string>;

  beforeAll(async () => {
    const { pgUrl } = services();
    ({ client, drop } = await createTestDatabase(pgUrl, DATABASE));
    settings = connectionSettings(pgUrl, DATABASE);
    await client.query(`
      CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
      CREATE TABLE types (
        id int PRIMARY KEY, b boolean, i2 smallint, i4 integer, i8 bigint, f4 real, f8 double precision,
        n numeric(10,2), nv numeric, m money, t text, vc varchar(20), c char(6),
        ba bytea, u uuid, j json, jb jsonb,
        d date, tm time, tm3 time(3), ttz timetz,
        ts timestamp, ts3 timestamp(3), tstz timestamptz,
        iv interval, ai int[], at text[], an numeric(5,2)[],
        e mood, ae mood[], bit1 bit(1), bits bit(4), net inet, r int4range, p point, nothing text
      );
      INSERT INTO types VALUES ${ROW};
      CREATE TABLE docs (id int PRIMARY KEY, title text NOT NULL, body text);
      INSERT INTO docs VALUES (1, 'short', repeat('toasted text ', 20000));
      CREATE TABLE full_docs (id int PRIMARY KEY, title text, body text);
      ALTER TABLE full_docs REPLICA IDENTITY FULL;
      INSERT INTO full_docs VALUES (1, 'short', repeat('full text ', 20000));
    `);
  });

  afterAll(async () => {
    await drop?.();
  });

  const expected = {
    id: 1,
    b: true,
    i2: 32767,
    i4: 2147483647,
    i8: 9223372036854775807n,
    f4: 1.5,
    f8: 1.2345678901234567,
    n: '12345.67',
    // 0.000000000123456789: scale 18, unscaled 123456789 = 0x075bcd15
    nv: { scale: 18, value: Buffer.from([0x07, 0x5b, 0xcd, 0x15]) },
    m: '1234.56',
    t: 'text é',
    vc: 'varchar',
    c: 'char  ',
    ba: Buffer.from([0, 255]),
    u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    j: '{"a": 1}',
    jb: '{"b": [1, 2]}',
    d: 19782,
    tm: 49_530_123_456,
    tm3: 49_530_123,
    ttz: '11:45:30Z',
    ts: 1_704_164_645_123_456,
    ts3: 1_704_164_645_123,
    tstz: '2024-01-02T02:04:05.123456Z',
    iv: 37_091_106_789_000,
    ai: [1, null, 3],
    at: ['a b', null, 'c"d'],
    an: ['1.50', null],
    e: 'happy',
    ae: ['sad', 'happy'],
    bit1: true,
    bits: Buffer.from([10]),
    net: '192.168.0.1/24',
    r: '[1,5)',
    p: { x: 1.5, y: 2, wkb: Buffer.from('0101000000000000000000f83f0000000000000040', 'hex'), srid: null },
    nothing: null,
  };

  it('emits the same Debezium values from the snapshot and from the stream', async () => {
    const driver = new TaskDriver(
      sourceConfig({
        ...settings,
        'topic.prefix': 'types',
        'slot.name': slotName('types'),
        'publication.name': 'onramp_pgsrc_types',
        'publication.autocreate.mode': 'filtered',
        'table.include.list': 'public.types',
      }),
    );
    await driver.start();
    try {
      const [snapshot] = await driver.pollUntil(1);
      expect(op(snapshot)).toBe('r');
      expect(afterImage(snapshot)).toEqual(expected);
      const schema = snapshot?.value?.schema?.fields?.find((field) => field.field === 'after');
      expect(schema?.fields?.find((field) => field.field === 'nv')?.name).toBe(
        'io.debezium.data.VariableScaleDecimal',
      );
      expect(schema?.fields?.find((field) => field.field === 'e')?.parameters).toEqual({
        allowed: 'sad,ok,happy',
      });

      await client.query(`INSERT INTO types SELECT 2, b, i2, i4, i8, f4, f8, n, nv, m, t, vc, c, ba, u, j, jb, d, tm, tm3, ttz, ts, ts3, tstz,
        iv, ai, at, an, e, ae, bit1, bits, net, r, p, nothing FROM types WHERE id = 1`);
      const [, streamed] = await driver.pollUntil(2);
      expect(op(streamed)).toBe('c');
      expect(afterImage(streamed)).toEqual({ ...expected, id: 2 });
      // Same schema object for snapshot and stream: one registered schema version.
      expect(streamed?.value?.schema).toBe(snapshot?.value?.schema);
      // The runtime's Avro codec takes the event as it is and gives back the same values.
      for (const record of [snapshot, streamed]) {
        const codec = codecForConnect(record?.value?.schema as ConnectSchema);
        const decoded = codec.decode(codec.encode(record?.value?.value ?? null)) as ConnectStruct;
        expect(decoded.after).toEqual(afterImage(record));
        expect(
          codecForConnect(record?.key?.schema as ConnectSchema).decode(
            codecForConnect(record?.key?.schema as ConnectSchema).encode(record?.key?.value ?? null),
          ),
        ).toEqual(record?.key?.value);
      }
    } finally {
      await driver.stop();
    }
  });

  it('marks unchanged TOAST values, uses REPLICA IDENTITY FULL images, and versions the schema on ALTER TABLE', async () => {
    const driver = new TaskDriver(
      sourceConfig({
        ...settings,
        'topic.prefix': 'docs',
        'slot.name': slotName('docs'),
        'publication.name': 'onramp_pgsrc_docs',
        'publication.autocreate.mode': 'filtered',
        'table.include.list': 'public.docs,public.full_docs',
        'snapshot.mode': 'no_data',
      }),
    );
    await driver.start();
    try {
      await client.query("UPDATE docs SET title = 'renamed' WHERE id = 1");
      await client.query("UPDATE full_docs SET title = 'renamed' WHERE id = 1");
      const [docs, full] = await driver.pollUntil(2);
      expect(afterImage(docs)).toEqual({ id: 1, title: 'renamed', body: '__debezium_unavailable_value' });
      expect(beforeImage(docs)).toBeNull();
      expect(afterImage(full)).toEqual({ id: 1, title: 'renamed', body: 'full text '.repeat(20000) });
      expect(beforeImage(full)).toEqual({ id: 1, title: 'short', body: 'full text '.repeat(20000) });

      await client.query('ALTER TABLE docs ADD COLUMN tags text[]');
      await client.query("INSERT INTO docs VALUES (2, 'tagged', 'b', '{x}')");
      const [, , added] = await driver.pollUntil(3);
      expect(afterImage(added)).toEqual({ id: 2, title: 'tagged', body: 'b', tags: ['x'] });
      const valueFields = added?.value?.schema?.fields?.find((field) => field.field === 'after')?.fields;
      expect(valueFields?.at(-1)).toEqual({
        field: 'tags',
        type: 'array',
        items: { type: 'string', optional: true },
        optional: true,
      });
      expect(added?.value?.schema).not.toBe(docs?.value?.schema);
    } finally {
      await driver.stop();
    }
  });
});
