import type pg from 'pg';
import { OnrampError } from '../../src/plugin/index.ts';
import type { CatalogTable } from './catalog.ts';
import { quoteIdent, quoteTable } from './connection.ts';
import { PG_REPLICA_IDENTITY_FAILED } from './errors.ts';

// Replica identity decides what PostgreSQL logs of a row's old version, and whether it lets the row
// be updated or deleted at all: a table with no primary key (REPLICA IDENTITY DEFAULT) or with
// REPLICA IDENTITY NOTHING that is in a publication publishing UPDATE/DELETE makes PostgreSQL refuse
// those statements ("cannot update table ... because it does not have a replica identity and
// publishes updates"). The legacy application, not the connector, is the one that breaks.

export type ReplicaIdentity = { kind: 'DEFAULT' | 'FULL' | 'NOTHING' } | { kind: 'INDEX'; index: string };

export interface ReplicaIdentityRule {
  /** The `<schema>.<table>` regular expression as written. */
  table: string;
  pattern: RegExp;
  identity: ReplicaIdentity;
}

/**
 * Debezium's replica.identity.autoset.values: `<schema>.<table regex>:<DEFAULT|FULL|NOTHING|INDEX
 * name>` entries, comma-separated (e.g. `public.*:FULL,inventory.orders:INDEX orders_code_key`).
 */
export function parseAutosetValues(text: string | undefined): {
  rules: ReplicaIdentityRule[];
  errors: string[];
} {
  const rules: ReplicaIdentityRule[] = [];
  const errors: string[] = [];
  for (const entry of (text ?? '').split(',').map((item) => item.trim())) {
    if (entry === '') continue;
    const colon = entry.lastIndexOf(':');
    const table = colon < 0 ? '' : entry.slice(0, colon).trim();
    const value = colon < 0 ? '' : entry.slice(colon + 1).trim();
    const index = /^INDEX\s+(\S+)$/i.exec(value);
    const kind = value.toUpperCase();
    let identity: ReplicaIdentity | undefined;
    if (index?.[1]) identity = { kind: 'INDEX', index: index[1] };
    else if (kind === 'DEFAULT' || kind === 'FULL' || kind === 'NOTHING') identity = { kind };
    if (table === '' || identity === undefined) {
      errors.push(
        `"${entry}" is not <schema>.<table>:<replica identity> with DEFAULT, FULL, NOTHING or INDEX <index name>`,
      );
      continue;
    }
    try {
      rules.push({ table, pattern: new RegExp(`^(?:${table})$`, 'i'), identity });
    } catch (error) {
      errors.push(`"${table}" is not a valid regular expression: ${(error as Error).message}`);
    }
  }
  return { rules, errors };
}

export function ruleFor(
  rules: readonly ReplicaIdentityRule[],
  schema: string,
  name: string,
): ReplicaIdentityRule | undefined {
  return rules.find((rule) => rule.pattern.test(`${schema}.${name}`));
}

export function identitySql(identity: ReplicaIdentity): string {
  return identity.kind === 'INDEX' ? `USING INDEX ${quoteIdent(identity.index)}` : identity.kind;
}

/**
 * Sets the replica identity of each captured table a rule matches, as Debezium does when the task
 * starts (ALTER TABLE needs the table's owner). Returns the tables changed.
 */
export async function applyReplicaIdentities(
  client: pg.Client,
  tables: readonly CatalogTable[],
  rules: readonly ReplicaIdentityRule[],
): Promise<string[]> {
  if (rules.length === 0) return [];
  const current = await identities(
    client,
    tables.map((table) => table.oid),
  );
  const changed: string[] = [];
  for (const table of tables) {
    const rule = ruleFor(rules, table.schema, table.name);
    const now = current.get(table.oid);
    if (!rule || !now || sameIdentity(now, rule.identity)) continue;
    try {
      await client.query(
        `ALTER TABLE ${quoteTable(table.schema, table.name)} REPLICA IDENTITY ${identitySql(rule.identity)}`,
      );
      changed.push(`${table.schema}.${table.name}`);
    } catch (error) {
      throw new OnrampError(
        PG_REPLICA_IDENTITY_FAILED,
        `Setting REPLICA IDENTITY ${identitySql(rule.identity)} on ${table.schema}.${table.name} (replica.identity.autoset.values "${rule.table}") failed: ${(error as Error).message}. The table's owner (or a superuser) may change it`,
      );
    }
  }
  return changed;
}

function sameIdentity(a: ReplicaIdentity, b: ReplicaIdentity): boolean {
  return a.kind === b.kind && (a.kind !== 'INDEX' || b.kind !== 'INDEX' || a.index === b.index);
}

async function identities(client: pg.Client, oids: readonly number[]): Promise<Map<number, ReplicaIdentity>> {
  const result = await client.query<{ oid: string; ident: string; index: string | null }>(
    `SELECT c.oid, c.relreplident AS ident,
            (SELECT ic.relname FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
              WHERE i.indrelid = c.oid AND i.indisreplident LIMIT 1) AS index
       FROM pg_class c WHERE c.oid = ANY($1::oid[])`,
    [oids.map(String)],
  );
  const map = new Map<number, ReplicaIdentity>();
  for (const row of result.rows) {
    const kind = { d: 'DEFAULT', f: 'FULL', n: 'NOTHING', i: 'INDEX' }[row.ident] ?? 'DEFAULT';
    map.set(
      Number(row.oid),
      kind === 'INDEX' ? { kind: 'INDEX', index: row.index ?? '' } : { kind: kind as 'DEFAULT' },
    );
  }
  return map;
}

export interface IdentityProblemTable {
  schema: string;
  name: string;
  /** 'no primary key' (REPLICA IDENTITY DEFAULT without one), 'REPLICA IDENTITY NOTHING', ... */
  reason: string;
}

/**
 * The tables (optionally only those in `publication`, or every table of the database) on which
 * PostgreSQL refuses UPDATE and DELETE once a publication publishing them includes the table: no
 * primary key under REPLICA IDENTITY DEFAULT, NOTHING, or an identity index that no longer exists.
 * `rules` (replica.identity.autoset.values) count as already applied to the tables `applies` accepts.
 */
export async function tablesWithoutIdentity(
  client: pg.Client,
  scope: { publication: string } | 'all',
  rules: readonly ReplicaIdentityRule[],
  applies: (schema: string, name: string) => boolean,
): Promise<IdentityProblemTable[]> {
  const inPublication =
    scope === 'all'
      ? ''
      : `AND EXISTS (SELECT 1 FROM pg_publication_tables pt JOIN pg_publication p ON p.pubname = pt.pubname
                      WHERE pt.pubname = $1 AND (p.pubupdate OR p.pubdelete)
                        AND pt.schemaname = n.nspname AND pt.tablename = c.relname)`;
  const result = await client.query<{ schema: string; name: string; ident: string; pk: string; idx: string }>(
    `SELECT n.nspname AS schema, c.relname AS name, c.relreplident AS ident,
            EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary) AS pk,
            EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisreplident) AS idx
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND c.relpersistence = 'p'
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
        ${inPublication}
      ORDER BY n.nspname, c.relname`,
    scope === 'all' ? [] : [scope.publication],
  );
  const problems: IdentityProblemTable[] = [];
  const yes = (value: string) => value === 't' || value === 'true';
  for (const row of result.rows) {
    const rule = applies(row.schema, row.name) ? ruleFor(rules, row.schema, row.name) : undefined;
    const kind = rule ? rule.identity.kind : { d: 'DEFAULT', f: 'FULL', n: 'NOTHING', i: 'INDEX' }[row.ident];
    if (kind === 'NOTHING')
      problems.push({ schema: row.schema, name: row.name, reason: 'REPLICA IDENTITY NOTHING' });
    else if (kind === 'DEFAULT' && !yes(row.pk))
      problems.push({ schema: row.schema, name: row.name, reason: 'no primary key' });
    else if (kind === 'INDEX' && !rule && !yes(row.idx))
      problems.push({ schema: row.schema, name: row.name, reason: 'its replica identity index is gone' });
  }
  return problems;
}
