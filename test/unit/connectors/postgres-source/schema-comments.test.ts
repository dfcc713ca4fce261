import { describe, expect, it } from 'vitest';
import { postgresSourceConfig } from '../../../../connectors/postgres-source/config.ts';
import { CaptureFilters } from '../../../../connectors/postgres-source/filters.ts';
import { TableSchema, tableSpec } from '../../../../connectors/postgres-source/table-schema.ts';
import type { PgType } from '../../../../connectors/postgres-source/type-catalog.ts';
import { DEFAULT_TYPE_MAP_OPTIONS } from '../../../../connectors/postgres-source/type-map.ts';
import { parseConfig } from '../../../../src/plugin/index.ts';
import { connectToAvro } from '../../../../src/schema/connect-to-avro.ts';

// include.schema.comments (Debezium's key, default false): a column's COMMENT ON becomes its field
// schema's doc, in the key too (Debezium's TableSchemaBuilder.addField), and so the Avro field's doc.

const type = (oid: number, name: string): PgType => ({
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
});
const types = new Map([
  [23, type(23, 'int4')],
  [25, type(25, 'text')],
]);
const columns = [
  { name: 'id', typeOid: 23, typeMod: -1, notNull: true, comment: 'Customer number' },
  { name: 'email', typeOid: 25, typeMod: -1, notNull: true, comment: 'Login and receipts address' },
  { name: 'note', typeOid: 25, typeMod: -1, notNull: false },
];

function schemaFor(includeComments: boolean) {
  const config = parseConfig(postgresSourceConfig, {
    'database.hostname': 'db',
    'database.user': 'u',
    'database.dbname': 'app',
    'topic.prefix': 'shop',
  }).values;
  expect(config['include.schema.comments']).toBe(false);
  const filters = new CaptureFilters(config);
  const spec = tableSpec({ oid: 1, schema: 'public', name: 'customers' }, columns, ['id'], filters);
  return new TableSchema(spec, (oid) => types.get(oid), filters, {
    topicPrefix: 'shop',
    typeOptions: DEFAULT_TYPE_MAP_OPTIONS,
    placeholder: '__debezium_unavailable_value',
    includeComments,
  });
}

describe('column comments as schema doc', () => {
  it('leaves them out by default, as Debezium does', () => {
    expect(JSON.stringify(schemaFor(false).envelopeSchema)).not.toContain('"doc"');
  });

  it('puts them into the key and value fields, and the Avro fields, with include.schema.comments', () => {
    const table = schemaFor(true);
    expect(table.keySchema?.fields).toEqual([
      { field: 'id', type: 'int32', optional: false, doc: 'Customer number' },
    ]);
    expect(table.valueSchema.fields?.map((field) => [field.field, field.doc])).toEqual([
      ['id', 'Customer number'],
      ['email', 'Login and receipts address'],
      ['note', undefined],
    ]);
    const avro = connectToAvro({ ...table.valueSchema, optional: false }) as {
      fields: Array<Record<string, unknown>>;
    };
    expect(avro.fields[1]).toEqual({
      name: 'email',
      type: { type: 'string', 'connect.doc': 'Login and receipts address' },
      doc: 'Login and receipts address',
    });
  });
});
