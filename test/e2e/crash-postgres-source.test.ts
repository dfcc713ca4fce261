import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lsn, parseLsn } from '../../connectors/postgres-source/lsn.ts';
import { type HostProcess, postgresSourceConfig, startHostProcess } from '../support/host-process.ts';
import { services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';
import {
  ChangeLoad,
  crashSeed,
  holdings,
  killAndRestart,
  killDuringSnapshot,
  type LoadTransaction,
  loadStatements,
  loadViolations,
  missingTransactions,
  op,
  repeats,
  seededRandom,
  TopicCollector,
} from './crash-harness.ts';

// kill -9 of the host running the PostgreSQL source, at seeded random points: once in the middle of
// the initial snapshot, then while it streams a steady load of small transactions (new rows, an
// update of a few hot rows, a delete every third or so, from the start). Each restart reuses the
// same data directory. Every committed change, deletes included, must be in Kafka at least once, per
// key in commit order, the last event per key must match the table, and at every kill the slot must
// not have been confirmed past a transaction whose events Kafka does not hold.

const suffix = randomUUID().slice(0, 8);
const table = `crash_pg_${suffix}`;
const prefix = `crashpg${suffix}`;
const topic = `${prefix}.public.${table}`;
const PREFILL = 30_000;
const HOT_KEYS = 8;

const seed = crashSeed('crash-postgres-source');
const chance = seededRandom(seed);

/** Commits one transaction of the load; returns the WAL insert position read right after COMMIT
 * returned, which is at or past the end of the transaction's commit record. */
async function commitTransaction(tx: LoadTransaction): Promise<Lsn> {
  // One round trip; the result arrives only after COMMIT returned.
  const results = (await loadClient.query(
    `BEGIN;
     ${loadStatements(`public.${table}`, tx).join('; ')};
     COMMIT;
     SELECT pg_current_wal_insert_lsn()::text AS lsn`,
  )) as unknown as pg.QueryResult<{ lsn: string }>[];
  const lsn = results.at(-1)?.rows[0]?.lsn;
  if (!lsn) throw new Error('no WAL position after COMMIT');
  return parseLsn(lsn);
}

let db: pg.Client;
let loadClient: pg.Client;
let host: HostProcess | undefined;
let collector: TopicCollector;
let load: ChangeLoad<Lsn>;

beforeAll(async () => {
  db = new pg.Client({ connectionString: services().pgUrl });
  await db.connect();
  loadClient = new pg.Client({ connectionString: services().pgUrl });
  await loadClient.connect();
  await db.query(`CREATE TABLE public.${table} (id int PRIMARY KEY, txn int NOT NULL, seq int NOT NULL)`);
  await db.query(`INSERT INTO public.${table} SELECT i, 0, 0 FROM generate_series(1, ${PREFILL}) AS i`);
  await db.query(`ANALYZE public.${table}`);
  collector = new TopicCollector([topic]);
  await collector.start(3);
  load = new ChangeLoad({ seed, firstId: PREFILL + 1, hotKeys: HOT_KEYS, commit: commitTransaction });
});

afterAll(async () => {
  await load?.stop().catch(() => undefined);
  await host?.call('DELETE', `/connectors/${prefix}`).catch(() => undefined);
  await host?.stop();
  await collector?.close(true);
  await db
    .query(
      'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active',
      [prefix],
    )
    .catch(() => undefined);
  await db.query(`DROP PUBLICATION IF EXISTS ${prefix}`).catch(() => undefined);
  await db.query(`DROP TABLE IF EXISTS public.${table}`);
  await loadClient?.end();
  await db.end();
});

async function streamedEvents(): Promise<number> {
  return collector.events.filter((event) => op(event) === 'c' || op(event) === 'u').length;
}

/** Whether the slot has confirmed a load transaction: the check after a kill needs one to prove anything. */
async function slotConfirmedLoad(): Promise<boolean> {
  const { rows } = await db.query<{ confirmed: string | null }>(
    'SELECT confirmed_flush_lsn::text AS confirmed FROM pg_replication_slots WHERE slot_name = $1',
    [prefix],
  );
  const confirmed = parseLsn(rows[0]?.confirmed ?? '0/0');
  return load.committed.some((tx) => tx.mark <= confirmed);
}

/** After a kill: wait for the walsender to let go, then check what the slot confirmed against Kafka. */
async function checkSlot(kill: number): Promise<number> {
  const slot = await waitFor('the slot to be released by the killed host', async () => {
    const { rows } = await db.query<{ active: boolean; confirmed: string | null }>(
      'SELECT active, confirmed_flush_lsn::text AS confirmed FROM pg_replication_slots WHERE slot_name = $1',
      [prefix],
    );
    return rows[0] && !rows[0].active ? rows[0] : undefined;
  });
  const confirmed = parseLsn(slot.confirmed ?? '0/0');
  // Kafka acknowledged everything the dead host stored before it confirmed: read all of it.
  await collector.catchUp();
  const held = holdings(collector.events);
  const passed = load.committed.filter((tx) => tx.mark <= confirmed);
  const unacknowledged = passed.filter((tx) => !tx.changes.every(held));
  expect(
    {
      count: unacknowledged.length,
      first: unacknowledged
        .slice(0, 5)
        .map((tx) => ({ txn: tx.txn, missing: tx.changes.filter((change) => !held(change)) })),
    },
    `kill ${kill} (seed ${seed}): transactions the slot confirmed (up to ${slot.confirmed}) without their events in Kafka`,
  ).toEqual({ count: 0, first: [] });
  return passed.length;
}

describe('PostgreSQL source under kill -9', () => {
  it('loses no committed row, keeps per-key commit order and never confirms past Kafka', async () => {
    host = await startHostProcess();
    const created = await host.call('PUT', `/connectors/${prefix}/config`, {
      ...postgresSourceConfig(prefix, `public.${table}`),
      // Confirm to the slot often (default every 10 s), so a kill finds confirmed transactions to check.
      'status.update.interval.ms': '200',
      'topic.creation.default.partitions': '3',
      'max.batch.size': '200',
      'max.queue.size': '1000',
    });
    expect(created.status).toBe(201);
    host = await killDuringSnapshot({ host, connector: prefix, load, collector, chance, prefill: PREFILL });

    // Then while following the stream: after a random number of streamed events since the restart.
    const streamingKills = chance.int(1, 2);
    let confirmedTransactions = 0;
    for (let kill = 2; kill <= streamingKills + 1; kill++) {
      const target = (await streamedEvents()) + chance.int(300, 3_000);
      // A backlog streams thousands of events before the first confirmation (status.update.interval.ms):
      // the kill also waits for one, or the slot check below would have nothing to check.
      await waitFor(
        `${target} streamed events and a load transaction confirmed by the slot`,
        async () => (await streamedEvents()) >= target && (await slotConfirmedLoad()),
        { timeoutMs: 30_000, intervalMs: 20 },
      );
      const running: HostProcess = host;
      host = await killAndRestart(running, async () => {
        const passed = await checkSlot(kill);
        confirmedTransactions = Math.max(confirmedTransactions, passed);
        console.log(
          `kill ${kill} while streaming: ${load.committed.length} transactions committed, ${passed} confirmed by the slot`,
        );
      });
    }

    // Let the last host stream a while, then stop the load and wait for it to catch up.
    const finalTarget = (await streamedEvents()) + chance.int(100, 2_000);
    await waitFor(`${finalTarget} streamed events`, async () => (await streamedEvents()) >= finalTarget, {
      timeoutMs: 30_000,
    });
    await load.stop();
    const changes = load.changes();
    // On timeout, the assertions below say what is missing.
    await waitFor('every committed change in Kafka', () => changes.every(holdings(collector.events)), {
      timeoutMs: 60_000,
      intervalMs: 250,
    }).catch(() => undefined);
    await collector.catchUp();

    const events = collector.events.filter((event) => event.topic === topic);
    const { rows } = await db.query<{ id: number; seq: number }>(`SELECT id, seq FROM public.${table}`);
    expect(rows.length).toBe(
      PREFILL +
        changes.filter((change) => change.kind === 'insert').length -
        changes.filter((change) => change.kind === 'delete').length,
    );
    const violations = loadViolations(events, changes, rows);
    if (violations.missing.length > 0)
      console.log(`seed ${seed}: ${missingTransactions(load.committed, events)}`);
    expect(violations, `seed ${seed}`).toEqual({
      missing: [],
      outOfOrder: [],
      notFinal: [],
    });
    // The slot must have confirmed something while streaming, or the slot check proved nothing.
    expect(confirmedTransactions).toBeGreaterThan(0);

    const status = await host.call('GET', `/connectors/${prefix}/status`);
    expect(status.body.tasks[0]?.state).toBe('RUNNING');
    console.log(
      `seed ${seed}: ${load.committed.length} transactions, ${changes.length} changes, ${events.length} events in Kafka (${repeats(events)} repeated)`,
    );
  }, 180_000);
});
