import type { ConnectField, ConnectSchema, ConnectStruct, ConnectValue } from '../plugin/index.ts';

// Debezium's outbox JsonSchemaData: a JSON document (the outbox payload with
// table.expand.json.payload=true) as a Connect schema and value inferred from the document itself.

export interface JsonExpansion {
  /** null fields: dropped (ignore) or kept as optional bytes. */
  nullBehavior: 'ignore' | 'optional_bytes';
  /** empty arrays: dropped (ignore) or kept as arrays of optional strings. */
  emptyArrayBehavior: 'ignore' | 'optional_string';
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: Json): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mergeStructs(left: ConnectSchema | undefined, right: ConnectSchema): ConnectSchema {
  if (!left) return right;
  const fields = new Map<string, ConnectField>((left.fields ?? []).map((field) => [field.field, field]));
  for (const field of right.fields ?? []) {
    const old = fields.get(field.field);
    if (!old || (old.type === 'bytes' && field.type !== 'bytes')) fields.set(field.field, field);
  }
  return { ...left, fields: [...fields.values()] };
}

export function jsonSchema(key: string, node: Json, options: JsonExpansion): ConnectSchema | undefined {
  if (node === null)
    return options.nullBehavior === 'optional_bytes' ? { type: 'bytes', optional: true } : undefined;
  if (typeof node === 'string') return { type: 'string', optional: true };
  if (typeof node === 'boolean') return { type: 'boolean', optional: true };
  if (typeof node === 'number') {
    if (!Number.isInteger(node)) return { type: 'float64', optional: true };
    return { type: node >= -(2 ** 31) && node < 2 ** 31 ? 'int32' : 'int64', optional: true };
  }
  if (Array.isArray(node)) {
    const elements = node.filter((element) => element !== null);
    if (elements.length === 0)
      return options.emptyArrayBehavior === 'optional_string'
        ? { type: 'array', optional: true, items: { type: 'string', optional: true } }
        : undefined;
    let items: ConnectSchema | undefined;
    const first = elements[0] as Json;
    if (isObject(first)) {
      for (const element of elements) {
        if (!isObject(element)) continue;
        const schema = jsonSchema(key, element, options);
        if (schema) items = mergeStructs(items, schema);
      }
    } else {
      items = jsonSchema('', first, options);
      for (const element of elements)
        if (jsonSchema('', element, options)?.type !== items?.type)
          throw new Error(
            `Field is not a homogenous array (${JSON.stringify(first)} x ${JSON.stringify(element)}).`,
          );
    }
    if (!items) throw new Error(`Array '${JSON.stringify(node)}' has unrecognized member schema.`);
    return { type: 'array', optional: true, items };
  }
  const fields: ConnectField[] = [];
  for (const [name, value] of Object.entries(node)) {
    const schema = jsonSchema(key === '' ? name : `${key}.${name}`, value, options);
    if (schema && !fields.some((field) => field.field === name)) fields.push({ ...schema, field: name });
  }
  return { type: 'struct', name: key, optional: true, fields };
}

export function jsonValue(schema: ConnectSchema, node: Json): ConnectValue {
  if (node === null) return null;
  switch (schema.type) {
    case 'struct': {
      if (!isObject(node)) return null;
      const struct: ConnectStruct = {};
      for (const field of schema.fields ?? [])
        struct[field.field] = jsonValue(field, node[field.field] ?? null);
      return struct;
    }
    case 'array':
      return Array.isArray(node) && schema.items
        ? node.map((element) => jsonValue(schema.items as ConnectSchema, element))
        : null;
    case 'bytes':
      return null;
    default:
      return node as ConnectValue;
  }
}

/** The parsed document, or undefined when `text` is not a JSON object or array. */
export function parseJsonDocument(text: string): Json | undefined {
  if (!text.startsWith('{') && !text.startsWith('[')) return undefined;
  try {
    return JSON.parse(text) as Json;
  } catch {
    return undefined;
  }
}
