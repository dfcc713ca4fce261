// PostgreSQL safety rails through the host process: validation and the PUT response warn about
// captured tables PostgreSQL will refuse to UPDATE/DELETE (no primary key or replica identity) under
// the publication mode, replica.identity.autoset.values fixes them; the slot's retained WAL is a
// metric and in /status; a renamed slot.name reports (or drops) the old slot; deleting the connector
// drops its slot and the publication it created.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionSettings, createTestDatabase, slotName } from '../fixtures/postgres/task-harness.ts';
import { validationErrors, waitRunning } from '../support/connector-status.ts';
import { type HostProcess, startHostProcess } from '../support/host-process.ts';
import { services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

const DATABASE = `onramp_pgsrc_rails_${process.pid}`;
const PUBLICATION = `onramp_rails_${process.pid}`;

let host: HostProcess;
let client: pg.Client;
let drop: () => Promise<void>;

beforeAll(async () => {
  ({ client, drop } = await createTestDatabase(services().pgUrl, DATABASE));
  await client.query('CREATE TABLE orders (id int PRIMARY KEY, item text)');
  await client.query('CREATE TABLE events (message text)');
  await client.query('CREATE TABLE audit_log (entry text)');
  host = await startHostProcess();
});

afterAll(async () => {
  await host?.stop();
  await drop?.();
});

function config(name: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    ...connectionSettings(services().pgUrl, DATABASE),
    'topic.prefix': name,
    'table.include.list': 'public.orders,public.events',
    'slot.name': slotName(name.replaceAll('-', '_')),
    'publication.name': PUBLICATION,
    'publication.autocreate.mode': 'filtered',
    ...overrides,
  };
}

interface Warning {
  name: string;
  message: string;
}

async function validationWarnings(body: Record<string, string>): Promise<Warning[]> {
  const { status, body: infos } = await host.call(
    'PUT',
    '/connector-plugins/PostgresConnector/config/validate',
    {
      name: body['topic.prefix'],
      ...body,
    },
  );
  expect(status).toBe(200);
  expect(infos.error_count).toBe(0);
  return infos.warnings ?? [];
}

const slotExists = async (name: string) =>
  ((await client.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [name])).rowCount ?? 0) > 0;
const publicationExists = async (name: string) =>
  ((await client.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [name])).rowCount ?? 0) > 0;

describe('postgres source safety rails', () => {
  it('warns about captured tables without a primary key, per publication mode, and autoset fixes them', async () => {
    const filtered = await validationWarnings(config('rails-validate'));
    const captured = filtered.find((warning) => warning.name === 'replica.identity.autoset.values');
    expect(captured?.message).toMatch(
      /PostgreSQL will refuse, once the connector starts, UPDATE and DELETE on captured tables without a primary key or replica identity: public\.events \(no primary key\)\./,
    );
    expect(captured?.message).toMatch(/replica\.identity\.autoset\.values \(e\.g\. public\.events:FULL\)/);
    expect(captured?.message).not.toMatch(/public\.orders|audit_log/);
    // FOR ALL TABLES also publishes tables the connector does not capture.
    const allTables = await validationWarnings(
      config('rails-validate', {
        'publication.autocreate.mode': 'all_tables',
        'publication.name': `${PUBLICATION}_all`,
      }),
    );
    expect(allTables.find((warning) => warning.name === 'publication.autocreate.mode')?.message).toMatch(
      /tables this connector does not capture, which have no primary key or replica identity: public\.audit_log \(no primary key\).*Use publication\.autocreate\.mode=filtered/,
    );
    // Debezium's replica.identity.autoset.values counts as the fix.
    const autoset = await validationWarnings(
      config('rails-validate', { 'replica.identity.autoset.values': 'public.events:FULL' }),
    );
    expect(autoset.filter((warning) => warning.name === 'replica.identity.autoset.values')).toEqual([]);
    expect(
      await validationErrors(host, 'PostgresConnector', {
        ...config('rails-validate'),
        'replica.identity.autoset.values': 'public.events:EVERYTHING',
      }),
    ).toEqual({
      'replica.identity.autoset.values': [
        expect.stringMatching(/DEFAULT, FULL, NOTHING or INDEX <index name>/),
      ],
    });
  });

  it('puts the warning in the PUT response and applies replica.identity.autoset.values on start', async () => {
    const name = 'rails-autoset';
    const created = await host.call('PUT', `/connectors/${name}/config`, config(name));
    expect(created.status).toBe(201);
    expect(created.body.warnings).toEqual([
      {
        name: 'replica.identity.autoset.values',
        message: expect.stringMatching(/public\.events \(no primary key\)/),
      },
    ]);
    await waitRunning(host, name);
    const updated = await host.call('PUT', `/connectors/${name}/config`, {
      ...config(name),
      'replica.identity.autoset.values': 'public.events:FULL',
    });
    expect(updated.status).toBe(200);
    expect(updated.body.warnings ?? []).toEqual([]);
    await waitFor('REPLICA IDENTITY FULL on public.events', async () => {
      const row = await client.query<{ relreplident: string }>(
        "SELECT relreplident FROM pg_class WHERE oid = 'public.events'::regclass",
      );
      return row.rows[0]?.relreplident === 'f';
    });
    await client.query("INSERT INTO events VALUES ('x')");
    await client.query("UPDATE events SET message = 'y'"); // refused without a replica identity
    expect((await host.call('DELETE', `/connectors/${name}`)).status).toBe(204);
    await client.query('ALTER TABLE events REPLICA IDENTITY DEFAULT');
  });

  it('shows retained WAL, reports or drops a renamed slot, and drops slot and publication on delete', async () => {
    const name = 'rails-slots';
    // Not slotName(): the test database's password is "onramp", and messages hide it wherever it appears.
    const base = config(name, {
      'table.include.list': 'public.orders',
      'slot.name': `rails_slots_${process.pid}`,
    });
    const first = base['slot.name'] as string;
    const second = `${first}_b`;
    const third = `${first}_c`;
    expect((await host.call('PUT', `/connectors/${name}/config`, base)).status).toBe(201);
    await waitRunning(host, name);
    expect(await publicationExists(PUBLICATION)).toBe(true);

    const progress = await waitFor('retained WAL in /status', async () => {
      const { body } = await host.call('GET', `/connectors/${name}/status`);
      return body.tasks?.[0]?.progress?.gauges ? body.tasks[0].progress : undefined;
    });
    expect(progress).toMatchObject({
      phase: 'streaming',
      detail: expect.stringContaining(`slot "${first}" retains`),
    });
    expect(progress.gauges.retained_wal_bytes).toBeGreaterThanOrEqual(0);
    const metrics = await (await fetch(`${host.base}/metrics`)).text();
    expect(metrics).toMatch(
      new RegExp(`onramp_source_slot_retained_wal_bytes\\{[^}]*connector="${name}"[^}]*\\} \\d+`),
    );

    // Kept (slot.drop.on.delete=false): the old slot is reported with the WAL it holds.
    const kept = await host.call('PUT', `/connectors/${name}/config`, {
      ...base,
      'slot.name': second,
      'slot.drop.on.delete': 'false',
    });
    expect(kept.status).toBe(200);
    expect(kept.body.warnings).toEqual([
      {
        name: 'slot.name',
        message: expect.stringMatching(
          new RegExp(
            `Replication slot "${first}" is no longer used by this connector .* still retains \\d+ bytes of WAL`,
          ),
        ),
      },
    ]);
    expect(await slotExists(first)).toBe(true);
    await waitRunning(host, name);
    await waitFor(`slot ${second}`, () => slotExists(second));

    // Dropped (the default): the old slot goes, and the response says so.
    const dropped = await host.call('PUT', `/connectors/${name}/config`, { ...base, 'slot.name': third });
    expect(dropped.body.warnings).toEqual([
      {
        name: 'slot.name',
        message: expect.stringMatching(new RegExp(`Dropped replication slot "${second}"`)),
      },
    ]);
    expect(await slotExists(second)).toBe(false);
    await waitRunning(host, name);
    await waitFor(`slot ${third}`, () => slotExists(third));

    // The reported orphan still reads the publication, so it stays until that slot goes too.
    await client.query('SELECT pg_drop_replication_slot($1)', [first]);
    expect((await host.call('DELETE', `/connectors/${name}`)).status).toBe(204);
    expect(await slotExists(third)).toBe(false);
    expect(await publicationExists(PUBLICATION)).toBe(false);
  });

  it('keeps slot and publication on delete with slot.drop.on.delete=false', async () => {
    const name = 'rails-keep';
    const body = config(name, {
      'table.include.list': 'public.orders',
      'publication.name': `${PUBLICATION}_keep`,
      'slot.drop.on.delete': 'false',
    });
    expect((await host.call('PUT', `/connectors/${name}/config`, body)).status).toBe(201);
    await waitRunning(host, name);
    await waitFor('the slot', () => slotExists(body['slot.name'] as string));
    expect((await host.call('DELETE', `/connectors/${name}`)).status).toBe(204);
    expect(await slotExists(body['slot.name'] as string)).toBe(true);
    expect(await publicationExists(`${PUBLICATION}_keep`)).toBe(true);
  });
});
