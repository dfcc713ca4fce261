import type { JdbcSinkConfig } from './config.ts';
import type { Dialect, SqlPool } from './dialect.ts';
import { mysqlDialect } from './dialects/mysql.ts';
import { postgresDialect } from './dialects/postgres.ts';
import { parseJdbcUrl } from './jdbc-url.ts';
import { timeZone } from './time-zone.ts';

// The dialect named by connection.url and a connection pool to that database.

export function dialectOf(config: JdbcSinkConfig): Dialect {
  return parseJdbcUrl(config['connection.url']).dialect === 'mysql' ? mysqlDialect : postgresDialect;
}

export function openPool(config: JdbcSinkConfig, poolSize = config['connection.pool.max_size']): SqlPool {
  return dialectOf(config).connect({
    url: parseJdbcUrl(config['connection.url']),
    user: config['connection.username'],
    password: config['connection.password'],
    poolSize,
    timeZone: timeZone(config['database.time_zone']),
  });
}
