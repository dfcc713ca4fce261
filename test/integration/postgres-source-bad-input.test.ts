// Bad input to the PostgreSQL source through the host (REST validate, create, /status): a wrong
// password, a missing table and wal_level=replica each give a validation error naming the problem,
// and a created connector whose password stops working or whose server drops to wal_level=replica
// fails its task with the reason in the trace, while the host keeps serving. (The probe's own
// messages are pinned in postgres-source-validate.test.ts; this file covers the host's paths.)
// wal_level needs a restart, so it is provoked on a throwaway cluster, never the shared one.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchPostgres, type ScratchPostgres } from '../../scripts/stack/postgres.ts';
import { connectionSettings, createTestDatabase, slotName } from '../fixtures/postgres/task-harness.ts';
import { expectHostServes, validationErrors, waitFailed, waitRunning } from '../support/connector-status.ts';
import { freePort, type HostProcess, startHostProcess } from '../support/host-process.ts';
import { unique } from '../support/runtime/runtime-harness.ts';
import { services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

const DATABASE = `onramp_pgsrc_bad_input_${process.pid}`;
const ROLE = `onramp_bad_input_${process.pid}`;

let host: HostProcess;
let client: pg.Client;
let drop: () => Promise<void>;

const validate = (config: Record<string, string>) => validationErrors(host, 'PostgresConnector', config);
const running = (connector: string) => waitRunning(host, connector);
const failed = (connector: string) => waitFailed(host, connector);
const hostServes = () => expectHostServes(host);

beforeAll(async () => {
  ({ client, drop } = await createTestDatabase(services().pgUrl, DATABASE));
  await client.query('CREATE TABLE orders (id int PRIMARY KEY, item text)');
  await client.query("INSERT INTO orders VALUES (1, 'lamp')");
  await client.query(`CREATE PUBLICATION ${ROLE} FOR TABLE orders`);
  await client.query(`DROP ROLE IF EXISTS ${ROLE}`);
  await client.query(`CREATE ROLE ${ROLE} LOGIN REPLICATION PASSWORD 'first'`);
  await client.query(`GRANT SELECT ON orders TO ${ROLE}`);
  host = await startHostProcess();
});

afterAll(async () => {
  await host?.stop();
  await drop?.();
  const admin = new pg.Client({ connectionString: services().pgUrl });
  await admin.connect();
  await admin.query(`DROP ROLE IF EXISTS ${ROLE}`);
  await admin.end();
});

function config(prefix: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    ...connectionSettings(services().pgUrl, DATABASE),
    'topic.prefix': prefix,
    'plugin.name': 'pgoutput',
    'table.include.list': 'public.orders',
    'slot.name': slotName(prefix.replaceAll('-', '_')),
    'publication.name': ROLE,
    'publication.autocreate.mode': 'disabled',
    ...overrides,
  };
}

describe('postgres source bad input through the host', () => {
  it('names database.password and a missing table in validation, and refuses to create either', async () => {
    const prefix = unique('pg-bad');
    const wrongPassword = config(prefix, { 'database.password': 'wrong' });
    expect(await validate(wrongPassword)).toEqual({
      'database.password': [expect.stringMatching(/Password authentication failed for user/)],
    });
    const created = await host.call('PUT', `/connectors/${prefix}/config`, wrongPassword);
    expect(created.status).toBe(400);
    expect(created.body.message).toMatch(
      /Password authentication failed for user ".+": check database\.password/,
    );

    const missingTable = config(prefix, { 'table.include.list': 'public.orders,public.missing' });
    expect(await validate(missingTable)).toEqual({
      'table.include.list': [expect.stringMatching(/No table matches "public.missing"/)],
    });
    expect((await host.call('PUT', `/connectors/${prefix}/config`, missingTable)).status).toBe(400);
    expect((await host.call('GET', `/connectors/${prefix}`)).status).toBe(404);
    await hostServes();
  });

  it('fails the task with the authentication failure when the password stops working', async () => {
    const prefix = unique('pg-pw');
    const connector = config(prefix, { 'database.user': ROLE, 'database.password': 'first' });
    expect((await host.call('PUT', `/connectors/${prefix}/config`, connector)).status).toBe(201);
    await running(prefix);

    await client.query(`ALTER ROLE ${ROLE} PASSWORD 'rotated'`);
    expect((await host.call('POST', `/connectors/${prefix}/restart?includeTasks=true`)).status).toBe(202);
    const trace = await failed(prefix);
    expect(trace).toMatch(/password authentication failed for user "onramp_bad_input_\d+"/);
    expect(await validate(connector)).toEqual({
      'database.password': [expect.stringMatching(/Password authentication failed/)],
    });
    await hostServes();
    expect((await host.call('DELETE', `/connectors/${prefix}`)).status).toBe(204);
  });

  describe('wal_level=replica (a throwaway cluster)', () => {
    let scratch: ScratchPostgres;

    beforeAll(async () => {
      scratch = await createScratchPostgres(await freePort());
      await scratch.start({ wal_level: 'logical' });
      const db = new pg.Client({ connectionString: scratch.url });
      await db.connect();
      await db.query('CREATE TABLE orders (id int PRIMARY KEY)');
      await db.end();
    });

    afterAll(async () => {
      await scratch?.remove();
    });

    const scratchConfig = (prefix: string) => ({
      ...config(prefix, {
        ...connectionSettings(scratch.url, 'postgres'),
        'publication.name': 'onramp_bad_input',
        'publication.autocreate.mode': 'filtered',
        // The slot goes with the task, so the cluster can restart with wal_level=replica.
        'slot.drop.on.stop': 'true',
      }),
    });

    it('gives a clear validation error and fails a created connector after the server drops to replica', async () => {
      const prefix = unique('pg-wal');
      expect((await host.call('PUT', `/connectors/${prefix}/config`, scratchConfig(prefix))).status).toBe(
        201,
      );
      await running(prefix);
      expect((await host.call('PUT', `/connectors/${prefix}/stop`)).status).toBe(204);
      const db = new pg.Client({ connectionString: scratch.url });
      await db.connect();
      await waitFor('the slot dropped on stop', async () => {
        const slots = await db.query('SELECT 1 FROM pg_replication_slots');
        return slots.rowCount === 0;
      });
      await db.end();

      await scratch.start({ wal_level: 'replica' });
      const errors = await validate(scratchConfig(unique('pg-wal')));
      expect(errors['database.hostname']).toEqual([
        expect.stringMatching(
          /wal_level is "replica" on 127\.0\.0\.1:\d+, but logical decoding needs wal_level=logical/,
        ),
      ]);
      const refused = await host.call('PUT', `/connectors/${unique('pg-wal')}/config`, scratchConfig(prefix));
      expect(refused.status).toBe(400);
      expect(refused.body.message).toMatch(/wal_level is "replica"/);

      expect((await host.call('PUT', `/connectors/${prefix}/resume`)).status).toBe(202);
      const trace = await failed(prefix);
      expect(trace).toMatch(/PG_WAL_LEVEL/);
      expect(trace).toMatch(/wal_level is "replica".*logical decoding needs wal_level=logical/);
      await hostServes();
      expect((await host.call('DELETE', `/connectors/${prefix}`)).status).toBe(204);
    });
  });
});
