import { OnrampError } from '../plugin/errors.ts';
import type { ConnectField, ConnectSchema, ConnectType, ConnectValue, JsonValue } from '../plugin/record.ts';
import { bytesToDecimal, decimalToBytes } from './decimal.ts';
import {
  DATE,
  DECIMAL,
  DECIMAL_PRECISION_PARAMETER,
  decimalScale,
  isDecimal,
  TIME,
  TIMESTAMP,
} from './logical-types.ts';

// Connect schema <-> Avro schema, the way Confluent's AvroData does it for Debezium, so the schemas we
// register look like the ones Debezium + AvroConverter register and consumers see no difference:
// record names split at the last dot into namespace/name, optional as ["null", T] with default null,
// Connect metadata kept in `connect.*` properties (which is also how sinks recover column types).

/** An Avro schema in its JSON form. */
export type AvroSchema = JsonValue;
type AvroObject = { [key: string]: JsonValue };

const CONNECT_DEFAULT_NAMESPACE = 'io.confluent.connect.avro';
const CONNECT_DEFAULT_NAME = 'ConnectDefault';
const MAP_ENTRY = `${CONNECT_DEFAULT_NAMESPACE}.MapEntry`;
/** Confluent's default when a Decimal carries no precision. */
const DEFAULT_DECIMAL_PRECISION = 64;

const AVRO_PRIMITIVE: Partial<Record<ConnectType, string>> = {
  int8: 'int',
  int16: 'int',
  int32: 'int',
  int64: 'long',
  float32: 'float',
  float64: 'double',
  boolean: 'boolean',
  string: 'string',
  bytes: 'bytes',
};

const LOGICAL_TYPE: Record<string, string> = {
  [DECIMAL]: 'decimal',
  [DATE]: 'date',
  [TIME]: 'time-millis',
  [TIMESTAMP]: 'timestamp-millis',
};

/** Avro names allow [A-Za-z_][A-Za-z0-9_]*; anything else is replaced (like Confluent's scrub.invalid.names). */
export function avroName(name: string): string {
  const scrubbed = name.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(scrubbed) ? scrubbed : `_${scrubbed}`;
}

function splitName(fullName: string): { namespace: string; name: string } {
  const dot = fullName.lastIndexOf('.');
  const namespace = dot < 0 ? '' : fullName.slice(0, dot).split('.').map(avroName).join('.');
  return { namespace, name: avroName(dot < 0 ? fullName : fullName.slice(dot + 1)) };
}

interface ToAvroContext {
  /** The enclosing namespace: names in it are written short, as Avro's own toString does. */
  namespace: string;
  /** Records already defined in this schema: later uses are references by name. */
  defined: Set<string>;
  defaultNames: number;
}

export function connectToAvro(schema: ConnectSchema): AvroSchema {
  return withOptional(schema, { namespace: '', defined: new Set(), defaultNames: 0 });
}

function withOptional(schema: ConnectSchema, context: ToAvroContext): AvroSchema {
  const base = baseToAvro(schema, context);
  if (!schema.optional) return base;
  return schema.default === undefined || schema.default === null ? ['null', base] : [base, 'null'];
}

function connectProperties(schema: ConnectSchema, target: AvroObject, withDoc: boolean): void {
  if (withDoc && schema.doc !== undefined) target['connect.doc'] = schema.doc;
  if (schema.version !== undefined) target['connect.version'] = schema.version;
  if (schema.parameters !== undefined) target['connect.parameters'] = { ...schema.parameters };
  if (withDoc && schema.default !== undefined && schema.default !== null) {
    target['connect.default'] = connectValueToAvroJson(schema, schema.default);
  }
  if (schema.name !== undefined) target['connect.name'] = schema.name;
}

function baseToAvro(schema: ConnectSchema, context: ToAvroContext): AvroSchema {
  switch (schema.type) {
    case 'struct':
      return structToAvro(schema, context);
    case 'array': {
      const result: AvroObject = {
        type: 'array',
        items: withOptional(required(schema.items, 'items', schema), context),
      };
      connectProperties(schema, result, true);
      return result;
    }
    case 'map': {
      const keys = required(schema.keys, 'keys', schema);
      if (keys.type !== 'string') {
        throw new OnrampError(
          'CONVERSION_FAILED',
          `Maps with ${keys.type} keys are not supported (only string keys)`,
        );
      }
      const result: AvroObject = {
        type: 'map',
        values: withOptional(required(schema.values, 'values', schema), context),
      };
      connectProperties(schema, result, true);
      return result;
    }
    default: {
      const primitive = AVRO_PRIMITIVE[schema.type];
      if (primitive === undefined)
        throw new OnrampError('CONVERSION_FAILED', `Unknown Connect type ${schema.type}`);
      const result: AvroObject = { type: primitive };
      if (schema.type === 'int8' || schema.type === 'int16') result['connect.type'] = schema.type;
      if (isDecimal(schema)) {
        const precision = Number(
          schema.parameters?.[DECIMAL_PRECISION_PARAMETER] ?? DEFAULT_DECIMAL_PRECISION,
        );
        result.scale = decimalScale(schema);
        result.precision = Number.isInteger(precision) ? precision : DEFAULT_DECIMAL_PRECISION;
      }
      connectProperties(schema, result, true);
      const logical = schema.name === undefined ? undefined : LOGICAL_TYPE[schema.name];
      if (logical !== undefined && (logical !== 'decimal' || schema.type === 'bytes'))
        result.logicalType = logical;
      return Object.keys(result).length === 1 ? primitive : result;
    }
  }
}

function structToAvro(schema: ConnectSchema, context: ToAvroContext): AvroSchema {
  let fullName = schema.name;
  if (fullName === undefined) {
    fullName = `${CONNECT_DEFAULT_NAMESPACE}.${CONNECT_DEFAULT_NAME}${context.defaultNames === 0 ? '' : context.defaultNames}`;
    context.defaultNames += 1;
  }
  const { namespace, name } = splitName(fullName);
  const qualified = namespace === '' ? name : `${namespace}.${name}`;
  if (context.defined.has(qualified)) return namespace === context.namespace ? name : qualified;
  context.defined.add(qualified);

  const record: AvroObject = { type: 'record', name };
  if (namespace !== context.namespace) record.namespace = namespace;
  if (schema.doc !== undefined) record.doc = schema.doc;
  const inner: ToAvroContext = { ...context, namespace };
  record.fields = (schema.fields ?? []).map((field) => fieldToAvro(field, inner));
  context.defaultNames = inner.defaultNames;
  connectProperties(schema, record, false);
  return record;
}

function fieldToAvro(field: ConnectField, context: ToAvroContext): AvroObject {
  const result: AvroObject = { name: avroName(field.field), type: withOptional(field, context) };
  if (field.doc !== undefined) result.doc = field.doc;
  if (field.default !== undefined && field.default !== null) {
    result.default = connectValueToAvroJson(field, field.default);
  } else if (field.optional) {
    result.default = null;
  }
  return result;
}

function required<T>(value: T | undefined, what: string, schema: ConnectSchema): T {
  if (value === undefined) {
    throw new OnrampError(
      'CONVERSION_FAILED',
      `Connect ${schema.type} schema ${schema.name ?? ''} has no ${what}`,
    );
  }
  return value;
}

/** A Connect value in Avro's JSON encoding (used for defaults): bytes as ISO-8859-1 strings. */
export function connectValueToAvroJson(schema: ConnectSchema, value: ConnectValue): JsonValue {
  if (value === null) return null;
  if (isDecimal(schema)) return decimalToBytes(String(value), decimalScale(schema)).toString('latin1');
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('latin1');
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value))
    return value.map((item) => (schema.items ? connectValueToAvroJson(schema.items, item) : null));
  if (typeof value === 'object') {
    const result: { [key: string]: JsonValue } = {};
    if (schema.type === 'struct') {
      for (const field of schema.fields ?? [])
        result[avroName(field.field)] = connectValueToAvroJson(field, value[field.field] ?? null);
    } else {
      for (const [key, item] of Object.entries(value))
        result[key] = schema.values ? connectValueToAvroJson(schema.values, item) : null;
    }
    return result;
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Avro -> Connect: recovers the Connect schema (types, names, parameters, optionality) so sinks know
// the column types of what they receive, whether Onramp or Debezium + AvroConverter wrote it.

interface FromAvroContext {
  namespace: string;
  named: Map<string, ConnectSchema>;
}

export function avroToConnect(avro: AvroSchema): ConnectSchema {
  return fromAvro(avro, { namespace: '', named: new Map() });
}

function isObject(value: JsonValue | undefined): value is AvroObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringProp(node: AvroObject, key: string): string | undefined {
  const value = node[key];
  return typeof value === 'string' ? value : undefined;
}

function unsupported(what: string): never {
  throw new OnrampError('CONVERSION_FAILED', `Unsupported Avro schema: ${what}`);
}

const CONNECT_FROM_AVRO: Record<string, ConnectType> = {
  int: 'int32',
  long: 'int64',
  float: 'float32',
  double: 'float64',
  boolean: 'boolean',
  string: 'string',
  bytes: 'bytes',
};

function fromAvro(node: AvroSchema, context: FromAvroContext): ConnectSchema {
  if (typeof node === 'string') {
    const primitive = CONNECT_FROM_AVRO[node];
    if (primitive !== undefined) return { type: primitive };
    const fullName = node.includes('.') || context.namespace === '' ? node : `${context.namespace}.${node}`;
    const named = context.named.get(fullName) ?? context.named.get(node);
    if (named === undefined) return unsupported(`unknown type name ${node}`);
    return { ...named };
  }
  if (Array.isArray(node)) {
    const branches = node.filter((branch) => branch !== 'null');
    const [only] = branches;
    if (branches.length !== 1 || only === undefined) return unsupported(`union ${JSON.stringify(node)}`);
    return { ...fromAvro(only, context), optional: branches.length < node.length };
  }
  if (!isObject(node)) return unsupported(JSON.stringify(node));
  const type = node.type;
  if (typeof type !== 'string') return fromAvro(type ?? null, context);
  switch (type) {
    case 'record':
      return recordFromAvro(node, context);
    case 'enum':
      return withConnectProperties({ type: 'string' }, node);
    case 'fixed': {
      const schema = primitiveFromAvro(node, 'bytes');
      const fullName = namedFullName(node, context.namespace);
      context.named.set(fullName, schema);
      return schema;
    }
    case 'array': {
      const items = fromAvro(node.items ?? null, context);
      // Confluent writes maps with non-string keys as arrays of MapEntry records.
      const key = items.fields?.find((field) => field.field === 'key');
      const value = items.fields?.find((field) => field.field === 'value');
      if (items.name === MAP_ENTRY && key && value) {
        return withConnectProperties({ type: 'map', keys: stripField(key), values: stripField(value) }, node);
      }
      return withConnectProperties({ type: 'array', items }, node);
    }
    case 'map':
      return withConnectProperties(
        { type: 'map', keys: { type: 'string' }, values: fromAvro(node.values ?? null, context) },
        node,
      );
    default: {
      const primitive = CONNECT_FROM_AVRO[type];
      if (primitive === undefined) return unsupported(`type ${type}`);
      return primitiveFromAvro(node, primitive);
    }
  }
}

function stripField(field: ConnectField): ConnectSchema {
  const { field: _name, ...schema } = field;
  return schema;
}

function namedFullName(node: AvroObject, enclosing: string): string {
  const name = stringProp(node, 'name') ?? unsupported('named type without a name');
  if (name.includes('.')) return name;
  const namespace = stringProp(node, 'namespace') ?? enclosing;
  return namespace === '' ? name : `${namespace}.${name}`;
}

function primitiveFromAvro(node: AvroObject, primitive: ConnectType): ConnectSchema {
  const schema: ConnectSchema = { type: primitive };
  const connectType = stringProp(node, 'connect.type');
  if (primitive === 'int32' && (connectType === 'int8' || connectType === 'int16')) schema.type = connectType;
  const logical = stringProp(node, 'logicalType');
  if (logical === 'decimal' && primitive === 'bytes') {
    schema.name = DECIMAL;
    schema.version = 1;
    const scale = typeof node.scale === 'number' ? node.scale : 0;
    schema.parameters = { scale: String(scale) };
    if (typeof node.precision === 'number')
      schema.parameters[DECIMAL_PRECISION_PARAMETER] = String(node.precision);
  } else if (logical === 'date' && primitive === 'int32') {
    Object.assign(schema, { name: DATE, version: 1 });
  } else if (logical === 'time-millis' && primitive === 'int32') {
    Object.assign(schema, { name: TIME, version: 1 });
  } else if (logical === 'timestamp-millis' && primitive === 'int64') {
    Object.assign(schema, { name: TIMESTAMP, version: 1 });
  }
  withConnectProperties(schema, node);
  const connectDefault = node['connect.default'];
  if (connectDefault !== undefined && connectDefault !== null)
    schema.default = avroJsonToConnectValue(schema, connectDefault);
  return schema;
}

function withConnectProperties(schema: ConnectSchema, node: AvroObject): ConnectSchema {
  const name = stringProp(node, 'connect.name');
  if (name !== undefined) schema.name = name;
  const version = node['connect.version'];
  if (typeof version === 'number') schema.version = version;
  const doc = stringProp(node, 'connect.doc');
  if (doc !== undefined) schema.doc = doc;
  const parameters = node['connect.parameters'];
  if (isObject(parameters)) {
    schema.parameters = { ...schema.parameters };
    for (const [key, value] of Object.entries(parameters))
      if (typeof value === 'string') schema.parameters[key] = value;
  }
  return schema;
}

function recordFromAvro(node: AvroObject, context: FromAvroContext): ConnectSchema {
  const fullName = namedFullName(node, context.namespace);
  const dot = fullName.lastIndexOf('.');
  const inner: FromAvroContext = { ...context, namespace: dot < 0 ? '' : fullName.slice(0, dot) };
  const schema: ConnectSchema = { type: 'struct', fields: [] };
  // Registered before its fields so recursive references resolve.
  context.named.set(fullName, schema);
  const isDefaultName = fullName.startsWith(`${CONNECT_DEFAULT_NAMESPACE}.${CONNECT_DEFAULT_NAME}`);
  if (!isDefaultName) schema.name = fullName;
  const doc = stringProp(node, 'doc');
  if (doc !== undefined) schema.doc = doc;
  withConnectProperties(schema, node);
  const fields = Array.isArray(node.fields) ? node.fields : [];
  for (const field of fields) {
    if (!isObject(field)) continue;
    const fieldSchema = fromAvro(field.type ?? null, inner);
    const result: ConnectField = { field: stringProp(field, 'name') ?? '', ...fieldSchema };
    const fieldDoc = stringProp(field, 'doc');
    if (fieldDoc !== undefined) result.doc = fieldDoc;
    if (field.default !== undefined && field.default !== null && result.default === undefined) {
      result.default = avroJsonToConnectValue(fieldSchema, field.default);
    }
    schema.fields?.push(result);
  }
  return schema;
}

/** Avro's JSON encoding of a value (a default) back into a Connect value. */
export function avroJsonToConnectValue(schema: ConnectSchema, value: JsonValue): ConnectValue {
  if (value === null) return null;
  if (schema.type === 'bytes' && typeof value === 'string') {
    const bytes = Buffer.from(value, 'latin1');
    return isDecimal(schema) ? bytesToDecimal(bytes, decimalScale(schema)) : bytes;
  }
  if (Array.isArray(value))
    return value.map((item) => (schema.items ? avroJsonToConnectValue(schema.items, item) : null));
  if (typeof value === 'object') {
    const result: { [key: string]: ConnectValue } = {};
    if (schema.type === 'struct') {
      for (const field of schema.fields ?? [])
        result[field.field] = avroJsonToConnectValue(field, value[field.field] ?? null);
    } else {
      for (const [key, item] of Object.entries(value))
        result[key] = schema.values ? avroJsonToConnectValue(schema.values, item) : null;
    }
    return result;
  }
  return value;
}
