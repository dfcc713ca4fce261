import pg from 'pg';
import { connectClient } from '../shared/pg-client.ts';
import type { PostgresSourceConfig } from './config.ts';
import { rememberTls, startsWithTls, tlsFallback, tlsOptions } from './tls.ts';

// One place that turns the config into pg connection settings. Every connection gets the same
// session settings, so the text the server sends (COPY during snapshots, pgoutput while streaming)
// is in one known format: ISO dates, ISO 8601 intervals, UTC for timestamptz, hex bytea, money as
// $1,234.56, and floats with all their digits. Values stay strings: no pg type parsers, global or per client.

const SESSION_OPTIONS = [
  'DateStyle=ISO',
  'IntervalStyle=iso_8601',
  'TimeZone=UTC',
  'extra_float_digits=3',
  'bytea_output=hex',
  'lc_monetary=C',
]
  .map((setting) => `-c ${setting}`)
  .join(' ');

const rawText = (value: string) => value;
const TEXT_TYPES = { getTypeParser: () => rawText } as unknown as pg.CustomTypesConfig;

/** `tls`: whether this connection uses TLS (database.sslmode; see tls.ts). Reads the TLS files. */
export function clientConfig(
  config: PostgresSourceConfig,
  purpose: string,
  tls = startsWithTls(config),
): pg.ClientConfig {
  return {
    host: config['database.hostname'],
    port: config['database.port'],
    user: config['database.user'],
    password: config['database.password'] ?? '',
    database: config['database.dbname'],
    ssl: tls ? tlsOptions(config) : false,
    application_name: `onramp ${config['topic.prefix']} ${purpose}`.slice(0, 63),
    options: SESSION_OPTIONS,
    types: TEXT_TYPES,
    connectionTimeoutMillis: 10_000,
    keepAlive: true,
  };
}

/** A connected client; the caller ends it. Errors after connect are reported through `onError`. */
export async function connect(
  config: PostgresSourceConfig,
  purpose: string,
  onError: (error: Error) => void = () => {},
  extra: Partial<pg.ClientConfig> = {},
): Promise<pg.Client> {
  const tls = startsWithTls(config);
  try {
    return await open(config, purpose, onError, extra, tls);
  } catch (error) {
    // sslmode allow/prefer: the other way, once, when the server refused the first.
    const other = tlsFallback(config, tls, error);
    if (other === undefined) throw error;
    return await open(config, purpose, onError, extra, other);
  }
}

async function open(
  config: PostgresSourceConfig,
  purpose: string,
  onError: (error: Error) => void,
  extra: Partial<pg.ClientConfig>,
  tls: boolean,
): Promise<pg.Client> {
  const client = new pg.Client({ ...clientConfig(config, purpose, tls), ...extra });
  client.on('error', onError);
  try {
    await connectClient(client);
  } catch (error) {
    // connectClient tore it down and left a listener that ignores whatever it might still emit.
    client.removeListener('error', onError);
    throw error;
  }
  rememberTls(config, tls);
  return client;
}

/** A replication connection (walsender), for CREATE_REPLICATION_SLOT ... EXPORT_SNAPSHOT. */
export function connectReplication(
  config: PostgresSourceConfig,
  onError?: (error: Error) => void,
): Promise<pg.Client> {
  return connect(config, 'slot', onError, { replication: 'database' } as Partial<pg.ClientConfig>);
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function quoteTable(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
