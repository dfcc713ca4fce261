import type pg from 'pg';
import { errorMessage, type FieldError } from '../../src/plugin/index.ts';
import { signalTableName, signalWrites } from '../shared/signals/signal-config.ts';
import { listCapturedTables } from './catalog.ts';
import type { PostgresSourceConfig } from './config.ts';
import { connect } from './connection.ts';
import { connectProblem } from './errors.ts';
import { CaptureFilters } from './filters.ts';
import { type IdentityProblemTable, parseAutosetValues, tablesWithoutIdentity } from './replica-identity.ts';
import { tlsProblem } from './tls.ts';
import { probeSignalTable } from './watermark.ts';

// The connectivity part of validation: can we log in, is logical decoding on, may this user
// replicate, do the configured tables exist and can we read them, and will the publication and
// slot work out. Every problem names the setting (or server setting) to change.

interface RoleRow {
  rolsuper: string;
  rolreplication: string;
}

const truthy = (value: string | undefined) => value === 't' || value === 'true';

type Warn = (warning: FieldError) => void;

export async function probeDatabase(
  config: PostgresSourceConfig,
  warn: Warn = () => {},
): Promise<FieldError[]> {
  const host = config['database.hostname'];
  const port = config['database.port'];
  const user = config['database.user'];
  const database = config['database.dbname'];
  let client: pg.Client;
  try {
    client = await connect(config, 'validate');
  } catch (error) {
    return [tlsProblem(error, config) ?? connectProblem(error, host, port, user, database)];
  }
  try {
    return await probeConnected(client, config, warn);
  } catch (error) {
    return [
      {
        field: 'database.hostname',
        message: `Validation query failed on ${host}:${port}: ${errorMessage(error)}`,
      },
    ];
  } finally {
    await client.end().catch(() => {});
  }
}

async function probeConnected(
  client: pg.Client,
  config: PostgresSourceConfig,
  warn: Warn,
): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  const walLevel = (await client.query<{ wal_level: string }>('SHOW wal_level')).rows[0]?.wal_level;
  if (walLevel !== 'logical') {
    errors.push({
      field: 'database.hostname',
      message: `wal_level is "${walLevel}" on ${config['database.hostname']}:${config['database.port']}, but logical decoding needs wal_level=logical: run ALTER SYSTEM SET wal_level = logical and restart PostgreSQL`,
    });
  }
  const role = (
    await client.query<RoleRow>('SELECT rolsuper, rolreplication FROM pg_roles WHERE rolname = current_user')
  ).rows[0];
  const superuser = truthy(role?.rolsuper);
  if (!superuser && !truthy(role?.rolreplication)) {
    errors.push({
      field: 'database.user',
      message: `User "${config['database.user']}" has no REPLICATION privilege: run ALTER ROLE "${config['database.user']}" REPLICATION (or use a superuser)`,
    });
  }
  errors.push(...(await probeTables(client, config)));
  errors.push(...(await probePublication(client, config, superuser)));
  errors.push(...(await probeSlot(client, config)));
  errors.push(...(await probeSignalTable(client, signalTableName(config), signalWrites(config))));
  if (errors.length === 0) await warnUnidentifiedTables(client, config, warn);
  return errors;
}

/**
 * Tables the publication will publish UPDATE/DELETE for that have no primary key or replica
 * identity: PostgreSQL refuses those statements, so the application writing them breaks. Under
 * all_tables this includes tables the connector does not even capture.
 */
async function warnUnidentifiedTables(
  client: pg.Client,
  config: PostgresSourceConfig,
  warn: Warn,
): Promise<void> {
  const name = config['publication.name'];
  const mode = config['publication.autocreate.mode'];
  const { rules } = parseAutosetValues(config['replica.identity.autoset.values']);
  const filters = new CaptureFilters(config);
  const captured = (schema: string, table: string) => filters.includesTable(schema, table);
  const exists =
    ((await client.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [name])).rowCount ?? 0) > 0;
  let how: string;
  let problems: IdentityProblemTable[];
  if (mode === 'filtered') {
    how = `publication.autocreate.mode=filtered puts the captured tables into publication "${name}", which publishes their UPDATE and DELETE`;
    problems = (await tablesWithoutIdentity(client, 'all', rules, captured)).filter((t) =>
      captured(t.schema, t.name),
    );
  } else if (exists) {
    how = `publication "${name}" publishes their UPDATE and DELETE`;
    problems = await tablesWithoutIdentity(client, { publication: name }, rules, captured);
  } else if (mode === 'all_tables') {
    how = `publication.autocreate.mode=all_tables creates publication "${name}" FOR ALL TABLES, which publishes the UPDATE and DELETE of every table in the database`;
    problems = await tablesWithoutIdentity(client, 'all', rules, captured);
  } else {
    return;
  }
  const refuse = exists ? 'refuses' : 'will refuse, once the connector starts,';
  const list = (tables: IdentityProblemTable[]) =>
    `${tables
      .slice(0, 10)
      .map((t) => `${t.schema}.${t.name} (${t.reason})`)
      .join(', ')}${tables.length > 10 ? ` and ${tables.length - 10} more` : ''}`;
  const ours = problems.filter((t) => captured(t.schema, t.name));
  const others = problems.filter((t) => !captured(t.schema, t.name));
  const error =
    '("cannot update table ... because it does not have a replica identity and publishes updates")';
  if (ours.length > 0) {
    const first = ours[0] as IdentityProblemTable;
    warn({
      field: 'replica.identity.autoset.values',
      message: `PostgreSQL ${refuse} UPDATE and DELETE on captured tables without a primary key or replica identity: ${list(ours)}. ${capitalize(how)}, and a table without a replica identity cannot be published that way ${error}: the application writing them fails. Add a primary key, run ALTER TABLE ... REPLICA IDENTITY FULL (or USING INDEX <unique index>), or set replica.identity.autoset.values (e.g. ${first.schema}.${first.name}:FULL)`,
    });
  }
  if (others.length > 0) {
    warn({
      field: 'publication.autocreate.mode',
      message: `PostgreSQL ${refuse} UPDATE and DELETE on tables this connector does not capture, which have no primary key or replica identity: ${list(others)}. ${capitalize(how)} ${error}. Use publication.autocreate.mode=filtered to publish only the captured tables, or give those tables a primary key or REPLICA IDENTITY FULL`,
    });
  }
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

async function probeTables(client: pg.Client, config: PostgresSourceConfig): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  const tables = await listCapturedTables(client, new CaptureFilters(config));
  const includes = config['table.include.list'] ?? [];
  for (const pattern of includes) {
    const regex = new RegExp(`^(?:${pattern})$`, 'i');
    if (!tables.some((table) => regex.test(`${table.schema}.${table.name}`))) {
      errors.push({
        field: 'table.include.list',
        message: `No table matches "${pattern}" in database "${config['database.dbname']}" (entries are <schema>.<table> regular expressions)`,
      });
    }
  }
  for (const pattern of config['schema.include.list'] ?? []) {
    const regex = new RegExp(`^(?:${pattern})$`, 'i');
    if (!tables.some((table) => regex.test(table.schema))) {
      errors.push({
        field: 'schema.include.list',
        message: `No schema with captured tables matches "${pattern}"`,
      });
    }
  }
  if (tables.length === 0 && includes.length === 0 && config['publication.autocreate.mode'] === 'filtered') {
    errors.push({
      field: 'table.include.list',
      message: 'The filters select no table, so the filtered publication would be empty',
    });
  }
  const unreadable = tables
    .filter((table) => !table.canSelect)
    .map((table) => `${table.schema}.${table.name}`);
  if (unreadable.length > 0) {
    errors.push({
      field: 'table.include.list',
      message: `User "${config['database.user']}" cannot SELECT from ${unreadable.slice(0, 5).join(', ')}${unreadable.length > 5 ? ` and ${unreadable.length - 5} more` : ''}: GRANT SELECT or exclude them`,
    });
  }
  return errors;
}

async function probePublication(
  client: pg.Client,
  config: PostgresSourceConfig,
  superuser: boolean,
): Promise<FieldError[]> {
  const name = config['publication.name'];
  const mode = config['publication.autocreate.mode'];
  const existing = await client.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [name]);
  if (existing.rowCount) return [];
  if (mode === 'disabled') {
    return [
      {
        field: 'publication.name',
        message: `Publication "${name}" does not exist and publication.autocreate.mode is disabled: create it (CREATE PUBLICATION ${name} FOR TABLE ...) or change the mode`,
      },
    ];
  }
  if (mode === 'all_tables' && !superuser) {
    return [
      {
        field: 'publication.autocreate.mode',
        message: `Creating publication "${name}" FOR ALL TABLES needs a superuser: use publication.autocreate.mode=filtered, or create the publication beforehand`,
      },
    ];
  }
  if (!superuser) {
    const canCreate = await client.query<{ ok: string }>(
      "SELECT has_database_privilege(current_database(), 'CREATE') AS ok",
    );
    if (!truthy(canCreate.rows[0]?.ok)) {
      return [
        {
          field: 'publication.name',
          message: `User "${config['database.user']}" may not create publication "${name}" (needs CREATE on the database): grant it or create the publication beforehand`,
        },
      ];
    }
  }
  return [];
}

async function probeSlot(client: pg.Client, config: PostgresSourceConfig): Promise<FieldError[]> {
  const name = config['slot.name'];
  const slot = await client.query<{ plugin: string; database: string; slot_type: string }>(
    'SELECT plugin, database, slot_type FROM pg_replication_slots WHERE slot_name = $1',
    [name],
  );
  const existing = slot.rows[0];
  if (existing) {
    if (
      existing.slot_type !== 'logical' ||
      existing.plugin !== 'pgoutput' ||
      existing.database !== config['database.dbname']
    ) {
      return [
        {
          field: 'slot.name',
          message: `Slot "${name}" exists but is a ${existing.slot_type} slot for plugin ${existing.plugin} in database ${existing.database}: choose another slot.name`,
        },
      ];
    }
    return [];
  }
  const free = await client.query<{ free: string }>(
    "SELECT current_setting('max_replication_slots')::int - (SELECT count(*) FROM pg_replication_slots) AS free",
  );
  if (Number(free.rows[0]?.free ?? 0) < 1) {
    return [
      {
        field: 'slot.name',
        message:
          'No free replication slot (max_replication_slots is reached): drop an unused slot or raise max_replication_slots',
      },
    ];
  }
  return [];
}
