import {
  type ConfigOf,
  type ConnectSchema,
  type ConnectValue,
  type FamilyEntry,
  field,
} from '../../src/plugin/index.ts';
import { HASH_ALGORITHMS, type HashVersion, hashMask, nodeHashName } from './column-hash.ts';

// Debezium's column mappers (ColumnMappers, MaskStrings, TruncateColumn,
// PropagateSourceMetadataToSchemaParameter), shared by both source connectors: the config keys
// column.truncate.to.<n>.chars, column.mask.with.<n>.chars, column.mask.hash[.v2].<algorithm>.with.salt.<salt>,
// column.propagate.source.type and datatype.propagate.source.type, and what each does to a value
// column's field schema (parameters) and values. As in Debezium:
// - each key's value is a comma-separated list of regular expressions matched case-insensitively
//   against the whole `<namespace>.<table>.<column>` (datatype.propagate.source.type:
//   `<namespace>.<table>.<type name>`); `\,` is a comma inside an expression;
// - a column gets the first mapper that matches it, in this order: truncate, mask with characters,
//   propagate by column, propagate by data type, hash, hash v2;
// - mappers apply to the value's fields (before and after) only, never to the key;
// - masks change character columns only (CHAR, VARCHAR, TEXT, ENUM...), but mark any matched
//   field `masked=true`; a character mask replaces nulls too, a hash keeps them; a hash is cut to
//   the column's length when it has one;
// - truncation applies where the column's length is unknown or larger than n, to strings (by UTF-16
//   units, as Java's substring) and plain bytes.

/** A column as Debezium's Column describes it, which is what the mappers look at. */
export interface SourceColumn {
  name: string;
  /** Column.typeName(): `varchar`, `serial`, `INT UNSIGNED`, a domain's or enum's name. */
  typeName: string;
  /** Column.length(), when set. */
  length?: number;
  /** Column.scale(), when set. */
  scale?: number;
  /** A JDBC character type (CHAR, VARCHAR, LONGVARCHAR, CLOB, NCHAR, ...): what masks change. */
  character: boolean;
  /** The column's comment, when read (include.schema.comments). */
  comment?: string;
}

/** What a mapper does to one column. */
export interface ColumnMapping {
  /** Schema parameters added after the type's own. */
  parameters: Readonly<Record<string, string>>;
  /** Maps a converted value (null included); absent when values pass through unchanged. */
  convert?: (value: ConnectValue) => ConnectValue;
}

const MAPPERS = 'Column mappers';

/** Splits a list of regular expressions as Debezium's RegExSplitter: at commas not escaped by `\`. */
export function splitRegexList(text: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (char === '\\') index += 1;
    else if (char === ',') {
      parts.push(text.slice(start, index));
      start = index + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((part) => part.trim().replaceAll('\\,', ',')).filter((part) => part !== '');
}

function regexList(text: string): string[] {
  const patterns = splitRegexList(text);
  for (const pattern of patterns) {
    try {
      new RegExp(pattern);
    } catch (error) {
      throw new Error(`invalid regular expression "${pattern}": ${(error as Error).message}`);
    }
  }
  return patterns;
}

function regexListProblem(patterns: readonly string[]): string | undefined {
  for (const pattern of patterns) {
    try {
      new RegExp(pattern);
    } catch (error) {
      return `Invalid regular expression "${pattern}": ${(error as Error).message}`;
    }
  }
  return undefined;
}

function positiveCount(parts: readonly string[]): string | undefined {
  const n = parts[0] ?? '';
  if (!/^\d+$/.test(n) || Number(n) < 1 || Number(n) > 2_147_483_647)
    return `<n> must be a positive integer, not "${n}"`;
  return undefined;
}

function knownAlgorithm(parts: readonly string[]): string | undefined {
  const algorithm = parts[0] ?? '';
  if (nodeHashName(algorithm) !== undefined) return undefined;
  return `unknown hash algorithm "${algorithm}"; use one of ${HASH_ALGORITHMS.join(', ')}`;
}

const COLUMN_LIST =
  'Comma-separated regular expressions matched case-insensitively against <namespace>.<table>.<column> (namespace: the schema on PostgreSQL, the database on MySQL)';

/** The column mapper keys, declared by both source connectors. */
export const columnMapperFields = {
  'column.truncate.to.<n>.chars': field.family({
    doc: `${COLUMN_LIST}: string and binary values of the matched value columns are cut to n characters (bytes), as Debezium does (n a positive integer; the field schema gets parameter truncateLength). Any number of such keys may be set, with different n.`,
    pattern: /^column\.truncate\.to\.(.+)\.chars$/,
    checkParts: positiveCount,
    value: regexList,
    group: MAPPERS,
  }),
  'column.mask.with.<n>.chars': field.family({
    doc: `${COLUMN_LIST}: the values (nulls too) of the matched character columns are replaced by n asterisks, as Debezium does (n a positive integer; the field schema gets parameter masked=true). Key fields keep their values.`,
    pattern: /^column\.mask\.with\.(.+)\.chars$/,
    checkParts: positiveCount,
    value: regexList,
    group: MAPPERS,
  }),
  'column.mask.hash.<algorithm>.with.salt.<salt>': field.family({
    doc: `${COLUMN_LIST}: the values of the matched character columns are replaced by the hex digest of salt and value, exactly as Debezium's (version 1: the value hashed as Java serializes a String), cut to the column's length. algorithm: ${HASH_ALGORITHMS.join(', ')} (Java's names). The field schema gets parameter masked=true.`,
    pattern: /^column\.mask\.hash\.([^.]+)\.with\.salt\.(.+)$/,
    checkParts: knownAlgorithm,
    value: regexList,
    group: MAPPERS,
  }),
  'column.mask.hash.v2.<algorithm>.with.salt.<salt>': field.family({
    doc: `As column.mask.hash.<algorithm>.with.salt.<salt>, with Debezium's hashing version 2: the digest of the salt and the value's UTF-8 bytes alone, so other tools can compute the same hash.`,
    pattern: /^column\.mask\.hash\.v2\.([^.]+)\.with\.salt\.(.+)$/,
    checkParts: knownAlgorithm,
    value: regexList,
    group: MAPPERS,
  }),
  'column.propagate.source.type': field.list({
    doc: `${COLUMN_LIST}: the matched value columns' field schemas get Debezium's parameters __debezium.source.column.type (the database type name, upper case), __debezium.source.column.length and __debezium.source.column.scale (when the type has them), __debezium.source.column.comment (with include.schema.comments) and __debezium.source.column.name.`,
    validate: regexListProblem,
    group: MAPPERS,
  }),
  'datatype.propagate.source.type': field.list({
    doc: 'As column.propagate.source.type, for the columns whose <namespace>.<table>.<type name> matches one of these regular expressions (e.g. .+\\.VARCHAR,.+\\.NUMERIC).',
    validate: regexListProblem,
    group: MAPPERS,
  }),
};

export type ColumnMapperConfig = ConfigOf<typeof columnMapperFields>;

interface Mapper {
  mapping(column: SourceColumn, schema: ConnectSchema): ColumnMapping;
}

interface Rule {
  /** Matches `<namespace>.<table>.<column name>`, or `.<type name>` for datatype rules. */
  patterns: RegExp[];
  byDatatype: boolean;
  mapper: Mapper;
}

const MASKED = { masked: 'true' } as const;

function truncateMapper(length: number): Mapper {
  return {
    mapping(column, schema): ColumnMapping {
      // Possible when the column's length is unknown or larger (TruncateColumn.isTruncationPossible).
      if (column.length !== undefined && column.length >= 0 && column.length <= length)
        return { parameters: {} };
      const cutsStrings = schema.type === 'string';
      const cutsBytes = schema.type === 'bytes' && schema.name === undefined;
      return {
        parameters: { truncateLength: String(length) },
        convert: (value) => {
          if (cutsStrings && typeof value === 'string' && value.length > length)
            return value.slice(0, length);
          if (cutsBytes && value instanceof Uint8Array && value.length > length)
            return value.subarray(0, length);
          return value;
        },
      };
    },
  };
}

function maskMapper(count: number): Mapper {
  const mask = '*'.repeat(count);
  return {
    mapping: (column) =>
      column.character ? { parameters: MASKED, convert: () => mask } : { parameters: MASKED },
  };
}

function hashMapper(algorithm: string, salt: string, version: HashVersion): Mapper {
  const hash = hashMask(algorithm, salt, version);
  return {
    mapping(column) {
      if (!column.character) return { parameters: MASKED };
      const cut = column.length !== undefined && column.length > 0 ? column.length : undefined;
      return {
        parameters: MASKED,
        convert: (value) => {
          if (value === null) return null;
          const digest = hash(typeof value === 'string' ? value : String(value));
          return cut === undefined ? digest : digest.slice(0, cut);
        },
      };
    },
  };
}

const propagateMapper: Mapper = {
  mapping(column) {
    const parameters: Record<string, string> = {
      '__debezium.source.column.type': column.typeName.toUpperCase(),
    };
    if (column.length !== undefined) parameters['__debezium.source.column.length'] = String(column.length);
    if (column.scale !== undefined) parameters['__debezium.source.column.scale'] = String(column.scale);
    if (column.comment !== undefined && column.comment !== '')
      parameters['__debezium.source.column.comment'] = column.comment;
    parameters['__debezium.source.column.name'] = column.name;
    return { parameters };
  },
};

const compile = (patterns: readonly string[]) =>
  patterns.map((pattern) => new RegExp(`^(?:${pattern})$`, 'i'));

export class ColumnMappers {
  private readonly rules: Rule[] = [];

  /** `config` must be valid (as parseConfig checks it). */
  constructor(config: ColumnMapperConfig) {
    const add = (patterns: readonly string[], mapper: Mapper, byDatatype = false) => {
      if (patterns.length > 0) this.rules.push({ patterns: compile(patterns), byDatatype, mapper });
    };
    const families = (
      entries: readonly FamilyEntry<string[]>[],
      mapper: (parts: readonly string[]) => Mapper,
    ) => {
      for (const entry of entries) add(entry.value, mapper(entry.parts));
    };
    families(config['column.truncate.to.<n>.chars'], (parts) => truncateMapper(Number(parts[0])));
    families(config['column.mask.with.<n>.chars'], (parts) => maskMapper(Number(parts[0])));
    add(config['column.propagate.source.type'] ?? [], propagateMapper);
    add(config['datatype.propagate.source.type'] ?? [], propagateMapper, true);
    families(config['column.mask.hash.<algorithm>.with.salt.<salt>'], ([algorithm = '', salt = '']) =>
      hashMapper(algorithm, salt, 'v1'),
    );
    families(config['column.mask.hash.v2.<algorithm>.with.salt.<salt>'], ([algorithm = '', salt = '']) =>
      hashMapper(algorithm, salt, 'v2'),
    );
  }

  /** Whether any mapper is configured. */
  get any(): boolean {
    return this.rules.length > 0;
  }

  /**
   * What the first matching mapper does to a value column whose field schema (before the mapper)
   * is `schema`, or undefined when none matches.
   */
  mappingFor(
    namespace: string,
    table: string,
    column: SourceColumn,
    schema: ConnectSchema,
  ): ColumnMapping | undefined {
    const byName = `${namespace}.${table}.${column.name}`;
    const byType = `${namespace}.${table}.${column.typeName}`;
    const rule = this.rules.find((candidate) => {
      const name = candidate.byDatatype ? byType : byName;
      return candidate.patterns.some((pattern) => pattern.test(name));
    });
    return rule?.mapper.mapping(column, schema);
  }
}

/** No mappers (the connectors' tests and tools that build schemas without a config). */
export const NO_COLUMN_MAPPERS = new ColumnMappers({
  'column.truncate.to.<n>.chars': [],
  'column.mask.with.<n>.chars': [],
  'column.mask.hash.<algorithm>.with.salt.<salt>': [],
  'column.mask.hash.v2.<algorithm>.with.salt.<salt>': [],
  'column.propagate.source.type': undefined,
  'datatype.propagate.source.type': undefined,
});
