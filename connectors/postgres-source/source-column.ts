import type { SourceColumn } from '../shared/column-mappers.ts';
import type { PgType, TypeLookup } from './type-catalog.ts';

// A PostgreSQL column as Debezium's Column describes it (what the column mappers look at): the
// type name pgjdbc reports (typname; serial, bigserial and smallserial for integer columns whose
// default calls nextval(); a domain's own name), and the length and scale Debezium takes from
// pgjdbc's TypeInfoCache (ColumnMetaData: the type modifier's precision and scale, else the type's
// defaults, a domain's from its base type and modifier).

/** pgjdbc's length of a type without one (TypeInfoCache's unknownLength). */
const UNKNOWN_LENGTH = 2_147_483_647;

/** pgjdbc's TypeInfoCache.getDisplaySize for the types whose precision is 0 or a display size. */
function displaySize(name: string, typeMod: number): number {
  switch (name) {
    case 'int2':
      return 6;
    case 'int4':
      return 11;
    case 'oid':
      return 10;
    case 'int8':
      return 20;
    case 'float4':
      return 15;
    case 'float8':
      return 25;
    case 'char':
    case 'bool':
      return 1;
    case 'date':
      return 13;
    case 'time':
    case 'timetz':
    case 'timestamp':
    case 'timestamptz': {
      const secondSize = typeMod === -1 ? 7 : typeMod === 0 ? 0 : typeMod === 1 ? 3 : typeMod + 1;
      if (name === 'time') return 8 + secondSize;
      if (name === 'timetz') return 8 + secondSize + 6;
      if (name === 'timestamp') return 13 + 1 + 8 + secondSize;
      return 13 + 1 + 8 + secondSize + 6;
    }
    case 'interval':
      return 49;
    case 'varchar':
    case 'bpchar':
      return typeMod === -1 ? UNKNOWN_LENGTH : typeMod - 4;
    case 'numeric': {
      if (typeMod === -1) return 131_089;
      const precision = ((typeMod - 4) >> 16) & 0xffff;
      const scale = (typeMod - 4) & 0xffff;
      return 1 + precision + (scale !== 0 ? 1 : 0);
    }
    case 'bit':
      return typeMod;
    case 'varbit':
      return typeMod === -1 ? UNKNOWN_LENGTH : typeMod;
    default:
      return UNKNOWN_LENGTH;
  }
}

/** pgjdbc's TypeInfoCache.getPrecision (by the built-in type's name). */
function precision(name: string, typeMod: number): number {
  switch (name) {
    case 'int2':
      return 5;
    case 'oid':
    case 'int4':
      return 10;
    case 'int8':
      return 19;
    case 'float4':
      return 8;
    case 'float8':
      return 17;
    case 'numeric':
      return typeMod === -1 ? 0 : ((typeMod - 4) & 0xffff0000) >> 16;
    case 'char':
    case 'bool':
      return 1;
    case 'bpchar':
    case 'varchar':
      return typeMod === -1 ? UNKNOWN_LENGTH : typeMod - 4;
    case 'date':
    case 'time':
    case 'timetz':
    case 'interval':
    case 'timestamp':
    case 'timestamptz':
      return displaySize(name, typeMod);
    case 'bit':
      return typeMod;
    case 'varbit':
      return typeMod === -1 ? UNKNOWN_LENGTH : typeMod;
    default:
      return UNKNOWN_LENGTH;
  }
}

/** pgjdbc's TypeInfoCache.getScale. */
function scale(name: string, typeMod: number): number {
  switch (name) {
    case 'float4':
      return 8;
    case 'float8':
      return 17;
    case 'numeric':
      return typeMod === -1 ? 0 : (typeMod - 4) & 0xffff;
    case 'time':
    case 'timetz':
    case 'timestamp':
    case 'timestamptz':
      return typeMod === -1 ? 6 : typeMod;
    case 'interval':
      return typeMod === -1 ? 6 : typeMod & 0xffff;
    default:
      return 0;
  }
}

/** The name pgjdbc's size functions switch on: built-in types by name (arrays by their element's). */
function sizeName(type: PgType | undefined, lookup: TypeLookup): string {
  if (type === undefined) return '';
  const element = type.category === 'A' && type.elementOid > 0 ? lookup(type.elementOid) : undefined;
  const base = element ?? type;
  return base.schema === 'pg_catalog' ? base.name : '';
}

/** Debezium's PostgresType.getDefaultLength/getDefaultScale (no modifier on the column). */
function defaultSize(type: PgType | undefined, lookup: TypeLookup): { length: number; scale: number } {
  if (type?.kind === 'domain') {
    const parent = lookup(type.baseOid);
    if (type.baseTypeMod === -1) return defaultSize(parent, lookup);
    const parentName = sizeName(parent, lookup);
    let size = precision(parentName, type.baseTypeMod);
    if (size === 0) size = displaySize(parentName, type.baseTypeMod);
    return {
      length: size !== 0 && size !== UNKNOWN_LENGTH ? size : UNKNOWN_LENGTH,
      scale: scale(parentName, type.baseTypeMod),
    };
  }
  const name = sizeName(type, lookup);
  const size = precision(name, -1);
  return { length: size === 0 ? displaySize(name, -1) : size, scale: scale(name, -1) };
}

const CHARACTER_TYPES = new Set(['text', 'varchar', 'bpchar', 'char', 'name']);

/** Whether pgjdbc reports the type as a character type (a domain by its base; not arrays). */
function isCharacter(type: PgType | undefined, lookup: TypeLookup): boolean {
  if (type === undefined) return false;
  if (type.kind === 'domain') return isCharacter(lookup(type.baseOid), lookup);
  if (type.kind === 'enum') return true;
  return type.schema === 'pg_catalog' && CHARACTER_TYPES.has(type.name);
}

const SERIALS: Readonly<Record<string, string>> = { int4: 'serial', int8: 'bigserial', int2: 'smallserial' };

export function sourceColumnOf(
  column: {
    name: string;
    typeOid: number;
    typeMod: number;
    defaultExpression?: string;
    comment?: string;
  },
  lookup: TypeLookup,
  includeComment: boolean,
): SourceColumn {
  const type = lookup(column.typeOid);
  let typeName = type?.name ?? 'unknown';
  if (column.defaultExpression?.includes('nextval(') && type?.schema === 'pg_catalog')
    typeName = SERIALS[typeName] ?? typeName;
  const size =
    column.typeMod !== -1
      ? {
          length: precision(sizeName(type, lookup), column.typeMod),
          scale: scale(sizeName(type, lookup), column.typeMod),
        }
      : defaultSize(type, lookup);
  return {
    name: column.name,
    typeName,
    length: size.length,
    scale: size.scale,
    character: isCharacter(type, lookup),
    ...(includeComment && column.comment !== undefined && { comment: column.comment }),
  };
}
