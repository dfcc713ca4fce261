import { describe, expect, it } from 'vitest';
import { postgresSourceConfig } from '../../../../connectors/postgres-source/config.ts';
import { CaptureFilters } from '../../../../connectors/postgres-source/filters.ts';
import type { Tuple } from '../../../../connectors/postgres-source/pgoutput-parser.ts';
import { sourceColumnOf } from '../../../../connectors/postgres-source/source-column.ts';
import {
  type ColumnSpec,
  TableSchema,
  tableSpec,
} from '../../../../connectors/postgres-source/table-schema.ts';
import type { PgType } from '../../../../connectors/postgres-source/type-catalog.ts';
import { DEFAULT_TYPE_MAP_OPTIONS, mapType } from '../../../../connectors/postgres-source/type-map.ts';
import { ColumnMappers } from '../../../../connectors/shared/column-mappers.ts';
import { parseConfig } from '../../../../src/plugin/index.ts';

// Debezium's column keys on PostgreSQL: what the mappers see of a column (pgjdbc's type name,
// length and scale), that they change value fields and never the key, and the interval and hstore
// handling modes.

function type(oid: number, name: string, extra: Partial<PgType> = {}): PgType {
  return {
    oid,
    name,
    schema: 'pg_catalog',
    kind: 'base',
    category: 'U',
    elementOid: 0,
    baseOid: 0,
    baseTypeMod: -1,
    delimiter: ',',
    labels: [],
    ...extra,
  };
}

const numericMod = (precision: number, scale: number) => ((precision << 16) | scale) + 4;

const types = new Map<number, PgType>(
  [
    type(23, 'int4'),
    type(20, 'int8'),
    type(25, 'text'),
    type(1043, 'varchar'),
    type(1042, 'bpchar'),
    type(1700, 'numeric'),
    type(790, 'money'),
    type(1184, 'timestamptz'),
    type(1186, 'interval'),
    type(17, 'bytea'),
    type(1007, '_int4', { category: 'A', elementOid: 23 }),
    type(50_000, 'float83', {
      schema: 'public',
      kind: 'domain',
      baseOid: 1700,
      baseTypeMod: numericMod(8, 3),
    }),
    type(50_001, 'money2', { schema: 'public', kind: 'domain', baseOid: 790 }),
    type(50_002, 'mood', { schema: 'public', kind: 'enum', labels: ['ok', 'sad'] }),
    type(50_003, 'hstore', { schema: 'public' }),
  ].map((entry) => [entry.oid, entry]),
);
const lookup = (oid: number) => types.get(oid);

describe('PostgreSQL columns as the mappers see them', () => {
  it.each([
    // Debezium's own expectations (AbstractRecordsProducerTest, RecordsSnapshotProducerIT).
    [{ typeOid: 1043, typeMod: 6 }, 'varchar', 2, 0, true],
    [{ typeOid: 1700, typeMod: numericMod(3, 2) }, 'numeric', 3, 2, false],
    [{ typeOid: 790, typeMod: -1 }, 'money', 2_147_483_647, 0, false],
    [{ typeOid: 50_001, typeMod: -1 }, 'money2', 2_147_483_647, 0, false],
    [{ typeOid: 50_000, typeMod: -1 }, 'float83', 8, 3, false],
    // pgjdbc's sizes of the common types.
    [{ typeOid: 23, typeMod: -1 }, 'int4', 10, 0, false],
    [
      { typeOid: 23, typeMod: -1, defaultExpression: "nextval('t_id_seq'::regclass)" },
      'serial',
      10,
      0,
      false,
    ],
    [
      { typeOid: 20, typeMod: -1, defaultExpression: "nextval('t_id_seq'::regclass)" },
      'bigserial',
      19,
      0,
      false,
    ],
    [{ typeOid: 25, typeMod: -1 }, 'text', 2_147_483_647, 0, true],
    [{ typeOid: 1042, typeMod: 14 }, 'bpchar', 10, 0, true],
    [{ typeOid: 1700, typeMod: -1 }, 'numeric', 131_089, 0, false],
    [{ typeOid: 1184, typeMod: -1 }, 'timestamptz', 35, 6, false],
    [{ typeOid: 1184, typeMod: 3 }, 'timestamptz', 32, 3, false],
    [{ typeOid: 1186, typeMod: -1 }, 'interval', 49, 6, false],
    [{ typeOid: 50_002, typeMod: -1 }, 'mood', 2_147_483_647, 0, true],
    [{ typeOid: 1007, typeMod: -1 }, '_int4', 10, 0, false],
  ])('%j is %s, length %d, scale %d, character %s', (column, typeName, length, scale, character) => {
    expect(sourceColumnOf({ name: 'c', ...column }, lookup, false)).toEqual({
      name: 'c',
      typeName,
      length,
      scale,
      character,
    });
  });
});

const columns: ColumnSpec[] = [
  { name: 'id', typeOid: 23, typeMod: -1, notNull: true },
  { name: 'email', typeOid: 1043, typeMod: 4 + 255, notNull: true },
  { name: 'code', typeOid: 1042, typeMod: 4 + 10, notNull: false },
  { name: 'notes', typeOid: 25, typeMod: -1, notNull: false },
  { name: 'price', typeOid: 1700, typeMod: numericMod(10, 2), notNull: false },
  { name: 'photo', typeOid: 17, typeMod: -1, notNull: false },
];

function usersTable(keys: Record<string, string>) {
  const config = parseConfig(postgresSourceConfig, {
    'database.hostname': 'db',
    'database.user': 'u',
    'database.dbname': 'app',
    'topic.prefix': 'shop',
    ...keys,
  });
  expect(parsed(config.errors)).toEqual([]);
  const filters = new CaptureFilters(config.values);
  const spec = tableSpec({ oid: 1, schema: 'public', name: 'users' }, columns, ['id'], filters);
  return new TableSchema(spec, lookup, filters, {
    topicPrefix: 'shop',
    typeOptions: DEFAULT_TYPE_MAP_OPTIONS,
    placeholder: '__debezium_unavailable_value',
    columnMappers: new ColumnMappers(config.values),
  });
}

const parsed = (errors: { field: string }[]) => errors.map((error) => error.field);

const row: Tuple = ['7', 'ann@example.com', 'ABC       ', 'a long note', '12.50', '\\x0102030405'];

describe('column mappers in the table schema', () => {
  it('mask, hash, truncate and annotate value fields; the key keeps its schema and value', () => {
    const table = usersTable({
      'column.mask.with.6.chars': 'public.users.notes',
      'column.mask.hash.SHA-256.with.salt.pepper': 'public.users.code,public.users.id',
      'column.truncate.to.3.chars': 'public.users.photo',
      'column.propagate.source.type': 'public.users.price',
      'message.key.columns': 'public.users:email',
    });
    const fields = Object.fromEntries((table.valueSchema.fields ?? []).map((field) => [field.field, field]));
    expect(fields.notes?.parameters).toEqual({ masked: 'true' });
    expect(fields.code?.parameters).toEqual({ masked: 'true' });
    // Matched by a mask but not a character column: marked, not changed.
    expect(fields.id?.parameters).toEqual({ masked: 'true' });
    expect(fields.photo?.parameters).toEqual({ truncateLength: '3' });
    expect(fields.price?.parameters).toEqual({
      scale: '2',
      'connect.decimal.precision': '10',
      '__debezium.source.column.type': 'NUMERIC',
      '__debezium.source.column.length': '10',
      '__debezium.source.column.scale': '2',
      '__debezium.source.column.name': 'price',
    });
    expect(fields.email?.parameters).toBeUndefined();
    const value = table.valueOf(row);
    expect(value.notes).toBe('******');
    // The hash is cut to bpchar(10)'s length.
    expect(value.code).toHaveLength(10);
    expect(value.code).toMatch(/^[0-9a-f]{10}$/);
    expect(value.id).toBe(7);
    expect(value.photo).toEqual(Buffer.from([1, 2, 3]));
    expect(value.price).toBe('12.50');
    // message.key.columns: the key is email, unmasked.
    expect(table.keySchema?.fields).toEqual([{ field: 'email', type: 'string', optional: false }]);
    expect(table.keyOf(row)).toEqual({ email: 'ann@example.com' });
    // A null in a masked column is masked too, as in Debezium.
    expect(table.valueOf(['8', 'b@example.com', null, null, null, null]).notes).toBe('******');
  });
});

describe('interval.handling.mode and hstore.handling.mode', () => {
  it('string intervals are io.debezium.time.Interval ISO strings', () => {
    const mapping = mapType(lookup, 1186, -1, { ...DEFAULT_TYPE_MAP_OPTIONS, intervalMode: 'string' });
    expect(mapping?.schema).toEqual({ type: 'string', name: 'io.debezium.time.Interval', version: 1 });
    expect(mapping?.parse('P1Y2M3DT4H5M6.780000S')).toBe('P1Y2M3DT4H5M6.78S');
    expect(mapping?.parse('P-1Y-2M3DT-4H-5M-6.5S')).toBe('P-1Y-2M3DT-4H-5M-6.5S');
    expect(mapping?.parse('PT0S')).toBe('P0Y0M0DT0H0M0S');
    expect(mapping?.parse('P10D')).toBe('P0Y0M10DT0H0M0S');
    const numeric = mapType(lookup, 1186, -1, DEFAULT_TYPE_MAP_OPTIONS);
    expect(numeric?.schema.name).toBe('io.debezium.time.MicroDuration');
  });

  it('map hstores are Connect maps of string to optional string', () => {
    const mapping = mapType(lookup, 50_003, -1, { ...DEFAULT_TYPE_MAP_OPTIONS, hstoreMode: 'map' });
    expect(mapping?.schema).toEqual({
      type: 'map',
      keys: { type: 'string', optional: false },
      values: { type: 'string', optional: true },
    });
    expect(mapping?.parse('"a"=>"1", "b"=>NULL')).toEqual({ a: '1', b: null });
    const json = mapType(lookup, 50_003, -1, DEFAULT_TYPE_MAP_OPTIONS);
    expect(json?.parse('"a"=>"1"')).toBe('{"a":"1"}');
  });
});
