import type {
  ConnectField,
  ConnectSchema,
  ConnectStruct,
  ConnectValue,
  Logger,
  SourceRecord,
} from '../plugin/index.ts';
import { OnrampError } from '../plugin/index.ts';
import { breakingChanges, describeChange, rowFields } from './breaking-changes.ts';
import type { DataProduct, OutputPort, SchemaVersion } from './product-model.ts';

// Governance of a published product's schemas at the connector, before any converter registers a
// schema: every event of a product's table topic is compared with the row fields its consumers were
// promised (the newest major version's). A compatible change (a new nullable column...) becomes the
// version's new shape; a breaking one (breaking-changes.ts) either fails the task with an error
// naming the product, table, column and rule, or, with policy.breakingChange=new-version, starts
// the next major version on `<topic>.v<major>` while every older version keeps flowing: each event
// is also sent to them, projected onto their fields (renamed columns under their old names, dropped
// ones null or their type's zero value, narrowed or changed values converted back).
//
// One guard serves every task of the host, so the row fields last sent on each topic are known when
// a product is published (they become its first version). Decisions are kept in memory at once and
// written to the catalog (SchemaVersionStore) behind; a crash in between makes the same decision
// again from the stored versions.

export interface SchemaVersionStore {
  recordSchemaVersions(productId: string, topic: string, versions: SchemaVersion[]): void;
}

export interface SchemaGuardOptions {
  store: SchemaVersionStore;
  log: Logger;
  now?: () => Date;
}

interface TopicState {
  versions: SchemaVersion[];
  /** The envelope schema last found equal to the newest version (the hot path is this identity check). */
  checked?: ConnectSchema;
}

export class SchemaGuard {
  private readonly store: SchemaVersionStore;
  private readonly log: Logger;
  private readonly now: () => Date;
  private readonly lastSent = new Map<string, ConnectField[]>();
  private readonly topics = new Map<string, TopicState>();
  private readonly projections = new WeakMap<ConnectSchema, Map<SchemaVersion, ConnectSchema>>();

  constructor(options: SchemaGuardOptions) {
    this.store = options.store;
    this.log = options.log;
    this.now = options.now ?? (() => new Date());
  }

  /** Notes the row fields of an event about to be sent (for the first version at publish). */
  observe(record: SourceRecord): void {
    const fields = rowFields(record.value?.schema);
    if (fields && this.lastSent.get(record.topic) !== fields) this.lastSent.set(record.topic, fields);
  }

  /** The first version of each of the product's table topics, from what was last sent on them. */
  firstVersions(product: DataProduct): Record<string, SchemaVersion[]> {
    const versions: Record<string, SchemaVersion[]> = {};
    for (const port of product.outputPorts) {
      if (port.connector === undefined || port.major !== undefined) continue;
      const fields = this.lastSent.get(port.topic);
      if (fields) versions[port.topic] = [this.version(1, port.topic, fields)];
    }
    return versions;
  }

  /** The records to send for `record` of a published product's table topic (see the top of the file). */
  route(product: DataProduct, port: OutputPort, record: SourceRecord): SourceRecord[] {
    const key = `${product.id}\n${port.topic}`;
    let state = this.topics.get(key);
    const stored = product.schemaVersions?.[port.topic];
    if (!state || (stored && stored.length > state.versions.length)) {
      state = { versions: stored ?? [] };
      this.topics.set(key, state);
    }
    const schema = record.value?.schema;
    const fields = rowFields(schema);
    if (schema && fields && state.checked !== schema) {
      this.check(product, port, state, fields);
      state.checked = schema;
    }
    const [first, ...later] = state.versions;
    if (!first) return [record];
    const newest = later.at(-1);
    const out: SourceRecord[] = [newest ? { ...record, topic: newest.topic } : record];
    for (const version of state.versions.slice(0, -1)) out.push(this.project(record, version));
    return out;
  }

  private check(product: DataProduct, port: OutputPort, state: TopicState, fields: ConnectField[]): void {
    const newest = state.versions.at(-1);
    if (!newest) {
      // Published before this process saw the topic: what it sends now is the first version.
      state.versions = [this.version(1, port.topic, fields)];
      this.store.recordSchemaVersions(product.id, port.topic, state.versions);
      return;
    }
    if (sameFields(newest.fields, fields)) return;
    const changes = breakingChanges(newest.fields, fields, product.policy.compatibility);
    const table = port.table ?? port.topic;
    if (changes.length === 0) {
      state.versions = [...state.versions.slice(0, -1), { ...newest, fields: plain(fields) }];
      this.log.info({ product: product.id, table, topic: newest.topic }, 'compatible schema change');
      this.store.recordSchemaVersions(product.id, port.topic, state.versions);
      return;
    }
    const described = changes.map(describeChange);
    if (product.policy.breakingChange !== 'new-version') {
      throw new OnrampError(
        'PRODUCT_BREAKING_CHANGE',
        `Data product ${product.id}: a change of table ${table} breaks its published contract: ${described.join('; ')}. Revert the change, or set the product's policy.breakingChange to new-version to publish it as ${port.topic}.v${newest.major + 1} while ${newest.topic} keeps flowing, and restart the task`,
      );
    }
    // Older versions read their columns under their own names: follow the renames.
    const renames = new Map(
      changes.flatMap((change) =>
        change.rule === 'renamed-column' ? [[change.column, change.detail.replace(/^renamed to /, '')]] : [],
      ),
    );
    const older = state.versions.map((version) => ({
      ...version,
      columns: Object.fromEntries(
        version.fields.map((field) => {
          const column = version.columns?.[field.field] ?? field.field;
          return [field.field, renames.get(column) ?? column];
        }),
      ),
    }));
    const next: SchemaVersion = {
      ...this.version(newest.major + 1, `${port.topic}.v${newest.major + 1}`, fields),
      breaking: described,
    };
    state.versions = [...older, next];
    this.log.warn(
      { product: product.id, table, topic: next.topic, changes: described },
      `breaking change: new major version ${next.major} on ${next.topic}; ${older.map((version) => version.topic).join(', ')} keep flowing`,
    );
    this.store.recordSchemaVersions(product.id, port.topic, state.versions);
  }

  private version(major: number, topic: string, fields: readonly ConnectField[]): SchemaVersion {
    return { major, topic, fields: plain(fields), since: this.now().toISOString() };
  }

  /** `record` as an older version's consumers expect it: its topic, its fields. */
  private project(record: SourceRecord, version: SchemaVersion): SourceRecord {
    const envelope = record.value;
    if (!envelope?.schema || !isStruct(envelope.value)) return { ...record, topic: version.topic };
    const value: ConnectStruct = { ...envelope.value };
    for (const side of ['before', 'after'] as const) {
      const row = value[side];
      if (isStruct(row)) value[side] = projectRow(row, version);
    }
    return {
      ...record,
      topic: version.topic,
      value: { schema: this.projectedSchema(envelope.schema, version), value },
    };
  }

  private projectedSchema(envelope: ConnectSchema, version: SchemaVersion): ConnectSchema {
    let byVersion = this.projections.get(envelope);
    if (!byVersion) {
      byVersion = new Map();
      this.projections.set(envelope, byVersion);
    }
    let schema = byVersion.get(version);
    if (!schema) {
      schema = {
        ...envelope,
        fields: (envelope.fields ?? []).map((field) =>
          (field.field === 'before' || field.field === 'after') && field.type === 'struct'
            ? { ...field, fields: version.fields }
            : field,
        ),
      };
      byVersion.set(version, schema);
    }
    return schema;
  }
}

function projectRow(row: ConnectStruct, version: SchemaVersion): ConnectStruct {
  const projected: ConnectStruct = {};
  for (const field of version.fields) {
    const column = version.columns?.[field.field] ?? field.field;
    const value = row[column];
    projected[field.field] =
      value === undefined || value === null
        ? field.optional
          ? null
          : zeroValue(field)
        : coerce(value, field);
  }
  return projected;
}

/** A value of the current schema as the older field's type (narrowed numbers widen back as they are). */
function coerce(value: ConnectValue, field: ConnectSchema): ConnectValue {
  switch (field.type) {
    case 'string':
      return typeof value === 'string'
        ? value
        : typeof value === 'object'
          ? JSON.stringify(value)
          : String(value);
    case 'int8':
    case 'int16':
    case 'int32':
    case 'float32':
    case 'float64': {
      const number = typeof value === 'number' ? value : Number(value);
      return Number.isFinite(number) ? number : field.optional ? null : 0;
    }
    case 'int64':
      return typeof value === 'number' || typeof value === 'bigint'
        ? value
        : /^-?\d+$/.test(String(value))
          ? BigInt(String(value))
          : field.optional
            ? null
            : 0;
    case 'boolean':
      return typeof value === 'boolean' ? value : value === 'true' || value === 1;
    default:
      return value;
  }
}

/** Debezium's value for a required field that has none. */
function zeroValue(field: ConnectSchema): ConnectValue {
  if (field.default !== undefined) return field.default;
  if (field.name === 'org.apache.kafka.connect.data.Decimal') return '0';
  switch (field.type) {
    case 'string':
      return '';
    case 'boolean':
      return false;
    case 'bytes':
      return new Uint8Array(0);
    case 'array':
      return [];
    case 'map':
      return {};
    case 'struct':
      return Object.fromEntries(
        (field.fields ?? []).map((inner) => [inner.field, inner.optional ? null : zeroValue(inner)]),
      );
    default:
      return 0;
  }
}

function isStruct(value: ConnectValue | undefined): value is ConnectStruct {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}

function sameFields(a: readonly ConnectField[], b: readonly ConnectField[]): boolean {
  return a === b || JSON.stringify(plain(a)) === JSON.stringify(plain(b));
}

/** Fields as the catalog can store them (JSON): defaults that JSON cannot carry are left out. */
function plain(fields: readonly ConnectField[]): ConnectField[] {
  return JSON.parse(
    JSON.stringify(fields, (key, value: unknown) =>
      key === 'default' && (typeof value === 'bigint' || value instanceof Uint8Array) ? undefined : value,
    ),
  ) as ConnectField[];
}
