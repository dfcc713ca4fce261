import type { SourceColumn } from '../shared/column-mappers.ts';
import { enumValues } from './type-map.ts';

// A MySQL/MariaDB column as Debezium's Column describes it (what the column mappers and the schema
// change events look at), from information_schema's COLUMN_TYPE, which is the type as SHOW CREATE
// TABLE (Debezium's snapshot source) writes it: the type name upper-cased with its UNSIGNED and
// ZEROFILL suffixes, the length and scale in its parentheses (an ENUM's length 1, a SET's the
// number of its options plus commas), as Debezium's DDL parser reads them.

const CHARACTER_TYPES = new Set([
  'char',
  'varchar',
  'tinytext',
  'text',
  'mediumtext',
  'longtext',
  'enum',
  'set',
]);
const NUMERIC_TYPES = new Set([
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
]);

export interface MysqlColumnType {
  name: string;
  /** DATA_TYPE, lower case. */
  dataType: string;
  /** COLUMN_TYPE, lower case. */
  columnType: string;
  comment?: string;
}

/** Debezium's Column.typeName() for the column: `INT UNSIGNED`, `VARCHAR`, `ENUM`. */
export function mysqlTypeName(column: MysqlColumnType): string {
  let name = column.dataType.toUpperCase();
  if (NUMERIC_TYPES.has(column.dataType)) {
    if (/\bunsigned\b/.test(column.columnType)) name += ' UNSIGNED';
    if (/\bzerofill\b/.test(column.columnType)) name += ' ZEROFILL';
  }
  return name;
}

/** Column.length() and Column.scale() as Debezium's DDL parser reads them from the type. */
export function mysqlLengthAndScale(column: MysqlColumnType): { length?: number; scale?: number } {
  if (column.dataType === 'enum') return { length: 1 };
  if (column.dataType === 'set') {
    const options = enumValues(column.columnType).length;
    return { length: Math.max(0, options * 2 - 1) };
  }
  const dimensions = /^[a-z ]+\((\d+)(?:,(\d+))?\)/.exec(column.columnType);
  if (!dimensions) return {};
  return {
    length: Math.min(Number(dimensions[1]), 2_147_483_647),
    ...(dimensions[2] !== undefined && { scale: Number(dimensions[2]) }),
  };
}

export function sourceColumnOf(column: MysqlColumnType, includeComment: boolean): SourceColumn {
  return {
    name: column.name,
    typeName: mysqlTypeName(column),
    ...mysqlLengthAndScale(column),
    character: CHARACTER_TYPES.has(column.dataType),
    ...(includeComment && column.comment !== undefined && { comment: column.comment }),
  };
}
