import type { ConnectValue } from '../../src/plugin/index.ts';
import type { ValueMapping } from './type-map.ts';

// Column defaults in the schemas, as Debezium's PostgresDefaultValueConverter puts them: the
// expression pg_get_expr() shows (`7`, `'new'::character varying`, `nextval('t_id_seq'::regclass)`,
// `now()`) is read for the types Debezium has a mapper for, a function call stands for its type's
// placeholder (so a serial column's default is 0, a `DEFAULT now()` timestamp's the epoch), `NULL::`
// gives no default, and the text is converted as a row value of the column would be. Anything
// else (other types, unparseable text, struct-valued types) has no default, as in Debezium.

const LITERAL = /'([^']*(?:''[^']*)*)'/;
const FUNCTION = /^[(]?[A-Za-z0-9_.]+\((?:.+(?:, ?.+)*)?\)/;
const CURRENT_DATE_TIMES = new Set([
  'current_timestamp',
  'current_time',
  'current_date',
  'localtime',
  'localtimestamp',
]);
const TRIMMED = new Set([
  'bool',
  'numeric',
  'float4',
  'float8',
  'int2',
  'int4',
  'int8',
  'uuid',
  'date',
  'time',
  'timestamp',
  'timestamptz',
]);
/** What a generated (function) default stands for, per pg_type.typname; types absent have no default. */
const PLACEHOLDERS: Record<string, string> = {
  bool: 'false',
  bpchar: '',
  varchar: '',
  text: '',
  numeric: '0.0',
  float4: '0.0',
  float8: '0.0',
  int2: '0',
  int4: '0',
  int8: '0',
  json: '{}',
  jsonb: '{}',
  xml: '',
  uuid: '00000000-0000-0000-0000-000000000000',
  // Debezium parses its `1970-01-01` / `00:00` placeholders with the JDBC driver; these are the same
  // instants in the text form the value parsers read.
  date: '1970-01-01',
  time: '00:00:00',
  timestamp: '1970-01-01 00:00:00',
  timestamptz: '1970-01-01 00:00:00+00',
};
/** Types whose mapper first checks for `NULL::` (parseNullDefault); the others read it as no quotes. */
const NULL_CHECKED = new Set(['bool', 'numeric', 'float4', 'float8', 'int2', 'int4', 'int8']);

/** The default text Debezium would read from `expression`, or null when there is none. */
export function defaultText(expression: string, typeName: string, isEnum = false): string | null {
  if (isEnum) {
    const cast = expression.lastIndexOf('::');
    if (cast < 0) return null;
    const literal = expression.slice(0, cast);
    return literal.length >= 2 && literal.startsWith("'") && literal.endsWith("'")
      ? literal.slice(1, -1).replaceAll("''", "'")
      : null;
  }
  const placeholder = PLACEHOLDERS[typeName];
  if (placeholder === undefined) return null;
  const text = TRIMMED.has(typeName) ? expression.trim() : expression;
  if (NULL_CHECKED.has(typeName) && text.startsWith('NULL::')) return null;
  if (FUNCTION.test(text) || CURRENT_DATE_TIMES.has(text.toLowerCase())) return placeholder;
  if (!text.includes("'")) return text.startsWith('NULL::') ? null : text;
  const match = LITERAL.exec(text);
  return match ? (match[1] ?? '').replaceAll("''", "'") : null;
}

/** The column default in the field's Connect representation, or undefined when it has none. */
export function columnDefault(
  expression: string | undefined,
  typeName: string | undefined,
  isEnum: boolean,
  mapping: ValueMapping,
): ConnectValue | undefined {
  if (expression === undefined || typeName === undefined) return undefined;
  if (mapping.schema.type === 'struct') return undefined; // KAFKA-12694: Debezium drops struct defaults
  const text = defaultText(expression, typeName, isEnum);
  if (text === null) return undefined;
  try {
    const value = mapping.parse(text);
    return value === null ? undefined : value;
  } catch {
    return undefined;
  }
}
