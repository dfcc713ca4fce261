import { describe, expect, it } from 'vitest';
import type { TableDefinition } from '../../../../connectors/mysql-source/catalog.ts';
import { CaptureFilters } from '../../../../connectors/mysql-source/filters.ts';
import { mysqlSourceConfig } from '../../../../connectors/mysql-source/index.ts';
import { parseOffset, toSourceOffset } from '../../../../connectors/mysql-source/offset.ts';
import {
  decodeHistory,
  encodeEntry,
  historyPosition,
  SchemaHistory,
} from '../../../../connectors/mysql-source/schema-history.ts';
import { DEFAULT_TYPE_MAP_OPTIONS } from '../../../../connectors/mysql-source/type-map.ts';
import { type JsonValue, OnrampError, parseConfig } from '../../../../src/plugin/index.ts';

const items: TableDefinition = {
  database: 'shop',
  name: 'items',
  primaryKey: ['id'],
  columns: [
    {
      name: 'id',
      dataType: 'int',
      columnType: 'int(11)',
      nullable: false,
      numericPrecision: 10,
      numericScale: 0,
      datetimePrecision: null,
      json: false,
    },
    {
      name: 'status',
      dataType: 'int',
      columnType: 'int(11)',
      nullable: false,
      numericPrecision: 10,
      numericScale: 0,
      datetimePrecision: null,
      json: false,
      defaultValue: '7',
    },
    {
      name: 'doc',
      dataType: 'longtext',
      columnType: 'longtext',
      nullable: true,
      numericPrecision: null,
      numericScale: null,
      datetimePrecision: null,
      json: true,
    },
    {
      name: 'at',
      dataType: 'datetime',
      columnType: 'datetime(6)',
      nullable: true,
      numericPrecision: null,
      numericScale: null,
      datetimePrecision: 6,
      json: false,
    },
  ],
};

function history(): SchemaHistory {
  const config = parseConfig(mysqlSourceConfig, {
    'database.hostname': 'localhost',
    'database.user': 'u',
    'database.server.id': '5400',
    'topic.prefix': 'shop',
  }).values;
  return new SchemaHistory(new CaptureFilters(config), {
    topicPrefix: 'shop',
    typeOptions: DEFAULT_TYPE_MAP_OPTIONS,
  });
}

describe('mysql schema history', () => {
  it('round-trips table structures through the stored offset', () => {
    const at = historyPosition('mysql-bin.000004', 1200);
    const tables = history();
    tables.apply(items, at);
    const stored = JSON.parse(
      JSON.stringify(
        toSourceOffset({ file: 'mysql-bin.000004', pos: 1300, event: 0, row: 0, history: tables.toJson() }),
      ),
    ) as Record<string, JsonValue>;
    expect(stored.schema_history).toEqual([encodeEntry({ definition: items, at })]);
    const restored = parseOffset(stored);
    expect(decodeHistory(restored.history ?? null)).toEqual([
      { definition: items, at: 'mysql-bin.000004:1200' },
    ]);
  });

  it('shares one encoded history between offsets until a table changes', () => {
    const tables = history();
    tables.apply(items, 'f:4');
    const first = tables.toJson();
    expect(tables.toJson()).toBe(first);
    const altered = { ...items, columns: items.columns.slice(0, 1) };
    const schema = tables.apply(altered, 'f:90');
    expect(schema.columnNames).toEqual(['id']);
    expect(tables.get('shop', 'items')).toBe(schema);
    const second = tables.toJson();
    expect(second).not.toBe(first);
    expect(decodeHistory(second)[0]?.definition.columns.map((column) => column.name)).toEqual(['id']);
    tables.drop('shop', 'items');
    expect(tables.toJson()).toEqual([]);
    expect(tables.get('shop', 'items')).toBeUndefined();
  });

  it('rejects a malformed history with the offset error', () => {
    expect(() => decodeHistory({ tables: [] })).toThrow(OnrampError);
    expect(() => decodeHistory([{ db: 'shop', table: 'items', key: ['id'], columns: [['id']] }])).toThrow(
      /schema_history.*shop\.items column 0/,
    );
    expect(() => decodeHistory([{ db: 'shop', key: [], columns: [] }])).toThrow(/no db or table/);
  });
});
