import type { ConnectSchema } from '../plugin/index.ts';
import { operating, partOf, SchemaCache, withPart } from './record-parts.ts';
import {
  named,
  type RecordTransform,
  SettingError,
  type TransformSettings,
  transformFailure,
} from './transform.ts';

// org.apache.kafka.connect.transforms.SetSchemaMetadata$Key / $Value: sets the schema's name and/or
// version (e.g. to give the registry a subject-stable record name after a topic rename).

export const SET_SCHEMA_METADATA = 'org.apache.kafka.connect.transforms.SetSchemaMetadata';
export const SET_SCHEMA_METADATA_SETTINGS = [
  'schema.name',
  'schema.version',
  'replace.null.with.default',
] as const;

export function setSchemaMetadata(settings: TransformSettings, className: string): RecordTransform {
  const part = partOf(className);
  const name = settings['schema.name']?.trim() || undefined;
  const rawVersion = settings['schema.version']?.trim() || undefined;
  const version = rawVersion === undefined ? undefined : Number(rawVersion);
  if (version !== undefined && !Number.isInteger(version))
    throw new SettingError(
      'schema.version',
      `Invalid value ${rawVersion} for configuration schema.version: Not a number of type INT`,
    );
  if (name === undefined && version === undefined)
    throw new SettingError('schema.name', 'Neither schema name nor version configured');
  const schemas = new SchemaCache();
  const derive = (schema: ConnectSchema): ConnectSchema => ({
    ...schema,
    ...(name !== undefined && { name }),
    ...(version !== undefined && { version }),
  });
  return named(className, (record) => {
    const data = operating(record, part);
    if (data === null || (data.schema === null && data.value === null)) return record;
    if (data.schema === null)
      throw transformFailure(className, 'Schema required for [updating schema metadata]');
    return withPart(record, part, { schema: schemas.get(data.schema, derive), value: data.value });
  });
}
