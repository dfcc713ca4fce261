import type { JavaValue } from '../shared/incremental-snapshot/java-serialization.ts';
import { quoteIdent, quoteTable } from './connection.ts';

// The SQL of an incremental snapshot's chunks on PostgreSQL, as Debezium's RowValueConstructor-
// ChunkQueryBuilder writes it: rows after the last key read and up to the table's maximum key,
// meeting the additional condition, ordered by the chunk key, `limit` at a time. Keys travel as
// PostgreSQL's text forms in bound parameters; in the offset they are the Java types the JDBC
// driver gives Debezium (int4 an Integer, int8 a Long, numeric a BigDecimal, uuid a UUID, ...).

export interface ChunkKeyColumn {
  name: string;
  typeOid: number;
}

export interface BuiltQuery {
  text: string;
  values: (string | null)[];
}

const INT2 = 21;
const INT4 = 23;
const INT8 = 20;
const OID = 26;
const NUMERIC = 1700;
const BOOL = 16;
const FLOAT4 = 700;
const FLOAT8 = 701;
const UUID = 2950;
const BYTEA = 17;

function row(names: readonly string[], first: number): { columns: string; params: string } {
  const columns = names.map(quoteIdent).join(', ');
  const params = names.map((_, index) => `$${first + index}`).join(', ');
  return names.length === 1 ? { columns, params } : { columns: `(${columns})`, params: `(${params})` };
}

/** SELECT of the chunk's rows (all `columns`, in order). */
export function chunkQuery(
  table: { schema: string; name: string },
  columns: readonly string[],
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
  const values: (string | null)[] = [];
  if (bounds.after) {
    const after = row(names, values.length + 1);
    conditions.push(`${after.columns} > ${after.params}`);
    values.push(...bounds.after.map(keyText));
  }
  const upTo = row(names, values.length + 1);
  conditions.push(`${upTo.columns} <= ${upTo.params}`);
  values.push(...bounds.upTo.map(keyText));
  if (bounds.condition) conditions.push(`(${bounds.condition})`);
  const select = columns.map(quoteIdent).join(', ') || 'NULL';
  return {
    text: `SELECT ${select} FROM ${quoteTable(table.schema, table.name)} WHERE ${conditions.join(' AND ')} ORDER BY ${names.map(quoteIdent).join(', ')} LIMIT ${bounds.limit}`,
    values,
  };
}

/** The largest chunk key among the rows meeting the condition (Debezium's buildMaxPrimaryKeyQuery). */
export function maximumKeyQuery(
  table: { schema: string; name: string },
  key: readonly ChunkKeyColumn[],
  condition: string | undefined,
): string {
  // Aliased: ORDER BY a name an output column also has would sort by that (text) column.
  const select = key.map((column, index) => `${quoteIdent(column.name)}::text AS key${index}`).join(', ');
  const order = key.map((column) => `${quoteIdent(column.name)} DESC`).join(', ');
  const where = condition ? ` WHERE (${condition})` : '';
  return `SELECT ${select} FROM ${quoteTable(table.schema, table.name)}${where} ORDER BY ${order} LIMIT 1`;
}

/** A key column's text (as PostgreSQL prints it) as the Java value Debezium's JDBC driver reads. */
export function javaValueOf(text: string | null, typeOid: number): JavaValue {
  if (text === null) return null;
  switch (typeOid) {
    case INT2:
      return { type: 'short', value: Number(text) };
    case INT4:
      return { type: 'int', value: Number(text) };
    case INT8:
    case OID:
      return { type: 'long', value: BigInt(text) };
    case NUMERIC:
      // NaN and the infinities have no BigDecimal: Debezium keeps their double (unwrapKeyValue).
      return /^[+-]?(\d|\.\d)/.test(text)
        ? { type: 'decimal', value: text }
        : { type: 'double', value: Number(text) };
    case BOOL:
      return { type: 'boolean', value: text === 't' || text === 'true' };
    case FLOAT4:
      return { type: 'float', value: Number(text) };
    case FLOAT8:
      return { type: 'double', value: Number(text) };
    case UUID:
      return { type: 'uuid', value: text.toLowerCase() };
    case BYTEA:
      return {
        type: 'bytes',
        value: new Uint8Array(Buffer.from(text.startsWith('\\x') ? text.slice(2) : text, 'hex')),
      };
    default:
      return { type: 'string', value: text };
  }
}

/** A stored key value back to a text PostgreSQL takes for the column. */
export function keyText(value: JavaValue): string | null {
  if (value === null) return null;
  switch (value.type) {
    case 'bytes':
      return `\\x${Buffer.from(value.value).toString('hex')}`;
    case 'boolean':
      return value.value ? 'true' : 'false';
    case 'long':
    case 'biginteger':
      return value.value.toString();
    case 'double':
    case 'float':
      return Number.isFinite(value.value)
        ? String(value.value)
        : value.value > 0
          ? 'Infinity'
          : value.value < 0
            ? '-Infinity'
            : 'NaN';
    default:
      return String(value.value);
  }
}
