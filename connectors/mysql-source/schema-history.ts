import { type JsonValue, OnrampError } from '../../src/plugin/index.ts';
import { type TableDefinition, tableKey } from './catalog.ts';
import { MYSQL_OFFSET_INVALID } from './errors.ts';
import type { CaptureFilters } from './filters.ts';
import { type SchemaSettings, TableSchema } from './table-schema.ts';

// The schema history: each captured table's structure and the binlog position at which it took
// effect (the snapshot position, or the end of the DDL that changed it). It travels inside every
// source offset (key `schema_history`), so the stored offset always holds the structures as of its
// own position: restarting from an offset written before an ALTER decodes the older rows with the
// older columns, and the history is as durable as the position, with no second store to keep in
// step. The encoded form is built once per change and shared by every record until the next one.

/** Where a structure took effect, `file:pos` (informational: the offset's own position is what counts). */
export type HistoryPosition = string;

export interface HistoryEntry {
  definition: TableDefinition;
  at: HistoryPosition;
}

// A column as [name, data type, column type, nullable, numeric precision, numeric scale,
// datetime precision, json]: compact, because the history is written with every stored offset.
/** The ninth element, the column default (catalog.ts defaultValue), is there only when the column has one. */
type EncodedColumn =
  | [string, string, string, 0 | 1, number | null, number | null, number | null, 0 | 1]
  | [string, string, string, 0 | 1, number | null, number | null, number | null, 0 | 1, string];

export function historyPosition(file: string, pos: number): HistoryPosition {
  return `${file}:${pos}`;
}

export function encodeEntry(entry: HistoryEntry): JsonValue {
  const { definition, at } = entry;
  return {
    db: definition.database,
    table: definition.name,
    at,
    key: definition.primaryKey,
    columns: definition.columns.map(
      (column): EncodedColumn => [
        column.name,
        column.dataType,
        column.columnType,
        column.nullable ? 1 : 0,
        column.numericPrecision ?? null,
        column.numericScale ?? null,
        column.datetimePrecision ?? null,
        column.json ? 1 : 0,
        ...(column.defaultValue !== undefined ? ([column.defaultValue] as const) : ([] as const)),
      ],
    ),
  };
}

function invalid(problem: string): OnrampError {
  return new OnrampError(MYSQL_OFFSET_INVALID, `Stored offset has an unreadable schema_history: ${problem}`);
}

const isText = (value: unknown): value is string => typeof value === 'string';
const isCount = (value: unknown): value is number | null =>
  value === null || (typeof value === 'number' && Number.isInteger(value));

function decodeColumn(value: unknown, where: string): TableDefinition['columns'][number] {
  if (!Array.isArray(value) || (value.length !== 8 && value.length !== 9))
    throw invalid(`${where} is not a column`);
  const [name, dataType, columnType, nullable, precision, scale, datetimePrecision, json, defaultValue] =
    value;
  if (defaultValue !== undefined && !isText(defaultValue))
    throw invalid(`${where} has a default that is not text`);
  if (!isText(name) || !isText(dataType) || !isText(columnType))
    throw invalid(`${where} has no name or type`);
  if (!isCount(precision) || !isCount(scale) || !isCount(datetimePrecision))
    throw invalid(`${where} has a precision that is not a number`);
  return {
    name,
    dataType,
    columnType,
    nullable: nullable === 1,
    numericPrecision: precision,
    numericScale: scale,
    datetimePrecision,
    json: json === 1,
    ...(defaultValue !== undefined && { defaultValue }),
  };
}

/** The entries of a stored `schema_history`; throws MYSQL_OFFSET_INVALID when it is malformed. */
export function decodeHistory(value: JsonValue): HistoryEntry[] {
  if (!Array.isArray(value)) throw invalid('not a list of tables');
  return value.map((item, index) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      throw invalid(`entry ${index} is not a table`);
    const { db, table, at, key, columns } = item;
    if (!isText(db) || !isText(table)) throw invalid(`entry ${index} has no db or table`);
    if (!Array.isArray(key) || !key.every(isText)) throw invalid(`${db}.${table} has no key list`);
    if (!Array.isArray(columns)) throw invalid(`${db}.${table} has no columns`);
    return {
      at: isText(at) ? at : '',
      definition: {
        database: db,
        name: table,
        primaryKey: key,
        columns: columns.map((column, position) => decodeColumn(column, `${db}.${table} column ${position}`)),
      },
    };
  });
}

/**
 * The captured tables' current structures (as event schemas) with where each took effect. The
 * snapshot and the binlog stream read it; the stream replaces an entry after each DDL.
 */
export class SchemaHistory {
  private readonly filters: CaptureFilters;
  private readonly settings: SchemaSettings;
  private readonly tables = new Map<
    string,
    { schema: TableSchema; at: HistoryPosition; encoded: JsonValue }
  >();
  private encoded: JsonValue | undefined;

  constructor(filters: CaptureFilters, settings: SchemaSettings) {
    this.filters = filters;
    this.settings = settings;
  }

  get size(): number {
    return this.tables.size;
  }

  get(database: string, table: string): TableSchema | undefined {
    return this.tables.get(tableKey(database, table))?.schema;
  }

  has(database: string, table: string): boolean {
    return this.tables.has(tableKey(database, table));
  }

  schemas(): TableSchema[] {
    return [...this.tables.values()].map((entry) => entry.schema);
  }

  /** Records `definition` as the table's structure from `at` on; returns its event schema. */
  apply(definition: TableDefinition, at: HistoryPosition): TableSchema {
    const schema = new TableSchema(definition, this.filters, this.settings);
    this.tables.set(tableKey(definition.database, definition.name), {
      schema,
      at,
      encoded: encodeEntry({ definition, at }),
    });
    this.encoded = undefined;
    return schema;
  }

  /** Forgets a table (dropped, or renamed away). */
  drop(database: string, table: string): void {
    if (this.tables.delete(tableKey(database, table))) this.encoded = undefined;
  }

  /** The stored form, shared by every offset until the next change. */
  toJson(): JsonValue {
    this.encoded ??= [...this.tables.values()].map((entry) => entry.encoded);
    return this.encoded;
  }
}
