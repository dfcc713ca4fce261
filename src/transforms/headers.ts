import type { ConnectSchema, ConnectStruct, RecordHeader } from '../plugin/index.ts';
import {
  copyBasics,
  fieldValue,
  headerValue,
  operating,
  partOf,
  SchemaCache,
  withPart,
} from './record-parts.ts';
import { requireMap, requireStruct } from './requirements.ts';
import {
  booleanSetting,
  listSetting,
  named,
  type RecordTransform,
  requiredSetting,
  SettingError,
  type TransformSettings,
} from './transform.ts';

// Kafka's header transforms (KIP-145):
//   HeaderFrom$Key / $Value: `fields` copied (operation=copy) or moved (move) into the headers
//     named by `headers` (one per field); values written as the SimpleHeaderConverter writes them.
//   InsertHeader: adds `header` with the literal `value.literal`.
//   DropHeaders: removes every header named in `headers`.

export const HEADER_FROM = 'org.apache.kafka.connect.transforms.HeaderFrom';
export const HEADER_FROM_SETTINGS = ['fields', 'headers', 'operation', 'replace.null.with.default'] as const;
export const INSERT_HEADER = 'org.apache.kafka.connect.transforms.InsertHeader';
export const INSERT_HEADER_SETTINGS = ['header', 'value.literal'] as const;
export const DROP_HEADERS = 'org.apache.kafka.connect.transforms.DropHeaders';
export const DROP_HEADERS_SETTINGS = ['headers'] as const;

export function headerFrom(settings: TransformSettings, className: string): RecordTransform {
  const part = partOf(className);
  const fields = listSetting(settings, 'fields');
  const headers = listSetting(settings, 'headers');
  if (fields.length === 0)
    throw new SettingError('fields', 'Invalid value [] for configuration fields: Empty list');
  if (headers.length === 0)
    throw new SettingError('headers', 'Invalid value [] for configuration headers: Empty list');
  if (fields.length !== headers.length)
    throw new SettingError(
      'headers',
      `'fields' config must have the same number of elements as 'headers' config.`,
    );
  const operation = requiredSetting(settings, 'operation').toLowerCase();
  if (operation !== 'move' && operation !== 'copy')
    throw new SettingError(
      'operation',
      `Invalid value ${settings.operation} for configuration operation: String must be one of: move, copy`,
    );
  const move = operation === 'move';
  const useDefault = booleanSetting(settings, 'replace.null.with.default', true);
  const moved = new Set(fields);
  const schemas = new SchemaCache();
  const derive = (schema: ConnectSchema): ConnectSchema => ({
    ...copyBasics(schema, 'struct'),
    fields: (schema.fields ?? []).filter((field) => !moved.has(field.field)),
  });

  return named(className, (record) => {
    const data = operating(record, part);
    const added: RecordHeader[] = [];
    let replacement = data;
    if (data?.schema) {
      const struct = requireStruct(className, data, `header ${operation}`);
      fields.forEach((name, index) => {
        const field = struct.schema.fields?.find((candidate) => candidate.field === name);
        const value = field ? fieldValue(struct.value, field, useDefault) : null;
        added.push({ key: headers[index] ?? name, value: headerValue(value) });
      });
      if (move) {
        const value: ConnectStruct = {};
        for (const field of struct.schema.fields ?? [])
          if (!moved.has(field.field)) value[field.field] = fieldValue(struct.value, field, useDefault);
        replacement = { schema: schemas.get(struct.schema, derive), value };
      }
    } else {
      const map = requireMap(className, data?.value ?? null, `header ${operation}`);
      fields.forEach((name, index) => {
        added.push({ key: headers[index] ?? name, value: headerValue(map[name] ?? null) });
      });
      if (move) {
        const value: ConnectStruct = { ...map };
        for (const name of fields) delete value[name];
        replacement = { schema: null, value };
      }
    }
    const updated = withPart(record, part, replacement);
    return { ...updated, headers: [...(record.headers ?? []), ...added] };
  });
}

export function insertHeader(settings: TransformSettings, className = INSERT_HEADER): RecordTransform {
  const key = requiredSetting(settings, 'header');
  const literal = settings['value.literal'];
  if (literal === undefined)
    throw new SettingError(
      'value.literal',
      'Missing required configuration "value.literal" which has no default value.',
    );
  return named(className, (record) => ({
    ...record,
    headers: [...(record.headers ?? []), { key, value: literal }],
  }));
}

export function dropHeaders(settings: TransformSettings, className = DROP_HEADERS): RecordTransform {
  const names = new Set(listSetting(settings, 'headers'));
  if (names.size === 0)
    throw new SettingError('headers', 'Invalid value [] for configuration headers: Empty list');
  return named(className, (record) => {
    if (!record.headers?.some((header) => names.has(header.key))) return record;
    return { ...record, headers: record.headers.filter((header) => !names.has(header.key)) };
  });
}
