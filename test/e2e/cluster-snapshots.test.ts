import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callPastRebalances, clusterWorkerYaml } from '../support/cluster-worker.ts';
import { type HostProcess, postgresSourceConfig, startHostProcess } from '../support/host-process.ts';
import { readTopic, testAdmin } from '../support/runtime/kafka-reader.ts';
import { services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

// Ad hoc snapshots in cluster mode (issue 14 on issue 18's workers): POST and GET
// /connectors/{name}/snapshots are answered by the worker running the connector's task 0, which
// alone holds the signal and the progress. Sent to the other worker they are forwarded there (a
// follower asks the leader, which knows who runs what and passes them on) instead of a 409.

const run = randomUUID().slice(0, 8);
const groupId = `onramp-snapshots-${run}`;
const internalTopics = [`${groupId}-configs`, `${groupId}-offsets`, `${groupId}-status`];
const table = `cs_${run}`;
const prefix = `cs${run}`;
const topic = `${prefix}.public.${table}`;
const name = `cs-${run}`;
const ROWS = 500;

const configFile = join(mkdtempSync(join(tmpdir(), 'onramp-cluster-snapshots-')), 'worker.yaml');
let db: pg.Client;
const workers: HostProcess[] = [];

beforeAll(async () => {
  writeFileSync(configFile, clusterWorkerYaml({ groupId, topics: internalTopics }));
  db = new pg.Client({ connectionString: services().pgUrl });
  await db.connect();
  await db.query(`CREATE TABLE public.${table} (id int PRIMARY KEY, name text NOT NULL)`);
  await db.query(`INSERT INTO public.${table} SELECT i, 'row ' || i FROM generate_series(1, ${ROWS}) i`);
  for (let i = 0; i < 2; i++) workers.push(await startHostProcess({ ONRAMP_CONFIG: configFile }));
}, 120_000);

afterAll(async () => {
  await workers[0]?.call('DELETE', `/connectors/${name}`).catch(() => undefined);
  for (const worker of workers) await worker.stop().catch(() => undefined);
  const admin = testAdmin();
  await admin.deleteTopics([...internalTopics, topic]).catch(() => undefined);
  await admin.close();
  await db
    .query(
      'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active',
      [prefix],
    )
    .catch(() => undefined);
  await db.query(`DROP PUBLICATION IF EXISTS ${prefix}`).catch(() => undefined);
  await db.query(`DROP TABLE IF EXISTS public.${table}`).catch(() => undefined);
  await db?.end();
}, 120_000);

describe('ad hoc snapshots in cluster mode', () => {
  it('takes POST and GET /connectors/{name}/snapshots on the worker that does not run the task', async () => {
    const created = await callPastRebalances(workers[0] as HostProcess, 'PUT', `/connectors/${name}/config`, {
      ...postgresSourceConfig(prefix, `public.${table}`),
      'snapshot.mode': 'no_data',
    });
    expect(created.status).toBe(201);
    const owner = await waitFor(
      'task 0 RUNNING',
      async () => {
        const { status, body } = await (workers[0] as HostProcess).call('GET', `/connectors/${name}/status`);
        const task = status === 200 ? body.tasks?.[0] : undefined;
        return task?.state === 'RUNNING' ? (task.worker_id as string) : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const other = workers.find((worker) => new URL(worker.base).host !== owner);
    const running = workers.find((worker) => new URL(worker.base).host === owner);
    if (!other || !running) throw new Error(`task 0 runs on ${owner}, not on one of the two workers`);

    // Sent to the worker that does not run the task: forwarded to the one that does.
    const accepted = await callPastRebalances(other, 'POST', `/connectors/${name}/snapshots`, {
      type: 'incremental',
      'data-collections': [`public.${table}`],
    });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
    expect(accepted.body.id).toMatch(/^[0-9a-f-]{36}$/);

    // The progress, from both workers (the one asked forwards to the owner).
    for (const worker of [other, running])
      await waitFor(
        `the snapshot done, as ${worker.base} reports it`,
        async () => {
          const progress = await callPastRebalances(worker, 'GET', `/connectors/${name}/snapshots`);
          const tables = progress.status === 200 ? progress.body.tables : undefined;
          return tables?.length === 1 && tables[0].state === 'done' && tables[0].table === `public.${table}`;
        },
        { timeoutMs: 60_000, intervalMs: 200 },
      );
    const messages = await readTopic(topic, ROWS, 60_000);
    expect(messages.length).toBeGreaterThanOrEqual(ROWS);

    // Errors of the owner come back through the hop as they are.
    const invalid = await callPastRebalances(other, 'POST', `/connectors/${name}/snapshots`, {
      'data-collections': [],
    });
    expect(invalid).toEqual({
      status: 400,
      body: { error_code: 400, message: '"data-collections" is missing or empty: name the tables' },
    });
    expect((await callPastRebalances(other, 'GET', '/connectors/no-such-connector/snapshots')).status).toBe(
      404,
    );
  }, 180_000);
});
