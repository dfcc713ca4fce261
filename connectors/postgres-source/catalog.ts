import type pg from 'pg';
import type { CaptureFilters } from './filters.ts';

// What the connector needs to know about tables from pg_catalog: which tables to capture, their
// columns (type, typmod, NOT NULL) and primary keys. Partitioned parents are skipped: with
// publish_via_partition_root off (the default) changes arrive under the partitions' own names, so
// the partitions are what we snapshot and stream.

export interface CatalogTable {
  oid: number;
  schema: string;
  name: string;
  /** pg_class.reltuples: an estimate for progress, -1 when never analyzed. */
  estimatedRows: number;
  canSelect: boolean;
}

export interface CatalogColumn {
  name: string;
  typeOid: number;
  typeMod: number;
  notNull: boolean;
  /** COMMENT ON COLUMN, when there is one. */
  comment?: string;
  /** The column default as pg_get_expr() shows it, when there is one. */
  defaultExpression?: string;
  /** pg_type.typname (int4, varchar, ...): which of Debezium's default parsers applies. */
  typeName?: string;
  /** An enum type (pg_type.typtype 'e'). */
  isEnum?: boolean;
}

export interface TableDefinition {
  columns: CatalogColumn[];
  /** Primary key columns in key order; empty when the table has none. */
  primaryKey: string[];
}

export async function listCapturedTables(
  client: pg.Client,
  filters: CaptureFilters,
): Promise<CatalogTable[]> {
  const result = await client.query<{
    oid: string;
    schema: string;
    name: string;
    reltuples: string;
    can_select: string;
  }>(
    `SELECT c.oid, n.nspname AS schema, c.relname AS name, c.reltuples,
            has_table_privilege(c.oid, 'SELECT') AS can_select
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND c.relpersistence = 'p'
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
      ORDER BY n.nspname, c.relname`,
  );
  return result.rows
    .filter((row) => filters.includesTable(row.schema, row.name))
    .map((row) => ({
      oid: Number(row.oid),
      schema: row.schema,
      name: row.name,
      estimatedRows: Math.max(-1, Math.round(Number(row.reltuples))),
      canSelect: row.can_select === 't' || row.can_select === 'true',
    }));
}

/** Columns (without dropped and generated ones, which pgoutput does not send) and primary keys. */
export async function loadTableDefinitions(
  client: pg.Client,
  oids: readonly number[],
): Promise<Map<number, TableDefinition>> {
  const definitions = new Map<number, TableDefinition>();
  if (oids.length === 0) return definitions;
  for (const oid of oids) definitions.set(oid, { columns: [], primaryKey: [] });
  const columns = await client.query<{
    relid: string;
    name: string;
    type: string;
    typmod: string;
    notnull: string;
    comment: string | null;
    default: string | null;
    typname: string;
    typtype: string;
  }>(
    `SELECT a.attrelid AS relid, a.attname AS name, a.atttypid AS type, a.atttypmod AS typmod, a.attnotnull AS notnull,
            col_description(a.attrelid, a.attnum) AS comment, pg_get_expr(d.adbin, d.adrelid) AS default,
            t.typname, t.typtype
       FROM pg_attribute a
       JOIN pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
      ORDER BY a.attrelid, a.attnum`,
    [oids],
  );
  for (const row of columns.rows) {
    definitions.get(Number(row.relid))?.columns.push({
      name: row.name,
      typeOid: Number(row.type),
      typeMod: Number(row.typmod),
      notNull: row.notnull === 't' || row.notnull === 'true',
      ...(row.comment !== null && row.comment !== '' && { comment: row.comment }),
      ...(row.default !== null && { defaultExpression: row.default }),
      typeName: row.typname,
      ...(row.typtype === 'e' && { isEnum: true }),
    });
  }
  const keys = await client.query<{ relid: string; name: string }>(
    `SELECT i.indrelid AS relid, a.attname AS name
       FROM pg_index i
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
      WHERE i.indisprimary AND i.indrelid = ANY($1::oid[])
      ORDER BY i.indrelid, array_position(i.indkey::int2[], a.attnum)`,
    [oids],
  );
  for (const row of keys.rows) definitions.get(Number(row.relid))?.primaryKey.push(row.name);
  return definitions;
}

export async function currentWalLsn(client: pg.Client): Promise<string> {
  const result = await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
  return result.rows[0]?.lsn ?? '0/0';
}
