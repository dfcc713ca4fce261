import type pg from 'pg';
import { parseArrayLiteral } from './pg-text.ts';

// The database's types by OID: pgoutput names only the OID of a column's type, and user types
// (enums, domains, extension types such as citext or hstore) have OIDs that differ per database.
// Loaded once at start and again when a column shows an OID we have not seen (a type created later).

export type PgTypeKind = 'base' | 'enum' | 'domain' | 'range' | 'multirange' | 'composite' | 'pseudo';

export interface PgType {
  oid: number;
  name: string;
  schema: string;
  kind: PgTypeKind;
  /** pg_type.typcategory, e.g. 'A' for arrays. */
  category: string;
  /** Element type of an array type, 0 otherwise. */
  elementOid: number;
  /** Underlying type of a domain, 0 otherwise. */
  baseOid: number;
  /** Type modifier a domain applies to its base type (e.g. numeric(10,2)), -1 otherwise. */
  baseTypeMod: number;
  delimiter: string;
  /** Labels of an enum in their sort order. */
  labels: string[];
}

export type TypeLookup = (oid: number) => PgType | undefined;

const KINDS: Record<string, PgTypeKind> = {
  b: 'base',
  e: 'enum',
  d: 'domain',
  r: 'range',
  m: 'multirange',
  c: 'composite',
  p: 'pseudo',
};

interface TypeRow {
  oid: string;
  typname: string;
  nspname: string;
  typtype: string;
  typcategory: string;
  typelem: string;
  typbasetype: string;
  typtypmod: string;
  typdelim: string;
  labels: string | null;
}

const TYPE_QUERY = `
  SELECT t.oid, t.typname, n.nspname, t.typtype, t.typcategory, t.typelem, t.typbasetype, t.typtypmod, t.typdelim,
         CASE WHEN t.typtype = 'e'
              THEN (SELECT array_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid)
         END AS labels
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace`;

export class TypeCatalog {
  private readonly types = new Map<number, PgType>();

  /** Loads every non-composite type (composites exist once per table and are not column types here). */
  async load(client: pg.Client): Promise<void> {
    const result = await client.query<TypeRow>(`${TYPE_QUERY} WHERE t.typtype <> 'c'`);
    for (const row of result.rows) this.add(row);
  }

  /** Loads the given OIDs (and, for arrays and domains, what they refer to) if still unknown. */
  async ensure(client: pg.Client, oids: Iterable<number>): Promise<void> {
    let missing = [...new Set(oids)].filter((oid) => oid > 0 && !this.types.has(oid));
    while (missing.length > 0) {
      const result = await client.query<TypeRow>(`${TYPE_QUERY} WHERE t.oid = ANY($1::oid[])`, [missing]);
      for (const row of result.rows) this.add(row);
      missing = result.rows
        .flatMap((row) => [Number(row.typelem), Number(row.typbasetype)])
        .filter((oid) => oid > 0 && !this.types.has(oid));
    }
  }

  get(oid: number): PgType | undefined {
    return this.types.get(oid);
  }

  readonly lookup: TypeLookup = (oid) => this.types.get(oid);

  private add(row: TypeRow): void {
    const oid = Number(row.oid);
    this.types.set(oid, {
      oid,
      name: row.typname,
      schema: row.nspname,
      kind: KINDS[row.typtype] ?? 'base',
      category: row.typcategory,
      elementOid: Number(row.typelem),
      baseOid: Number(row.typbasetype),
      baseTypeMod: Number(row.typtypmod),
      delimiter: row.typdelim,
      labels: row.labels === null ? [] : parseArrayLiteral(row.labels).map((label) => label ?? ''),
    });
  }
}
