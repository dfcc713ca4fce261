// Type coverage against the real MariaDB: every column type of the list, spatial types
// included, read by the snapshot (mysql2) and by the binlog (zongji), gives the same Debezium value
// and schema.
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectStruct } from '../../src/plugin/index.ts';
import {
  afterImage,
  connectionSettings,
  createTestDatabase,
  op,
  serverId,
  sourceConfig,
  TaskDriver,
} from '../fixtures/mysql/task-harness.ts';
import { services } from '../support/services.ts';

const DATABASE = `onramp_mysrc_types_${process.pid}`;

const COLUMNS = `
  id INT PRIMARY KEY,
  ti TINYINT, tu TINYINT UNSIGNED, si SMALLINT, su SMALLINT UNSIGNED, mi MEDIUMINT, i INT, iu INT UNSIGNED,
  bi BIGINT, bu BIGINT UNSIGNED, d DECIMAL(12,3), f FLOAT, db DOUBLE,
  b1 BIT(1), b10 BIT(10), ch CHAR(3), vc VARCHAR(20), tx TEXT, bl BLOB, vb VARBINARY(4),
  j JSON, e ENUM('a','b,c'), s SET('x','y'), dt DATE, tm TIME(3), dtm DATETIME(6), dt0 DATETIME,
  ts TIMESTAMP(6) NULL, y YEAR, nn INT NULL,
  pt POINT, g GEOMETRY, ls LINESTRING, pg POLYGON, mpt MULTIPOINT, gc GEOMETRYCOLLECTION`;

const VALUES = `(%ID%, -5, 250, -300, 65000, -8000000, -2147483648, 4294967295,
  -9007199254740993, 18446744073709551615, -123456789.125, 1.5, 1234.5678901234567,
  b'1', b'1010000001', 'ab', 'héllo😀', 'txt', x'00ff', x'0102',
  '{"a": [1, 2.50]}', 'b,c', 'x,y', '2024-02-29', '-838:59:58.5', '2024-01-02 03:04:05.123456', '1969-12-31 23:59:59',
  '2024-01-02 03:04:05.654321', 2024, NULL,
  ST_GeomFromText('POINT(1.5 -2)', 4326), ST_GeomFromText('LINESTRING(0 0,1 1)', 3857),
  ST_GeomFromText('LINESTRING(0 0,1 1)'), ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))'),
  ST_GeomFromText('MULTIPOINT(1 1,2 2)', 4326), ST_GeomFromText('GEOMETRYCOLLECTION(POINT(1 1))'))`;

/** WKB (little-endian) of a geometry type and its body, as the server stores it after the SRID. */
function wkb(type: number, ...body: Buffer[]): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt8(1, 0);
  head.writeUInt32LE(type, 1);
  return Buffer.concat([head, ...body]);
}
const count = (n: number) => {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(n);
  return bytes;
};
const coords = (...values: number[]) => {
  const bytes = Buffer.alloc(8 * values.length);
  for (const [index, value] of values.entries()) bytes.writeDoubleLE(value, index * 8);
  return bytes;
};
const line = wkb(2, count(2), coords(0, 0, 1, 1));

const EXPECTED: ConnectStruct = {
  ti: -5,
  tu: 250,
  si: -300,
  su: 65000,
  mi: -8000000,
  i: -2147483648,
  iu: 4294967295,
  bi: -9007199254740993n,
  bu: -1,
  d: '-123456789.125',
  f: 1.5,
  db: 1234.5678901234567,
  b1: true,
  b10: Buffer.from([0x81, 0x02]),
  ch: 'ab',
  vc: 'héllo😀',
  tx: 'txt',
  bl: Buffer.from([0x00, 0xff]),
  vb: Buffer.from([0x01, 0x02]),
  j: '{"a": [1, 2.50]}',
  e: 'b,c',
  s: 'x,y',
  dt: 19782,
  tm: -(838 * 3600 + 59 * 60 + 58) * 1_000_000 - 500_000,
  dtm: 1704164645123456,
  dt0: -1000,
  ts: '2024-01-02T03:04:05.654321Z',
  y: 2024,
  nn: null,
  // Debezium's Point and Geometry structs: the WKB as stored, the SRID (0 is null).
  pt: { x: 1.5, y: -2, wkb: wkb(1, coords(1.5, -2)), srid: 4326 },
  g: { wkb: line, srid: 3857, extensions: null },
  ls: { wkb: line, srid: null, extensions: null },
  pg: { wkb: wkb(3, count(1), count(4), coords(0, 0, 1, 0, 1, 1, 0, 0)), srid: null, extensions: null },
  mpt: { wkb: wkb(4, count(2), wkb(1, coords(1, 1)), wkb(1, coords(2, 2))), srid: 4326, extensions: null },
  gc: { wkb: wkb(7, count(1), wkb(1, coords(1, 1))), srid: null, extensions: null },
};

describe('mysql source types', () => {
  let client: mysql.Connection;
  let drop: () => Promise<void>;
  let settings: Record<string, string>;

  beforeAll(async () => {
    const { mysqlUrl } = services();
    ({ client, drop } = await createTestDatabase(mysqlUrl, DATABASE));
    settings = connectionSettings(mysqlUrl);
    await client.query(`CREATE TABLE types (${COLUMNS})`);
    await client.query(`INSERT INTO types VALUES ${VALUES.replace('%ID%', '1')}`);
  });

  afterAll(async () => {
    await drop?.();
  });

  it('maps every type as Debezium does, identically in snapshot and stream', async () => {
    const driver = new TaskDriver(
      sourceConfig({
        ...settings,
        'database.server.id': serverId(2),
        'topic.prefix': 'types',
        'database.include.list': DATABASE,
        'include.schema.changes': 'false',
      }),
    );
    await driver.start();
    try {
      const [snapshot] = await driver.pollUntil(1);
      expect(op(snapshot)).toBe('r');
      expect(afterImage(snapshot)).toEqual({ id: 1, ...EXPECTED });

      await client.query(`INSERT INTO types VALUES ${VALUES.replace('%ID%', '2')}`);
      await client.query('INSERT INTO types (id) VALUES (3)');
      const records = await driver.pollUntil(3);
      expect(op(records[1])).toBe('c');
      expect(afterImage(records[1])).toEqual({ id: 2, ...EXPECTED });
      // One schema for snapshot and stream: consumers see one schema version.
      expect(records[1]?.value?.schema).toEqual(snapshot?.value?.schema);
      expect(Object.values(afterImage(records[2]) ?? {}).filter((value) => value !== null)).toEqual([3]);

      const fields = new Map(
        (snapshot?.value?.schema?.fields?.find((field) => field.field === 'after')?.fields ?? []).map(
          (field) => [field.field, field],
        ),
      );
      expect(fields.get('id')).toMatchObject({ type: 'int32', optional: false });
      expect(fields.get('ti')).toMatchObject({ type: 'int16', optional: true });
      expect(fields.get('su')?.type).toBe('int32');
      expect(fields.get('iu')?.type).toBe('int64');
      expect(fields.get('bu')?.type).toBe('int64');
      expect(fields.get('d')).toMatchObject({
        type: 'bytes',
        name: 'org.apache.kafka.connect.data.Decimal',
        parameters: { scale: '3', 'connect.decimal.precision': '12' },
      });
      expect(fields.get('f')?.type).toBe('float32');
      expect(fields.get('db')?.type).toBe('float64');
      expect(fields.get('b1')?.type).toBe('boolean');
      expect(fields.get('b10')).toMatchObject({
        name: 'io.debezium.data.Bits',
        parameters: { length: '10' },
      });
      expect(fields.get('j')?.name).toBe('io.debezium.data.Json');
      expect(fields.get('e')).toMatchObject({
        name: 'io.debezium.data.Enum',
        parameters: { allowed: 'a,b,c' },
      });
      expect(fields.get('s')).toMatchObject({
        name: 'io.debezium.data.EnumSet',
        parameters: { allowed: 'x,y' },
      });
      expect(fields.get('dt')).toMatchObject({ type: 'int32', name: 'io.debezium.time.Date' });
      expect(fields.get('tm')).toMatchObject({ type: 'int64', name: 'io.debezium.time.MicroTime' });
      expect(fields.get('dtm')).toMatchObject({ type: 'int64', name: 'io.debezium.time.MicroTimestamp' });
      expect(fields.get('dt0')).toMatchObject({ type: 'int64', name: 'io.debezium.time.Timestamp' });
      expect(fields.get('ts')).toMatchObject({ type: 'string', name: 'io.debezium.time.ZonedTimestamp' });
      expect(fields.get('y')).toMatchObject({ type: 'int32', name: 'io.debezium.time.Year' });
      expect(fields.get('pt')).toEqual({
        field: 'pt',
        type: 'struct',
        name: 'io.debezium.data.geometry.Point',
        version: 1,
        doc: 'Geometry (POINT)',
        optional: true,
        fields: [
          { field: 'x', type: 'float64', optional: false },
          { field: 'y', type: 'float64', optional: false },
          { field: 'wkb', type: 'bytes', optional: true },
          { field: 'srid', type: 'int32', optional: true },
        ],
      });
      for (const name of ['g', 'ls', 'pg', 'mpt', 'gc']) {
        expect(fields.get(name)).toMatchObject({
          type: 'struct',
          name: 'io.debezium.data.geometry.Geometry',
          version: 2,
          optional: true,
          fields: [
            { field: 'wkb', type: 'bytes', optional: false },
            { field: 'srid', type: 'int32', optional: true },
            { field: 'extensions', type: 'map', optional: true },
          ],
        });
      }
    } finally {
      await driver.stop();
    }
  });

  it('BIGINT UNSIGNED and DECIMAL follow bigint.unsigned.handling.mode and decimal.handling.mode', async () => {
    const driver = new TaskDriver(
      sourceConfig({
        ...settings,
        'database.server.id': serverId(3),
        'topic.prefix': 'types2',
        'database.include.list': DATABASE,
        'include.schema.changes': 'false',
        'column.include.list': `${DATABASE}\\.types\\.(id|bu|d)`,
        'bigint.unsigned.handling.mode': 'precise',
        'decimal.handling.mode': 'string',
        'snapshot.mode': 'initial_only',
      }),
    );
    await driver.start();
    try {
      const records = await driver.pollFor('the last snapshot record', (all) =>
        all.some((record) => record.sourceOffset.snapshot_completed === true),
      );
      expect(afterImage(records[0])).toEqual({ id: 1, bu: '18446744073709551615', d: '-123456789.125' });
      const after = records[0]?.value?.schema?.fields?.find((field) => field.field === 'after');
      expect(after?.fields?.find((field) => field.field === 'bu')).toMatchObject({
        name: 'org.apache.kafka.connect.data.Decimal',
        parameters: { scale: '0', 'connect.decimal.precision': '20' },
      });
      expect(after?.fields?.find((field) => field.field === 'd')?.type).toBe('string');
    } finally {
      await driver.stop();
    }
  });
});
