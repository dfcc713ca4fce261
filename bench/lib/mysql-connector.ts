import { benchEnv, urlParts } from './env.ts';
import { deleteTopics } from './kafka-topics.ts';
import { type BinlogPosition, dropBenchDatabases, withMysql } from './mysql-workload.ts';
import { isOnramp, JSON_CONVERTERS, type RunningSystem, type SystemKind } from './systems.ts';

// The MySQL/MariaDB source connector JSON both systems get: Debezium's class name and keys, the
// shared JSON converter. Onramp takes it unchanged; it accepts the schema.history.internal.* keys
// and needs no history topic (its schema history lives in the offset).

export const MY_TOPIC_PREFIX = 'benchmy';

export function myTopics(database: string, tables: readonly string[]): string[] {
  return tables.map((table) => `${MY_TOPIC_PREFIX}.${database}.${table}`);
}

export function myTableIndex(database: string, tables: readonly string[]): (topic: string) => number {
  const byTopic = new Map(myTopics(database, tables).map((topic, index) => [topic, index]));
  return (topic) => byTopic.get(topic) ?? -1;
}

/** A per-run history topic for Debezium (its schema history must start empty with a fresh database). */
export function historyTopic(database: string): string {
  return `${MY_TOPIC_PREFIX}.history.${database}`;
}

const SERVER_ID_BASE = 3_000_000 + Math.floor(Math.random() * 1_000_000) * 100;
let serverIds = 0;

/** A replica id distinct per system and per run (and unlikely to meet another client's). */
export function nextServerId(kind: SystemKind): number {
  serverIds++;
  return SERVER_ID_BASE + serverIds * 2 + (isOnramp(kind) ? 0 : 1);
}

/**
 * Debezium 3.x reads MariaDB only with its MariaDB connector (the MySQL one fails validation on
 * a 10.11 server); Onramp accepts either class name. MySQL servers get the MySQL connector.
 */
export function connectorClass(version: string): string {
  return /mariadb/i.test(version)
    ? 'io.debezium.connector.mariadb.MariaDbConnector'
    : 'io.debezium.connector.mysql.MySqlConnector';
}

export function mysqlSourceConfig(options: {
  connectorClass: string;
  database: string;
  tables: readonly string[];
  serverId: number;
  snapshotMode: 'initial' | 'no_data' | 'recovery';
  extra?: Record<string, string>;
}): Record<string, string> {
  const db = urlParts(benchEnv().mysqlUrl, 3306);
  return {
    'connector.class': options.connectorClass,
    'tasks.max': '1',
    'database.hostname': db.hostname,
    'database.port': String(db.port),
    'database.user': db.user,
    'database.password': db.password,
    'database.server.id': String(options.serverId),
    'topic.prefix': MY_TOPIC_PREFIX,
    'database.include.list': options.database,
    'table.include.list': options.tables.map((table) => `${options.database}.${table}`).join(','),
    'snapshot.mode': options.snapshotMode,
    // DDL events to the <prefix> topic are off on both: the runs compare row events only.
    'include.schema.changes': 'false',
    'schema.history.internal.kafka.bootstrap.servers': benchEnv().kafkaBrokers.join(','),
    'schema.history.internal.kafka.topic': historyTopic(options.database),
    // Debezium's common production setting: the history (and the schema snapshot behind it)
    // covers the captured tables only, not every table of the shared server.
    'schema.history.internal.store.only.captured.tables.ddl': 'true',
    'schema.history.internal.store.only.captured.databases.ddl': 'true',
    // Both defaults, stated: the comparison runs with the same queue and batch sizes.
    'max.batch.size': '2048',
    'max.queue.size': '8192',
    ...JSON_CONVERTERS,
    ...options.extra,
  };
}

/**
 * Creates the connector STOPPED, sets its offset to `from` (KIP-875, both systems) and leaves it
 * stopped: `system.resume(name)` then starts it reading the binlog from exactly there. The
 * partition and offset keys are Debezium's ({server: topic.prefix}, {file, pos, gtids}).
 */
export async function createAtPosition(
  system: RunningSystem,
  name: string,
  config: Record<string, string>,
  from: BinlogPosition,
): Promise<void> {
  await system.createConnector(name, config, { initialState: 'STOPPED' });
  await system.alterOffsets(name, [
    {
      partition: { server: MY_TOPIC_PREFIX },
      // Debezium's MariaDB connector resumes by GTID only (without `gtids` it fails on a null GTID set).
      offset: { file: from.file, pos: from.pos, ...(from.gtids ? { gtids: from.gtids } : {}) },
    },
  ]);
}

/** A tag unique to one run of one system, for its database name. */
export function runTag(kind: SystemKind, index: number): string {
  return `${Date.now().toString(36)}_${kind.replaceAll('-', '_')}_${index}`;
}

/** A task that failed will never deliver: throws with its trace, so the wait stops at once. */
export async function throwIfTaskFailed(system: RunningSystem, name: string): Promise<void> {
  const state = await system.status(name);
  const failed = state?.tasks.find((task) => task.state === 'FAILED');
  if (failed) throw new Error(`${system.kind}: task FAILED: ${(failed.trace ?? '').slice(0, 1500)}`);
}

/** After a run, whatever happened: its topics and history topic, and every bench database. */
export async function cleanUpRun(database: string, topics: string[]): Promise<void> {
  if (database) {
    await deleteTopics([...topics, historyTopic(database)]).catch((error: unknown) =>
      console.error(`   could not delete the run's topics: ${String(error)}`),
    );
  }
  await withMysql(dropBenchDatabases).catch((error: unknown) =>
    console.error(`   could not drop the bench databases: ${String(error)}`),
  );
}
