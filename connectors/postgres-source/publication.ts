import type pg from 'pg';
import { OnrampError } from '../../src/plugin/index.ts';
import type { CatalogTable } from './catalog.ts';
import type { PostgresSourceConfig } from './config.ts';
import { quoteIdent, quoteLiteral, quoteTable } from './connection.ts';
import { databaseError, PG_PUBLICATION_MISSING } from './errors.ts';

// publication.autocreate.mode as Debezium implements it. The publication must exist before the
// slot: pgoutput reads it through the catalog as of each change, so changes older than the
// publication are not published. A publication the connector creates carries a comment naming the
// slots that read it, so that deleting the connector drops it only when it made it and no other
// Onramp connector's slot still reads it (Debezium's default name dbz_publication is often shared).

const MARKER = 'Onramp: created for replication slots ';

export async function ensurePublication(
  client: pg.Client,
  config: PostgresSourceConfig,
  tables: readonly CatalogTable[],
): Promise<'exists' | 'created' | 'updated'> {
  const name = config['publication.name'];
  const mode = config['publication.autocreate.mode'];
  const exists =
    ((await client.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [name])).rowCount ?? 0) > 0;
  const tableList = tables.map((table) => quoteTable(table.schema, table.name)).join(', ');
  try {
    if (exists) {
      await addReader(client, name, config['slot.name']);
      if (mode !== 'filtered') return 'exists';
      if (tables.length > 0) {
        await client.query(`ALTER PUBLICATION ${quoteIdent(name)} SET TABLE ${tableList}`);
      } else {
        // SET TABLE needs at least one table; empty the publication table by table instead.
        const current = await client.query<{ schemaname: string; tablename: string }>(
          'SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = $1',
          [name],
        );
        if (current.rows.length > 0) {
          const names = current.rows.map((row) => quoteTable(row.schemaname, row.tablename)).join(', ');
          await client.query(`ALTER PUBLICATION ${quoteIdent(name)} DROP TABLE ${names}`);
        }
      }
      return 'updated';
    }
    switch (mode) {
      case 'disabled':
        throw new OnrampError(
          PG_PUBLICATION_MISSING,
          `Publication "${name}" does not exist and publication.autocreate.mode is disabled: create it or change the mode`,
        );
      case 'all_tables':
        await client.query(`CREATE PUBLICATION ${quoteIdent(name)} FOR ALL TABLES`);
        break;
      case 'filtered':
        await client.query(
          `CREATE PUBLICATION ${quoteIdent(name)}${tables.length > 0 ? ` FOR TABLE ${tableList}` : ''}`,
        );
        break;
      default:
        await client.query(`CREATE PUBLICATION ${quoteIdent(name)}`);
    }
    await setReaders(client, name, [config['slot.name']]);
    return 'created';
  } catch (error) {
    throw databaseError(error, `setting up publication "${name}" (${mode})`);
  }
}

/** The slots named in the comment of a publication Onramp created; undefined if someone else made it. */
async function readers(client: pg.Client, name: string): Promise<string[] | undefined> {
  const result = await client.query<{ comment: string | null }>(
    "SELECT obj_description(oid, 'pg_publication') AS comment FROM pg_publication WHERE pubname = $1",
    [name],
  );
  const comment = result.rows[0]?.comment;
  if (!comment?.startsWith(MARKER)) return undefined;
  return comment
    .slice(MARKER.length)
    .split(',')
    .map((slot) => slot.trim())
    .filter((slot) => slot !== '');
}

async function setReaders(client: pg.Client, name: string, slots: readonly string[]): Promise<void> {
  await client.query(
    `COMMENT ON PUBLICATION ${quoteIdent(name)} IS ${quoteLiteral(MARKER + slots.join(', '))}`,
  );
}

/** Records another slot reading a publication Onramp created (best effort: needs its owner). */
async function addReader(client: pg.Client, name: string, slot: string): Promise<void> {
  const slots = await readers(client, name);
  if (slots === undefined || slots.includes(slot)) return;
  await setReaders(client, name, [...slots, slot]).catch(() => {});
}

/** Forgets a slot that was dropped while the publication stays in use (a renamed slot.name). */
export async function forgetReader(client: pg.Client, name: string, slot: string): Promise<void> {
  const slots = await readers(client, name);
  if (slots === undefined || !slots.includes(slot)) return;
  await setReaders(
    client,
    name,
    slots.filter((other) => other !== slot),
  ).catch(() => {});
}

/**
 * Called when the connector reading `name` through `slot` goes away: drops the publication if
 * Onramp created it and no other recorded slot still exists; otherwise only forgets `slot`.
 */
export async function releasePublication(
  client: pg.Client,
  name: string,
  slot: string,
): Promise<'dropped' | 'shared' | 'not-ours' | 'missing'> {
  const exists =
    ((await client.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [name])).rowCount ?? 0) > 0;
  if (!exists) return 'missing';
  const slots = await readers(client, name);
  if (slots === undefined) return 'not-ours';
  const live = await client.query<{ slot_name: string }>(
    'SELECT slot_name FROM pg_replication_slots WHERE slot_name = ANY($1::text[])',
    [slots.filter((other) => other !== slot)],
  );
  const others = live.rows.map((row) => row.slot_name);
  if (others.length > 0) {
    await setReaders(client, name, others);
    return 'shared';
  }
  await client.query(`DROP PUBLICATION IF EXISTS ${quoteIdent(name)}`);
  return 'dropped';
}
