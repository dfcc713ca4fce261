// Validation against the real MariaDB: a good config passes, and a wrong password, a user without
// replication privileges or a server id equal to the server's own each give an error naming the
// field and the fix. (binlog_format=STATEMENT is not provoked here: the server is shared.)
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlSourceConfig } from '../../connectors/mysql-source/index.ts';
import { parseConfig } from '../../src/plugin/index.ts';
import { connectionSettings, serverId } from '../fixtures/mysql/task-harness.ts';
import { services } from '../support/services.ts';

const LIMITED_USER = `onramp_limited_${process.pid}`;
const SIGNAL_DATABASE = `onramp_mysrc_validate_${process.pid}`;

async function validate(raw: Record<string, string>) {
  const parsed = parseConfig(mysqlSourceConfig, raw);
  expect(parsed.errors).toEqual([]);
  return (await mysqlSourceConfig.probe?.(parsed.values)) ?? [];
}

describe('mysql source validation', () => {
  let admin: mysql.Connection;
  let settings: Record<string, string>;

  beforeAll(async () => {
    const { mysqlUrl } = services();
    settings = connectionSettings(mysqlUrl);
    admin = await mysql.createConnection(mysqlUrl);
    await admin.query(`DROP USER IF EXISTS '${LIMITED_USER}'@'%'`);
    await admin.query(`CREATE USER '${LIMITED_USER}'@'%' IDENTIFIED BY 'limited'`);
    await admin.query(`GRANT SELECT ON *.* TO '${LIMITED_USER}'@'%'`);
    await admin.query(`CREATE DATABASE IF NOT EXISTS ${SIGNAL_DATABASE}`);
    await admin.query(
      `CREATE TABLE IF NOT EXISTS ${SIGNAL_DATABASE}.debezium_signal (id varchar(64) PRIMARY KEY, type varchar(32), data varchar(2048))`,
    );
  });

  afterAll(async () => {
    await admin?.query(`DROP USER IF EXISTS '${LIMITED_USER}'@'%'`).catch(() => {});
    await admin?.query(`DROP DATABASE IF EXISTS ${SIGNAL_DATABASE}`).catch(() => {});
    await admin?.end();
  });

  const base = () => ({ ...settings, 'database.server.id': serverId(7), 'topic.prefix': 'v' });

  it('passes for the stack server', async () => {
    expect(await validate(base())).toEqual([]);
  });

  it('names a wrong password', async () => {
    const errors = await validate({ ...base(), 'database.password': 'wrong' });
    expect(errors).toHaveLength(1);
    expect(errors[0]?.field).toBe('database.password');
    expect(errors[0]?.message).toMatch(/Access denied.*check database.user and database.password/);
  });

  it('names missing replication privileges with the GRANT that fixes them', async () => {
    const errors = await validate({
      ...base(),
      'database.user': LIMITED_USER,
      'database.password': 'limited',
    });
    expect(errors).toEqual([
      {
        field: 'database.user',
        message: `User "${LIMITED_USER}" lacks REPLICATION SLAVE, BINLOG MONITOR: run GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO '${LIMITED_USER}'@'%'`,
      },
    ]);
  });

  it('names a signal table that is missing, or that the user may not write watermarks to', async () => {
    const signal = { ...base(), 'signal.data.collection': `${SIGNAL_DATABASE}.debezium_signal` };
    expect(await validate(signal)).toEqual([]);
    expect(await validate({ ...base(), 'signal.data.collection': `${SIGNAL_DATABASE}.nothing` })).toEqual([
      {
        field: 'signal.data.collection',
        message: `The signal table ${SIGNAL_DATABASE}.nothing does not exist: create it with the columns id, type and data (varchar)`,
      },
    ]);
    const limited = { ...signal, 'database.user': LIMITED_USER, 'database.password': 'limited' };
    const errors = await validate(limited);
    expect(errors).toContainEqual({
      field: 'signal.data.collection',
      message: `User may not INSERT into the signal table ${SIGNAL_DATABASE}.debezium_signal, where incremental snapshots write their watermarks: GRANT INSERT, or set read.only=true`,
    });
    expect((await validate({ ...limited, 'read.only': 'true' })).map((error) => error.field)).not.toContain(
      'signal.data.collection',
    );
  });

  it('refuses the server own server_id', async () => {
    const errors = await validate({ ...base(), 'database.server.id': '1' });
    expect(errors.map((error) => error.field)).toEqual(['database.server.id']);
  });

  it('names a table filter that matches nothing', async () => {
    const errors = await validate({ ...base(), 'table.include.list': 'no_such_db\\.nothing' });
    expect(errors.map((error) => error.field)).toEqual(['table.include.list']);
  });
});
