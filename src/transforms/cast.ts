import type {
  ConnectField,
  ConnectSchema,
  ConnectStruct,
  ConnectType,
  ConnectValue,
} from '../plugin/index.ts';
import { DATE, TIME, TIMESTAMP } from '../schema/logical-types.ts';
import { copyBasics, fieldValue, operating, partOf, SchemaCache, withPart } from './record-parts.ts';
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

// org.apache.kafka.connect.transforms.Cast$Key / $Value: `spec=field:type,...` casts fields, or
// `spec=type` the whole key or value, to int8, int16, int32, int64, float32, float64, boolean or
// string. Date/Time/Timestamp cast to numbers as their encoded value, to strings in ISO form; bytes
// become base64 strings. Tombstones pass through.

export const CAST = 'org.apache.kafka.connect.transforms.Cast';
export const CAST_SETTINGS = ['spec', 'replace.null.with.default'] as const;

const TARGETS = ['int8', 'int16', 'int32', 'int64', 'float32', 'float64', 'boolean', 'string'] as const;
type Target = (typeof TARGETS)[number];
const INPUTS: ReadonlySet<ConnectType> = new Set([...TARGETS, 'bytes'] as ConnectType[]);

function parseSpec(settings: TransformSettings): { whole?: Target; fields: Map<string, Target> } {
  const mappings = listSetting(settings, 'spec');
  if (mappings.length === 0)
    throw new SettingError(
      'spec',
      'Invalid value [] for configuration spec: Must specify at least one field to cast.',
    );
  const fields = new Map<string, Target>();
  let whole: Target | undefined;
  const target = (raw: string): Target => {
    const type = TARGETS.find((candidate) => candidate === raw.trim().toLowerCase());
    if (!type)
      throw new SettingError(
        'spec',
        `Invalid value ${settings.spec} for configuration spec: Invalid type found in casting spec: ${raw.trim()}`,
      );
    return type;
  };
  for (const mapping of mappings) {
    const parts = mapping.split(':');
    if (parts.length > 2 || (parts.length === 1 && mappings.length > 1))
      throw new SettingError(
        'spec',
        `Invalid value ${settings.spec} for configuration spec: Cast transformations that specify a type to cast the entire value to may only specify a single cast in their spec`,
      );
    if (parts.length === 1) whole = target(parts[0] ?? '');
    else fields.set((parts[0] ?? '').trim(), target(parts[1] ?? ''));
  }
  return { ...(whole && { whole }), fields };
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/** Connect's Values.dateFormatFor: how a Date, Time or Timestamp becomes a string. */
function logicalString(schema: ConnectSchema | undefined, value: ConnectValue): string | undefined {
  if (typeof value !== 'number') return undefined;
  if (schema?.name === DATE) return new Date(value * 86_400_000).toISOString().slice(0, 10);
  if (schema?.name === TIME) {
    const date = new Date(value);
    return `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}.${pad(date.getUTCMilliseconds(), 3)}`;
  }
  if (schema?.name === TIMESTAMP) return new Date(value).toISOString();
  return undefined;
}

function wrapInteger(value: number, bits: 8 | 16 | 32): number {
  const shift = 32 - bits;
  return (Math.trunc(value) << shift) >> shift;
}

export function castValue(
  className: string,
  schema: ConnectSchema | undefined,
  value: ConnectValue,
  target: Target,
): ConnectValue {
  if (value === null) return null;
  const type = schema?.type;
  if (type !== undefined && !INPUTS.has(type))
    throw transformFailure(
      className,
      `Cast transformation does not support casting from ${type}; supported types are ${[...INPUTS].join(', ')}`,
    );
  if (target === 'string') {
    const logical = logicalString(schema, value);
    if (logical !== undefined) return logical;
    if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
    if (typeof value === 'object')
      throw transformFailure(
        className,
        `Unexpected type in Cast transformation: ${Array.isArray(value) ? 'array' : 'struct'}`,
      );
    return String(value);
  }
  let number: number | bigint;
  if (typeof value === 'boolean') number = value ? 1 : 0;
  else if (typeof value === 'number' || typeof value === 'bigint') number = value;
  else if (typeof value === 'string') {
    if (target === 'boolean') return value.trim().toLowerCase() === 'true';
    const parsed = Number(value);
    if (value.trim() === '' || Number.isNaN(parsed))
      throw transformFailure(className, `Value (${value}) was out of range for requested data type`);
    number =
      target.startsWith('int') && /^-?\d+$/.test(value.trim()) && !Number.isSafeInteger(parsed)
        ? BigInt(value.trim())
        : parsed;
  } else
    throw transformFailure(
      className,
      `Unexpected type in Cast transformation: ${value instanceof Uint8Array ? 'bytes' : 'struct'}`,
    );
  switch (target) {
    case 'boolean':
      return typeof number === 'bigint' ? number !== 0n : Math.trunc(number) !== 0;
    case 'int8':
      return wrapInteger(Number(number), 8);
    case 'int16':
      return wrapInteger(Number(number), 16);
    case 'int32':
      return wrapInteger(Number(number), 32);
    case 'int64':
      if (typeof number === 'bigint') return BigInt.asIntN(64, number);
      return Math.trunc(number);
    case 'float32':
      return Math.fround(Number(number));
    default:
      return Number(number);
  }
}

export function cast(settings: TransformSettings, className: string): RecordTransform {
  const part = partOf(className);
  const purpose = 'cast types';
  const spec = parseSpec(settings);
  const useDefault = booleanSetting(settings, 'replace.null.with.default', true);
  const schemas = new SchemaCache();
  const derive = (schema: ConnectSchema): ConnectSchema => {
    if (spec.whole) return { ...copyBasics(schema, spec.whole), ...(schema.name && { name: schema.name }) };
    return {
      ...copyBasics(schema, 'struct'),
      fields: (schema.fields ?? []).map((field): ConnectField => {
        const target = spec.fields.get(field.field);
        if (!target) return field;
        return {
          field: field.field,
          type: target,
          ...(field.optional && { optional: true }),
          ...(field.default !== undefined && { default: castValue(className, field, field.default, target) }),
        };
      }),
    };
  };

  return named(className, (record) => {
    const data = operating(record, part);
    if (data === null || data.value === null) return record;
    if (spec.whole) {
      const schema = data.schema ? schemas.get(data.schema, derive) : null;
      return withPart(record, part, {
        schema,
        value: castValue(className, data.schema ?? undefined, data.value, spec.whole),
      });
    }
    if (data.schema === null) {
      const updated: ConnectStruct = { ...requireMap(className, data.value, purpose) };
      for (const [name, target] of spec.fields)
        updated[name] = castValue(className, undefined, updated[name] ?? null, target);
      return withPart(record, part, { schema: null, value: updated });
    }
    const struct = requireStruct(className, data, purpose);
    const updated: ConnectStruct = {};
    for (const field of struct.schema.fields ?? []) {
      const value = fieldValue(struct.value, field, useDefault);
      const target = spec.fields.get(field.field);
      updated[field.field] = target ? castValue(className, field, value, target) : value;
    }
    return withPart(record, part, { schema: schemas.get(struct.schema, derive), value: updated });
  });
}
