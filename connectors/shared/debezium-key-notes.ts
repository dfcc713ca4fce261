// What Onramp says about Debezium keys its source connectors do not implement: shared by the
// PostgreSQL and MySQL sources' original-keys.ts (the key lists themselves are the data files
// debezium-keys.json next to each connector).

/** Alternatives for keys both Debezium source connectors define. */
export const SOURCE_ALTERNATIVES: Readonly<Record<string, string>> = {
  converters:
    'custom converters are Java classes; reshape values with single message transforms instead (Cast$Value, TimestampConverter$Value, ReplaceField$Value)',
  'post.processors': 'post processors are Java classes; use single message transforms instead',
  'topic.naming.strategy':
    'topics are named <topic.prefix>.<schema or database>.<table>; rename them with the RegexRouter or ByLogicalTableRouter transform',
  'topic.delimiter': 'topics are named with "."; rename them with the RegexRouter transform',
  'signal.':
    'the source and kafka signal channels are implemented (signal.data.collection, signal.kafka.topic, signal.kafka.bootstrap.servers, signal.kafka.groupId); the file, jmx and in-process channels are not: POST /connectors/{name}/snapshots takes their place',
  'signal.consumer.':
    "the Kafka signal channel reads with the host's Kafka client settings (security included), not its own",
  'notification.': 'notifications are not implemented; follow GET /connectors/{name}/status and /metrics',
  'openlineage.': 'OpenLineage export is not implemented; lineage is served at GET /lineage',
  'snapshot.select.statement.overrides': 'per-table snapshot queries are not implemented',
  'snapshot.include.collection.list':
    'snapshots include every captured table; narrow table.include.list instead',
  'snapshot.mode.custom.name': 'custom snapshot modes are Java classes',
  'snapshot.mode.configuration.based.':
    'snapshot.mode=configuration_based is not implemented; use initial, always, initial_only, no_data or when_needed',
  'snapshot.query.mode': 'snapshot queries are not customisable',
  'snapshot.query.mode.custom.name': 'snapshot queries are not customisable',
  'snapshot.locking.mode.custom.name': 'custom locking modes are Java classes',
  'schema.name.adjustment.mode':
    'schema names are used as Debezium builds them by default (none); rename with SetSchemaMetadata',
  'field.name.adjustment.mode':
    'field names are kept as the columns are named (Debezium’s default none); rename with ReplaceField',
  'errors.max.retries':
    'retries follow errors.retry.timeout and errors.retry.delay.max.ms (Kafka Connect’s settings)',
  'event.processing.failure.handling.mode':
    'failing records follow errors.tolerance (none fails the task, all skips and logs)',
  'event.converting.failure.handling.mode':
    'failing records follow errors.tolerance (none fails the task, all skips and logs)',
  'event.deserialization.failure.handling.mode':
    'failing records follow errors.tolerance (none fails the task, all skips and logs)',
  'topic.heartbeat.prefix': 'Onramp reads it as heartbeat.topics.prefix (its name before Debezium 2.0)',
  'skip.messages.without.change': 'not implemented; every change is published',
  'include.schema.changes': 'not implemented for PostgreSQL (it has no DDL events)',
};

/** Values of unimplemented Debezium source keys that ask for what Onramp does anyway. */
export const SOURCE_BEHAVES_AS: Readonly<Record<string, string>> = {
  'include.schema.changes': 'false',
  'skip.messages.without.change': 'false',
  'schema.name.adjustment.mode': 'none',
  'field.name.adjustment.mode': 'none',
  'topic.delimiter': '.',
  'event.processing.failure.handling.mode': 'fail',
  'event.converting.failure.handling.mode': 'fail',
  converters: '',
  'post.processors': '',
  'notification.enabled.channels': '',
  'snapshot.select.statement.overrides': '',
  'snapshot.include.collection.list': '',
};

/** Debezium keys that only tune its own runtime; accepted without effect. */
export const SOURCE_NO_EFFECT: Readonly<Record<string, string>> = {
  'signal.poll.interval.ms': 'signals are acted on as they arrive (the Kafka topic is consumed continuously)',
  'signal.kafka.poll.timeout.ms': 'the signal topic is consumed continuously',
  'signal.emit.failure.':
    'a watermark write that fails is retried by restarting the task, which resumes the snapshot from the stored offset',
  'snapshot.fetch.size': 'snapshots stream rows with a cursor of Onramp’s own size',
  'query.fetch.size': 'queries stream rows with a cursor of Onramp’s own size',
  'statistics.metrics.enabled': 'metrics are always on, at /metrics',
  'custom.metric.tags': 'metrics carry connector, task, product and domain labels',
  'executor.shutdown.timeout.ms': 'Onramp has no executor thread pool',
  'poll.dispatch.interval.ms': 'records are handed on as they arrive',
  'connection.validation.timeout.ms': 'connections are checked by the validation probe with its own timeout',
  'retriable.restart.connector.wait.ms':
    'retriable failures restart the task with errors.retry.delay.max.ms backoff',
  'queue.provider.type': 'Onramp has one queue implementation',
  'topic.cache.size': 'topic names are cached without a bound worth setting',
  'legacy.snapshot.max.threads': 'use snapshot.max.threads',
  'snapshot.max.threads.multiplier': 'snapshot.max.threads sets the parallelism',
  'guardrail.collections.max': 'no guardrail on the number of captured tables',
  'guardrail.collections.limit.action': 'no guardrail on the number of captured tables',
  'custom.sanitize.pattern': 'secrets are recognised by key name and URL shape',
  'sourceinfo.struct.maker': 'the source block is Debezium’s default',
  'transaction.metadata.factory': 'transaction metadata is Debezium’s default',
  'extended.headers.enabled': 'Onramp adds no context headers of its own to data records',
};
