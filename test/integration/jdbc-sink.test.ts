// The shared sink suite against each dialect: MariaDB/MySQL (MYSQL_URL) and PostgreSQL (PG_URL).
import mysql from 'mysql2/promise';
import pg from 'pg';
import { type SinkTarget, sinkSuite } from '../conformance/sink-suite.ts';
import { services } from '../support/services.ts';

function jdbc(scheme: string, url: URL): Record<string, string> {
  return {
    'connection.url': `jdbc:${scheme}://${url.hostname}:${url.port}${url.pathname}`,
    'connection.username': decodeURIComponent(url.username),
    'connection.password': decodeURIComponent(url.password),
  };
}

sinkSuite('MariaDB/MySQL', async (): Promise<SinkTarget> => {
  const url = new URL(services().mysqlUrl);
  const pool = mysql.createPool({ uri: services().mysqlUrl, connectionLimit: 2, dateStrings: true });
  return {
    name: 'mysql',
    connection: jdbc('mariadb', url),
    query: async (sql) => (await pool.query(sql))[0] as Array<Record<string, unknown>>,
    run: async (sql) => {
      await pool.query(sql);
    },
    quote: (identifier) => `\`${identifier}\``,
    text: (column) => `CAST(${column} AS CHAR)`,
    close: () => pool.end(),
  };
});

sinkSuite('PostgreSQL', async (): Promise<SinkTarget> => {
  const url = new URL(services().pgUrl);
  const pool = new pg.Pool({ connectionString: services().pgUrl, max: 2 });
  return {
    name: 'postgres',
    connection: jdbc('postgresql', url),
    query: async (sql) => (await pool.query(sql)).rows,
    run: async (sql) => {
      await pool.query(sql);
    },
    quote: (identifier) => `"${identifier}"`,
    text: (column) => `${column}::text`,
    close: () => pool.end(),
  };
});
