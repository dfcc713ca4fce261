import type { ConnectField, ConnectSchema, ConnectStruct } from '../plugin/index.ts';
import { fieldValue, SchemaCache } from './record-parts.ts';
import { requireMap, requireStruct } from './requirements.ts';
import {
  booleanSetting,
  listSetting,
  named,
  type RecordTransform,
  SettingError,
  type TransformSettings,
  transformFailure,
} from './transform.ts';

// org.apache.kafka.connect.transforms.ValueToKey: the key becomes a struct (or map) of the listed
// value fields. Tombstones pass through with their key.

export const VALUE_TO_KEY = 'org.apache.kafka.connect.transforms.ValueToKey';
export const VALUE_TO_KEY_SETTINGS = ['fields', 'replace.null.with.default'] as const;

export function valueToKey(settings: TransformSettings, className: string): RecordTransform {
  const purpose = 'copying fields from value to key';
  const fields = listSetting(settings, 'fields');
  if (fields.length === 0)
    throw new SettingError('fields', 'Invalid value [] for configuration fields: Empty list');
  const useDefault = booleanSetting(settings, 'replace.null.with.default', true);
  const keySchemas = new SchemaCache();
  const keySchemaOf = (schema: ConnectSchema): ConnectSchema => ({
    type: 'struct',
    fields: fields.map((name): ConnectField => {
      const found = schema.fields?.find((field) => field.field === name);
      if (!found) throw transformFailure(className, `Field does not exist: ${name}`);
      return found;
    }),
  });

  return named(className, (record) => {
    const data = record.value;
    if (data === null || data.value === null) return record;
    const key: ConnectStruct = {};
    if (data.schema === null) {
      const value = requireMap(className, data.value, purpose);
      for (const name of fields) key[name] = value[name] ?? null;
      return { ...record, key: { schema: null, value: key } };
    }
    const struct = requireStruct(className, data, purpose);
    const schema = keySchemas.get(struct.schema, keySchemaOf);
    for (const field of schema.fields ?? []) key[field.field] = fieldValue(struct.value, field, useDefault);
    return { ...record, key: { schema, value: key } };
  });
}
