import type { ConnectField, ConnectSchema, ConnectStruct, ConnectValue } from '../plugin/index.ts';
import { copyBasics, isStruct, operating, partOf, SchemaCache, withPart } from './record-parts.ts';
import { requireMap, requireStruct } from './requirements.ts';
import { named, type RecordTransform, type TransformSettings, transformFailure } from './transform.ts';

// org.apache.kafka.connect.transforms.Flatten$Key / $Value: nested structs (maps when schemaless)
// become top-level fields named `<outer><delimiter><inner>`; a field under an optional struct is
// optional. Arrays stay as they are; maps with a schema are refused, as in Kafka.

export const FLATTEN = 'org.apache.kafka.connect.transforms.Flatten';
export const FLATTEN_SETTINGS = ['delimiter'] as const;

export function flatten(settings: TransformSettings, className: string): RecordTransform {
  const part = partOf(className);
  const purpose = 'flattening';
  const delimiter = settings.delimiter ?? '.';
  const join = (prefix: string, name: string) => (prefix === '' ? name : `${prefix}${delimiter}${name}`);

  const flatFields = (schema: ConnectSchema, prefix: string, optional: boolean, out: ConnectField[]) => {
    for (const field of schema.fields ?? []) {
      const name = join(prefix, field.field);
      const fieldOptional = optional || field.optional === true;
      if (field.type === 'struct') flatFields(field, name, fieldOptional, out);
      else if (field.type === 'map')
        throw transformFailure(
          className,
          `Flatten transformation does not support MAP for record with schemas (for field ${name}).`,
        );
      else {
        const { field: _old, ...rest } = field;
        out.push({ ...rest, field: name, ...(fieldOptional && { optional: true }) });
      }
    }
  };
  const flatValues = (
    schema: ConnectSchema,
    value: ConnectStruct | null,
    prefix: string,
    out: ConnectStruct,
  ) => {
    for (const field of schema.fields ?? []) {
      const name = join(prefix, field.field);
      const inner: ConnectValue = value?.[field.field] ?? null;
      if (field.type === 'struct') flatValues(field, isStruct(inner) ? inner : null, name, out);
      else if (value !== null) out[name] = inner;
    }
  };
  const flatSchemaless = (value: ConnectStruct, prefix: string, out: ConnectStruct) => {
    for (const [key, inner] of Object.entries(value)) {
      const name = join(prefix, key);
      if (isStruct(inner)) flatSchemaless(inner, name, out);
      else out[name] = inner;
    }
  };
  const schemas = new SchemaCache();
  const derive = (schema: ConnectSchema): ConnectSchema => {
    const fields: ConnectField[] = [];
    flatFields(schema, '', schema.optional === true, fields);
    return { ...copyBasics(schema, 'struct'), fields };
  };

  return named(className, (record) => {
    const data = operating(record, part);
    if (data === null || data.value === null) return record;
    const updated: ConnectStruct = {};
    if (data.schema === null) {
      flatSchemaless(requireMap(className, data.value, purpose), '', updated);
      return withPart(record, part, { schema: null, value: updated });
    }
    const struct = requireStruct(className, data, purpose);
    const schema = schemas.get(struct.schema, derive);
    flatValues(struct.schema, struct.value, '', updated);
    for (const field of schema.fields ?? []) if (!(field.field in updated)) updated[field.field] = null;
    return withPart(record, part, { schema, value: updated });
  });
}
