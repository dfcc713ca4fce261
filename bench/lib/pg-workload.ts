import pg from 'pg';
import { benchEnv } from './env.ts';
import { MixedChangeGenerator, type TransactionPlan } from './mixed-changes.ts';

export { changeKey } from './mixed-changes.ts';

// The PostgreSQL side of the benchmarks: three tables of realistic width in schema `bench`, a
// publication over them, `bench_*` slots, and the mixed-changes load (mixed-changes.ts) committed
// here. Every transaction is one statement (data-modifying CTEs) run in autocommit, so
// `committed_at = clock_timestamp()` is taken while the statement runs, just before its COMMIT:
// the honest start of the commit-to-Kafka latency (anchors §5; never now(), which is the
// transaction's start).

export const PG_SCHEMA = 'bench';
export const PG_TABLES = ['orders', 'customers', 'shipments'] as const;
export const PUBLICATION = 'bench_pub';

/** ~10 columns: numeric, timestamptz, text, jsonb among them. A row's JSON event is ~2.5 KB with schemas. */
const COLUMNS = `
  id bigint PRIMARY KEY,
  version integer NOT NULL,
  status text NOT NULL,
  amount numeric(12,2) NOT NULL,
  quantity integer NOT NULL,
  price double precision NOT NULL,
  active boolean NOT NULL,
  created_at timestamptz NOT NULL,
  committed_at timestamptz NOT NULL,
  note text,
  attrs jsonb`;

/** Values of every column but id, for a row `i` (SQL over a bigint `i`). */
const ROW_VALUES = `1, 'new', (i % 100000) / 100.0, (i % 50)::int, i * 0.5, true, now(), clock_timestamp(),
  repeat(md5(i::text), 3), jsonb_build_object('sku', i, 'warehouse', i % 17, 'tags', jsonb_build_array('a', 'b'))`;
const INSERT_COLUMNS =
  'id, version, status, amount, quantity, price, active, created_at, committed_at, note, attrs';

export function pgClient(): pg.Client {
  return new pg.Client({ connectionString: benchEnv().pgUrl });
}

export async function withPg<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = pgClient();
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Drops every `bench_*` slot (ending the walsender that holds it first): a leftover slot pins WAL. */
export async function dropBenchSlots(client: pg.Client): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const { rows } = await client.query<{ slot_name: string; active_pid: number | null }>(
      "SELECT slot_name, active_pid FROM pg_replication_slots WHERE slot_name LIKE 'bench\\_%'",
    );
    if (rows.length === 0) return;
    for (const row of rows) {
      try {
        if (row.active_pid) await client.query('SELECT pg_terminate_backend($1)', [row.active_pid]);
        await client.query('SELECT pg_drop_replication_slot($1)', [row.slot_name]);
      } catch {
        // Still active for a moment after the terminate: try again below.
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('could not drop the bench_* replication slots');
}

/** A fresh schema with the tables (and `extra` tables of the same shape), and the publication over them. */
export async function resetSchema(client: pg.Client, extra: string[] = []): Promise<string[]> {
  const tables = [...PG_TABLES, ...extra];
  await client.query(`DROP PUBLICATION IF EXISTS ${PUBLICATION}`);
  await client.query(`DROP SCHEMA IF EXISTS ${PG_SCHEMA} CASCADE`);
  await client.query(`CREATE SCHEMA ${PG_SCHEMA}`);
  for (const table of tables) await client.query(`CREATE TABLE ${PG_SCHEMA}.${table} (${COLUMNS})`);
  await client.query(
    `CREATE PUBLICATION ${PUBLICATION} FOR TABLE ${tables.map((t) => `${PG_SCHEMA}.${t}`).join(', ')}`,
  );
  return tables;
}

export async function createSlot(client: pg.Client, slot: string): Promise<string> {
  const { rows } = await client.query<{ lsn: string }>(
    "SELECT lsn::text FROM pg_create_logical_replication_slot($1, 'pgoutput')",
    [slot],
  );
  return rows[0]?.lsn ?? '';
}

export async function currentLsn(client: pg.Client): Promise<string> {
  const { rows } = await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
  return rows[0]?.lsn ?? '';
}

/** The walsender serving a slot, once a client streams from it. */
export async function slotWalsender(client: pg.Client, slot: string): Promise<number | undefined> {
  const { rows } = await client.query<{ active_pid: number | null }>(
    'SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1',
    [slot],
  );
  return rows[0]?.active_pid ?? undefined;
}

/** Bulk rows for the snapshot scenario: ids 1..rows, version 1, in one server-side INSERT per chunk. */
export async function fillTable(client: pg.Client, table: string, rows: number): Promise<void> {
  const chunk = 200_000;
  for (let from = 1; from <= rows; from += chunk) {
    const to = Math.min(rows, from + chunk - 1);
    await client.query(
      `INSERT INTO ${PG_SCHEMA}.${table} (${INSERT_COLUMNS}) SELECT i, ${ROW_VALUES} FROM generate_series($1::bigint, $2::bigint) AS i`,
      [from, to],
    );
  }
  await client.query(`ANALYZE ${PG_SCHEMA}.${table}`);
}

/** Mixed 60/30/10 transactions over PG_TABLES, each one statement (data-modifying CTEs) in autocommit. */
export class ChangeGenerator extends MixedChangeGenerator {
  private readonly clients: pg.Client[] = [];

  constructor(workerCount: number, txSize: number) {
    super(PG_TABLES.length, workerCount, txSize);
  }

  async open(): Promise<void> {
    for (let k = 0; k < this.workerCount; k++) {
      const client = pgClient();
      await client.connect();
      this.clients.push(client);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((client) => client.end().catch(() => undefined)));
    this.clients.length = 0;
  }

  protected async commit(worker: number, plan: TransactionPlan): Promise<void> {
    const client = this.clients[worker];
    if (!client) throw new Error('ChangeGenerator.open() first');
    const name = `${PG_SCHEMA}.${PG_TABLES[plan.tableIndex]}`;
    await client.query(
      `WITH ins AS (INSERT INTO ${name} (${INSERT_COLUMNS}) SELECT i, ${ROW_VALUES} FROM unnest($1::bigint[]) AS i),
       upd AS (UPDATE ${name} SET version = version + 1, status = 'updated', amount = amount + 1,
               quantity = quantity + 1, committed_at = clock_timestamp() WHERE id = ANY($2::bigint[])),
       del AS (DELETE FROM ${name} WHERE id = ANY($3::bigint[]))
       SELECT 1`,
      [plan.inserted, plan.updated, plan.deleted],
    );
  }
}
