import type { ConnectField, ConnectSchema, ConnectValue } from '../plugin/index.ts';
import { fieldValue, isStruct, operating, partOf, schemaOf, withPart } from './record-parts.ts';
import { requireMap, requireStruct } from './requirements.ts';
import {
  booleanSetting,
  enumSetting,
  named,
  type RecordTransform,
  requiredSetting,
  SettingError,
  type TransformSettings,
  transformFailure,
} from './transform.ts';

// org.apache.kafka.connect.transforms.ExtractField$Key / $Value: the key or value becomes one of its
// fields. field.syntax.version=V2 (KIP-821) reads nested fields with dots (`a.b`, backticks
// around names that contain dots: "`a.b`.c").

export const EXTRACT_FIELD = 'org.apache.kafka.connect.transforms.ExtractField';
export const EXTRACT_FIELD_SETTINGS = ['field', 'field.syntax.version', 'replace.null.with.default'] as const;

/** A V2 field path: dot-separated, backtick-quoted parts may contain dots. */
export function fieldPath(path: string, version: 'V1' | 'V2'): string[] {
  if (version === 'V1') return [path];
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let index = 0; index < path.length; index++) {
    const char = path[index];
    if (char === '`' && (quoted || current === '')) {
      quoted = !quoted;
    } else if (char === '.' && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  if (quoted)
    throw new SettingError('field', `Invalid value ${path} for configuration field: unclosed backtick`);
  parts.push(current);
  return parts;
}

export function extractField(settings: TransformSettings, className: string): RecordTransform {
  const part = partOf(className);
  const purpose = 'field extraction';
  const original = requiredSetting(settings, 'field');
  const version = enumSetting(settings, 'field.syntax.version', ['V1', 'V2'] as const, 'V1');
  const path = fieldPath(original, version);
  const useDefault = booleanSetting(settings, 'replace.null.with.default', true);

  return named(className, (record) => {
    const data = operating(record, part);
    if (data === null) return record;
    if (data.schema === null) {
      if (data.value === null) return withPart(record, part, { schema: null, value: null });
      let current: ConnectValue = requireMap(className, data.value, purpose);
      for (const name of path) current = isStruct(current) ? (current[name] ?? null) : null;
      return withPart(record, part, { schema: null, value: current });
    }
    let schema: ConnectSchema = data.schema;
    let field: ConnectField | undefined;
    for (const name of path) {
      field = schema.fields?.find((candidate) => candidate.field === name);
      if (!field) throw transformFailure(className, `Unknown field: ${original}`);
      schema = schemaOf(field);
    }
    if (data.value === null) return withPart(record, part, { schema, value: null });
    let current: ConnectValue = requireStruct(className, data, purpose).value;
    let currentSchema: ConnectSchema = data.schema;
    for (const name of path) {
      const next = currentSchema.fields?.find((candidate) => candidate.field === name);
      if (!next || !isStruct(current)) {
        current = null;
        break;
      }
      current = fieldValue(current, next, useDefault);
      currentSchema = schemaOf(next);
    }
    return withPart(record, part, { schema, value: current });
  });
}
