// Onramp's MySQL/MariaDB source resumes from offsets as Debezium 3's MariaDB (and MySQL) connector
// writes them (what a migration from Kafka Connect hands over), on the real MariaDB and Kafka:
// - inside a transaction: Debezium's `event` counts every binlog event since the transaction began
//   (its GTID event and table maps too) and `row` the rows of the next event, where Onramp's own
//   offsets count row events; the transaction is read again from its start, so nothing is skipped;
// - during Debezium's initial snapshot ({"snapshot":"INITIAL"}, no snapshot_completed): the snapshot
//   is taken again.
import { randomUUID } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostProcess, startHostProcess } from '../support/host-process.ts';
import {
  collectJsonEvents,
  debeziumMariadbConfig,
  type JsonEventCollector,
} from '../support/kafka-connect.ts';
import { testAdmin } from '../support/runtime/kafka-reader.ts';
import { services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

const suffix = randomUUID().slice(0, 8);
const database = `onramp_dbzoff_${suffix}`;
let db: mysql.Connection;
let host: HostProcess;
const prefixes: string[] = [];
const topics: string[] = [];
const collectors: JsonEventCollector[] = [];
let serverIds = 0;

async function createTable(name: string): Promise<void> {
  await db.query(`CREATE TABLE \`${database}\`.${name} (id INT PRIMARY KEY, item VARCHAR(64) NOT NULL)`);
}

/** Where the binlog is now, and the GTID position (MariaDB's gtid_binlog_pos). */
async function binlogNow(): Promise<{ file: string; pos: number; gtids: string }> {
  const [status] = await db.query<mysql.RowDataPacket[]>('SHOW MASTER STATUS');
  const [gtid] = await db.query<mysql.RowDataPacket[]>('SELECT @@gtid_binlog_pos AS gtids');
  return { file: String(status[0]?.File), pos: Number(status[0]?.Position), gtids: String(gtid[0]?.gtids) };
}

/** Creates the connector STOPPED, gives it `offset` (KIP-875) and resumes it; follows its topic. */
async function resumeFrom(
  label: string,
  table: string,
  offset: Record<string, unknown>,
): Promise<JsonEventCollector> {
  const prefix = `dbzoff_${label}_${suffix}`;
  prefixes.push(prefix);
  serverIds += 1;
  const config = debeziumMariadbConfig(
    prefix,
    database,
    `${database}.${table}`,
    6_000_000 + (process.pid % 100_000) * 10 + serverIds,
  );
  const created = await host.call('POST', '/connectors', { name: prefix, config, initial_state: 'STOPPED' });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const patched = await host.call('PATCH', `/connectors/${prefix}/offsets`, {
    offsets: [{ partition: { server: prefix }, offset }],
  });
  expect(patched.status, JSON.stringify(patched.body)).toBe(200);
  expect((await host.call('PUT', `/connectors/${prefix}/resume`)).status).toBe(202);
  await waitFor(`${prefix} RUNNING`, async () => {
    const { body } = await host.call('GET', `/connectors/${prefix}/status`);
    return body?.connector.state === 'RUNNING' && body.tasks[0]?.state === 'RUNNING';
  });
  topics.push(`${prefix}.${database}.${table}`);
  const collector = await collectJsonEvents(`${prefix}.${database}.${table}`);
  collectors.push(collector);
  return collector;
}

beforeAll(async () => {
  db = await mysql.createConnection({ uri: services().mysqlUrl });
  await db.query(`CREATE DATABASE \`${database}\``);
  host = await startHostProcess();
});

afterAll(async () => {
  for (const collector of collectors) await collector.close();
  for (const prefix of prefixes) await host?.call('DELETE', `/connectors/${prefix}`).catch(() => undefined);
  await host?.stop();
  await db?.query(`DROP DATABASE IF EXISTS \`${database}\``).catch(() => undefined);
  await db?.end();
  if (topics.length > 0) {
    const admin = testAdmin();
    await admin.deleteTopics(topics).catch(() => undefined);
    await admin.close();
  }
});

describe("MySQL source from Debezium's binlog offsets", () => {
  it('reads a transaction Debezium stopped inside from its start: no row is skipped', async () => {
    await createTable('items');
    const before = await binlogNow();
    // One transaction: a row event of two rows, one of one row, an update.
    await db.beginTransaction();
    await db.query(`INSERT INTO \`${database}\`.items VALUES (1, 'a'), (2, 'b')`);
    await db.query(`INSERT INTO \`${database}\`.items VALUES (3, 'c')`);
    await db.query(`UPDATE \`${database}\`.items SET item = 'u' WHERE id = 1`);
    await db.commit();
    const [last] = await db.query<mysql.RowDataPacket[]>('SELECT @@last_gtid AS gtid');
    const [domain, server, sequence] = String(last[0]?.gtid).split('-');
    // Debezium sent the first row of the first row event: its GTID event and table map are
    // processed (event 2), one row of the next event (row 1); `gtids` are the transactions before.
    const collector = await resumeFrom('tx', 'items', {
      ts_sec: Math.floor(Date.now() / 1000),
      file: before.file,
      pos: before.pos,
      gtids: `${domain}-${server}-${Number(sequence) - 1}`,
      row: 1,
      server_id: Number(server),
      event: 2,
    });
    await db.query(`INSERT INTO \`${database}\`.items VALUES (4, 'after')`);
    await waitFor('the insert after the transaction', () =>
      collector.events.some((event) => event.op === 'c' && event.after?.id === 4),
    );
    const seen = collector.events.map((event) => `${event.op}${event.after?.id}`);
    // Rows 2 and 3 and the update were not sent yet; row 1 may come again (at least once).
    expect(seen).toEqual(expect.arrayContaining(['c2', 'c3', 'u1', 'c4']));
    expect(seen.filter((entry) => entry !== 'c1')).toEqual(['c2', 'c3', 'u1', 'c4']);
  });

  it('takes an initial snapshot Debezium did not finish again', async () => {
    await createTable('snap');
    await db.query(`INSERT INTO \`${database}\`.snap VALUES (1, 'a'), (2, 'b'), (3, 'c')`);
    const now = await binlogNow();
    const collector = await resumeFrom('snap', 'snap', {
      ts_sec: Math.floor(Date.now() / 1000),
      file: now.file,
      pos: now.pos,
      gtids: now.gtids,
      server_id: 1,
      snapshot: 'INITIAL',
    });
    await waitFor('every row as a snapshot record', () => {
      const read = new Set(
        collector.events.filter((event) => event.op === 'r').map((event) => event.after?.id),
      );
      return [1, 2, 3].every((id) => read.has(id));
    });
  });
});
