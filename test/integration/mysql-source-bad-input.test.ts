// Bad input to the MySQL source through the host (REST validate, create, /status): a wrong password,
// missing replication privileges and binlog_format=STATEMENT each give a validation error naming the
// field and the fix, and a created connector whose password is rotated, whose privileges are revoked
// or whose server switches to STATEMENT fails its task with the reason in the trace, while the host
// keeps serving. (The probe's messages are pinned in mysql-source-validate.test.ts.) binlog_format
// is global, so it is changed only on a throwaway server, never the shared one.
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ScratchMariadb, startScratchMariadb } from '../../scripts/stack/mariadb.ts';
import { connectionSettings, serverId } from '../fixtures/mysql/task-harness.ts';
import { expectHostServes, validationErrors, waitFailed, waitRunning } from '../support/connector-status.ts';
import { freePort, type HostProcess, startHostProcess } from '../support/host-process.ts';
import { unique } from '../support/runtime/runtime-harness.ts';
import { services } from '../support/services.ts';

const DATABASE = `onramp_mysrc_bad_input_${process.pid}`;
const PASSWORD_USER = `onramp_bad_pw_${process.pid}`;
const PRIVILEGE_USER = `onramp_bad_priv_${process.pid}`;
const CDC_GRANTS = 'SELECT, RELOAD, SHOW DATABASES, LOCK TABLES, REPLICATION SLAVE, BINLOG MONITOR';

let host: HostProcess;
let admin: mysql.Connection;

const validate = (config: Record<string, string>) => validationErrors(host, 'MySqlConnector', config);
const running = (connector: string) => waitRunning(host, connector);
const failed = (connector: string) => waitFailed(host, connector);
const hostServes = () => expectHostServes(host);

async function restart(connector: string): Promise<void> {
  expect((await host.call('POST', `/connectors/${connector}/restart?includeTasks=true`)).status).toBe(202);
}

function config(prefix: string, id: number, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    'connector.class': 'io.debezium.connector.mysql.MySqlConnector',
    ...connectionSettings(services().mysqlUrl),
    'database.server.id': serverId(id),
    'topic.prefix': prefix,
    'database.include.list': DATABASE,
    ...overrides,
  };
}

beforeAll(async () => {
  admin = await mysql.createConnection({ uri: services().mysqlUrl, multipleStatements: true });
  await admin.query(`DROP DATABASE IF EXISTS \`${DATABASE}\``);
  await admin.query(`CREATE DATABASE \`${DATABASE}\``);
  await admin.query(`CREATE TABLE \`${DATABASE}\`.orders (id INT PRIMARY KEY, item VARCHAR(20))`);
  await admin.query(`INSERT INTO \`${DATABASE}\`.orders VALUES (1, 'lamp')`);
  for (const user of [PASSWORD_USER, PRIVILEGE_USER]) {
    await admin.query(`DROP USER IF EXISTS '${user}'@'%'`);
    await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY 'first'`);
    await admin.query(`GRANT ${CDC_GRANTS} ON *.* TO '${user}'@'%'`);
  }
  host = await startHostProcess();
});

afterAll(async () => {
  await host?.stop();
  for (const user of [PASSWORD_USER, PRIVILEGE_USER]) {
    await admin?.query(`DROP USER IF EXISTS '${user}'@'%'`).catch(() => undefined);
  }
  await admin?.query(`DROP DATABASE IF EXISTS \`${DATABASE}\``).catch(() => undefined);
  await admin?.end();
});

describe('mysql source bad input through the host', () => {
  it('names database.password and missing privileges in validation, and refuses to create either', async () => {
    const prefix = unique('my-bad');
    const wrongPassword = config(prefix, 71, { 'database.password': 'wrong' });
    expect(await validate(wrongPassword)).toEqual({
      'database.password': [
        expect.stringMatching(/Access denied.*check database.user and database.password/),
      ],
    });
    const created = await host.call('PUT', `/connectors/${prefix}/config`, wrongPassword);
    expect(created.status).toBe(400);
    expect(created.body.message).toMatch(/Access denied.*check database.user and database.password/);

    await admin.query(`REVOKE REPLICATION SLAVE, BINLOG MONITOR ON *.* FROM '${PRIVILEGE_USER}'@'%'`);
    try {
      const unprivileged = config(prefix, 71, {
        'database.user': PRIVILEGE_USER,
        'database.password': 'first',
      });
      expect(await validate(unprivileged)).toEqual({
        'database.user': [
          `User "${PRIVILEGE_USER}" lacks REPLICATION SLAVE, BINLOG MONITOR: run GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO '${PRIVILEGE_USER}'@'%'`,
        ],
      });
      expect((await host.call('PUT', `/connectors/${prefix}/config`, unprivileged)).status).toBe(400);
    } finally {
      await admin.query(`GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO '${PRIVILEGE_USER}'@'%'`);
    }
    expect((await host.call('GET', `/connectors/${prefix}`)).status).toBe(404);
    await hostServes();
  });

  it('fails the task with the access denial when the password is rotated', async () => {
    const prefix = unique('my-pw');
    const connector = config(prefix, 72, { 'database.user': PASSWORD_USER, 'database.password': 'first' });
    expect((await host.call('PUT', `/connectors/${prefix}/config`, connector)).status).toBe(201);
    await running(prefix);

    await admin.query(`ALTER USER '${PASSWORD_USER}'@'%' IDENTIFIED BY 'rotated'`);
    await restart(prefix);
    const trace = await failed(prefix);
    expect(trace).toMatch(new RegExp(`Access denied for user '${PASSWORD_USER}'`));
    expect(await validate(connector)).toEqual({
      'database.password': [
        expect.stringMatching(/Access denied.*check database.user and database.password/),
      ],
    });
    await hostServes();
    expect((await host.call('DELETE', `/connectors/${prefix}`)).status).toBe(204);
  });

  it('fails the task naming the missing privilege when replication grants are revoked', async () => {
    const prefix = unique('my-priv');
    const connector = config(prefix, 73, { 'database.user': PRIVILEGE_USER, 'database.password': 'first' });
    expect((await host.call('PUT', `/connectors/${prefix}/config`, connector)).status).toBe(201);
    await running(prefix);

    await admin.query(`REVOKE REPLICATION SLAVE, BINLOG MONITOR ON *.* FROM '${PRIVILEGE_USER}'@'%'`);
    await restart(prefix);
    const trace = await failed(prefix);
    expect(trace).toMatch(/MYSQL_PRIVILEGE/);
    expect(trace).toMatch(/REPLICATION SLAVE|BINLOG MONITOR/);
    await hostServes();
    expect((await host.call('DELETE', `/connectors/${prefix}`)).status).toBe(204);
  });

  describe('binlog_format=STATEMENT (a throwaway server)', () => {
    let scratch: ScratchMariadb;

    beforeAll(async () => {
      scratch = await startScratchMariadb(await freePort(), { binlogFormat: 'STATEMENT' });
      await scratch.admin(
        `CREATE DATABASE \`${DATABASE}\`; CREATE TABLE \`${DATABASE}\`.orders (id INT PRIMARY KEY);`,
      );
    });

    afterAll(async () => {
      await scratch?.remove();
    });

    const scratchConfig = (prefix: string) => config(prefix, 74, { ...connectionSettings(scratch.url) });

    it('gives a validation error naming the fix, and fails a created connector once the server switches to it', async () => {
      const prefix = unique('my-fmt');
      const errors = await validate(scratchConfig(prefix));
      expect(errors['database.hostname']).toEqual([
        expect.stringMatching(
          /binlog_format is STATEMENT on 127\.0\.0\.1:\d+, but change capture needs ROW: run SET GLOBAL binlog_format = 'ROW'/,
        ),
      ]);
      const refused = await host.call('PUT', `/connectors/${prefix}/config`, scratchConfig(prefix));
      expect(refused.status).toBe(400);
      expect(refused.body.message).toMatch(/binlog_format is STATEMENT/);

      await scratch.admin("SET GLOBAL binlog_format = 'ROW';");
      expect((await host.call('PUT', `/connectors/${prefix}/config`, scratchConfig(prefix))).status).toBe(
        201,
      );
      await running(prefix);
      expect((await host.call('PUT', `/connectors/${prefix}/stop`)).status).toBe(204);
      await scratch.admin("SET GLOBAL binlog_format = 'STATEMENT';");
      expect((await host.call('PUT', `/connectors/${prefix}/resume`)).status).toBe(202);
      const trace = await failed(prefix);
      expect(trace).toMatch(/MYSQL_BINLOG_CONFIG/);
      expect(trace).toMatch(/binlog_format is STATEMENT.*needs ROW/);
      await hostServes();
      expect((await host.call('DELETE', `/connectors/${prefix}`)).status).toBe(204);
    });
  });
});
