import type { FieldError } from '../../src/plugin/index.ts';
import type { JdbcSinkConfig } from './config.ts';
import { connectProblem } from './errors.ts';
import { openPool } from './pool.ts';

// Validation's connectivity check: the target database answers with these credentials.
export async function probeDatabase(config: JdbcSinkConfig): Promise<FieldError[]> {
  const pool = openPool(config, 1);
  try {
    await pool.run('SELECT 1', []);
    return [];
  } catch (error) {
    return [connectProblem(error)];
  } finally {
    await pool.close().catch(() => undefined);
  }
}
