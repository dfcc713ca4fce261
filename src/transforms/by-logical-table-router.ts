import type { ConnectField, ConnectSchema, ConnectStruct } from '../plugin/index.ts';
import { isStruct, SchemaCache } from './record-parts.ts';
import { requireStruct } from './requirements.ts';
import { topicRenamer } from './routers.ts';
import {
  booleanSetting,
  enumSetting,
  named,
  type RecordTransform,
  requiredSetting,
  SettingError,
  type TransformSettings,
  wholeMatch,
} from './transform.ts';

// Debezium's io.debezium.transforms.ByLogicalTableRouter (ToLogicalTopicRouter since 3.x): merges
// the topics of sharded or partitioned tables. A topic matching `topic.regex` as a whole becomes
// `topic.replacement`; key, envelope and row schemas are renamed after the new topic, and with
// key.enforce.uniqueness (default) the key gains `key.field.name` holding the original topic (or
// what key.field.regex/key.field.replacement make of it), so rows of different tables stay apart.

export const BY_LOGICAL_TABLE_ROUTER = 'io.debezium.transforms.ByLogicalTableRouter';
export const TO_LOGICAL_TOPIC_ROUTER = 'io.debezium.transforms.ToLogicalTopicRouter';
export const BY_LOGICAL_TABLE_ROUTER_SETTINGS = [
  'topic.regex',
  'topic.replacement',
  'key.enforce.uniqueness',
  'key.field.name',
  'key.field.regex',
  'key.field.replacement',
  'schema.name.adjustment.mode',
  'logical.table.cache.size',
  'logical.destination.cache.size',
] as const;

/** Debezium's SchemaNameAdjuster for Avro: characters Avro names cannot hold become `_`. */
export function avroName(name: string): string {
  return name
    .split('.')
    .map((part) => part.replace(/[^A-Za-z0-9_]/g, '_').replace(/^([0-9])/, '_$1'))
    .join('.');
}

export function byLogicalTableRouter(settings: TransformSettings, className: string): RecordTransform {
  const topicRegex = requiredSetting(settings, 'topic.regex');
  const replacement = settings['topic.replacement'];
  if (replacement === undefined || replacement.trim() === '')
    throw new SettingError(
      'topic.replacement',
      'Missing required configuration "topic.replacement" which has no default value.',
    );
  const pattern = wholeMatch('topic.regex', topicRegex);
  const rename = topicRenamer('topic.regex', topicRegex, replacement);
  const enforceUniqueness = booleanSetting(settings, 'key.enforce.uniqueness', true);
  const legacy = className === BY_LOGICAL_TABLE_ROUTER || className.endsWith('ByLogicalTableRouter');
  const keyFieldName =
    settings['key.field.name']?.trim() ||
    (legacy ? '__dbz__physicalTableIdentifier' : '__dbz__sourceIdentifier');
  const keyFieldRegex = settings['key.field.regex']?.trim();
  const keyFieldReplacement = settings['key.field.replacement']?.trim();
  if (keyFieldRegex && !keyFieldReplacement)
    throw new SettingError(
      'key.field.replacement',
      'key.field.replacement must be non-empty if key.field.regex is set.',
    );
  const identify = keyFieldRegex
    ? topicRenamer('key.field.regex', keyFieldRegex, keyFieldReplacement ?? '')
    : (topic: string) => topic;
  const adjust =
    enumSetting(
      settings,
      'schema.name.adjustment.mode',
      ['none', 'avro', 'avro_unicode'] as const,
      'none',
    ) === 'none'
      ? (name: string) => name
      : avroName;

  const keySchemas = new Map<string, SchemaCache>();
  const envelopeSchemas = new Map<string, SchemaCache>();
  const cacheFor = (caches: Map<string, SchemaCache>, topic: string) => {
    let cache = caches.get(topic);
    if (!cache) {
      cache = new SchemaCache();
      caches.set(topic, cache);
    }
    return cache;
  };

  return named(className, (record) => {
    if (!pattern.test(record.topic)) return record;
    const topic = rename(record.topic);
    // Debezium propagates the record unchanged when the replacement is empty.
    if (topic === '') return record;
    let key = record.key;
    if (key !== null && key.value !== null) {
      const struct = requireStruct(className, key, 'Updating schema');
      const schema = cacheFor(keySchemas, topic).get(struct.schema, (old) => ({
        ...old,
        name: adjust(`${topic}.Key`),
        fields: [
          ...(old.fields ?? []),
          ...(enforceUniqueness ? [{ field: keyFieldName, type: 'string' as const }] : []),
        ],
      }));
      const value: ConnectStruct = { ...struct.value };
      if (enforceUniqueness) value[keyFieldName] = identify(record.topic);
      key = { schema, value };
    }
    let value = record.value;
    const envelope = value?.value;
    if (value?.schema && isStruct(envelope) && value.schema.name?.endsWith('.Envelope')) {
      const schema = cacheFor(envelopeSchemas, topic).get(value.schema, (old) => {
        const rowField = old.fields?.find((field) => field.field === 'before' || field.field === 'after');
        const row: ConnectSchema | undefined = rowField && { ...rowField, name: adjust(`${topic}.Value`) };
        return {
          ...old,
          name: adjust(`${topic}.Envelope`),
          fields: (old.fields ?? []).map((field): ConnectField => {
            if (!row || (field.field !== 'before' && field.field !== 'after')) return field;
            const { field: _name, ...rowSchema } = row as ConnectField;
            return { ...rowSchema, field: field.field };
          }),
        };
      });
      value = { schema, value: envelope };
    }
    return { ...record, topic, key, value };
  });
}
