import type pg from 'pg';
import type {
  CapturedColumn,
  CapturedForeignKey,
  CapturedTable,
  LogicalType,
  SourceDescription,
} from '../../src/plugin/index.ts';
import { recordNames } from '../../src/plugin/index.ts';
import { listCapturedTables } from './catalog.ts';
import type { PostgresSourceConfig } from './config.ts';
import { connect } from './connection.ts';
import { databaseError } from './errors.ts';
import { CaptureFilters } from './filters.ts';

// The captured tables as the data-product catalog sees them, from pg_catalog: every column the
// filters keep with its declared type (format_type), default, COMMENT ON COLUMN, enum labels and
// primary-key position, the table's comment and owner, and its foreign keys. One short connection;
// nothing here runs while the task streams.

interface ColumnRow {
  relid: string;
  name: string;
  position: number;
  type: string;
  category: string;
  typtype: string;
  notnull: boolean;
  default: string | null;
  comment: string | null;
  enum_values: string[] | null;
  element_category: string | null;
}

export async function describeSource(config: PostgresSourceConfig): Promise<SourceDescription> {
  const client = await connect(config, 'catalog').catch((error: unknown) => {
    throw databaseError(error, 'connecting to describe the captured tables');
  });
  try {
    return {
      databaseType: 'postgresql',
      host: config['database.hostname'],
      port: config['database.port'],
      database: config['database.dbname'],
      tables: await describeTables(client, config),
    };
  } catch (error) {
    throw databaseError(error, 'describing the captured tables');
  } finally {
    await client.end().catch(() => {});
  }
}

async function describeTables(client: pg.Client, config: PostgresSourceConfig): Promise<CapturedTable[]> {
  const filters = new CaptureFilters(config);
  const tables = await listCapturedTables(client, filters);
  if (tables.length === 0) return [];
  const oids = tables.map((table) => table.oid);
  const meta = await client.query<{ oid: string; comment: string | null; owner: string }>(
    `SELECT c.oid, obj_description(c.oid, 'pg_class') AS comment, pg_get_userbyid(c.relowner) AS owner
       FROM pg_class c WHERE c.oid = ANY($1::oid[])`,
    [oids],
  );
  // Values stay text (the connection has no type parsers): lists come as JSON text and are parsed here.
  const columns = await client.query<Record<keyof ColumnRow, string | null>>(
    `SELECT a.attrelid AS relid, a.attname AS name, a.attnum AS position,
            format_type(a.atttypid, a.atttypmod) AS type, t.typcategory AS category, t.typtype,
            a.attnotnull AS notnull, pg_get_expr(d.adbin, d.adrelid) AS default,
            col_description(a.attrelid, a.attnum) AS comment,
            (SELECT json_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = a.atttypid)::text AS enum_values,
            et.typcategory AS element_category
       FROM pg_attribute a
       JOIN pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
      ORDER BY a.attrelid, a.attnum`,
    [oids],
  );
  const keys = await client.query<{ relid: string; name: string; position: string }>(
    `SELECT i.indrelid AS relid, a.attname AS name, array_position(i.indkey::int2[], a.attnum) - array_lower(i.indkey::int2[], 1) + 1 AS position
       FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
      WHERE i.indisprimary AND i.indrelid = ANY($1::oid[])`,
    [oids],
  );
  const uniques = await client.query<{ relid: string; name: string }>(
    `SELECT i.indrelid AS relid, a.attname AS name
       FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
      WHERE i.indisunique AND NOT i.indisprimary AND i.indnatts = 1 AND i.indpred IS NULL
        AND i.indrelid = ANY($1::oid[])`,
    [oids],
  );
  const foreign = await client.query<{
    relid: string;
    name: string;
    columns: string;
    ref_schema: string;
    ref_table: string;
    ref_columns: string;
  }>(
    `SELECT c.conrelid AS relid, c.conname AS name,
            (SELECT json_agg(a.attname ORDER BY k.n) FROM unnest(c.conkey) WITH ORDINALITY k(num, n)
               JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num)::text AS columns,
            rn.nspname AS ref_schema, rc.relname AS ref_table,
            (SELECT json_agg(a.attname ORDER BY k.n) FROM unnest(c.confkey) WITH ORDINALITY k(num, n)
               JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.num)::text AS ref_columns
       FROM pg_constraint c
       JOIN pg_class rc ON rc.oid = c.confrelid JOIN pg_namespace rn ON rn.oid = rc.relnamespace
      WHERE c.contype = 'f' AND c.conrelid = ANY($1::oid[])
      ORDER BY c.conname`,
    [oids],
  );

  const keyPositions = new Map(
    keys.rows.map((row) => [`${row.relid}\u0000${row.name}`, Number(row.position)]),
  );
  const unique = new Set(uniques.rows.map((row) => `${row.relid}\u0000${row.name}`));
  return tables.map((table) => {
    const relid = String(table.oid);
    const info = meta.rows.find((row) => row.oid === relid);
    const captured: CapturedTable = {
      namespace: table.schema,
      name: table.name,
      topic: recordNames(config['topic.prefix'], table.schema, table.name).topic,
      ...(info?.comment && { comment: info.comment }),
      ...(info?.owner && { owner: info.owner }),
      columns: columns.rows
        .filter(
          (row) => row.relid === relid && filters.includesColumn(table.schema, table.name, row.name ?? ''),
        )
        .map((row) =>
          column(row, keyPositions.get(`${relid}\u0000${row.name}`), unique.has(`${relid}\u0000${row.name}`)),
        ),
      foreignKeys: foreign.rows
        .filter((row) => row.relid === relid)
        .map(
          (row): CapturedForeignKey => ({
            name: row.name,
            columns: JSON.parse(row.columns) as string[],
            referencedTable: `${row.ref_schema}.${row.ref_table}`,
            referencedColumns: JSON.parse(row.ref_columns) as string[],
          }),
        ),
    };
    return captured;
  });
}

function column(
  row: Record<keyof ColumnRow, string | null>,
  keyPosition: number | undefined,
  unique: boolean,
): CapturedColumn {
  const enumValues = row.enum_values === null ? undefined : (JSON.parse(row.enum_values) as string[]);
  return {
    name: row.name ?? '',
    position: Number(row.position),
    physicalType: row.type ?? '',
    logicalType: logicalType(row.category ?? '', row.type ?? ''),
    nullable: !(row.notnull === 't' || row.notnull === 'true'),
    ...(row.default !== null && { default: row.default }),
    ...(row.comment !== null && { comment: row.comment }),
    ...(enumValues && { enumValues }),
    ...(keyPosition !== undefined && { primaryKeyPosition: keyPosition }),
    ...(unique && { unique: true }),
  };
}

/** pg_type.typcategory to ODCS logical types. */
function logicalType(category: string, type: string): LogicalType {
  switch (category) {
    case 'B':
      return 'boolean';
    case 'N':
      return /^(smallint|integer|bigint|oid)$/.test(type) ? 'integer' : 'number';
    case 'D':
      return 'date';
    case 'A':
      return 'array';
    case 'C':
      return 'object';
    case 'U':
      return /^jsonb?$/.test(type) ? 'object' : 'string';
    default:
      return 'string';
  }
}
