import type { OriginalKeys } from '../../src/plugin/index.ts';
import { SOURCE_ALTERNATIVES, SOURCE_BEHAVES_AS, SOURCE_NO_EFFECT } from '../shared/debezium-key-notes.ts';
import debeziumKeys from './debezium-keys.json' with { type: 'json' };

// Debezium's MySQL connector keys (debezium-keys.json) and what Onramp says about the ones it does
// not implement: the host refuses them by name instead of ignoring them.

export const mysqlOriginalKeys: OriginalKeys = {
  ...debeziumKeys,
  alternatives: {
    ...SOURCE_ALTERNATIVES,
    'include.schema.changes':
      'schema change events are not published; the structure travels with each event’s schema',
    'gtid.source.': 'GTID filtering is not implemented; every GTID source is read',
    'gtid.ignore.on.recovery': 'not implemented',
    'heartbeat.action.query': 'not implemented for MySQL (the binlog position advances without it)',
    'provide.transaction.metadata': 'transaction metadata is not implemented for MySQL yet',
    'inconsistent.schema.handling.mode': 'not implemented',
    'database.initial.statements': 'not implemented',
    'database.jdbc.driver': 'Onramp uses its own driver',
    'database.protocol': 'Onramp uses its own driver',
    'database.server.id.offset': 'not implemented',
    'ddl.parser.type': 'Onramp has its own DDL parser',
    'resolve.create.table.like.schema': 'not implemented',
    'enable.time.adjuster': 'two-digit years are read as MySQL stores them',
    'snapshot.delay.ms': 'not implemented',
    'streaming.delay.ms': 'not implemented',
    'snapshot.lock.timeout.ms': 'not implemented',
    'snapshot.tables.order.by.row.count': 'not implemented',
    'table.ignore.builtin': 'system tables are never captured',
    'source.struct.version': 'the source block is Debezium 2.x’s',
    'topic.heartbeat.name': 'not implemented',
    'topic.transaction': 'not implemented',
  },
  behavesAs: {
    ...SOURCE_BEHAVES_AS,
    'provide.transaction.metadata': 'false',
    'heartbeat.action.query': '',
    'gtid.source.includes': '',
    'gtid.source.excludes': '',
  },
  noEffect: {
    ...SOURCE_NO_EFFECT,
    'schema.history.internal.':
      'Onramp keeps each captured table’s structure in the stored offset and needs no history topic or file',
    'binlog.buffer.size': 'the binlog is read without a look-ahead buffer',
    'binlog.net.read.timeout': 'the binlog connection uses its own timeouts',
    'binlog.net.write.timeout': 'the binlog connection uses its own timeouts',
    'connect.keep.alive': 'a dropped binlog connection fails the attempt, which is retried with backoff',
    'connect.keep.alive.interval.ms':
      'a dropped binlog connection fails the attempt, which is retried with backoff',
    'min.row.count.to.stream.results': 'snapshots always stream rows',
    'use.nongraceful.disconnect': 'the binlog connection is closed by Onramp’s client',
    'database.query.timeout.ms': 'queries run without a client-side timeout',
    'unavailable.value.placeholder':
      'MySQL rows are always complete (binlog_row_image=FULL), so no placeholder is ever needed',
  },
};
