import { describe, expect, it } from 'vitest';
import type { TableDefinition } from '../../../../connectors/mysql-source/catalog.ts';
import { CaptureFilters } from '../../../../connectors/mysql-source/filters.ts';
import { mysqlSourceConfig } from '../../../../connectors/mysql-source/index.ts';
import { TableSchema } from '../../../../connectors/mysql-source/table-schema.ts';
import { DEFAULT_TYPE_MAP_OPTIONS } from '../../../../connectors/mysql-source/type-map.ts';
import { parseConfig } from '../../../../src/plugin/index.ts';

// include.schema.comments (default false): COLUMN_COMMENT becomes the field's doc, keys too, as
// Debezium's MySQL connector does with the same key.

const orders: TableDefinition = {
  database: 'shop',
  name: 'orders',
  primaryKey: ['id'],
  columns: [
    {
      name: 'id',
      dataType: 'bigint',
      columnType: 'bigint(20)',
      nullable: false,
      numericPrecision: 19,
      numericScale: 0,
      datetimePrecision: null,
      json: false,
      comment: 'Order number',
    },
    {
      name: 'phone',
      dataType: 'varchar',
      columnType: 'varchar(40)',
      nullable: true,
      numericPrecision: null,
      numericScale: null,
      datetimePrecision: null,
      json: false,
      comment: 'Contact number',
    },
  ],
};

function schemaFor(includeComments?: boolean) {
  const config = parseConfig(mysqlSourceConfig, {
    'database.hostname': 'db',
    'database.user': 'u',
    'database.server.id': '7',
    'topic.prefix': 'shop',
  }).values;
  expect(config['include.schema.comments']).toBe(false);
  return new TableSchema(orders, new CaptureFilters(config), {
    topicPrefix: 'shop',
    typeOptions: DEFAULT_TYPE_MAP_OPTIONS,
    ...(includeComments !== undefined && { includeComments }),
  });
}

describe('MySQL column comments as schema doc', () => {
  it('are left out by default and put into key and value fields with include.schema.comments', () => {
    expect(JSON.stringify(schemaFor().envelopeSchema)).not.toContain('"doc"');
    const table = schemaFor(true);
    expect(table.keySchema?.fields?.[0]).toMatchObject({ field: 'id', doc: 'Order number' });
    expect(table.valueSchema.fields?.map((field) => field.doc)).toEqual(['Order number', 'Contact number']);
  });
});
