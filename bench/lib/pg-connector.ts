import { benchEnv, urlParts } from './env.ts';
import { PG_SCHEMA, PUBLICATION } from './pg-workload.ts';
import { JSON_CONVERTERS } from './systems.ts';

// The PostgreSQL source connector JSON both systems get: Debezium's class name and keys, the shared
// JSON converter. Onramp takes it unchanged, so nothing differs between the two.

export const PG_TOPIC_PREFIX = 'benchpg';

export function pgTopics(tables: readonly string[]): string[] {
  return tables.map((table) => `${PG_TOPIC_PREFIX}.${PG_SCHEMA}.${table}`);
}

export function pgTableIndex(tables: readonly string[]): (topic: string) => number {
  const byTopic = new Map(pgTopics(tables).map((topic, index) => [topic, index]));
  return (topic) => byTopic.get(topic) ?? -1;
}

export function pgSourceConfig(options: {
  slot: string;
  snapshotMode: 'no_data' | 'initial';
  tables: readonly string[];
  extra?: Record<string, string>;
  /** A scenario with tables of its own (pg-workload's by default). */
  schema?: string;
  topicPrefix?: string;
  publication?: string;
}): Record<string, string> {
  const db = urlParts(benchEnv().pgUrl, 5432);
  const schema = options.schema ?? PG_SCHEMA;
  return {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'tasks.max': '1',
    'plugin.name': 'pgoutput',
    'database.hostname': db.hostname,
    'database.port': String(db.port),
    'database.user': db.user,
    'database.password': db.password,
    'database.dbname': db.database,
    'topic.prefix': options.topicPrefix ?? PG_TOPIC_PREFIX,
    'slot.name': options.slot,
    'publication.name': options.publication ?? PUBLICATION,
    'publication.autocreate.mode': 'disabled',
    'snapshot.mode': options.snapshotMode,
    'table.include.list': options.tables.map((table) => `${schema}.${table}`).join(','),
    // Both defaults, stated: the comparison runs with the same queue and batch sizes.
    'max.batch.size': '2048',
    'max.queue.size': '8192',
    ...JSON_CONVERTERS,
    ...options.extra,
  };
}
