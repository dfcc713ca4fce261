import {
  type ConfigOf,
  DEFAULT_HEARTBEAT_TOPICS_PREFIX,
  DEFAULT_TRANSACTION_TOPIC,
  defineConfig,
  type FieldError,
  field,
  PORT_RANGE,
} from '../../src/plugin/index.ts';
import { columnMapperFields } from '../shared/column-mappers.ts';
import { DEFAULT_QUEUE_BYTES } from '../shared/record-queue.ts';
import { checkSignalSettings, signalFields } from '../shared/signals/signal-config.ts';
import { checkFilters } from './filters.ts';
import { probeDatabase } from './probe.ts';
import { parseAutosetValues } from './replica-identity.ts';

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
    connectionTarget: true,
  }),
  'database.port': field.int({
    doc: 'Port of the PostgreSQL server.',
    default: 5432,
    group: CONNECTION,
    connectionTarget: true,
    ...PORT_RANGE,
  }),
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
  'database.sslmode': field.enum([
    'disable',
    'allow',
    'prefer',
    'require',
    'verify-ca',
    'verify-full',
  ] as const)({
    doc: "TLS for every connection the connector opens (validation, snapshot, replication), as libpq's sslmode. disable: no TLS. allow: without TLS, with TLS only when the server insists. prefer: with TLS when the server offers it, else without (neither verifies the server). require: TLS, the server not verified, unless database.sslrootcert is set: then its certificate chain is checked, as libpq does. verify-ca: TLS, and the server's certificate must be signed by a CA in database.sslrootcert. verify-full: as verify-ca, and the certificate must also name database.hostname (a DNS name, or an IP address among its IP entries).",
    default: 'prefer',
    group: CONNECTION,
  }),
  'database.sslrootcert': field.string({
    doc: "File of the CA certificates (PEM, or one DER certificate) the server's certificate must chain to under verify-ca, verify-full and require. Without it, verification uses the CAs Node.js trusts (Mozilla's list).",
    group: CONNECTION,
  }),
  'database.sslcert': field.string({
    doc: 'Client certificate file (PEM or DER), sent when the server asks for one (pg_hba.conf cert authentication or clientcert=verify-ca/verify-full). Needs database.sslkey.',
    group: CONNECTION,
  }),
  'database.sslkey': field.string({
    doc: "Private key file of database.sslcert: PEM (PKCS#8, PKCS#1 or SEC1, optionally encrypted) or DER PKCS#8 (pgjdbc's .pk8). Java key stores and PKCS#12 files are refused with the command that converts them.",
    group: CONNECTION,
  }),
  'database.sslpassword': field.password({
    doc: 'Password of an encrypted database.sslkey.',
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
    doc: 'Drop the replication slot when the task stops (and when the connector is deleted), as Debezium does. Only for tests and development: a dropped slot loses the changes made while the connector is down.',
    default: false,
    group: CAPTURE,
  }),
  'slot.drop.on.delete': field.boolean({
    doc: "Onramp's own (Kafka Connect never tells Debezium a connector was deleted, so Debezium leaves its slot behind, holding WAL until the disk fills). Deleting the connector drops its replication slot and the publication it created (one made for other connectors' slots too stays while those use it), and changing slot.name drops the old slot. false keeps them, and a slot.name change then reports the old slot and the WAL it holds.",
    default: true,
    group: CAPTURE,
  }),
  'slot.retained.wal.warning.bytes': field.long({
    doc: "Warn (task status and log) when the slot retains more WAL than this (pg_current_wal_lsn() - restart_lsn), or more than half of the server's max_slot_wal_keep_size; 0 warns only about max_slot_wal_keep_size. The retained bytes are the onramp_source_slot_retained_wal_bytes metric.",
    default: 1_073_741_824,
    group: CAPTURE,
    min: 0,
  }),
  'replica.identity.autoset.values': field.string({
    doc: "REPLICA IDENTITY to set on captured tables when the task starts, as Debezium does: comma-separated <schema>.<table regex>:<DEFAULT|FULL|NOTHING|INDEX index_name>, e.g. public.events:FULL,inventory.*:DEFAULT. Needs the tables' owner. A table without a primary key needs FULL (or an INDEX) for PostgreSQL to accept its UPDATE and DELETE once it is published; validation names such tables.",
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
    doc: "The key of the tables' records instead of their primary key, as Debezium reads it: <table>:<column>,<column>;<table>:<column>... e.g. public.orders:customer_id,order_no. Each <table>.<column> is a regular expression matched case-insensitively against <schema>.<table>.<column>; a table's key is every column an entry matches (its primary key when none does). The key schema, and so the partition a record goes to, follow.",
    group: EVENTS,
  }),
  ...columnMapperFields,
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
    doc: 'Connections reading the snapshot at once, all inside the same exported snapshot: tables side by side, and a table of at least 2048 pages (16 MiB at the default block size) in ranges of its pages (ctid ranges, PostgreSQL 14+), each of at least 1024 pages, by several connections at once.',
    default: 1,
    group: SNAPSHOT,
    min: 1,
  }),
  ...signalFields('schema'),
  'heartbeat.interval.ms': field.int({
    doc: 'Emit a heartbeat record this often (0 = never). Heartbeats let the slot advance while the captured tables are quiet but the database is not.',
    default: 0,
    group: EVENTS,
    min: 0,
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
  'include.schema.comments': field.boolean({
    doc: "Put each column's COMMENT ON text into its field schema's doc (Avro: the field's doc), as Debezium's include.schema.comments does. Publishing a data product turns it on for the product's connectors unless set.",
    default: false,
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
    doc: 'BYTEA (and with include.unknown.datatypes, unknown-type) values as bytes, or as strings in base64, URL-safe base64 or hex.',
    default: 'bytes',
    group: EVENTS,
  }),
  'interval.handling.mode': field.enum(['numeric', 'string'] as const)({
    doc: 'INTERVAL values as io.debezium.time.MicroDuration (int64 microseconds, a month counted as 30.4375 days) with numeric, or as io.debezium.time.Interval ISO 8601 strings (P1Y2M3DT4H5M6.78S) with string.',
    default: 'numeric',
    group: EVENTS,
  }),
  'hstore.handling.mode': field.enum(['json', 'map'] as const)({
    doc: 'hstore values as io.debezium.data.Json strings ({"key":"value"}) with json, or as Connect maps of string to optional string with map.',
    default: 'json',
    group: EVENTS,
  }),
  'money.fraction.digits': field.int({
    doc: 'Scale of MONEY values in precise mode.',
    default: 2,
    group: EVENTS,
    min: 0,
    max: 100,
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
  'max.batch.size': field.int({
    doc: 'Most records returned by one poll.',
    default: 2048,
    group: RUNTIME,
    min: 1,
  }),
  'max.queue.size': field.int({
    doc: 'Records buffered between the database reader and the producer; when full, the replication stream is paused. Must be larger than max.batch.size.',
    default: 8192,
    group: RUNTIME,
    min: 1,
  }),
  'max.queue.size.in.bytes': field.long({
    doc: 'Estimated bytes of the records buffered between the database reader and the producer (0: no bound by bytes); when reached, the replication stream is paused as when max.queue.size is. Bounds memory when rows are large: max.queue.size alone lets a table of wide rows fill gigabytes.',
    default: DEFAULT_QUEUE_BYTES,
    group: RUNTIME,
    min: 0,
  }),
  'poll.interval.ms': field.int({
    doc: 'How long a poll waits for records before returning none.',
    default: 500,
    group: RUNTIME,
    min: 1,
  }),
  'status.update.interval.ms': field.int({
    doc: 'How often the confirmed position is reported to the server (also the replication keepalive); at most 30000, to stay well below the server wal_sender_timeout (60 s by default).',
    default: 10_000,
    group: RUNTIME,
    min: 1,
    max: 30_000,
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
  if (config['max.queue.size'] <= config['max.batch.size']) {
    errors.push({
      field: 'max.queue.size',
      message: `max.queue.size (${config['max.queue.size']}) must be larger than max.batch.size (${config['max.batch.size']})`,
    });
  }
  if (config['topic.transaction'].trim() === '' || /[^A-Za-z0-9._-]/.test(config['topic.transaction'])) {
    errors.push({
      field: 'topic.transaction',
      message: `Invalid topic.transaction "${config['topic.transaction']}": use letters, digits, '.', '_' or '-'`,
    });
  }
  if ((config['database.sslcert'] === undefined) !== (config['database.sslkey'] === undefined)) {
    const missing = config['database.sslcert'] === undefined ? 'database.sslcert' : 'database.sslkey';
    errors.push({
      field: missing,
      message:
        'database.sslcert and database.sslkey go together: set both for a client certificate, or neither',
    });
  }
  for (const message of parseAutosetValues(config['replica.identity.autoset.values']).errors)
    errors.push({ field: 'replica.identity.autoset.values', message });
  errors.push(...checkFilters(config));
  errors.push(...checkSignalSettings(config, 'schema'));
  return errors;
}

export const postgresSourceConfig = defineConfig(postgresSourceFields, {
  check: checkConfig,
  probe: probeDatabase,
});
