import type pg from 'pg';
import { OnrampError } from '../../src/plugin/index.ts';
import type { CatalogTable } from './catalog.ts';
import type { PostgresSourceConfig } from './config.ts';
import { quoteIdent, quoteTable } from './connection.ts';
import { databaseError } from './errors.ts';

// publication.autocreate.mode as Debezium implements it. The publication must exist before the
// slot: pgoutput reads it through the catalog as of each change, so changes older than the
// publication are not published.

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
          'PG_PUBLICATION_MISSING',
          `Publication "${name}" does not exist and publication.autocreate.mode is disabled: create it or change the mode`,
        );
      case 'all_tables':
        await client.query(`CREATE PUBLICATION ${quoteIdent(name)} FOR ALL TABLES`);
        return 'created';
      case 'filtered':
        await client.query(
          `CREATE PUBLICATION ${quoteIdent(name)}${tables.length > 0 ? ` FOR TABLE ${tableList}` : ''}`,
        );
        return 'created';
      default:
        await client.query(`CREATE PUBLICATION ${quoteIdent(name)}`);
        return 'created';
    }
  } catch (error) {
    throw databaseError(error, `setting up publication "${name}" (${mode})`);
  }
}
