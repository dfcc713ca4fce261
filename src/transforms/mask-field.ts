import type { ConnectSchema, ConnectStruct, ConnectValue } from '../plugin/index.ts';
import { DATE, DECIMAL, TIME, TIMESTAMP } from '../schema/logical-types.ts';
import { fieldValue, operating, partOf, withPart } from './record-parts.ts';
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

// org.apache.kafka.connect.transforms.MaskField$Key / $Value: replaces the listed fields' values by
// the type's "empty" value (0, false, "", [], {}, the epoch) or by `replacement` (numbers and
// strings only). Nulls stay null; the schema is unchanged. Tombstones pass through.

export const MASK_FIELD = 'org.apache.kafka.connect.transforms.MaskField';
export const MASK_FIELD_SETTINGS = ['fields', 'replacement', 'replace.null.with.default'] as const;

type Kind = 'number' | 'bigint' | 'boolean' | 'string' | 'decimal' | 'array' | 'map' | 'other';

function kindOf(schema: ConnectSchema | undefined, value: ConnectValue): Kind {
  if (schema) {
    if (schema.name === DECIMAL) return 'decimal';
    switch (schema.type) {
      case 'boolean':
        return 'boolean';
      case 'string':
        return 'string';
      case 'array':
        return 'array';
      case 'map':
      case 'struct':
        return schema.type === 'map' ? 'map' : 'other';
      case 'bytes':
        return 'other';
      default:
        return typeof value === 'bigint' ? 'bigint' : 'number';
    }
  }
  if (typeof value === 'number') return 'number';
  if (typeof value === 'bigint') return 'bigint';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'string') return 'string';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Uint8Array) return 'other';
  return 'map';
}

export function maskField(settings: TransformSettings, className: string): RecordTransform {
  const part = partOf(className);
  const purpose = 'mask fields';
  const fields = new Set(listSetting(settings, 'fields'));
  if (fields.size === 0)
    throw new SettingError('fields', 'Invalid value [] for configuration fields: Empty list');
  const replacement = settings.replacement;
  if (replacement !== undefined && replacement === '')
    throw new SettingError(
      'replacement',
      'Invalid value for configuration replacement: String must be non-empty',
    );
  const useDefault = booleanSetting(settings, 'replace.null.with.default', true);

  const masked = (schema: ConnectSchema | undefined, value: ConnectValue): ConnectValue => {
    if (value === null) return null;
    const kind = kindOf(schema, value);
    if (replacement !== undefined) {
      switch (kind) {
        case 'string':
        case 'decimal':
          if (kind === 'decimal' && !Number.isFinite(Number(replacement))) break;
          return replacement;
        case 'number':
        case 'bigint': {
          const number = Number(replacement);
          if (!Number.isFinite(number)) break;
          const integral = schema?.type?.startsWith('int') ?? Number.isInteger(value);
          if (integral && !Number.isInteger(number)) break;
          return kind === 'bigint' ? BigInt(replacement) : number;
        }
        default:
          throw transformFailure(
            className,
            `Cannot mask value of type ${schema?.type ?? kind} with custom replacement.`,
          );
      }
      throw transformFailure(className, `Unable to convert ${replacement} (String) to number`);
    }
    if (schema?.name === DATE || schema?.name === TIME || schema?.name === TIMESTAMP) return 0;
    switch (kind) {
      case 'number':
        return 0;
      case 'bigint':
        return 0n;
      case 'boolean':
        return false;
      case 'string':
        return '';
      case 'decimal':
        return '0';
      case 'array':
        return [];
      case 'map':
        return {};
      default:
        throw transformFailure(className, `Cannot mask value of type: ${schema?.type ?? kind}`);
    }
  };

  return named(className, (record) => {
    const data = operating(record, part);
    if (data === null || data.value === null) return record;
    if (data.schema === null) {
      const updated: ConnectStruct = { ...requireMap(className, data.value, purpose) };
      for (const name of fields) updated[name] = masked(undefined, updated[name] ?? null);
      return withPart(record, part, { schema: null, value: updated });
    }
    const struct = requireStruct(className, data, purpose);
    const updated: ConnectStruct = {};
    for (const field of struct.schema.fields ?? []) {
      const value = fieldValue(struct.value, field, useDefault);
      updated[field.field] = fields.has(field.field) ? masked(field, value) : value;
    }
    return withPart(record, part, { schema: struct.schema, value: updated });
  });
}
