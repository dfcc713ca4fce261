import {
  requiredSetting,
  SettingError,
  type TransformableRecord,
  type TransformSettings,
  wholeMatch,
} from './transform.ts';

// Kafka's predicates (KIP-585): a transform with `transforms.<t>.predicate=<p>` applies only to
// the records the predicate selects (or, with `transforms.<t>.negate=true`, to the others).
//   TopicNameMatches: `pattern` matches the whole topic name.
//   HasHeaderKey: the record has at least one header named `name`.
//   RecordIsTombstone: the value is null.

export type RecordPredicate = ((record: TransformableRecord) => boolean) & { readonly className: string };

export const TOPIC_NAME_MATCHES = 'org.apache.kafka.connect.transforms.predicates.TopicNameMatches';
export const HAS_HEADER_KEY = 'org.apache.kafka.connect.transforms.predicates.HasHeaderKey';
export const RECORD_IS_TOMBSTONE = 'org.apache.kafka.connect.transforms.predicates.RecordIsTombstone';

interface PredicateDefinition {
  settings: readonly string[];
  create(settings: TransformSettings): (record: TransformableRecord) => boolean;
}

const DEFINITIONS: Record<string, PredicateDefinition> = {
  [TOPIC_NAME_MATCHES]: {
    settings: ['pattern'],
    create: (settings) => {
      const pattern = wholeMatch('pattern', requiredSetting(settings, 'pattern'));
      return (record) => pattern.test(record.topic);
    },
  },
  [HAS_HEADER_KEY]: {
    settings: ['name'],
    create: (settings) => {
      const name = settings.name;
      if (name === undefined || name === '')
        throw new SettingError('name', 'Invalid value for configuration name: String must be non-empty');
      return (record) => record.headers?.some((header) => header.key === name) ?? false;
    },
  },
  [RECORD_IS_TOMBSTONE]: {
    settings: [],
    create: () => (record) => record.value === null || record.value.value === null,
  },
};

/** The full class name for a configured one (full name or the simple name Kafka Connect also accepts). */
export function predicateClass(type: string): string | undefined {
  if (DEFINITIONS[type]) return type;
  return Object.keys(DEFINITIONS).find((name) => name.endsWith(`.${type}`));
}

export const SUPPORTED_PREDICATES: readonly string[] = Object.keys(DEFINITIONS);

export function predicateSettings(className: string): readonly string[] {
  return DEFINITIONS[className]?.settings ?? [];
}

export function createPredicate(className: string, settings: TransformSettings): RecordPredicate {
  const definition = DEFINITIONS[className];
  if (!definition) throw new SettingError('type', `Unknown predicate ${className}`);
  return Object.assign(definition.create(settings), { className });
}
