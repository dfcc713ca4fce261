import type {
  ConnectField,
  ConnectSchema,
  ConnectStruct,
  ConnectValue,
  RecordHeader,
} from '../plugin/index.ts';
import { headerValue, isStruct } from './record-parts.ts';
import { named, type RecordTransform, SettingError, type TransformSettings } from './transform.ts';

// Debezium's io.debezium.transforms.ExtractNewRecordState ("unwrap"): replaces the change-event
// envelope with the flat row, for consumers and sinks that want plain rows.
//   delete.tombstone.handling.mode  tombstone (default): drop delete events, keep tombstones
//                                    drop: drop both; rewrite: a delete becomes its `before` row with
//                                    __deleted=true (tombstones dropped); rewrite-with-tombstone:
//                                    rewrite and keep tombstones; delete-to-tombstone: a delete
//                                    becomes a tombstone (original tombstones dropped)
//   add.fields                       op, ts_ms, source fields (table, lsn, source.ts_ms, ...) added as
//                                    __<name> (dots become underscores; `name:alias` renames)
//   add.fields.prefix                default "__"
//   add.headers, add.headers.prefix  the same values as headers (__op, __source_ts_ms, ...)
//   route.by.field                   the topic becomes the value of this row column
// Records that are not data-change envelopes (truncate, messages, heartbeats) pass through unchanged.
// The removed options delete.handling.mode / drop.tombstones are still read for old configs.

export const EXTRACT_NEW_RECORD_STATE = 'io.debezium.transforms.ExtractNewRecordState';
export const EXTRACT_NEW_RECORD_STATE_SETTINGS = [
  'delete.tombstone.handling.mode',
  'add.fields',
  'add.fields.prefix',
  'add.headers',
  'add.headers.prefix',
  'route.by.field',
  'replace.null.with.default',
  'delete.handling.mode',
  'drop.tombstones',
] as const;
/** Settings of Debezium's that need a feature Onramp does not have; refused rather than ignored. */
export const EXTRACT_NEW_RECORD_STATE_UNSUPPORTED: Readonly<Record<string, string>> = {
  'drop.fields.header.name':
    'dropping fields named in a header needs the header that ExtractChangedRecordState adds, which Onramp does not have; use ReplaceField$Value with exclude=<fields> instead',
  'drop.fields.from.key': 'only meaningful with drop.fields.header.name, which Onramp does not implement',
  'drop.fields.keep.schema.compatible':
    'only meaningful with drop.fields.header.name, which Onramp does not implement',
};

const MODES = ['tombstone', 'drop', 'rewrite', 'rewrite-with-tombstone', 'delete-to-tombstone'] as const;
type Mode = (typeof MODES)[number];

interface AddedField {
  /** Path in the envelope: ['op'] or ['source', 'lsn']. */
  path: string[];
  column: string;
}

function modeOf(settings: TransformSettings): Mode {
  const configured = settings['delete.tombstone.handling.mode'];
  if (configured !== undefined) {
    const mode = MODES.find((candidate) => candidate === configured.trim().toLowerCase());
    if (!mode)
      throw new SettingError(
        'delete.tombstone.handling.mode',
        `ExtractNewRecordState: delete.tombstone.handling.mode must be one of ${MODES.join(', ')}`,
      );
    return mode;
  }
  // Before Debezium 3.2: delete.handling.mode (drop|rewrite|none, default drop) and drop.tombstones (default true).
  const legacyMode = settings['delete.handling.mode']?.trim().toLowerCase();
  const legacyDrop = settings['drop.tombstones']?.trim().toLowerCase();
  if (legacyMode === undefined && legacyDrop === undefined) return 'tombstone';
  const dropTombstones = legacyDrop !== 'false';
  if (legacyMode === 'rewrite') return dropTombstones ? 'rewrite' : 'rewrite-with-tombstone';
  return dropTombstones ? 'drop' : 'tombstone';
}

function addedFields(
  settings: TransformSettings,
  envelopeFields: ReadonlySet<string>,
  kind: 'fields' | 'headers' = 'fields',
): AddedField[] {
  const prefix = settings[`add.${kind}.prefix`] ?? '__';
  return (settings[`add.${kind}`] ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const [name = '', alias] = entry.split(':').map((part) => part.trim());
      const path = name.includes('.')
        ? name.split('.')
        : envelopeFields.has(name)
          ? [name]
          : ['source', name];
      return { path, column: `${prefix}${alias ?? name.replaceAll('.', '_')}` };
    });
}

function isEnvelopeSchema(schema: ConnectSchema | null, value: ConnectStruct): boolean {
  const names = schema?.fields
    ? new Set(schema.fields.map((field) => field.field))
    : new Set(Object.keys(value));
  return names.has('op') && names.has('after') && names.has('before') && names.has('source');
}

export function extractNewRecordState(
  settings: TransformSettings,
  className = EXTRACT_NEW_RECORD_STATE,
): RecordTransform {
  for (const key of Object.keys(settings)) {
    const why = EXTRACT_NEW_RECORD_STATE_UNSUPPORTED[key];
    if (why) throw new SettingError(key, `${key} is not supported: ${why}`);
  }
  const mode = modeOf(settings);
  const routeBy = settings['route.by.field']?.trim() || undefined;
  const rewrite = mode === 'rewrite' || mode === 'rewrite-with-tombstone';
  const keepTombstones = mode === 'tombstone' || mode === 'rewrite-with-tombstone';
  const envelopeFieldNames = new Set([
    'op',
    'ts_ms',
    'ts_us',
    'ts_ns',
    'source',
    'transaction',
    'before',
    'after',
  ]);
  const extras = addedFields(settings, envelopeFieldNames);
  const headerExtras = addedFields(settings, envelopeFieldNames, 'headers');
  // Row schemas are few and long-lived: derive each output schema once.
  const schemas = new WeakMap<ConnectSchema, ConnectSchema>();

  const lookup = (envelope: ConnectStruct, path: readonly string[]): ConnectValue => {
    let current: ConnectValue | undefined = envelope;
    for (const part of path) current = isStruct(current) ? current[part] : undefined;
    return current ?? null;
  };
  const schemaAt = (schema: ConnectSchema, path: readonly string[]): ConnectSchema => {
    let current: ConnectSchema | undefined = schema;
    for (const part of path) current = current?.fields?.find((field) => field.field === part);
    return { ...(current ?? { type: 'string' }), optional: true };
  };

  const outputSchema = (envelope: ConnectSchema, row: ConnectSchema): ConnectSchema => {
    let result = schemas.get(row);
    if (!result) {
      const fields: ConnectField[] = [...(row.fields ?? [])];
      for (const extra of extras) fields.push({ ...schemaAt(envelope, extra.path), field: extra.column });
      if (rewrite) fields.push({ field: '__deleted', type: 'string', optional: true });
      result = { ...row, optional: false, fields };
      schemas.set(row, result);
    }
    return result;
  };

  const withHeaders = <R extends { headers?: RecordHeader[] }>(
    record: R,
    envelope: ConnectStruct | null,
  ): R => {
    if (headerExtras.length === 0) return record;
    const added = headerExtras.map(
      (extra): RecordHeader => ({
        key: extra.column,
        value: envelope === null ? null : headerValue(lookup(envelope, extra.path)),
      }),
    );
    return { ...record, headers: [...(record.headers ?? []), ...added] };
  };

  return named(className, (input) => {
    const value = input.value;
    if (value === null || value.value === null) return keepTombstones ? withHeaders(input, null) : null;
    if (!isStruct(value.value) || !isEnvelopeSchema(value.schema, value.value)) return input;
    const envelope = value.value;
    const record = withHeaders(input, envelope);
    const op = envelope.op;
    let row: ConnectValue | undefined;
    let side: 'after' | 'before';
    if (op === 'd') {
      if (mode === 'delete-to-tombstone') return { ...record, value: null };
      if (!rewrite) return null;
      row = envelope.before;
      side = 'before';
    } else if (op === 'c' || op === 'r' || op === 'u') {
      row = envelope.after;
      side = 'after';
    } else {
      return record;
    }
    if (!isStruct(row)) return null;
    const flat: ConnectStruct = { ...row };
    for (const extra of extras) flat[extra.column] = lookup(envelope, extra.path);
    if (rewrite) flat.__deleted = op === 'd' ? 'true' : 'false';
    const rowSchema = value.schema?.fields?.find((field) => field.field === side);
    const schema = value.schema && rowSchema ? outputSchema(value.schema, rowSchema) : null;
    const routed = routeBy === undefined ? undefined : row[routeBy];
    const topic = typeof routed === 'string' && routed !== '' ? routed : record.topic;
    return { ...record, topic, value: { schema, value: flat } };
  });
}
