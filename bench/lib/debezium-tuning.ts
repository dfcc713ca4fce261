import type { SystemKind } from './systems.ts';

// Debezium as someone who tunes it runs it (`debezium-tuned`), beside Debezium with its defaults
// (`debezium`): the comparison reports Onramp against the better of the two. Onramp always gets
// the defaults' connector JSON (what a user starts from); only Debezium's side is tuned.
//
// - Sources: Connect's worker producer sends 1 MB batches after up to 10 ms (Kafka's defaults are
//   16 KB and 0 ms: three or four ~4 KB events per request), Debezium hands Connect larger batches
//   from a larger queue and polls it more often (max.batch.size 2048 -> 8192, max.queue.size
//   8192 -> 32768, poll.interval.ms 500 -> 50). Both keep acks=all, idempotence and one request
//   in flight, as Onramp does.
// - JDBC sink: larger batches (batch.size 500 -> 5000, the consumer's max.poll.records with it,
//   8 MB fetches per partition instead of 1 MB), the reduction buffer (the last change per key in
//   a batch, as Onramp always does), and the JDBC drivers' batch rewriting: pgjdbc's
//   reWriteBatchedInserts turns a JDBC batch into multi-row INSERTs, MySQL Connector/J's
//   rewriteBatchedStatements likewise (MariaDB Connector/J 3 batches with its bulk protocol by itself).

/** Connect worker producer properties of `debezium-tuned`. */
export const TUNED_PRODUCER: Readonly<Record<string, string>> = {
  'producer.linger.ms': '10',
  'producer.batch.size': '1048576',
};

/** Connector keys `debezium-tuned` adds to a source connector's JSON. */
export const TUNED_SOURCE: Readonly<Record<string, string>> = {
  'max.batch.size': '8192',
  'max.queue.size': '32768',
  'poll.interval.ms': '50',
};

export const TUNED_SINK_BATCH = 5000;

/** Connector keys `debezium-tuned` adds to the JDBC sink's JSON (its URL gets sinkUrlTuning). */
export const TUNED_SINK: Readonly<Record<string, string>> = {
  'batch.size': String(TUNED_SINK_BATCH),
  'use.reduction.buffer': 'true',
  'consumer.override.max.poll.records': String(TUNED_SINK_BATCH),
  'consumer.override.max.partition.fetch.bytes': String(8 * 1024 * 1024),
  'consumer.override.fetch.max.bytes': String(64 * 1024 * 1024),
};

/** The JDBC URL parameter that makes the driver rewrite batches into multi-row statements. */
export function sinkUrlTuning(jdbcUrl: string): string {
  const parameter = jdbcUrl.startsWith('jdbc:postgresql:')
    ? 'reWriteBatchedInserts=true'
    : jdbcUrl.startsWith('jdbc:mysql:')
      ? 'rewriteBatchedStatements=true'
      : '';
  if (parameter === '') return jdbcUrl;
  return `${jdbcUrl}${jdbcUrl.includes('?') ? '&' : '?'}${parameter}`;
}

/** A source connector's JSON for `kind`: the tuning added for `debezium-tuned`, else as given. */
export function sourceConfigFor(kind: SystemKind, config: Record<string, string>): Record<string, string> {
  return kind === 'debezium-tuned' ? { ...config, ...TUNED_SOURCE } : config;
}

/** A JDBC sink connector's JSON for `kind`. */
export function sinkConfigFor(kind: SystemKind, config: Record<string, string>): Record<string, string> {
  if (kind !== 'debezium-tuned') return config;
  return {
    ...config,
    ...TUNED_SINK,
    'connection.url': sinkUrlTuning(config['connection.url'] ?? ''),
  };
}

/** What `debezium-tuned` changes, for the results' settings block. */
export const TUNING_SETTINGS = {
  producer: TUNED_PRODUCER,
  source: TUNED_SOURCE,
  sink: {
    ...TUNED_SINK,
    'connection.url': '+ reWriteBatchedInserts=true (PostgreSQL) / rewriteBatchedStatements=true (MySQL)',
  },
};
