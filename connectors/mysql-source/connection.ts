import type mysql from 'mysql2/promise';
import type { MysqlSourceConfig } from './config.ts';
import { rememberTls, retryWithoutTls, startsWithTls, tlsSettings } from './tls.ts';

// Connection settings shared by the metadata, snapshot and binlog connections. Values come back as
// exact text where JavaScript numbers would lose precision (BIGINT, DECIMAL) and temporal values
// as the server's text in UTC (microseconds kept), so snapshot rows and binlog rows (zongji, which
// honours the same options) decode through one type map.

export type ConnectionSettings = mysql.ConnectionOptions;

// mysql2 is loaded on first use, not at start: a host without a MySQL connector never pays for it
// (~25 MB of RSS and ~130 ms to load it on a 2-core machine, issue 17). Every MySQL source path
// opens a connection through connect() first.
let mysqlModule: typeof mysql | undefined;

async function mysqlDriver(): Promise<typeof mysql> {
  mysqlModule ??= (await import('mysql2/promise')).default;
  return mysqlModule;
}

/** `tls`: whether this connection uses TLS (database.ssl.mode; see tls.ts). Reads the TLS files. */
export function connectionSettings(
  config: MysqlSourceConfig,
  database?: string,
  tls = startsWithTls(config),
): ConnectionSettings {
  return {
    host: config['database.hostname'],
    port: config['database.port'],
    user: config['database.user'],
    password: config['database.password'] ?? '',
    ...(database !== undefined && { database }),
    connectTimeout: config['connect.timeout.ms'],
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    jsonStrings: true,
    timezone: 'Z',
    charset: 'utf8mb4',
    ...(tls && tlsSettings(config)),
  };
}

/**
 * A connection whose session reads TIMESTAMPs in UTC, as the binlog carries them. It listens for
 * 'error' for its whole life: mysql2 emits a connection loss while idle as an 'error' event, which
 * with no listener would end the process (callers add their own listener to hear about it).
 */
export async function connect(config: MysqlSourceConfig): Promise<mysql.Connection> {
  const driver = await mysqlDriver();
  let tls = startsWithTls(config);
  let connection: mysql.Connection;
  try {
    connection = await driver.createConnection(connectionSettings(config, undefined, tls));
  } catch (error) {
    // database.ssl.mode=preferred: without TLS, once, when the server offers none.
    if (!retryWithoutTls(config, tls, error)) throw error;
    tls = false;
    connection = await driver.createConnection(connectionSettings(config, undefined, tls));
  }
  rememberTls(config, tls);
  connection.on('error', () => {});
  try {
    await connection.query("SET time_zone = '+00:00'");
  } catch (error) {
    await connection.end().catch(() => {});
    throw error;
  }
  return connection;
}

export function quoteIdent(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

export function quoteTable(database: string, table: string): string {
  return `${quoteIdent(database)}.${quoteIdent(table)}`;
}
