// biome-ignore-all lint/suspicious/noTemplateCurlyInString: collection.name.format placeholders in messages
import type { OriginalKeys } from '../../src/plugin/index.ts';
import debeziumKeys from './debezium-keys.json' with { type: 'json' };

// The Debezium JDBC sink's keys (debezium-keys.json, with the Confluent JDBC sink's names it
// renamed) and what Onramp says about the ones it does not implement.

export const jdbcSinkOriginalKeys: OriginalKeys = {
  ...debeziumKeys,
  alternatives: {
    'collection.naming.': 'use collection.name.format (e.g. ${source.table}) to name tables',
    'collection.table.format': 'use collection.name.format',
    'column.naming.': 'columns are named as the record fields; rename with the ReplaceField$Value transform',
    'connection.provider': 'Onramp uses its own connection pool',
    'connection.restart.on.errors':
      'a failed connection fails the attempt, which is retried with errors.retry.delay.max.ms backoff',
    'dialect.postgres.postgis.schema': 'PostGIS types are not implemented',
    'dialect.sqlserver.identity.insert': 'SQL Server is not a supported target',
    'dialect.starrocks.catalog.name': 'StarRocks is not a supported target',
    'use.time.zone': 'use database.time_zone',
  },
  noEffect: {
    'connection.pool.min_size': 'Onramp’s pool opens connections on demand',
    'connection.pool.timeout': 'Onramp’s pool waits for a connection without this bound',
    'hibernate.': 'Onramp does not use Hibernate',
    'use.reduction.buffer': 'each batch already writes one row per key',
    'dialect.postgres.unnest.insert.enabled': 'Onramp chooses its own multi-row statements',
  },
};
