// Onramp's PostgreSQL source resumes from offsets as Debezium 3.7 writes them (what a migration from
// Kafka Connect hands over), on the real PostgreSQL and Kafka:
// - in the middle of a COPY, whose rows share one LSN: Debezium's `lsn_events_processed` says how
//   many of them are out, and only the rest is sent;
// - during Debezium's initial snapshot ({"snapshot":"INITIAL","snapshot_completed":false}): the
//   snapshot is taken again, nothing of it is lost;
// - on the last snapshot record ({"snapshot":"INITIAL","snapshot_completed":true,...}): no new
//   snapshot, the changes after it are streamed.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import pgCopyStreams from 'pg-copy-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostProcess, startHostProcess } from '../support/host-process.ts';
import { collectJsonEvents, debeziumPostgresConfig, readJsonEvents } from '../support/kafka-connect.ts';
import { testAdmin } from '../support/runtime/kafka-reader.ts';
import { services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

const suffix = randomUUID().slice(0, 8);
let db: pg.Client;
let host: HostProcess;
const prefixes: string[] = [];

function lsnNumber(lsn: string): number {
  const [high = '0', low = '0'] = lsn.split('/');
  return Number.parseInt(high, 16) * 2 ** 32 + Number.parseInt(low, 16);
}

/** A table, its publication and a pgoutput slot named after the connector, as Debezium leaves them. */
async function prepare(label: string): Promise<{ prefix: string; table: string; slotLsn: number }> {
  const prefix = `dbzoff_${label}_${suffix}`;
  prefixes.push(prefix);
  await db.query(`CREATE TABLE public.${prefix} (id int PRIMARY KEY, item text NOT NULL)`);
  await db.query(`CREATE PUBLICATION ${prefix} FOR TABLE public.${prefix}`);
  const { rows } = await db.query<{ lsn: string }>(
    `SELECT lsn::text FROM pg_create_logical_replication_slot($1, 'pgoutput')`,
    [prefix],
  );
  return { prefix, table: prefix, slotLsn: lsnNumber(rows[0]?.lsn ?? '0/0') };
}

async function copyRows(table: string, ids: number[]): Promise<void> {
  const stream = db.query(pgCopyStreams.from(`COPY public.${table} (id, item) FROM STDIN`));
  await new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
    stream.end(ids.map((id) => `${id}\tcopied\n`).join(''));
  });
}

/** Creates the connector STOPPED, gives it `offset` (KIP-875) and resumes it. */
async function resumeFrom(prefix: string, offset: Record<string, unknown>): Promise<void> {
  const config = debeziumPostgresConfig(prefix, `public.${prefix}`);
  const created = await host.call('POST', '/connectors', { name: prefix, config, initial_state: 'STOPPED' });
  expect(created.status).toBe(201);
  const patched = await host.call('PATCH', `/connectors/${prefix}/offsets`, {
    offsets: [{ partition: { server: prefix }, offset }],
  });
  expect(patched.status, JSON.stringify(patched.body)).toBe(200);
  expect((await host.call('PUT', `/connectors/${prefix}/resume`)).status).toBe(202);
  await waitFor(`${prefix} RUNNING`, async () => {
    const { body } = await host.call('GET', `/connectors/${prefix}/status`);
    return body?.connector.state === 'RUNNING' && body.tasks[0]?.state === 'RUNNING';
  });
}

beforeAll(async () => {
  db = new pg.Client({ connectionString: services().pgUrl });
  await db.connect();
  host = await startHostProcess();
});

afterAll(async () => {
  for (const prefix of prefixes) await host?.call('DELETE', `/connectors/${prefix}`).catch(() => undefined);
  await host?.stop();
  for (const prefix of prefixes) {
    await db
      .query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [
        prefix,
      ])
      .catch(() => undefined);
    await db.query(`DROP PUBLICATION IF EXISTS ${prefix}`).catch(() => undefined);
    await db.query(`DROP TABLE IF EXISTS public.${prefix}`).catch(() => undefined);
  }
  await db?.end();
  const admin = testAdmin();
  await admin.deleteTopics(prefixes.map((prefix) => `${prefix}.public.${prefix}`)).catch(() => undefined);
  await admin.close();
});

describe("PostgreSQL source from Debezium 3.7's offsets", () => {
  it('continues a COPY after the rows lsn_events_processed counts, at their shared LSN', async () => {
    const { prefix, table, slotLsn } = await prepare('copy');
    await copyRows(table, [1, 2, 3, 4, 5]);
    // The five inserts of the COPY are one WAL record: one LSN for all of them.
    const { rows } = await db.query<{ lsn: string; xid: string; kind: string }>(
      `SELECT lsn::text, xid::text, chr(get_byte(data, 0)) AS kind
         FROM pg_logical_slot_peek_binary_changes($1, NULL, NULL, 'proto_version', '1', 'publication_names', $2)`,
      [prefix, prefix],
    );
    const inserts = rows.filter((row) => row.kind === 'I');
    expect(inserts).toHaveLength(5);
    expect(new Set(inserts.map((row) => row.lsn)).size).toBe(1);
    const lsn = lsnNumber(inserts[0]?.lsn ?? '0/0');
    // Debezium stopped after sending two of them (its offset as PostgresOffsetContext writes it).
    await resumeFrom(prefix, {
      lsn_proc: lsn,
      lsn_events_processed: 2,
      messageType: 'INSERT',
      lsn_commit: slotLsn,
      lsn,
      txId: Number(inserts[0]?.xid),
      ts_usec: Date.now() * 1000,
    });
    await db.query(`INSERT INTO public.${table} VALUES (6, 'after')`);
    const events = await readJsonEvents(`${prefix}.public.${table}`, 4, 30_000);
    expect(events.map((event) => [event.op, event.after?.id])).toEqual([
      ['c', 3],
      ['c', 4],
      ['c', 5],
      ['c', 6],
    ]);
  });

  it('takes an interrupted initial snapshot again', async () => {
    const { prefix, table, slotLsn } = await prepare('snap');
    await db.query(`INSERT INTO public.${table} VALUES (1, 'a'), (2, 'b'), (3, 'c')`);
    // Debezium was reading the table when it stopped: one row sent, the snapshot not complete.
    await resumeFrom(prefix, {
      last_snapshot_record: false,
      lsn: slotLsn,
      txId: 1,
      ts_usec: Date.now() * 1000,
      snapshot: 'INITIAL',
      snapshot_completed: false,
    });
    // Every row comes as a snapshot record (changes streamed to catch up may come too).
    const collector = await collectJsonEvents(`${prefix}.public.${table}`);
    try {
      await waitFor('every row as a snapshot record', () => {
        const read = new Set(collector.events.filter((event) => event.op === 'r').map((e) => e.after?.id));
        return [1, 2, 3].every((id) => read.has(id));
      });
    } finally {
      await collector.close();
    }
  });

  it('streams on after the last snapshot record, without a snapshot', async () => {
    const { prefix, table, slotLsn } = await prepare('done');
    await db.query(`INSERT INTO public.${table} VALUES (1, 'a'), (2, 'b')`);
    await resumeFrom(prefix, {
      last_snapshot_record: true,
      lsn: slotLsn,
      txId: 1,
      ts_usec: Date.now() * 1000,
      snapshot: 'INITIAL',
      snapshot_completed: true,
    });
    await db.query(`INSERT INTO public.${table} VALUES (3, 'after')`);
    const events = await readJsonEvents(`${prefix}.public.${table}`, 3, 30_000);
    expect(events.map((event) => [event.op, event.after?.id])).toEqual([
      ['c', 1],
      ['c', 2],
      ['c', 3],
    ]);
  });
});
