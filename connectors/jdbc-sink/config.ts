import { type ConfigOf, defineConfig, type FieldError, field } from '../../src/plugin/index.ts';
import { parseJdbcUrl } from './jdbc-url.ts';
import { nameFormatProblem } from './name-format.ts';
import { probeDatabase } from './probe.ts';
import { timeZone } from './time-zone.ts';
import { urlTls } from './tls.ts';

// Both JDBC sink config dialects, accepted unchanged: Debezium's key names are the fields, Confluent's
// names for the same setting are aliases (connection.user, pk.mode, pk.fields, table.name.format,
// fields.whitelist, db.timezone, max.retries, retry.backoff.ms). Where the two differ in kind rather
// than name (schema.evolution vs auto.create/auto.evolve, quote.identifiers vs quote.sql.identifiers)
// both are declared and combined by the readers below.

const CONNECTION = 'Connection';
const WRITES = 'Writes';
const KEYS = 'Primary Keys';
const SCHEMA = 'Schema';
const RETRIES = 'Retries';

export const jdbcSinkFields = {
  'connection.url': field.string({
    doc: "JDBC URL of the target database: jdbc:mysql://host:port/db, jdbc:mariadb://host:port/db or jdbc:postgresql://host:port/db, with optional ?user=&password= parameters. TLS by the drivers' parameters, certificates as PEM files (a path or a file: URL): PostgreSQL sslmode=require|verify-ca|verify-full (or ssl=true, which is verify-full), sslrootcert, sslcert, sslkey (PEM, or pgjdbc's DER .pk8), sslpassword; require checks the chain when sslrootcert is given, as libpq. MySQL/MariaDB sslMode=REQUIRED|VERIFY_CA|VERIFY_IDENTITY (MariaDB Connector/J: trust|verify-ca|verify-full; or useSSL=true, with requireSSL, verifyServerCertificate, trustServerCertificate, disableSslHostnameVerification as the drivers read them), the CA in serverSslCert (a file or inline PEM), trustCertificateKeyStoreUrl or trustStore, a client key and certificate in one PEM file in clientCertificateKeyStoreUrl or keyStore (password: clientCertificateKeyStorePassword, keyStorePassword or keyPassword). prefer/allow/PREFERRED and no TLS parameter connect without TLS. Unknown values, Java classes (sslfactory), Java key stores and certificate files given to a mode without TLS are refused.",
    required: true,
    group: CONNECTION,
    connectionTarget: true,
    validate: (value) => {
      try {
        urlTls(parseJdbcUrl(value));
        return undefined;
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      }
    },
  }),
  'connection.username': field.string({
    doc: 'User to connect as (else the URL’s user parameter).',
    aliases: ['connection.user'],
    group: CONNECTION,
  }),
  'connection.password': field.password({
    doc: 'Password of the user (else the URL’s password parameter).',
    group: CONNECTION,
  }),
  'connection.pool.max_size': field.int({
    doc: 'Maximum connections the task keeps open to the target database.',
    default: 32,
    min: 1,
    group: CONNECTION,
    importance: 'LOW',
  }),
  'insert.mode': field.enum(['insert', 'upsert', 'update'] as const)({
    doc: 'insert: plain INSERT. upsert: INSERT ... ON DUPLICATE KEY UPDATE (MySQL/MariaDB) or ON CONFLICT DO UPDATE (PostgreSQL), idempotent on replays; needs a primary key mode. update: UPDATE by key.',
    default: 'insert',
    group: WRITES,
    importance: 'HIGH',
  }),
  'delete.enabled': field.boolean({
    doc: 'Apply deletes (op=d events and tombstones) as DELETE by key. Needs primary.key.mode=record_key.',
    default: false,
    group: WRITES,
  }),
  'truncate.enabled': field.boolean({
    doc: 'Apply truncate events (op=t) by emptying the table.',
    default: false,
    group: WRITES,
  }),
  'batch.size': field.int({
    doc: 'Most records written per table in one multi-row statement and transaction.',
    default: 500,
    min: 1,
    group: WRITES,
  }),
  'collection.name.format': field.string({
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the connectors' own placeholder syntax
    doc: 'Target table name; ${topic}, ${source.db}, ${source.schema} and ${source.table} are replaced (their dots become underscores). A literal dot qualifies the table with a schema (PostgreSQL) or database (MySQL).',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the connectors' own placeholder syntax
    default: '${topic}',
    aliases: ['table.name.format'],
    group: WRITES,
    validate: nameFormatProblem,
  }),
  'field.include.list': field.list({
    doc: 'Value fields to write (all when empty): field names, or <topic>:<field>. Key fields are always written.',
    default: [],
    aliases: ['fields.whitelist'],
    group: WRITES,
    importance: 'LOW',
  }),
  'field.exclude.list': field.list({
    doc: 'Value fields not to write: field names, or <topic>:<field>.',
    default: [],
    group: WRITES,
    importance: 'LOW',
  }),
  'primary.key.mode': field.enum(['none', 'kafka', 'record_key', 'record_value', 'record_header'] as const)({
    doc: 'Where the primary key comes from. none: no key (insert only). kafka: columns __connect_topic, __connect_partition, __connect_offset. record_key: the record key (all its fields, or primary.key.fields). record_value: primary.key.fields of the value (all fields when empty). record_header: the record headers (all, or primary.key.fields), as text columns.',
    default: 'none',
    aliases: ['pk.mode'],
    group: KEYS,
    importance: 'HIGH',
  }),
  'primary.key.fields': field.list({
    doc: 'Key fields to use; for a primitive (non-struct) record key, exactly one name: the column it goes into.',
    default: [],
    aliases: ['pk.fields'],
    group: KEYS,
  }),
  'schema.evolution': field.enum(['none', 'basic'] as const)({
    doc: 'basic: create missing tables from the record schema (key as primary key) and add columns for new fields. Never drops or retypes columns.',
    default: 'none',
    group: SCHEMA,
  }),
  'auto.create': field.boolean({
    doc: 'Confluent’s form of schema.evolution=basic, table creation half.',
    default: false,
    group: SCHEMA,
  }),
  'auto.evolve': field.boolean({
    doc: 'Confluent’s form of schema.evolution=basic, add-column half.',
    default: false,
    group: SCHEMA,
  }),
  'quote.identifiers': field.boolean({
    doc: 'Debezium’s setting. Identifiers are always quoted (no SQL injection through names); false keeps what unquoted names would mean: on PostgreSQL table and column names are folded to lower case.',
    group: SCHEMA,
    importance: 'LOW',
  }),
  'quote.sql.identifiers': field.enum(['always', 'never'] as const)({
    doc: 'Confluent’s setting; never behaves as quote.identifiers=false.',
    group: SCHEMA,
    importance: 'LOW',
  }),
  'database.time_zone': field.string({
    doc: 'Time zone of the target’s zone-less timestamp columns (DATETIME, TIMESTAMP WITHOUT TIME ZONE): timestamps are written as wall-clock time in it, and it is the session time zone. An IANA name (Europe/Berlin), UTC or ±HH:MM. Dates and times of day are written as they are.',
    default: 'UTC',
    aliases: ['db.timezone'],
    group: SCHEMA,
    importance: 'LOW',
  }),
  'exactly.once.offsets.table': field.string({
    doc: 'Onramp extension. When set, the consumed Kafka offsets are stored in this table of the target database (created if missing), in the same transaction as the rows, per connector, topic, partition and target table; a task starts each partition from there (over the consumer group’s offsets) and skips records a table already holds, so a replay never applies a record twice, even with insert.mode=insert. Empty: off (at-least-once).',
    default: '',
    group: WRITES,
    importance: 'LOW',
  }),
  'flush.max.retries': field.int({
    doc: 'Times a write that failed because the database was unreachable is retried in place before the task restarts with backoff (which loses nothing either).',
    default: 5,
    min: 0,
    aliases: ['max.retries'],
    group: RETRIES,
  }),
  'flush.retry.delay.ms': field.long({
    doc: 'Milliseconds between those retries (at most 2147483647, the longest timer Node.js keeps).',
    default: 1000,
    min: 0,
    max: 2_147_483_647,
    aliases: ['retry.backoff.ms'],
    group: RETRIES,
  }),
};

export type JdbcSinkFields = typeof jdbcSinkFields;
export type JdbcSinkConfig = ConfigOf<JdbcSinkFields>;

export function shouldCreateTables(config: JdbcSinkConfig): boolean {
  return config['schema.evolution'] === 'basic' || config['auto.create'];
}

export function shouldAddColumns(config: JdbcSinkConfig): boolean {
  return config['schema.evolution'] === 'basic' || config['auto.evolve'];
}

/** Whether names keep their case (quoted as given) rather than folding as unquoted names would. */
export function preservesCase(config: JdbcSinkConfig): boolean {
  return config['quote.identifiers'] !== false && config['quote.sql.identifiers'] !== 'never';
}

function check(config: JdbcSinkConfig): FieldError[] {
  const errors: FieldError[] = [];
  const mode = config['primary.key.mode'];
  if (config['delete.enabled'] && mode !== 'record_key') {
    errors.push({
      field: 'delete.enabled',
      message: `Deletes are only supported for primary.key.mode record_key (primary.key.mode is ${mode})`,
    });
  }
  if (config['insert.mode'] !== 'insert' && mode === 'none') {
    errors.push({
      field: 'insert.mode',
      message: `insert.mode ${config['insert.mode']} needs a primary key: set primary.key.mode to record_key, record_value or kafka`,
    });
  }
  if (
    mode === 'kafka' &&
    config['primary.key.fields'].length > 0 &&
    config['primary.key.fields'].length !== 3
  ) {
    errors.push({
      field: 'primary.key.fields',
      message:
        'With primary.key.mode kafka, give either no names or three (topic, partition, offset columns)',
    });
  }
  try {
    timeZone(config['database.time_zone']);
  } catch (error) {
    errors.push({
      field: 'database.time_zone',
      message: error instanceof Error ? error.message : String(error),
    });
  }
  return errors;
}

export const jdbcSinkConfig = defineConfig(jdbcSinkFields, { check, probe: probeDatabase });
