import type { ConnectValue } from '../../src/plugin/index.ts';
import type { ColumnType, ValueMapping } from './type-map.ts';

// Column defaults in the schemas, as Debezium's BinlogDefaultValueConverter puts them: the literal
// default is converted as a row value of the column would be. CURRENT_TIMESTAMP on a NOT NULL
// DATETIME/TIMESTAMP stands for the epoch (nullable: no default), zero dates likewise, `true`/`false`
// on number types for 1/0; other expressions, NULL, and binary, bit, JSON and spatial columns have
// no default (Debezium could not convert them either, or drops them).

/** information_schema.COLUMNS' COLUMN_DEFAULT and EXTRA as the server reports them. */
export interface ReportedDefault {
  columnDefault: string | null;
  extra: string;
  /** MariaDB (10.2.7+) quotes string literals and reports NULL as the text `NULL`. */
  mariadb: boolean;
}

const CURRENT_TIMESTAMP = /^(current_timestamp|now|localtime|localtimestamp)(\(\d*\))?$/i;
const ZERO_DATE = /^0{4}-0{2}-0{2}( 0{2}:0{2}:0{2}(\.0+)?)?$/;
const EPOCH_TIMESTAMP = '1970-01-01 00:00:00';
const NO_DEFAULT_TYPES = new Set([
  'bit',
  'binary',
  'varbinary',
  'tinyblob',
  'blob',
  'mediumblob',
  'longblob',
  'json',
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
const NUMBER_TYPES = new Set([
  'tinyint',
  'smallint',
  'mediumint',
  'int',
  'integer',
  'bigint',
  'decimal',
  'numeric',
  'float',
  'double',
  'real',
  'bool',
  'boolean',
]);
const TEMPORAL_TYPES = new Set(['date', 'time', 'datetime', 'timestamp', 'year']);

/** The default as Debezium would read it from the DDL (null when there is none), before conversion. */
export function defaultText(
  reported: ReportedDefault,
  column: ColumnType & { nullable: boolean },
): string | null {
  const { columnDefault, extra, mariadb } = reported;
  if (columnDefault === null || column.json || NO_DEFAULT_TYPES.has(column.dataType)) return null;
  let text: string;
  let generated: boolean;
  if (mariadb) {
    if (columnDefault === 'NULL') return null;
    const quoted = /^'((?:[^']|'')*)'$/s.exec(columnDefault);
    generated = !quoted && /[()]/.test(columnDefault);
    text = quoted ? (quoted[1] ?? '').replaceAll("''", "'") : columnDefault;
  } else {
    generated = /DEFAULT_GENERATED/i.test(extra);
    text = columnDefault;
  }
  const trimmed = NUMBER_TYPES.has(column.dataType) || TEMPORAL_TYPES.has(column.dataType);
  if (trimmed) text = text.trim();
  if (column.dataType === 'datetime' || column.dataType === 'timestamp') {
    if (CURRENT_TIMESTAMP.test(text) || ZERO_DATE.test(text) || text === '0')
      return column.nullable ? null : EPOCH_TIMESTAMP;
  }
  if (column.dataType === 'date' && (ZERO_DATE.test(text) || text === '0'))
    return column.nullable ? null : '1970-01-01';
  if (generated) return null;
  if (NUMBER_TYPES.has(column.dataType) && /^(true|false)$/i.test(text))
    return text.toLowerCase() === 'true' ? '1' : '0';
  return text;
}

/** The column default in the field's Connect representation, or undefined when it has none. */
export function columnDefault(text: string | undefined, mapping: ValueMapping): ConnectValue | undefined {
  if (text === undefined || mapping.schema.type === 'struct') return undefined;
  try {
    const value = mapping.convert(text);
    if (value === null || value === undefined) return undefined;
    if (typeof value === 'number' && !Number.isFinite(value)) return undefined;
    return value;
  } catch {
    return undefined;
  }
}
