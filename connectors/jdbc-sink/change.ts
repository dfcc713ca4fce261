import type { ConnectSchema, ConnectStruct, ConnectValue, SinkRecord } from '../../src/plugin/index.ts';
import { RecordRejectedError } from '../../src/plugin/index.ts';
import { type ColumnKind, columnKind } from './column-type.ts';
import { type SqlValue, sqlValue } from './column-value.ts';
import { type JdbcSinkConfig, preservesCase } from './config.ts';
import type { Dialect, TableName } from './dialect.ts';
import { JDBC_WRITE_FAILED } from './errors.ts';
import { type TimeZone, timeZone } from './time-zone.ts';

// One sink record -> the change it asks of the target table. Debezium envelopes are read natively
// (c/r/u upsert `after`, d deletes by key, t truncates); flat records (after "unwrap") upsert the
// value; tombstones delete by key. A record that cannot be read throws (it becomes a bad record).

/** Debezium's default `unavailable.value.placeholder` for unchanged TOASTed columns. */
export const UNAVAILABLE_VALUE = '__debezium_unavailable_value';
const UNAVAILABLE_BYTES = Buffer.from(UNAVAILABLE_VALUE);

/** A column of a change: its name, its Connect schema (null when schemaless) and the bound value. */
export interface FieldValue {
  name: string;
  schema: ConnectSchema | null;
  value: SqlValue;
}

/** A field as the record carries it, before conversion to a bound value. */
interface RawField {
  name: string;
  schema: ConnectSchema | null;
  value: ConnectValue;
}

export interface Change {
  record: SinkRecord;
  table: TableName;
  op: 'upsert' | 'delete' | 'truncate';
  /** Primary key columns with their values (empty with primary.key.mode=none). */
  key: FieldValue[];
  /** Non-key columns to write; columns holding the TOAST placeholder are left out. */
  row: FieldValue[];
  /** Non-key columns left out because their value was unavailable (with their schema, for DDL). */
  unavailable: FieldValue[];
}

function isStruct(value: ConnectValue | undefined): value is ConnectStruct {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}

function isUnavailable(value: ConnectValue): boolean {
  if (value === UNAVAILABLE_VALUE) return true;
  if (value instanceof Uint8Array) return Buffer.from(value).equals(UNAVAILABLE_BYTES);
  return Array.isArray(value) && value.length === 1 && value[0] === UNAVAILABLE_VALUE;
}

// Converters hand out one schema object per distinct schema, so what is worked out from a schema is
// kept per schema object: the records of a topic mostly share one.
const envelopes = new WeakMap<ConnectSchema, boolean>();
const subSchemas = new WeakMap<ConnectSchema, Map<string, ConnectSchema | null>>();
const kinds = new WeakMap<ConnectSchema, ColumnKind>();
const SCHEMALESS: ColumnKind = columnKind(null);

function kindOf(schema: ConnectSchema | null): ColumnKind {
  if (schema === null) return SCHEMALESS;
  let kind = kinds.get(schema);
  if (kind === undefined) {
    kind = columnKind(schema);
    kinds.set(schema, kind);
  }
  return kind;
}

function fieldSchema(schema: ConnectSchema | null, name: string): ConnectSchema | null {
  if (schema === null) return null;
  let byName = subSchemas.get(schema);
  if (byName === undefined) {
    byName = new Map();
    subSchemas.set(schema, byName);
  }
  let field = byName.get(name);
  if (field === undefined) {
    field = schema.fields?.find((candidate) => candidate.field === name) ?? null;
    byName.set(name, field);
  }
  return field;
}

/** The fields of a struct value, in schema order (or object order when schemaless). */
function fieldsOf(schema: ConnectSchema | null, value: ConnectStruct): RawField[] {
  if (schema?.fields) {
    return schema.fields.map((field) => ({
      name: field.field,
      schema: field,
      value: value[field.field] ?? null,
    }));
  }
  return Object.entries(value).map(([name, item]) => ({ name, schema: null, value: item }));
}

function isEnvelope(schema: ConnectSchema | null, value: ConnectStruct): boolean {
  if (schema) {
    let envelope = envelopes.get(schema);
    if (envelope === undefined) {
      const names = new Set(schema.fields?.map((field) => field.field));
      envelope = names.has('op') && names.has('after') && names.has('before');
      envelopes.set(schema, envelope);
    }
    return envelope;
  }
  return 'op' in value && 'after' in value && 'before' in value;
}

/** collection.name.format, split once: literal text and ${variable} names. */
type NamePart = { text: string } | { variable: string };

function nameParts(format: string): NamePart[] {
  return format
    .split(/(\$\{[\w.]+\})/)
    .filter((part) => part !== '')
    .map((part) => {
      const match = /^\$\{([\w.]+)\}$/.exec(part);
      return match?.[1] ? { variable: match[1] } : { text: part };
    });
}

export class ChangeReader {
  private readonly config: JdbcSinkConfig;
  private readonly fold: (name: string) => string;
  private readonly zonedTimestamp: (iso: string) => string;
  private readonly zone: TimeZone;
  private readonly include: readonly string[];
  private readonly exclude: readonly string[];
  /** collection.name.format reads ${source.*}, which tombstones do not carry. */
  private readonly namedBySource: boolean;
  private readonly lastTable = new Map<string, TableName>();
  private readonly nameParts: readonly NamePart[];
  /** Resolved table names, so that records of one table share one TableName. */
  private readonly tables = new Map<string, TableName>();

  constructor(config: JdbcSinkConfig, dialect: Dialect) {
    this.config = config;
    this.fold = preservesCase(config) ? (name) => name : (name) => dialect.fold(name);
    const zone = timeZone(config['database.time_zone']);
    this.zone = zone;
    this.zonedTimestamp = (iso) => dialect.zonedTimestamp(iso, zone);
    this.include = config['field.include.list'];
    this.namedBySource = config['collection.name.format'].includes('${source.');
    this.exclude = config['field.exclude.list'];
    this.nameParts = nameParts(config['collection.name.format']);
  }

  /** The change `record` asks for, or null when it asks for nothing (skipped by configuration). */
  read(record: SinkRecord): Change | null {
    const value = record.value;
    if (value === null || value.value === null) {
      // A tombstone: deletes by key when deletes are on, else nothing. It carries no source block, so
      // a name format that needs one uses the table this topic last wrote to; with none known it is
      // skipped, which loses nothing: Debezium emits the delete event right before its tombstone.
      if (!this.config['delete.enabled']) return null;
      if (!this.namedBySource) return this.change(record, 'delete', undefined, []);
      const table = this.lastTable.get(record.topic);
      return table ? this.change(record, 'delete', undefined, [], table) : null;
    }
    if (!isStruct(value.value)) throw new Error('The record value is not a struct');
    if (!isEnvelope(value.schema, value.value)) {
      return this.change(record, 'upsert', undefined, fieldsOf(value.schema, value.value));
    }
    const envelope = value.value;
    const source = isStruct(envelope.source) ? envelope.source : undefined;
    switch (envelope.op) {
      case 'c':
      case 'r':
      case 'u': {
        const after = envelope.after;
        if (!isStruct(after)) throw new Error(`A Debezium '${envelope.op}' event without an 'after' row`);
        const schema = fieldSchema(value.schema, 'after');
        return this.change(record, 'upsert', source, fieldsOf(schema, after));
      }
      case 'd': {
        if (!this.config['delete.enabled']) return null;
        const before = isStruct(envelope.before) ? envelope.before : undefined;
        const schema = fieldSchema(value.schema, 'before');
        return this.change(record, 'delete', source, before ? fieldsOf(schema, before) : []);
      }
      case 't':
        if (!this.config['truncate.enabled']) return null;
        return {
          record,
          table: this.tableName(record, source),
          op: 'truncate',
          key: [],
          row: [],
          unavailable: [],
        };
      case 'm':
        return null;
      default:
        throw new Error(`Unknown Debezium op '${String(envelope.op)}'`);
    }
  }

  private change(
    record: SinkRecord,
    op: 'upsert' | 'delete',
    source: ConnectStruct | undefined,
    rowFields: RawField[],
    knownTable?: TableName,
  ): Change {
    const table = knownTable ?? this.tableName(record, source);
    this.lastTable.set(record.topic, table);
    const key = this.keyOf(record, rowFields).map((field) => this.bind(field, this.fold(field.name)));
    if (op === 'delete') {
      if (key.length === 0) throw new Error('A delete needs a record key');
      return { record, table, op, key, row: [], unavailable: [] };
    }
    const keyNames = key.map((field) => field.name);
    const filtered = this.include.length > 0 || this.exclude.length > 0;
    const row: FieldValue[] = [];
    const unavailable: FieldValue[] = [];
    for (const field of rowFields) {
      const name = this.fold(field.name);
      if (keyNames.includes(name) || (filtered && !this.wanted(record.topic, field.name))) continue;
      if (isUnavailable(field.value)) unavailable.push({ name, schema: field.schema, value: null });
      else row.push(this.bind(field, name));
    }
    return { record, table, op, key, row, unavailable };
  }

  private bind(field: RawField, name: string): FieldValue {
    try {
      return {
        name,
        schema: field.schema,
        value: sqlValue(kindOf(field.schema), field.value, this.zonedTimestamp, this.zone),
      };
    } catch (error) {
      throw new Error(`Field "${field.name}": ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private wanted(topic: string, name: string): boolean {
    const matches = (entry: string) => entry === name || entry === `${topic}:${name}`;
    if (this.include.length > 0 && !this.include.some(matches)) return false;
    return !this.exclude.some(matches);
  }

  private keyOf(record: SinkRecord, rowFields: readonly RawField[]): RawField[] {
    const names = this.config['primary.key.fields'];
    switch (this.config['primary.key.mode']) {
      case 'none':
        return [];
      case 'kafka': {
        const [topic = '__connect_topic', partition = '__connect_partition', offset = '__connect_offset'] =
          names;
        return [
          { name: topic, schema: { type: 'string' }, value: record.topic },
          { name: partition, schema: { type: 'int32' }, value: record.kafkaPartition },
          { name: offset, schema: { type: 'int64' }, value: BigInt(record.kafkaOffset) },
        ];
      }
      case 'record_value': {
        const fields = names.length === 0 ? rowFields : names.map((name) => pick(rowFields, name, 'value'));
        if (fields.length === 0) throw new Error('primary.key.mode record_value: the value has no fields');
        return fields.map((field) => ({
          ...field,
          schema: field.schema && { ...field.schema, optional: false },
        }));
      }
      case 'record_header': {
        const fields = headerFields(record);
        if (fields.length === 0) throw new Error('primary.key.mode record_header: the record has no headers');
        return names.length === 0 ? fields : names.map((name) => pick(fields, name, 'headers'));
      }
      default: {
        const key = record.key;
        if (key === null || key.value === null) throw keylessRecord(record.topic);
        if (!isStruct(key.value)) {
          const [name] = names;
          if (names.length !== 1 || name === undefined)
            throw new Error('A primitive record key needs exactly one name in primary.key.fields');
          return [{ name, schema: key.schema, value: key.value }];
        }
        const fields = fieldsOf(key.schema, key.value);
        return names.length === 0 ? fields : names.map((name) => pick(fields, name, 'key'));
      }
    }
  }

  /** collection.name.format with ${topic} and ${source.*} resolved; a literal dot qualifies the table. */
  tableName(record: SinkRecord, source: ConnectStruct | undefined): TableName {
    const variable = (name: string): string => {
      if (name === 'topic') return record.topic;
      const field = name.startsWith('source.') ? source?.[name.slice('source.'.length)] : undefined;
      if (typeof field !== 'string' || field === '')
        throw new Error(`collection.name.format uses \${${name}}, which this record does not carry`);
      return field;
    };
    // Dots inside substituted names become underscores; literal dots separate schema and table.
    let resolved = '';
    for (const part of this.nameParts)
      resolved += 'text' in part ? part.text : variable(part.variable).replaceAll('.', '_');
    let table = this.tables.get(resolved);
    if (table === undefined) {
      table = this.parseTableName(resolved);
      // Bounded: a name format over ${source.*} of a very wide source must not grow without end.
      if (this.tables.size >= 10_000) this.tables.clear();
      this.tables.set(resolved, table);
    }
    return table;
  }

  private parseTableName(resolved: string): TableName {
    const dot = resolved.indexOf('.');
    const table =
      dot < 0
        ? { name: this.fold(resolved) }
        : { schema: this.fold(resolved.slice(0, dot)), name: this.fold(resolved.slice(dot + 1)) };
    if (table.name === '' || table.schema === '') throw new Error(`Invalid table name "${resolved}"`);
    return table;
  }
}

/**
 * Headers as key fields (Debezium's record_header mode): header values are text (UTF-8 when bytes),
 * so the columns are strings; a repeated header name keeps its last value.
 */
function headerFields(record: SinkRecord): RawField[] {
  const byName = new Map<string, RawField>();
  for (const header of record.headers) {
    if (header.value === null) continue;
    const value =
      typeof header.value === 'string' ? header.value : Buffer.from(header.value).toString('utf8');
    byName.set(header.key, { name: header.key, schema: { type: 'string' }, value });
  }
  return [...byName.values()];
}

function pick(fields: readonly RawField[], name: string, where: string): RawField {
  const field = fields.find((candidate) => candidate.name === name);
  if (!field) throw new Error(`primary.key.fields names "${name}", which the record ${where} does not have`);
  return field;
}

/** A string identifying a change's key within its table (bound values compared exactly). */
export function keyString(change: Change): string {
  const [only] = change.key;
  // One number or string column, the common key: tagged by type, as JSON would tell them apart.
  if (only && change.key.length === 1) {
    if (typeof only.value === 'number') return `n${only.value}`;
    if (typeof only.value === 'string') return `s${only.value}`;
  }
  return JSON.stringify(change.key.map((field) => field.value));
}

/** One actionable error for a record without a key under primary.key.mode=record_key. */
export function keylessRecord(topic: string): RecordRejectedError {
  return new RecordRejectedError(
    JDBC_WRITE_FAILED,
    `A record of topic ${topic} has no key, and primary.key.mode=record_key takes the table's primary key from the record key. ` +
      'Its source table probably has no primary key. Either give that table a primary key (or, on a Debezium source, ' +
      'message.key.columns), take the key from the value (primary.key.mode=record_value with primary.key.fields=<columns>), ' +
      `leave the topic out of topics / topics.regex, or set records like it aside with errors.tolerance=all and errors.deadletterqueue.topic.name=<topic>.`,
  );
}
