import type { ConnectSchema, ConnectStruct } from '../plugin/index.ts';
import { copyBasics, fieldValue, operating, partOf, SchemaCache, withPart } from './record-parts.ts';
import { requireMap, requireStruct } from './requirements.ts';
import {
  booleanSetting,
  listSetting,
  named,
  type RecordTransform,
  SettingError,
  type TransformSettings,
} from './transform.ts';

// org.apache.kafka.connect.transforms.ReplaceField$Key / $Value: keeps (`include`), drops
// (`exclude`, which wins) and renames (`renames=old:new,...`) fields. Tombstones pass through.

export const REPLACE_FIELD = 'org.apache.kafka.connect.transforms.ReplaceField';
export const REPLACE_FIELD_SETTINGS = ['exclude', 'include', 'renames', 'replace.null.with.default'] as const;

function renameMappings(settings: TransformSettings): Map<string, string> {
  const renames = new Map<string, string>();
  for (const mapping of listSetting(settings, 'renames')) {
    const parts = mapping.split(':');
    if (parts.length !== 2 || parts[0] === undefined || parts[1] === undefined)
      throw new SettingError(
        'renames',
        `Invalid value ${settings.renames} for configuration renames: Invalid rename mapping: ${mapping}`,
      );
    renames.set(parts[0], parts[1]);
  }
  return renames;
}

export function replaceField(settings: TransformSettings, className: string): RecordTransform {
  const part = partOf(className);
  const purpose = 'field replacement';
  const exclude = new Set(listSetting(settings, 'exclude'));
  const include = new Set(listSetting(settings, 'include'));
  const renames = renameMappings(settings);
  const useDefault = booleanSetting(settings, 'replace.null.with.default', true);
  const keep = (name: string) => !exclude.has(name) && (include.size === 0 || include.has(name));
  const renamed = (name: string) => renames.get(name) ?? name;
  const schemas = new SchemaCache();
  const derive = (schema: ConnectSchema): ConnectSchema => ({
    ...copyBasics(schema, 'struct'),
    fields: (schema.fields ?? [])
      .filter((field) => keep(field.field))
      .map((field) => ({ ...field, field: renamed(field.field) })),
  });

  return named(className, (record) => {
    const data = operating(record, part);
    if (data === null || data.value === null) return record;
    const updated: ConnectStruct = {};
    if (data.schema === null) {
      for (const [name, value] of Object.entries(requireMap(className, data.value, purpose)))
        if (keep(name)) updated[renamed(name)] = value;
      return withPart(record, part, { schema: null, value: updated });
    }
    const struct = requireStruct(className, data, purpose);
    for (const field of struct.schema.fields ?? [])
      if (keep(field.field)) updated[renamed(field.field)] = fieldValue(struct.value, field, useDefault);
    return withPart(record, part, { schema: schemas.get(struct.schema, derive), value: updated });
  });
}
