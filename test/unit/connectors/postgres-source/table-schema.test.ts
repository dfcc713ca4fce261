import { describe, expect, it } from 'vitest';
import { postgresSourceConfig } from '../../../../connectors/postgres-source/config.ts';
import { CaptureFilters } from '../../../../connectors/postgres-source/filters.ts';
import { type Tuple, UNCHANGED_TOAST } from '../../../../connectors/postgres-source/pgoutput-parser.ts';
import { TableSchema, tableSpec } from '../../../../connectors/postgres-source/table-schema.ts';
import type { PgType } from '../../../../connectors/postgres-source/type-catalog.ts';
import { DEFAULT_TYPE_MAP_OPTIONS } from '../../../../connectors/postgres-source/type-map.ts';
import { parseConfig } from '../../../../src/plugin/index.ts';

const types = new Map<number, PgType>(
  [
    [23, 'int4'],
    [25, 'text'],
    [17, 'bytea'],
    [9999, 'tid'],
  ].map(([oid, name]) => [
    oid as number,
    {
      oid: oid as number,
      name: name as string,
      schema: 'pg_catalog',
      kind: 'base',
      category: 'U',
      elementOid: 0,
      baseOid: 0,
      baseTypeMod: -1,
      delimiter: ',',
      labels: [],
    },
  ]),
);

const columns = [
  { name: 'id', typeOid: 23, typeMod: -1, notNull: true },
  { name: 'name', typeOid: 25, typeMod: -1, notNull: true },
  { name: 'bio', typeOid: 25, typeMod: -1, notNull: false },
  { name: 'photo', typeOid: 17, typeMod: -1, notNull: false },
  { name: 'row_id', typeOid: 9999, typeMod: -1, notNull: false },
];

function schemaFor(extra: Record<string, string> = {}) {
  const config = parseConfig(postgresSourceConfig, {
    'database.hostname': 'db',
    'database.user': 'u',
    'database.dbname': 'app',
    'topic.prefix': 'shop',
    ...extra,
  }).values;
  const filters = new CaptureFilters(config);
  const spec = tableSpec({ oid: 1, schema: 'public', name: 'users' }, columns, ['id'], filters);
  return new TableSchema(spec, (oid) => types.get(oid), filters, {
    topicPrefix: 'shop',
    typeOptions: DEFAULT_TYPE_MAP_OPTIONS,
    placeholder: '__debezium_unavailable_value',
  });
}

describe('table schema', () => {
  it('names key, value and envelope after the topic, leaving out unmapped types', () => {
    const table = schemaFor();
    expect(table.names.topic).toBe('shop.public.users');
    expect(table.keySchema).toEqual({
      type: 'struct',
      name: 'shop.public.users.Key',
      optional: false,
      fields: [{ field: 'id', type: 'int32', optional: false }],
    });
    expect(table.valueSchema).toEqual({
      type: 'struct',
      name: 'shop.public.users.Value',
      optional: true,
      fields: [
        { field: 'id', type: 'int32', optional: false },
        { field: 'name', type: 'string', optional: false },
        { field: 'bio', type: 'string', optional: true },
        { field: 'photo', type: 'bytes', optional: true },
      ],
    });
    expect(table.skippedColumns).toEqual(['row_id']);
    expect(table.envelopeSchema.name).toBe('shop.public.users.Envelope');
  });

  it('builds key and value structs from a text tuple', () => {
    const table = schemaFor();
    const tuple = ['7', 'Ada', null, '\\x0102', '(0,1)'];
    expect(table.keyOf(tuple)).toEqual({ id: 7 });
    expect(table.valueOf(tuple)).toEqual({ id: 7, name: 'Ada', bio: null, photo: Buffer.from([1, 2]) });
  });

  it('fills required fields missing from an old-key tuple with zero values', () => {
    expect(schemaFor().valueOf(['7', null, null, null, null])).toEqual({
      id: 7,
      name: '',
      bio: null,
      photo: null,
    });
  });

  it('replaces unchanged TOAST values from the old row, else with the placeholder', () => {
    const table = schemaFor();
    const updated: Tuple = ['7', 'Ada', UNCHANGED_TOAST, UNCHANGED_TOAST, null];
    expect(table.valueOf(updated)).toEqual({
      id: 7,
      name: 'Ada',
      bio: '__debezium_unavailable_value',
      photo: Buffer.from('__debezium_unavailable_value'),
    });
    expect(table.valueOf(updated, ['7', 'Ada', 'long bio', '\\xff', null])).toMatchObject({
      bio: 'long bio',
      photo: Buffer.from([255]),
    });
  });

  it('detects primary key changes', () => {
    const table = schemaFor();
    expect(table.keyChanged(['7', null, null, null, null], ['8', 'Ada', null, null, null])).toBe(true);
    expect(table.keyChanged(['7', 'x', null, null, null], ['7', 'y', null, null, null])).toBe(false);
  });

  it('applies column filters to the value and message.key.columns to the key', () => {
    const table = schemaFor({
      'column.exclude.list': 'public\\.users\\.bio',
      'message.key.columns': 'public\\.users:name',
    });
    expect(table.valueSchema.fields?.map((field) => field.field)).toEqual(['id', 'name', 'photo']);
    expect(table.keySchema?.fields).toEqual([{ field: 'name', type: 'string', optional: false }]);
    expect(table.keyOf(['7', 'Ada', null, null, null])).toEqual({ name: 'Ada' });
  });

  it('has no key without a primary key or override', () => {
    const config = parseConfig(postgresSourceConfig, {
      'database.hostname': 'db',
      'database.user': 'u',
      'database.dbname': 'app',
      'topic.prefix': 'shop',
    }).values;
    const filters = new CaptureFilters(config);
    const table = new TableSchema(
      tableSpec({ oid: 2, schema: 'public', name: 'log' }, columns, [], filters),
      (oid) => types.get(oid),
      filters,
      {
        topicPrefix: 'shop',
        typeOptions: DEFAULT_TYPE_MAP_OPTIONS,
        placeholder: 'x',
      },
    );
    expect(table.keySchema).toBeNull();
    expect(table.keyOf(['1', 'a', null, null, null])).toBeNull();
  });

  it('reports values that do not parse, naming the column', () => {
    const config = parseConfig(postgresSourceConfig, {
      'database.hostname': 'db',
      'database.user': 'u',
      'database.dbname': 'app',
      'topic.prefix': 'shop',
    }).values;
    const filters = new CaptureFilters(config);
    const dated = new TableSchema(
      tableSpec(
        { oid: 3, schema: 'public', name: 'events' },
        [{ name: 'day', typeOid: 1082, typeMod: -1, notNull: true }],
        [],
        filters,
      ),
      (oid) => (oid === 1082 ? { ...(types.get(23) as PgType), oid, name: 'date' } : undefined),
      filters,
      { topicPrefix: 'shop', typeOptions: DEFAULT_TYPE_MAP_OPTIONS, placeholder: 'x' },
    );
    expect(dated.valueOf(['2024-01-02'])).toEqual({ day: 19724 });
    expect(() => dated.valueOf(['someday'])).toThrow(/public\.events\.day value "someday"/);
  });
});
