import mysql from 'mysql2/promise';
import type { MysqlSourceConfig } from './config.ts';

// Connection settings shared by the metadata, snapshot and binlog connections. Values come back as
// exact text where JavaScript numbers would lose precision (BIGINT, DECIMAL) and temporal values
// as the server's text in UTC (microseconds kept), so snapshot rows and binlog rows (zongji, which
// honours the same options) decode through one type map.

export type ConnectionSettings = mysql.ConnectionOptions;

export function connectionSettings(config: MysqlSourceConfig, database?: string): ConnectionSettings {
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
  };
}

/** A connection whose session reads TIMESTAMPs in UTC, as the binlog carries them. */
export async function connect(config: MysqlSourceConfig): Promise<mysql.Connection> {
  const connection = await mysql.createConnection(connectionSettings(config));
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
