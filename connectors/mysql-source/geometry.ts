import type { BinlogEventByName } from '@vlasky/zongji';
import type { ConnectSchema, ConnectStruct } from '../../src/plugin/index.ts';

// MySQL/MariaDB spatial values as Debezium emits them (BinlogValueConverters, BinlogGeometry):
// POINT columns as io.debezium.data.geometry.Point {x, y, wkb, srid}, every other spatial type
// (GEOMETRY, LINESTRING, POLYGON, MULTI*, GEOMETRYCOLLECTION) as io.debezium.data.geometry.Geometry
// {wkb, srid, extensions}. Both the snapshot (CAST(column AS BINARY)) and the binlog carry the
// server's internal format: a 4-byte little-endian SRID, then the WKB; SRID 0 is null.
//
// zongji parses spatial binlog values into coordinates and drops the SRID and the WKB, so the
// stream retypes spatial columns in each TableMap event as BLOBs (the same length-prefixed
// encoding): zongji then hands over the value's bytes, which are decoded here.

const SPATIAL_TYPES = new Set([
  'geometry',
  'point',
  'linestring',
  'polygon',
  'multipoint',
  'multilinestring',
  'multipolygon',
  'geometrycollection',
  'geomcollection',
]);

export function isSpatial(dataType: string): boolean {
  return SPATIAL_TYPES.has(dataType);
}

/** Debezium's io.debezium.data.geometry.Point (version 1; optional as the column is). */
export const POINT_SCHEMA: ConnectSchema = {
  type: 'struct',
  name: 'io.debezium.data.geometry.Point',
  version: 1,
  doc: 'Geometry (POINT)',
  fields: [
    { field: 'x', type: 'float64', optional: false },
    { field: 'y', type: 'float64', optional: false },
    { field: 'wkb', type: 'bytes', optional: true },
    { field: 'srid', type: 'int32', optional: true },
  ],
};

/** Debezium's io.debezium.data.geometry.Geometry (version 2, which its builder makes optional). */
export const GEOMETRY_SCHEMA: ConnectSchema = {
  type: 'struct',
  name: 'io.debezium.data.geometry.Geometry',
  version: 2,
  doc: 'Geometry',
  optional: true,
  fields: [
    { field: 'wkb', type: 'bytes', optional: false },
    { field: 'srid', type: 'int32', optional: true },
    {
      field: 'extensions',
      type: 'map',
      optional: true,
      keys: { type: 'string', optional: false },
      values: { type: 'string', optional: false },
    },
  ],
};

const WKB_POINT_SIZE = 1 + 4 + 8 + 8;

/** The SRID (null for 0) and WKB of a value in the server's internal format. */
export function splitSridAndWkb(value: Uint8Array): { srid: number | null; wkb: Buffer } {
  const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (bytes.length < 4 + 5) throw new Error(`${bytes.length} bytes are no spatial value (SRID and WKB)`);
  const srid = bytes.readUInt32LE(0);
  return { srid: srid === 0 ? null : srid, wkb: Buffer.from(bytes.subarray(4)) };
}

export function geometryValue(value: unknown): ConnectStruct {
  const { srid, wkb } = splitSridAndWkb(spatialBytes(value));
  return { wkb, srid, extensions: null };
}

export function pointValue(value: unknown): ConnectStruct {
  const { srid, wkb } = splitSridAndWkb(spatialBytes(value));
  if (wkb.length !== WKB_POINT_SIZE) throw new Error(`a ${wkb.length}-byte WKB is no 2D point`);
  const little = wkb[0] !== 0;
  const type = little ? wkb.readUInt32LE(1) : wkb.readUInt32BE(1);
  if (type !== 1) throw new Error(`WKB type ${type} is no point`);
  const x = little ? wkb.readDoubleLE(5) : wkb.readDoubleBE(5);
  const y = little ? wkb.readDoubleLE(13) : wkb.readDoubleBE(13);
  return { x, y, wkb, srid };
}

function spatialBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  throw new Error('the spatial value did not arrive as bytes');
}

const MYSQL_TYPE_GEOMETRY = 255;
const MYSQL_TYPE_BLOB = 252;

/**
 * Makes zongji decode the spatial columns of the table this TableMap event describes as their raw
 * bytes (called as the event arrives, before zongji parses the table's row events).
 */
export function keepSpatialBytes(event: BinlogEventByName<'tablemap'>): void {
  for (const column of event.tableMap[event.tableId]?.columns ?? []) {
    if (column.type === MYSQL_TYPE_GEOMETRY) {
      column.type = MYSQL_TYPE_BLOB;
      column.charset = null;
    }
  }
}
