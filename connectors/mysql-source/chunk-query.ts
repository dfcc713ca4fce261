import type { JavaValue } from '../shared/incremental-snapshot/java-serialization.ts';
import { quoteIdent, quoteTable } from './connection.ts';
import type { ColumnType } from './type-map.ts';

// The SQL of an incremental snapshot's chunks on MySQL and MariaDB, as Debezium's
// DefaultChunkQueryBuilder writes it (each bound spelled out column by column, which every version
// optimizes as a range): rows after the last key read and up to the table's maximum key, meeting
// the additional condition, ordered by the chunk key, `limit` at a time. Key values in the offset
// are the Java types Debezium's JDBC driver reads (INT an Integer, BIGINT a Long, DECIMAL a
// BigDecimal, ...).

export interface ChunkKeyColumn extends ColumnType {
  name: string;
}

export interface BuiltQuery {
  sql: string;
  values: unknown[];
}

/** `(k1 > ?) OR (k1 = ? AND k2 > ?) ...`, or with `last` as the final operator (for <=). */
function bound(names: readonly string[], keyValues: readonly unknown[], last: '>' | '<='): BuiltQuery {
  const inverse = last === '<=' ? '<' : '>';
  const terms: string[] = [];
  const values: unknown[] = [];
  names.forEach((_, index) => {
    const parts: string[] = [];
    for (let prefix = 0; prefix < index; prefix += 1) {
      parts.push(`${quoteIdent(names[prefix] as string)} = ?`);
      values.push(keyValues[prefix]);
    }
    const operator = index === names.length - 1 ? last : inverse;
    parts.push(`${quoteIdent(names[index] as string)} ${operator} ?`);
    values.push(keyValues[index]);
    terms.push(`(${parts.join(' AND ')})`);
  });
  return { sql: `(${terms.join(' OR ')})`, values };
}

/** The chunk's SELECT; `selectList` is what the table's snapshot selects (TableSchema.selectList). */
export function chunkQuery(
  table: { database: string; table: string },
  selectList: string,
  key: readonly ChunkKeyColumn[],
  bounds: {
    after: readonly JavaValue[] | undefined;
    upTo: readonly JavaValue[];
    limit: number;
    condition?: string;
  },
): BuiltQuery {
  const names = key.map((column) => column.name);
  const conditions: string[] = [];
  const values: unknown[] = [];
  if (bounds.after) {
    const after = bound(names, bounds.after.map(parameterOf), '>');
    conditions.push(after.sql);
    values.push(...after.values);
  }
  const upTo = bound(names, bounds.upTo.map(parameterOf), '<=');
  conditions.push(upTo.sql);
  values.push(...upTo.values);
  if (bounds.condition) conditions.push(`(${bounds.condition})`);
  return {
    sql: `SELECT ${selectList} FROM ${quoteTable(table.database, table.table)} WHERE ${conditions.join(' AND ')} ORDER BY ${names.map(quoteIdent).join(', ')} LIMIT ${bounds.limit}`,
    values,
  };
}

export function maximumKeyQuery(
  table: { database: string; table: string },
  key: readonly ChunkKeyColumn[],
  condition: string | undefined,
): string {
  const select = key.map((column) => quoteIdent(column.name)).join(', ');
  const order = key.map((column) => `${quoteIdent(column.name)} DESC`).join(', ');
  const where = condition ? ` WHERE (${condition})` : '';
  return `SELECT ${select} FROM ${quoteTable(table.database, table.table)}${where} ORDER BY ${order} LIMIT 1`;
}

/** A key column's driver value (mysql2 with dateStrings and bigNumberStrings) as a Java value. */
export function javaValueOf(value: unknown, column: ColumnType): JavaValue {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return { type: 'bytes', value: new Uint8Array(value) };
  const unsigned = /unsigned/i.test(column.columnType);
  switch (column.dataType.toLowerCase()) {
    case 'tinyint':
    case 'smallint':
    case 'mediumint':
      return { type: 'int', value: Number(value) };
    case 'int':
    case 'integer':
      return unsigned
        ? { type: 'long', value: BigInt(String(value)) }
        : { type: 'int', value: Number(value) };
    case 'bigint':
      return unsigned
        ? { type: 'biginteger', value: BigInt(String(value)) }
        : { type: 'long', value: BigInt(String(value)) };
    case 'decimal':
    case 'numeric':
      return { type: 'decimal', value: String(value) };
    case 'float':
      return { type: 'float', value: Number(value) };
    case 'double':
    case 'real':
      return { type: 'double', value: Number(value) };
    default:
      return { type: 'string', value: String(value) };
  }
}

/** A stored key value as a query parameter. */
export function parameterOf(value: JavaValue): unknown {
  if (value === null) return null;
  switch (value.type) {
    case 'bytes':
      return Buffer.from(value.value);
    case 'long':
    case 'biginteger':
      return value.value.toString();
    case 'boolean':
      return value.value ? 1 : 0;
    default:
      return value.value;
  }
}
