import type { ConnectSchema } from '../plugin/index.ts';
import { operating, partOf, SchemaCache, withPart } from './record-parts.ts';
import { named, type RecordTransform, requiredSetting, type TransformSettings } from './transform.ts';

// org.apache.kafka.connect.transforms.HoistField$Key / $Value: wraps the key or value in a struct
// (or map) with one field.

export const HOIST_FIELD = 'org.apache.kafka.connect.transforms.HoistField';
export const HOIST_FIELD_SETTINGS = ['field'] as const;

export function hoistField(settings: TransformSettings, className: string): RecordTransform {
  const part = partOf(className);
  const name = requiredSetting(settings, 'field');
  const schemas = new SchemaCache();
  const wrap = (schema: ConnectSchema): ConnectSchema => ({
    type: 'struct',
    fields: [{ ...schema, field: name }],
  });
  return named(className, (record) => {
    const data = operating(record, part);
    const value = data?.value ?? null;
    if (!data?.schema) return withPart(record, part, { schema: null, value: { [name]: value } });
    return withPart(record, part, { schema: schemas.get(data.schema, wrap), value: { [name]: value } });
  });
}
