import type { ConnectField, ConnectSchema, ConnectStruct, ConnectValue } from '../plugin/index.ts';
import { TIMESTAMP } from '../schema/logical-types.ts';
import { copyBasics, fieldValue, operating, partOf, SchemaCache, withPart } from './record-parts.ts';
import { requireMap, requireOffset, requireStruct } from './requirements.ts';
import {
  booleanSetting,
  named,
  type RecordTransform,
  SettingError,
  type TransformableRecord,
  type TransformSettings,
} from './transform.ts';

// org.apache.kafka.connect.transforms.InsertField$Key / $Value: adds the record's topic, partition,
// offset (sink records), timestamp and a static string as fields. A name ending in `!` makes the
// field required, `?` (the default) optional. Tombstones pass through.

export const INSERT_FIELD = 'org.apache.kafka.connect.transforms.InsertField';
export const INSERT_FIELD_SETTINGS = [
  'topic.field',
  'partition.field',
  'offset.field',
  'timestamp.field',
  'static.field',
  'static.value',
  'replace.null.with.default',
] as const;

interface Insertion {
  name: string;
  optional: boolean;
  schema: ConnectSchema;
  value(record: TransformableRecord): ConnectValue | undefined;
}

function spec(settings: TransformSettings, key: string): { name: string; optional: boolean } | undefined {
  const raw = settings[key]?.trim();
  if (!raw) return undefined;
  if (raw.endsWith('?')) return { name: raw.slice(0, -1), optional: true };
  if (raw.endsWith('!')) return { name: raw.slice(0, -1), optional: false };
  return { name: raw, optional: true };
}

export function insertField(settings: TransformSettings, className: string): RecordTransform {
  const part = partOf(className);
  const purpose = 'field insertion';
  const insertions: Insertion[] = [];
  const add = (key: string, schema: ConnectSchema, value: Insertion['value']) => {
    const found = spec(settings, key);
    if (found) insertions.push({ ...found, schema, value });
  };
  add('topic.field', { type: 'string' }, (record) => record.topic);
  add('partition.field', { type: 'int32' }, (record) => record.kafkaPartition);
  add('offset.field', { type: 'int64' }, (record) => {
    const offset = requireOffset(className, record.kafkaOffset, purpose);
    const parsed = BigInt(offset);
    return parsed <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(parsed) : parsed;
  });
  add('timestamp.field', { type: 'int64', name: TIMESTAMP, version: 1 }, (record) => record.timestamp);
  const staticValue = settings['static.value'];
  add('static.field', { type: 'string' }, () => staticValue);
  if (insertions.length === 0) throw new SettingError('topic.field', 'No field insertion configured');
  if (spec(settings, 'static.field') && staticValue === undefined)
    throw new SettingError(
      'static.value',
      `No value specified for static field: ${settings['static.field']}`,
    );
  const useDefault = booleanSetting(settings, 'replace.null.with.default', true);
  const schemas = new SchemaCache();
  const extend = (schema: ConnectSchema): ConnectSchema => ({
    ...copyBasics(schema, 'struct'),
    fields: [
      ...(schema.fields ?? []),
      ...insertions.map(
        (insertion): ConnectField => ({
          ...insertion.schema,
          field: insertion.name,
          ...(insertion.optional && { optional: true }),
        }),
      ),
    ],
  });

  return named(className, (record) => {
    const data = operating(record, part);
    if (data === null || data.value === null) return record;
    let updated: ConnectStruct;
    let schema: ConnectSchema | null = null;
    if (data.schema === null) {
      updated = { ...requireMap(className, data.value, purpose) };
    } else {
      const struct = requireStruct(className, data, purpose);
      schema = schemas.get(struct.schema, extend);
      updated = {};
      for (const field of struct.schema.fields ?? [])
        updated[field.field] = fieldValue(struct.value, field, useDefault);
    }
    for (const insertion of insertions) {
      const value = insertion.value(record);
      if (value !== undefined) updated[insertion.name] = value;
      else if (schema) updated[insertion.name] = null;
    }
    return withPart(record, part, { schema, value: updated });
  });
}
