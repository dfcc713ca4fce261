import { randomUUID } from 'node:crypto';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../fixtures/mysql/task-harness.ts';
import { type HostProcess, mysqlSourceConfig, startHostProcess } from '../support/host-process.ts';
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

// kill -9 of the host running the MySQL/MariaDB source, at seeded random points: once in the middle
// of the initial snapshot, then while it follows the binlog under a steady load of small transactions
// (new rows, an update of a few hot rows, a delete every third or so, from the start). Each restart
// reuses the same data directory. Every committed change, deletes included, must be in Kafka at
// least once, per key in commit order, and the last event per key must match the table.

const suffix = randomUUID().slice(0, 8);
const database = `crash_my_${suffix}`;
const table = 'items';
const prefix = `crashmy${suffix}`;
const topic = `${prefix}.${database}.${table}`;
const PREFILL = 30_000;
const HOT_KEYS = 8;
// A replica id of its own among the server's replicas (the source connects as one).
const SERVER_ID = 4_001_000 + (process.pid % 100_000);

const seed = crashSeed('crash-mysql-source');
const chance = seededRandom(seed);

let admin: mysql.Connection;
let dropDatabase: () => Promise<void>;
let loadClient: mysql.Connection;
let host: HostProcess | undefined;
let collector: TopicCollector;
let load: ChangeLoad<undefined>;

async function commitTransaction(tx: LoadTransaction): Promise<undefined> {
  // One round trip; it returns only after COMMIT did.
  await loadClient.query(
    `START TRANSACTION;
     ${loadStatements(table, tx).join('; ')};
     COMMIT`,
  );
  return undefined;
}

beforeAll(async () => {
  ({ client: admin, drop: dropDatabase } = await createTestDatabase(services().mysqlUrl, database));
  await admin.query(`CREATE TABLE ${table} (id INT PRIMARY KEY, txn INT NOT NULL, seq INT NOT NULL)`);
  await admin.query(`INSERT INTO ${table} SELECT seq, 0, 0 FROM seq_1_to_${PREFILL}`);
  loadClient = await mysql.createConnection({
    uri: services().mysqlUrl,
    database,
    multipleStatements: true,
  });
  collector = new TopicCollector([topic]);
  await collector.start(3);
  load = new ChangeLoad({ seed, firstId: PREFILL + 1, hotKeys: HOT_KEYS, commit: commitTransaction });
});

afterAll(async () => {
  await load?.stop().catch(() => undefined);
  await host?.call('DELETE', `/connectors/${prefix}`).catch(() => undefined);
  await host?.stop();
  await collector?.close(true);
  await loadClient?.end().catch(() => undefined);
  await dropDatabase?.();
});

function streamedEvents(): number {
  return collector.events.filter((event) => op(event) === 'c' || op(event) === 'u').length;
}

describe('MySQL source under kill -9', () => {
  it('loses no committed row and keeps per-key commit order', async () => {
    host = await startHostProcess();
    const created = await host.call('PUT', `/connectors/${prefix}/config`, {
      ...mysqlSourceConfig(prefix, database, SERVER_ID),
      'topic.creation.default.partitions': '3',
      'max.batch.size': '200',
      'max.queue.size': '1000',
    });
    expect(created.status).toBe(201);
    host = await killDuringSnapshot({ host, connector: prefix, load, collector, chance, prefill: PREFILL });

    // Then while following the stream: after a random number of streamed events since the restart.
    const streamingKills = chance.int(1, 2);
    for (let kill = 2; kill <= streamingKills + 1; kill++) {
      const target = streamedEvents() + chance.int(1, 3_000);
      await waitFor(`${target} streamed events`, () => streamedEvents() >= target, {
        timeoutMs: 30_000,
        intervalMs: 20,
      });
      const running: HostProcess = host;
      host = await killAndRestart(running, async () => {
        console.log(`kill ${kill} while streaming: ${load.committed.length} transactions committed`);
      });
    }

    const finalTarget = streamedEvents() + chance.int(100, 2_000);
    await waitFor(`${finalTarget} streamed events`, () => streamedEvents() >= finalTarget, {
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
    const [rows] = await admin.query(`SELECT id, seq FROM ${table}`);
    const tableNow = rows as Array<{ id: number; seq: number }>;
    expect(tableNow.length).toBe(
      PREFILL +
        changes.filter((change) => change.kind === 'insert').length -
        changes.filter((change) => change.kind === 'delete').length,
    );
    const violations = loadViolations(events, changes, tableNow);
    if (violations.missing.length > 0)
      console.log(`seed ${seed}: ${missingTransactions(load.committed, events)}`);
    expect(violations, `seed ${seed}`).toEqual({
      missing: [],
      outOfOrder: [],
      notFinal: [],
    });

    const status = await host.call('GET', `/connectors/${prefix}/status`);
    expect(status.body.tasks[0]?.state).toBe('RUNNING');
    console.log(
      `seed ${seed}: ${load.committed.length} transactions, ${changes.length} changes, ${events.length} events in Kafka (${repeats(events)} repeated)`,
    );
  }, 180_000);
});
