import type { FieldError } from '../../src/plugin/index.ts';
import type { JdbcSinkConfig } from './config.ts';
import type { SqlPool } from './dialect.ts';
import { connectProblem } from './errors.ts';
import { parseJdbcUrl } from './jdbc-url.ts';
import { openPool } from './pool.ts';
import { tlsProblem } from './tls.ts';

// Validation's connectivity check: the target database answers with these credentials (over TLS
// as the URL asks, a TLS failure explained in the terms of the URL's parameters).
export async function probeDatabase(config: JdbcSinkConfig): Promise<FieldError[]> {
  let pool: SqlPool | undefined;
  try {
    pool = openPool(config, 1);
    await pool.run('SELECT 1', []);
    return [];
  } catch (error) {
    const tls = tlsProblem(error, parseJdbcUrl(config['connection.url']));
    return [tls === undefined ? connectProblem(error) : { field: 'connection.url', message: tls }];
  } finally {
    await pool?.close().catch(() => undefined);
  }
}
