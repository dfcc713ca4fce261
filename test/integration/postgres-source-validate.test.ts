// Validation and start-up failures against a real PostgreSQL: each bad input names the setting to
// fix, and a task that cannot start fails with a coded, explained error instead of hanging.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresSourcePlugin } from '../../connectors/postgres-source/index.ts';
import { OnrampError, parseConfig } from '../../src/plugin/index.ts';
import {
  connectionSettings,
  createTestDatabase,
  slotName,
  sourceConfig,
  TaskDriver,
} from '../fixtures/postgres/task-harness.ts';
import { services } from '../support/services.ts';

const DATABASE = `onramp_pgsrc_validate_${process.pid}`;

describe('postgres source validation', () => {
  let client: pg.Client;
  let drop: () => Promise<void>;
  let settings: Record<string, string>;

  beforeAll(async () => {
    const { pgUrl } = services();
    ({ client, drop } = await createTestDatabase(pgUrl, DATABASE));
    settings = connectionSettings(pgUrl, DATABASE);
    await client.query('CREATE TABLE orders (id int PRIMARY KEY)');
  });

  afterAll(async () => {
    await drop?.();
  });

  async function probe(overrides: Record<string, string>) {
    const parsed = parseConfig(postgresSourcePlugin.config, {
      ...settings,
      'topic.prefix': 'v',
      'slot.name': slotName('validate'),
      ...overrides,
    });
    expect(parsed.errors).toEqual([]);
    return (await postgresSourcePlugin.config.probe?.(parsed.values)) ?? [];
  }

  it('passes a good configuration', async () => {
    expect(await probe({ 'table.include.list': 'public.orders' })).toEqual([]);
  });

  it('names a signal table that does not exist or lacks the three columns', async () => {
    await client.query(
      'CREATE TABLE debezium_signal (id varchar(64) PRIMARY KEY, type varchar(32), data varchar(2048))',
    );
    await client.query('CREATE TABLE narrow_signal (id varchar(64) PRIMARY KEY)');
    const signal = (table: string) => ({
      'table.include.list': 'public.orders',
      'signal.data.collection': table,
    });
    expect(await probe(signal('public.debezium_signal'))).toEqual([]);
    expect(await probe(signal('public.no_signal'))).toEqual([
      {
        field: 'signal.data.collection',
        message:
          'The signal table public.no_signal does not exist: create it with the columns id, type and data (varchar)',
      },
    ]);
    expect(await probe(signal('public.narrow_signal'))).toEqual([
      {
        field: 'signal.data.collection',
        message:
          'The signal table public.narrow_signal has 1 column(s): it needs id, type and data, its first three',
      },
    ]);
  });

  it('names the password, the user, the database and the host when the login fails', async () => {
    const [password] = await probe({ 'database.password': 'wrong' });
    expect(password).toMatchObject({ field: 'database.password' });
    expect(password?.message).toMatch(/Password authentication failed/);

    const [database] = await probe({ 'database.dbname': 'no_such_database' });
    expect(database).toMatchObject({ field: 'database.dbname' });
    expect(database?.message).toMatch(/"no_such_database" does not exist/);

    const [host] = await probe({ 'database.port': '1' });
    expect(host).toMatchObject({ field: 'database.hostname' });
    expect(host?.message).toMatch(/Cannot connect to PostgreSQL at 127\.0\.0\.1:1/);
  });

  it('names missing tables and a missing publication it may not create', async () => {
    const errors = await probe({
      'table.include.list': 'public.orders,public.missing',
      'publication.name': 'no_such_publication',
      'publication.autocreate.mode': 'disabled',
    });
    expect(errors.map((error) => error.field).sort()).toEqual(['publication.name', 'table.include.list']);
    expect(errors.find((error) => error.field === 'table.include.list')?.message).toMatch(
      /No table matches "public.missing"/,
    );
    expect(errors.find((error) => error.field === 'publication.name')?.message).toMatch(
      /does not exist and publication.autocreate.mode is disabled/,
    );
  });

  it('names a slot that belongs to another plugin or database', async () => {
    await client.query("SELECT pg_create_logical_replication_slot($1, 'test_decoding')", [
      slotName('foreign'),
    ]);
    try {
      const [slot] = await probe({ 'slot.name': slotName('foreign') });
      expect(slot).toMatchObject({ field: 'slot.name' });
      expect(slot?.message).toMatch(/plugin test_decoding/);
    } finally {
      await client.query('SELECT pg_drop_replication_slot($1)', [slotName('foreign')]);
    }
  });

  it('fails a task whose slot another connection streams from, with a retriable PG_SLOT_IN_USE', async () => {
    const config = sourceConfig({
      ...settings,
      'topic.prefix': 'dup',
      'slot.name': slotName('dup'),
      'snapshot.mode': 'no_data',
    });
    const first = new TaskDriver(config);
    await first.start();
    try {
      const second = new TaskDriver(config);
      const failure = await second.start().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(OnrampError);
      expect((failure as OnrampError).code).toBe('PG_SLOT_IN_USE');
      expect((failure as OnrampError).retriable).toBe(true);
      await second.stop();
    } finally {
      await first.stop();
    }
  });

  it('fails a task whose publication is missing with autocreate disabled', async () => {
    const config = sourceConfig({
      ...settings,
      'topic.prefix': 'nopub',
      'slot.name': slotName('nopub'),
      'publication.name': 'onramp_pgsrc_nopub',
      'publication.autocreate.mode': 'disabled',
    });
    const driver = new TaskDriver(config);
    await expect(driver.start()).rejects.toMatchObject({ code: 'PG_PUBLICATION_MISSING' });
    await driver.stop();
  });

  it('drops the slot on connector deletion unless slot.drop.on.delete=false (slot.drop.on.stop drops it too)', async () => {
    const name = slotName('deleted');
    const exists = async () =>
      (await client.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [name])).rowCount;
    await client.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [name]);
    const config = sourceConfig({ ...settings, 'topic.prefix': 'del', 'slot.name': name });
    await postgresSourcePlugin.onDeleted?.({ ...config, 'slot.drop.on.delete': false });
    expect(await exists()).toBe(1);
    await postgresSourcePlugin.onDeleted?.({
      ...config,
      'slot.drop.on.delete': false,
      'slot.drop.on.stop': true,
    });
    expect(await exists()).toBe(0);
    await client.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [name]);
    await postgresSourcePlugin.onDeleted?.(config);
    expect(await exists()).toBe(0);
  });
});
