import type {
  ConnectField,
  ConnectSchema,
  ConnectStruct,
  ConnectValue,
  RecordHeader,
  SchemaAndValue,
} from '../plugin/index.ts';
import type { TransformableRecord } from './transform.ts';

// What Kafka Connect's `$Key` / `$Value` transform variants share: which part of the record they
// work on, and the struct helpers (Requirements, SchemaUtil) they use.

export type Part = 'key' | 'value';

/** The part a class name's `$Key` / `$Value` suffix names. */
export function partOf(className: string): Part {
  return className.endsWith('$Key') ? 'key' : 'value';
}

export function operating(record: TransformableRecord, part: Part): SchemaAndValue | null {
  return part === 'key' ? record.key : record.value;
}

/** `record` with `part` replaced. */
export function withPart<R extends TransformableRecord>(
  record: R,
  part: Part,
  replacement: SchemaAndValue | null,
): R {
  return part === 'key' ? { ...record, key: replacement } : { ...record, value: replacement };
}

export function isStruct(value: ConnectValue | undefined): value is ConnectStruct {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}

/** A field's value; with `useDefault`, a null becomes the field's default (Connect's Struct.get). */
export function fieldValue(struct: ConnectStruct, field: ConnectField, useDefault: boolean): ConnectValue {
  const value = struct[field.field] ?? null;
  return value === null && useDefault && field.default !== undefined ? field.default : value;
}

/** A schema's basics (name, version, doc, parameters, optional, default) with another type. */
export function copyBasics(schema: ConnectSchema, type: ConnectSchema['type']): ConnectSchema {
  const copy: ConnectSchema = { type };
  if (schema.optional) copy.optional = true;
  if (schema.name !== undefined) copy.name = schema.name;
  if (schema.version !== undefined) copy.version = schema.version;
  if (schema.doc !== undefined) copy.doc = schema.doc;
  if (schema.parameters !== undefined) copy.parameters = schema.parameters;
  return copy;
}

/** A field's own schema (without its name). */
export function schemaOf(field: ConnectField): ConnectSchema {
  const { field: _name, ...schema } = field;
  return schema;
}

/** Derived schemas are few and live as long as the source schema: computed once per schema. */
export class SchemaCache {
  private readonly cache = new WeakMap<ConnectSchema, ConnectSchema>();

  get(schema: ConnectSchema, derive: (schema: ConnectSchema) => ConnectSchema): ConnectSchema {
    let derived = this.cache.get(schema);
    if (!derived) {
      derived = derive(schema);
      this.cache.set(schema, derived);
    }
    return derived;
  }
}

/** A header value as Kafka Connect's SimpleHeaderConverter writes it: text, or raw bytes. */
export function headerValue(value: ConnectValue): RecordHeader['value'] {
  if (value === null) return null;
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  return JSON.stringify(value, (_key, item: unknown) =>
    typeof item === 'bigint'
      ? item.toString()
      : item instanceof Uint8Array
        ? Buffer.from(item).toString('base64')
        : item,
  );
}
