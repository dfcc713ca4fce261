import type { OriginalKeys } from '../../src/plugin/index.ts';
import { SOURCE_ALTERNATIVES, SOURCE_BEHAVES_AS, SOURCE_NO_EFFECT } from '../shared/debezium-key-notes.ts';
import debeziumKeys from './debezium-keys.json' with { type: 'json' };

// Debezium's PostgreSQL connector keys (debezium-keys.json) and what Onramp says about the ones it
// does not implement: the host refuses them by name instead of ignoring them.

export const postgresOriginalKeys: OriginalKeys = {
  ...debeziumKeys,
  alternatives: {
    ...SOURCE_ALTERNATIVES,
    'publish.via.partition.root':
      'create the publication yourself with publish_via_partition_root and set publication.autocreate.mode=disabled',
    'slot.stream.params': 'not implemented',
    'slot.failover': 'failover slots (PostgreSQL 17) are not implemented',
    'message.prefix.': 'logical decoding messages are not captured',
    'lsn.flush.':
      'the LSN is always flushed after Kafka acknowledged and the offset is stored (Debezium’s connector mode)',
    'flush.lsn.source': 'the LSN is always flushed by the connector after the offset is stored',
    'offset.mismatch.strategy': 'not implemented',
    'database.initial.statements': 'not implemented',
    'database.sslfactory':
      'TLS is configured with database.sslmode, database.sslrootcert, database.sslcert and database.sslkey',
    'database.connection.factory.class': 'not implemented',
    'snapshot.isolation.mode': 'snapshots read in REPEATABLE READ from the slot’s exported snapshot',
    'snapshot.locking.mode': 'snapshots take no table locks (Debezium’s default none)',
    'snapshot.lock.timeout.ms': 'snapshots take no table locks',
    'snapshot.delay.ms': 'not implemented',
    'streaming.delay.ms': 'not implemented',
    'schema.refresh.mode': 'schemas are refreshed from each Relation message',
    'table.ignore.builtin': 'system tables are never captured',
    'snapshot.tables.order.by.row.count': 'not implemented',
    'xmin.fetch.interval.ms': 'xmin is not read',
    'topic.heartbeat.name': 'heartbeats go to <heartbeat.topics.prefix>.<topic.prefix>',
  },
  behavesAs: {
    ...SOURCE_BEHAVES_AS,
    'snapshot.locking.mode': 'none',
    'publish.via.partition.root': 'false',
    'slot.failover': 'false',
    'lsn.flush.mode': 'connector',
  },
  noEffect: {
    ...SOURCE_NO_EFFECT,
    'incremental.snapshot.allow.schema.changes':
      'implemented for MySQL/MariaDB only (as in Debezium): here every chunk of a table is read with the structure read from the catalog when its snapshot began, whatever DDL comes meanwhile',
    'slot.max.retries':
      'a slot in use fails the attempt, which is retried with errors.retry.delay.max.ms backoff',
    'slot.retry.delay.ms':
      'a slot in use fails the attempt, which is retried with errors.retry.delay.max.ms backoff',
    'database.tcpKeepAlive': 'connections always use TCP keep-alive',
    'database.query.timeout.ms': 'queries run without a client-side timeout',
    'schema.history.internal': 'PostgreSQL needs no schema history',
  },
};
