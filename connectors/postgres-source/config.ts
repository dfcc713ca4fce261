import {
  type ConfigOf,
  DEFAULT_HEARTBEAT_TOPICS_PREFIX,
  DEFAULT_TRANSACTION_TOPIC,
  defineConfig,
  type FieldError,
  field,
} from '../../src/plugin/index.ts';
import { checkFilters } from './filters.ts';
import { probeDatabase } from './probe.ts';

// Debezium's PostgreSQL connector settings, same names and defaults, so an existing Debezium
// connector JSON works as is. Settings Debezium has and we do not are not declared here: the host
// reports them as unknown keys rather than silently ignoring them.

const CONNECTION = 'Connection';
const CAPTURE = 'Capture';
const SNAPSHOT = 'Snapshot';
const EVENTS = 'Events';
const RUNTIME = 'Runtime';

export const postgresSourceFields = {
  'database.hostname': field.string({
    doc: 'Host name or IP address of the PostgreSQL server.',
    required: true,
    group: CONNECTION,
  }),
  'database.port': field.int({ doc: 'Port of the PostgreSQL server.', default: 5432, group: CONNECTION }),
  'database.user': field.string({
    doc: 'User to connect as; needs the REPLICATION attribute (or superuser) and SELECT on the captured tables.',
    required: true,
    group: CONNECTION,
  }),
  'database.password': field.password({ doc: 'Password of database.user.', group: CONNECTION }),
  'database.dbname': field.string({
    doc: 'Database to capture changes from.',
    required: true,
    group: CONNECTION,
  }),
  'database.sslmode': field.enum(['disable', 'prefer', 'require', 'verify-ca', 'verify-full'] as const)({
    doc: 'TLS for the connection: disable and prefer connect without TLS, require encrypts without verifying the server, verify-ca and verify-full verify its certificate.',
    default: 'prefer',
    group: CONNECTION,
  }),
  'topic.prefix': field.string({
    doc: 'Logical name of this database server: the prefix of every topic (<prefix>.<schema>.<table>) and the key of the stored offsets.',
    required: true,
    group: CONNECTION,
    importance: 'HIGH',
  }),
  'plugin.name': field.enum(['pgoutput', 'decoderbufs'] as const)({
    doc: 'Logical decoding plugin. Only pgoutput (built into PostgreSQL 10+) is supported.',
    default: 'pgoutput',
    group: CAPTURE,
  }),
  'slot.name': field.string({
    doc: 'Name of the logical replication slot this connector streams from (one per connector and database).',
    default: 'debezium',
    group: CAPTURE,
  }),
  'slot.drop.on.stop': field.boolean({
    doc: 'Drop the replication slot when the task stops (and when the connector is deleted). Only for tests and development: a dropped slot loses the changes made while the connector is down.',
    default: false,
    group: CAPTURE,
  }),
  'publication.name': field.string({
    doc: 'Name of the publication pgoutput streams.',
    default: 'dbz_publication',
    group: CAPTURE,
  }),
  'publication.autocreate.mode': field.enum(['all_tables', 'filtered', 'no_tables', 'disabled'] as const)({
    doc: 'all_tables: create the publication FOR ALL TABLES if it is missing (needs superuser). filtered: create it, or set its tables on every start, from the table filters. no_tables: create an empty publication. disabled: the publication must already exist.',
    default: 'all_tables',
    group: CAPTURE,
  }),
  'schema.include.list': field.list({
    doc: 'Regular expressions (matched case-insensitively against the whole schema name) of the schemas to capture; all others are excluded. Not with schema.exclude.list.',
    group: CAPTURE,
  }),
  'schema.exclude.list': field.list({
    doc: 'Regular expressions of schemas not to capture.',
    group: CAPTURE,
  }),
  'table.include.list': field.list({
    doc: 'Regular expressions matched against <schema>.<table> of the tables to capture. Not with table.exclude.list.',
    group: CAPTURE,
  }),
  'table.exclude.list': field.list({
    doc: 'Regular expressions of <schema>.<table> not to capture.',
    group: CAPTURE,
  }),
  'column.include.list': field.list({
    doc: 'Regular expressions matched against <schema>.<table>.<column> of the columns to put in event values. Not with column.exclude.list.',
    group: CAPTURE,
  }),
  'column.exclude.list': field.list({
    doc: 'Regular expressions of <schema>.<table>.<column> to leave out of event values.',
    group: CAPTURE,
  }),
  'message.key.columns': field.string({
    doc: 'Key columns for tables without a suitable primary key, as <table regex>:<column>,<column>;... e.g. public.orders:customer_id,order_no.',
    group: EVENTS,
  }),
  'snapshot.mode': field.enum([
    'initial',
    'always',
    'initial_only',
    'no_data',
    'when_needed',
    'never',
  ] as const)({
    doc: 'initial: snapshot the tables when no offset is stored, then stream. always: snapshot on every start. initial_only: snapshot, then stop without streaming. no_data (formerly never): stream only. when_needed: snapshot when no offset is stored or the stored position is no longer in the slot.',
    default: 'initial',
    group: SNAPSHOT,
  }),
  'snapshot.max.threads': field.int({
    doc: 'Tables read in parallel during a snapshot, each on its own connection inside the same exported snapshot.',
    default: 1,
    group: SNAPSHOT,
  }),
  'heartbeat.interval.ms': field.int({
    doc: 'Emit a heartbeat record this often (0 = never). Heartbeats let the slot advance while the captured tables are quiet but the database is not.',
    default: 0,
    group: EVENTS,
  }),
  'heartbeat.topics.prefix': field.string({
    doc: 'Heartbeat records go to <prefix>.<topic.prefix>.',
    default: DEFAULT_HEARTBEAT_TOPICS_PREFIX,
    group: EVENTS,
  }),
  'heartbeat.action.query': field.string({
    doc: 'SQL run at every heartbeat (e.g. an INSERT into a captured heartbeat table) so an idle database produces changes.',
    group: EVENTS,
  }),
  'tombstones.on.delete': field.boolean({
    doc: 'Follow each delete event with a tombstone (same key, null value) so compacted topics can drop the key.',
    default: true,
    group: EVENTS,
  }),
  'skipped.operations': field.list({
    doc: 'Operations not to emit: c (create), u (update), d (delete), t (truncate), or none.',
    default: ['t'],
    group: EVENTS,
  }),
  'provide.transaction.metadata': field.boolean({
    doc: 'Emit a BEGIN and an END record per transaction to <topic.prefix>.<topic.transaction> (END with event_count and data_collections) and fill the transaction block (id "<txId>:<LSN>", total_order, data_collection_order) of every streamed event.',
    default: false,
    group: EVENTS,
  }),
  'topic.transaction': field.string({
    doc: 'Transaction metadata records go to <topic.prefix>.<topic.transaction>.',
    default: DEFAULT_TRANSACTION_TOPIC,
    group: EVENTS,
  }),
  'decimal.handling.mode': field.enum(['precise', 'double', 'string'] as const)({
    doc: 'NUMERIC/DECIMAL/MONEY as precise Connect decimals (bytes with scale; unconstrained NUMERIC as io.debezium.data.VariableScaleDecimal), as doubles, or as strings.',
    default: 'precise',
    group: EVENTS,
  }),
  'time.precision.mode': field.enum(['adaptive', 'adaptive_time_microseconds', 'connect'] as const)({
    doc: 'adaptive: io.debezium.time types in the column precision (milli or micro). adaptive_time_microseconds: as adaptive, but TIME always in microseconds. connect: Kafka Connect Date/Time/Timestamp (milliseconds).',
    default: 'adaptive',
    group: EVENTS,
  }),
  'binary.handling.mode': field.enum(['bytes', 'base64', 'base64-url-safe', 'hex'] as const)({
    doc: 'BYTEA and unknown-type values as bytes or as encoded strings.',
    default: 'bytes',
    group: EVENTS,
  }),
  'money.fraction.digits': field.int({
    doc: 'Scale of MONEY values in precise mode.',
    default: 2,
    group: EVENTS,
  }),
  'include.unknown.datatypes': field.boolean({
    doc: 'Emit columns of types without a mapping as their text in bytes (binary.handling.mode applies); otherwise leave them out.',
    default: false,
    group: EVENTS,
  }),
  'unavailable.value.placeholder': field.string({
    doc: 'Value of an unchanged TOASTed column PostgreSQL did not send (REPLICA IDENTITY other than FULL).',
    default: '__debezium_unavailable_value',
    group: EVENTS,
  }),
  'max.batch.size': field.int({ doc: 'Most records returned by one poll.', default: 2048, group: RUNTIME }),
  'max.queue.size': field.int({
    doc: 'Records buffered between the database reader and the producer; when full, the replication stream is paused.',
    default: 8192,
    group: RUNTIME,
  }),
  'poll.interval.ms': field.int({
    doc: 'How long a poll waits for records before returning none.',
    default: 500,
    group: RUNTIME,
  }),
  'status.update.interval.ms': field.int({
    doc: 'How often the confirmed position is reported to the server (also the replication keepalive).',
    default: 10_000,
    group: RUNTIME,
  }),
};

export type PostgresSourceFields = typeof postgresSourceFields;
export type PostgresSourceConfig = ConfigOf<PostgresSourceFields>;

const SLOT_NAME = /^[a-z0-9_]{1,63}$/;
const OPERATIONS = new Set(['c', 'u', 'd', 't', 'none']);

/** Cross-field rules; no I/O. */
export function checkConfig(config: PostgresSourceConfig): FieldError[] {
  const errors: FieldError[] = [];
  if (config['plugin.name'] === 'decoderbufs') {
    errors.push({
      field: 'plugin.name',
      message: 'plugin.name=decoderbufs is not supported; use pgoutput (built into PostgreSQL 10 and later)',
    });
  }
  if (!SLOT_NAME.test(config['slot.name'])) {
    errors.push({
      field: 'slot.name',
      message: `Invalid slot name "${config['slot.name']}": use 1 to 63 lower-case letters, digits or underscores`,
    });
  }
  if (config['publication.name'].trim() === '') {
    errors.push({ field: 'publication.name', message: 'publication.name must not be empty' });
  }
  if (config['topic.prefix'].trim() === '' || /[^A-Za-z0-9._-]/.test(config['topic.prefix'])) {
    errors.push({
      field: 'topic.prefix',
      message: `Invalid topic.prefix "${config['topic.prefix']}": use letters, digits, '.', '_' or '-' (it starts every topic name)`,
    });
  }
  for (const operation of config['skipped.operations']) {
    if (!OPERATIONS.has(operation.toLowerCase())) {
      errors.push({
        field: 'skipped.operations',
        message: `Unknown operation "${operation}": use c, u, d, t or none`,
      });
    }
  }
  const positive: (keyof PostgresSourceConfig)[] = [
    'max.batch.size',
    'max.queue.size',
    'poll.interval.ms',
    'status.update.interval.ms',
    'snapshot.max.threads',
  ];
  for (const name of positive) {
    if ((config[name] as number) < 1) errors.push({ field: name, message: `${name} must be at least 1` });
  }
  if (config['max.queue.size'] <= config['max.batch.size']) {
    errors.push({
      field: 'max.queue.size',
      message: `max.queue.size (${config['max.queue.size']}) must be larger than max.batch.size (${config['max.batch.size']})`,
    });
  }
  if (config['heartbeat.interval.ms'] < 0) {
    errors.push({
      field: 'heartbeat.interval.ms',
      message: 'heartbeat.interval.ms must be 0 (off) or positive',
    });
  }
  if (config['status.update.interval.ms'] > 30_000) {
    errors.push({
      field: 'status.update.interval.ms',
      message:
        'status.update.interval.ms must stay well below the server wal_sender_timeout (60 s by default); use at most 30000',
    });
  }
  if (config['topic.transaction'].trim() === '' || /[^A-Za-z0-9._-]/.test(config['topic.transaction'])) {
    errors.push({
      field: 'topic.transaction',
      message: `Invalid topic.transaction "${config['topic.transaction']}": use letters, digits, '.', '_' or '-'`,
    });
  }
  if (config['money.fraction.digits'] < 0) {
    errors.push({ field: 'money.fraction.digits', message: 'money.fraction.digits must not be negative' });
  }
  errors.push(...checkFilters(config));
  return errors;
}

export const postgresSourceConfig = defineConfig(postgresSourceFields, {
  check: checkConfig,
  probe: probeDatabase,
});
