import {
  type ConfigOf,
  DEFAULT_HEARTBEAT_TOPICS_PREFIX,
  defineConfig,
  type FieldError,
  field,
  PORT_RANGE,
} from '../../src/plugin/index.ts';
import { columnMapperFields } from '../shared/column-mappers.ts';
import { DEFAULT_QUEUE_BYTES } from '../shared/record-queue.ts';
import { checkSignalSettings, signalFields } from '../shared/signals/signal-config.ts';
import { checkFilters } from './filters.ts';
import { probeServer } from './probe.ts';

// Debezium's MySQL (and MariaDB) connector settings, same names and defaults, so an existing
// Debezium connector JSON works as is. Settings Debezium has and we do not are not declared: the
// host reports them as unknown keys rather than silently ignoring them.

const CONNECTION = 'Connection';
const CAPTURE = 'Capture';
const SNAPSHOT = 'Snapshot';
const EVENTS = 'Events';
const HISTORY = 'Schema history';
const RUNTIME = 'Runtime';

/** Debezium's schema history settings: accepted so existing configs validate; see `historyDoc`. */
const historyDoc =
  "Accepted for compatibility with Debezium and not needed: Onramp keeps its schema history (each captured table's structure as of the position) inside the stored offset, so it needs no history topic or file.";

export const mysqlSourceFields = {
  'database.hostname': field.string({
    doc: 'Host name or IP address of the MySQL or MariaDB server.',
    required: true,
    group: CONNECTION,
    connectionTarget: true,
  }),
  'database.port': field.int({
    doc: 'Port of the server.',
    default: 3306,
    group: CONNECTION,
    connectionTarget: true,
    ...PORT_RANGE,
  }),
  'database.user': field.string({
    doc: 'User to connect as; needs SELECT, RELOAD (MySQL snapshots), REPLICATION SLAVE and REPLICATION CLIENT (MariaDB: BINLOG MONITOR).',
    required: true,
    group: CONNECTION,
  }),
  'database.password': field.password({ doc: 'Password of database.user.', group: CONNECTION }),
  'database.server.id': field.long({
    doc: 'Replica server id this connector uses for its binlog connection; unique among all replicas of the server (and not the server own id).',
    required: true,
    group: CONNECTION,
    min: 1,
    max: 4_294_967_295,
  }),
  'connect.timeout.ms': field.int({
    doc: 'How long to wait for a connection to the server.',
    default: 30_000,
    group: CONNECTION,
    min: 1,
  }),
  'database.ssl.mode': field.enum([
    'disabled',
    'preferred',
    'required',
    'verify_ca',
    'verify_identity',
    'disable',
    'trust',
    'verify-ca',
    'verify-full',
  ] as const)({
    doc: "TLS for every connection the connector opens (validation, snapshot, binlog), as Debezium's MySQL connector has it. disabled: no TLS. preferred: TLS when the server offers it, else without, the server not verified. required: TLS, the server not verified. verify_ca: TLS, and the server's certificate must be signed by a CA in database.ssl.truststore. verify_identity: as verify_ca, and the certificate must also name database.hostname (a DNS name, or an IP address among its IP entries). Debezium's MariaDB connector spellings are accepted too: disable, trust (= required), verify-ca, verify-full (= verify_identity).",
    default: 'preferred',
    group: CONNECTION,
  }),
  'database.ssl.truststore': field.string({
    doc: "PEM file of the CA certificates the server's certificate must chain to (verify_ca, verify_identity). Debezium takes a Java key store here; Onramp reads PEM and refuses a JKS or PKCS#12 file with the command that converts it. Without it, verification uses the CAs Node.js trusts (Mozilla's list).",
    group: CONNECTION,
  }),
  'database.ssl.truststore.password': field.password({
    doc: 'Accepted for Debezium configs; a PEM trust store has no password, so it is not used.',
    group: CONNECTION,
  }),
  'database.ssl.keystore': field.string({
    doc: 'PEM file with the client certificate (chain) and its private key, in one file (as a Kafka PEM key store), sent when the server asks for one (REQUIRE X509/SUBJECT/ISSUER users). Debezium takes a Java key store here; a JKS or PKCS#12 file is refused with the command that converts it.',
    group: CONNECTION,
  }),
  'database.ssl.keystore.password': field.password({
    doc: 'Password of an encrypted private key in database.ssl.keystore.',
    group: CONNECTION,
  }),
  'topic.prefix': field.string({
    doc: 'Logical name of this server: the prefix of every topic (<prefix>.<database>.<table>), the schema change topic and the key of the stored offsets.',
    required: true,
    group: CONNECTION,
    importance: 'HIGH',
  }),
  'database.include.list': field.list({
    doc: 'Regular expressions (matched case-insensitively against the whole name) of the databases to capture; all others are excluded. Not with database.exclude.list.',
    group: CAPTURE,
  }),
  'database.exclude.list': field.list({
    doc: 'Regular expressions of databases not to capture.',
    group: CAPTURE,
  }),
  'table.include.list': field.list({
    doc: 'Regular expressions matched against <database>.<table> of the tables to capture. Not with table.exclude.list.',
    group: CAPTURE,
  }),
  'table.exclude.list': field.list({
    doc: 'Regular expressions of <database>.<table> not to capture.',
    group: CAPTURE,
  }),
  'column.include.list': field.list({
    doc: 'Regular expressions matched against <database>.<table>.<column> of the columns to put in event values. Not with column.exclude.list.',
    group: CAPTURE,
  }),
  'column.exclude.list': field.list({
    doc: 'Regular expressions of <database>.<table>.<column> to leave out of event values.',
    group: CAPTURE,
  }),
  'message.key.columns': field.string({
    doc: "The key of the tables' records instead of their primary key, as Debezium reads it: <table>:<column>,<column>;<table>:<column>... e.g. shop.orders:customer_id,order_no. Each <table>.<column> is a regular expression matched case-insensitively against <database>.<table>.<column>; a table's key is every column an entry matches (its primary key when none does). The key schema, and so the partition a record goes to, follow.",
    group: EVENTS,
  }),
  ...columnMapperFields,
  'snapshot.mode': field.enum([
    'initial',
    'initial_only',
    'no_data',
    'schema_only',
    'when_needed',
    'never',
    'recovery',
    'schema_only_recovery',
    'always',
  ] as const)({
    doc: 'initial: snapshot the tables when no offset is stored, then stream. initial_only: snapshot, then stop. no_data (formerly schema_only): no rows, stream from the current position (or the stored offset). when_needed: snapshot when no offset is stored or the stored binlog position was purged. never: stream only, from the stored offset or the start of the oldest binlog. recovery (formerly schema_only_recovery): stream from the stored offset (there is no history topic to rebuild). always: snapshot on every start.',
    default: 'initial',
    group: SNAPSHOT,
  }),
  'snapshot.locking.mode': field.enum(['minimal', 'extended', 'none'] as const)({
    doc: 'MySQL: minimal holds FLUSH TABLES WITH READ LOCK only while the consistent snapshot and binlog position are taken; extended holds it for the whole snapshot; none takes no lock (consistent only when no DDL runs meanwhile). MariaDB never needs the lock: its consistent snapshot reports the binlog position.',
    default: 'minimal',
    group: SNAPSHOT,
  }),
  'snapshot.max.threads': field.int({
    doc: 'Connections snapshotting at once: tables side by side, and a table whose primary key is a single integer column and whose row estimate is at least 100000 in key ranges (of about 50000 rows or more) by several connections at once. Above 1 the connections start their consistent snapshots under a brief FLUSH TABLES WITH READ LOCK (needs RELOAD; writes wait meanwhile) so they all see the same binlog position; 1 reads the tables one after another and takes no lock on MariaDB. With snapshot.locking.mode=none the snapshot uses one connection.',
    default: 1,
    group: SNAPSHOT,
    min: 1,
  }),
  'snapshot.fetch.size': field.int({
    doc: 'Rows read ahead from the server per table while snapshotting (the stream buffer).',
    default: 10_240,
    group: SNAPSHOT,
    min: 1,
  }),
  ...signalFields('database'),
  'incremental.snapshot.allow.schema.changes': field.boolean({
    doc: "An incremental snapshot chunk whose table's structure changed while it was read (a DDL between its open and close watermark rows, or a column its query named dropped or renamed) is read again in a new window with the structure the stream knows by then, so no read event goes out in a structure older than the stream's. Needs the signal table's watermark rows (not read.only). Off: a chunk is read with the structure the stream knew when it began (a DDL streamed since applies from the next chunk), and a chunk query failing on a dropped column skips the rest of the table. Changes to the primary key during the snapshot are not supported either way, as in Debezium.",
    default: false,
    group: SNAPSHOT,
  }),
  'heartbeat.interval.ms': field.int({
    doc: 'Emit a heartbeat record this often (0 = never), carrying the latest binlog position so the stored offset keeps up while the captured tables are quiet.',
    default: 0,
    group: EVENTS,
    min: 0,
  }),
  'heartbeat.topics.prefix': field.string({
    doc: 'Heartbeat records go to <prefix>.<topic.prefix>.',
    default: DEFAULT_HEARTBEAT_TOPICS_PREFIX,
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
  'include.schema.changes': field.boolean({
    doc: 'Publish DDL statements of captured databases to the schema change topic <topic.prefix>.',
    default: true,
    group: EVENTS,
  }),
  'include.schema.comments': field.boolean({
    doc: "Put each column's COLUMN_COMMENT into its field schema's doc (Avro: the field's doc), as Debezium's include.schema.comments does. Publishing a data product turns it on for the product's connectors unless set.",
    default: false,
    group: EVENTS,
  }),
  'include.query': field.boolean({
    doc: 'Put the SQL statement into source.query (needs binlog_annotate_row_events=ON on MariaDB, binlog_rows_query_log_events=ON on MySQL).',
    default: false,
    group: EVENTS,
  }),
  'decimal.handling.mode': field.enum(['precise', 'double', 'string'] as const)({
    doc: 'DECIMAL/NUMERIC as precise Connect decimals (bytes with scale), as doubles, or as strings.',
    default: 'precise',
    group: EVENTS,
  }),
  'time.precision.mode': field.enum(['adaptive_time_microseconds', 'connect'] as const)({
    doc: 'adaptive_time_microseconds: DATE as io.debezium.time.Date, DATETIME as Timestamp/MicroTimestamp by column precision, TIME as MicroTime. connect: Kafka Connect Date/Time/Timestamp (milliseconds).',
    default: 'adaptive_time_microseconds',
    group: EVENTS,
  }),
  'bigint.unsigned.handling.mode': field.enum(['long', 'precise'] as const)({
    doc: 'BIGINT UNSIGNED as int64 (values above 2^63-1 wrap, as in Debezium) or as a precise Connect decimal of scale 0.',
    default: 'long',
    group: EVENTS,
  }),
  'binary.handling.mode': field.enum(['bytes', 'base64', 'base64-url-safe', 'hex'] as const)({
    doc: 'BINARY/VARBINARY/BLOB values as bytes, or as strings in base64, URL-safe base64 or hex (spatial values keep their WKB bytes).',
    default: 'bytes',
    group: EVENTS,
  }),
  'schema.history.internal': field.string({ doc: historyDoc, group: HISTORY }),
  'schema.history.internal.kafka.topic': field.string({ doc: historyDoc, group: HISTORY }),
  'schema.history.internal.kafka.bootstrap.servers': field.string({ doc: historyDoc, group: HISTORY }),
  'schema.history.internal.kafka.recovery.poll.interval.ms': field.string({
    doc: historyDoc,
    group: HISTORY,
  }),
  'schema.history.internal.kafka.recovery.attempts': field.string({ doc: historyDoc, group: HISTORY }),
  'schema.history.internal.file.filename': field.string({ doc: historyDoc, group: HISTORY }),
  'schema.history.internal.store.only.captured.tables.ddl': field.string({ doc: historyDoc, group: HISTORY }),
  'schema.history.internal.store.only.captured.databases.ddl': field.string({
    doc: historyDoc,
    group: HISTORY,
  }),
  'schema.history.internal.skip.unparseable.ddl': field.string({ doc: historyDoc, group: HISTORY }),
  'max.batch.size': field.int({
    doc: 'Most records returned by one poll.',
    default: 2048,
    group: RUNTIME,
    min: 1,
  }),
  'max.queue.size': field.int({
    doc: 'Records buffered between the binlog reader and the producer; when full, the binlog connection is paused. Must be larger than max.batch.size.',
    default: 8192,
    group: RUNTIME,
    min: 1,
  }),
  'max.queue.size.in.bytes': field.long({
    doc: 'Estimated bytes of the records buffered between the database reader and the producer (0: no bound by bytes); when reached, the binlog connection is paused as when max.queue.size is. Bounds memory when rows are large: max.queue.size alone lets a table of wide rows fill gigabytes.',
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
};

export type MysqlSourceFields = typeof mysqlSourceFields;
export type MysqlSourceConfig = ConfigOf<MysqlSourceFields>;
export type SnapshotMode = MysqlSourceConfig['snapshot.mode'];

const OPERATIONS = new Set(['c', 'u', 'd', 't', 'none']);

/** Debezium's renamed snapshot modes, folded onto the current names. */
export function effectiveSnapshotMode(
  mode: SnapshotMode,
): Exclude<SnapshotMode, 'schema_only' | 'schema_only_recovery'> {
  if (mode === 'schema_only') return 'no_data';
  if (mode === 'schema_only_recovery') return 'recovery';
  return mode;
}

/** Cross-field rules; no I/O. */
export function checkConfig(config: MysqlSourceConfig): FieldError[] {
  const errors: FieldError[] = [];
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
  errors.push(...checkFilters(config));
  errors.push(...checkSignalSettings(config, 'database'));
  return errors;
}

export const mysqlSourceConfig = defineConfig(mysqlSourceFields, {
  check: checkConfig,
  probe: probeServer,
});
