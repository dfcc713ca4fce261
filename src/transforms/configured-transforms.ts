import type { FieldError, Logger } from '../plugin/index.ts';
import { errorMessage } from '../plugin/index.ts';
import {
  BY_LOGICAL_TABLE_ROUTER,
  BY_LOGICAL_TABLE_ROUTER_SETTINGS,
  byLogicalTableRouter,
  TO_LOGICAL_TOPIC_ROUTER,
} from './by-logical-table-router.ts';
import { CAST, CAST_SETTINGS, cast } from './cast.ts';
import { EXTRACT_FIELD, EXTRACT_FIELD_SETTINGS, extractField } from './extract-field.ts';
import {
  EXTRACT_NEW_RECORD_STATE,
  EXTRACT_NEW_RECORD_STATE_SETTINGS,
  EXTRACT_NEW_RECORD_STATE_UNSUPPORTED,
  extractNewRecordState,
} from './extract-new-record-state.ts';
import { FLATTEN, FLATTEN_SETTINGS, flatten } from './flatten.ts';
import {
  DROP_HEADERS,
  DROP_HEADERS_SETTINGS,
  dropHeaders,
  HEADER_FROM,
  HEADER_FROM_SETTINGS,
  headerFrom,
  INSERT_HEADER,
  INSERT_HEADER_SETTINGS,
  insertHeader,
} from './headers.ts';
import { HOIST_FIELD, HOIST_FIELD_SETTINGS, hoistField } from './hoist-field.ts';
import { INSERT_FIELD, INSERT_FIELD_SETTINGS, insertField } from './insert-field.ts';
import { MASK_FIELD, MASK_FIELD_SETTINGS, maskField } from './mask-field.ts';
import {
  OUTBOX_EVENT_ROUTER,
  OUTBOX_EVENT_ROUTER_SETTINGS,
  OUTBOX_EVENT_ROUTER_UNSUPPORTED,
  outboxEventRouter,
} from './outbox-event-router.ts';
import { createPredicate, predicateClass, predicateSettings, SUPPORTED_PREDICATES } from './predicates.ts';
import { REPLACE_FIELD, REPLACE_FIELD_SETTINGS, replaceField } from './replace-field.ts';
import {
  FILTER,
  filter,
  REGEX_ROUTER,
  REGEX_ROUTER_SETTINGS,
  regexRouter,
  TIMESTAMP_ROUTER,
  TIMESTAMP_ROUTER_SETTINGS,
  timestampRouter,
} from './routers.ts';
import {
  SET_SCHEMA_METADATA,
  SET_SCHEMA_METADATA_SETTINGS,
  setSchemaMetadata,
} from './set-schema-metadata.ts';
import {
  TIMESTAMP_CONVERTER,
  TIMESTAMP_CONVERTER_SETTINGS,
  timestampConverter,
} from './timestamp-converter.ts';
import { named, type RecordTransform, SettingError, shortName, type TransformSettings } from './transform.ts';
import { VALUE_TO_KEY, VALUE_TO_KEY_SETTINGS, valueToKey } from './value-to-key.ts';

// Builds the transform chain a connector config asks for (Kafka Connect's `transforms=a,b` with
// `transforms.a.type=<class>`, `transforms.a.<setting>=...`, `transforms.a.predicate=<p>`,
// `transforms.a.negate=true`, and `predicates=p` with `predicates.p.type=<class>`). The same chain
// serves source and sink connectors. Unknown classes, bad settings and settings the original
// defines but Onramp does not implement are errors naming the key; keys neither defines are
// warnings (kept, reported), never silently skipped.

interface TransformDefinition {
  /** The canonical class name; with `variants`, `<name>$Key` and `<name>$Value` are the classes. */
  className: string;
  variants?: boolean;
  /** Other class names for the same transform. */
  aliases?: readonly string[];
  settings: readonly string[];
  /** Settings the original defines that Onramp refuses, with why and what to do instead. */
  unsupported?: Readonly<Record<string, string>>;
  /** Settings renamed since, with the name to use. */
  renamed?: Readonly<Record<string, string>>;
  create(settings: TransformSettings, className: string, log?: Logger): RecordTransform;
}

const DEFINITIONS: readonly TransformDefinition[] = [
  { className: INSERT_FIELD, variants: true, settings: INSERT_FIELD_SETTINGS, create: insertField },
  {
    className: REPLACE_FIELD,
    variants: true,
    settings: REPLACE_FIELD_SETTINGS,
    renamed: { blacklist: 'exclude', whitelist: 'include' },
    create: replaceField,
  },
  { className: MASK_FIELD, variants: true, settings: MASK_FIELD_SETTINGS, create: maskField },
  { className: VALUE_TO_KEY, settings: VALUE_TO_KEY_SETTINGS, create: valueToKey },
  { className: EXTRACT_FIELD, variants: true, settings: EXTRACT_FIELD_SETTINGS, create: extractField },
  { className: HOIST_FIELD, variants: true, settings: HOIST_FIELD_SETTINGS, create: hoistField },
  { className: CAST, variants: true, settings: CAST_SETTINGS, create: cast },
  {
    className: TIMESTAMP_CONVERTER,
    variants: true,
    settings: TIMESTAMP_CONVERTER_SETTINGS,
    create: timestampConverter,
  },
  { className: FLATTEN, variants: true, settings: FLATTEN_SETTINGS, create: flatten },
  { className: FILTER, settings: [], create: filter },
  { className: REGEX_ROUTER, settings: REGEX_ROUTER_SETTINGS, create: regexRouter },
  { className: TIMESTAMP_ROUTER, settings: TIMESTAMP_ROUTER_SETTINGS, create: timestampRouter },
  {
    className: SET_SCHEMA_METADATA,
    variants: true,
    settings: SET_SCHEMA_METADATA_SETTINGS,
    create: setSchemaMetadata,
  },
  { className: HEADER_FROM, variants: true, settings: HEADER_FROM_SETTINGS, create: headerFrom },
  { className: INSERT_HEADER, settings: INSERT_HEADER_SETTINGS, create: insertHeader },
  { className: DROP_HEADERS, settings: DROP_HEADERS_SETTINGS, create: dropHeaders },
  {
    className: EXTRACT_NEW_RECORD_STATE,
    settings: EXTRACT_NEW_RECORD_STATE_SETTINGS,
    unsupported: EXTRACT_NEW_RECORD_STATE_UNSUPPORTED,
    create: extractNewRecordState,
  },
  {
    className: BY_LOGICAL_TABLE_ROUTER,
    aliases: [TO_LOGICAL_TOPIC_ROUTER],
    settings: BY_LOGICAL_TABLE_ROUTER_SETTINGS,
    create: byLogicalTableRouter,
  },
  {
    className: OUTBOX_EVENT_ROUTER,
    settings: OUTBOX_EVENT_ROUTER_SETTINGS,
    unsupported: OUTBOX_EVENT_ROUTER_UNSUPPORTED,
    create: outboxEventRouter,
  },
];

/** Every class name users may configure, full names first (GET /connector-plugins?connectorsOnly=false). */
export const SUPPORTED_TRANSFORMS: readonly string[] = DEFINITIONS.flatMap((definition) => [
  ...(definition.variants
    ? [`${definition.className}$Key`, `${definition.className}$Value`]
    : [definition.className]),
  ...(definition.aliases ?? []),
]);

/** Class names Onramp knows of but does not implement, with what to use instead. */
const UNSUPPORTED_CLASSES: Readonly<Record<string, string>> = {
  'io.debezium.transforms.Filter':
    'scripted (Groovy/JavaScript) filters are not supported; use org.apache.kafka.connect.transforms.Filter with a predicate (TopicNameMatches, HasHeaderKey, RecordIsTombstone)',
  'io.debezium.transforms.ContentBasedRouter':
    'scripted routing is not supported; use org.apache.kafka.connect.transforms.RegexRouter, or ExtractNewRecordState with route.by.field',
  'io.debezium.transforms.ExtractChangedRecordState': 'not implemented yet',
  'io.debezium.transforms.HeaderToValue': 'not implemented yet; use InsertField$Value with static fields',
  'io.debezium.transforms.partitions.PartitionRouting': 'not implemented yet',
  'io.debezium.transforms.TimezoneConverter': 'not implemented yet',
  'io.debezium.transforms.SchemaChangeEventFilter': 'not implemented yet',
};

interface ResolvedClass {
  definition: TransformDefinition;
  className: string;
}

function resolveTransform(type: string): ResolvedClass | undefined {
  for (const definition of DEFINITIONS) {
    const names = definition.variants
      ? [`${definition.className}$Key`, `${definition.className}$Value`]
      : [definition.className, ...(definition.aliases ?? [])];
    for (const name of names)
      if (type === name || type === shortName(name)) return { definition, className: name };
  }
  return undefined;
}

export interface ConfiguredTransforms {
  transforms: RecordTransform[];
  /** Problems that refuse the config, by key. */
  errors: FieldError[];
  /** Keys neither Kafka Connect, Debezium nor Onramp define for that transform or predicate: kept, reported. */
  warnings: FieldError[];
}

function aliases(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((alias) => alias.trim())
    .filter((alias) => alias !== '');
}

function settingsUnder(raw: Readonly<Record<string, string>>, prefix: string): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw))
    if (key.startsWith(prefix)) settings[key.slice(prefix.length)] = value;
  return settings;
}

/** Checks one transform's or predicate's keys: refused, renamed and unknown settings. */
function checkSettings(
  prefix: string,
  settings: Readonly<Record<string, string>>,
  known: ReadonlySet<string>,
  definition: Pick<TransformDefinition, 'unsupported' | 'renamed'> | undefined,
  result: ConfiguredTransforms,
): void {
  for (const key of Object.keys(settings)) {
    if (known.has(key)) continue;
    const own = (table: Readonly<Record<string, string>> | undefined) =>
      table && Object.hasOwn(table, key) ? table[key] : undefined;
    const why = own(definition?.unsupported);
    const renamed = own(definition?.renamed);
    if (why)
      result.errors.push({ field: `${prefix}${key}`, message: `${prefix}${key} is not supported: ${why}` });
    else if (renamed)
      result.errors.push({
        field: `${prefix}${key}`,
        message: `${prefix}${key} was renamed: use ${prefix}${renamed} instead`,
      });
    else
      result.warnings.push({
        field: `${prefix}${key}`,
        message: `${prefix}${key} is not a setting of this ${prefix.startsWith('predicates.') ? 'predicate' : 'transform'}; it is kept but has no effect`,
      });
  }
}

export function configuredTransforms(
  raw: Readonly<Record<string, string>>,
  log?: Logger,
): ConfiguredTransforms {
  const result: ConfiguredTransforms = { transforms: [], errors: [], warnings: [] };
  const missing = (key: string) =>
    result.errors.push({
      field: key,
      message: `Missing required configuration "${key}" which has no default value.`,
    });

  const predicateAliases = aliases(raw.predicates);
  const predicates = new Map<string, ReturnType<typeof createPredicate>>();
  for (const alias of predicateAliases) {
    const prefix = `predicates.${alias}.`;
    const type = raw[`${prefix}type`]?.trim();
    if (!type) {
      missing(`${prefix}type`);
      continue;
    }
    const className = predicateClass(type);
    if (!className) {
      result.errors.push({
        field: `${prefix}type`,
        message: `Invalid value ${type} for configuration ${prefix}type: unsupported predicate (supported: ${SUPPORTED_PREDICATES.join(', ')})`,
      });
      continue;
    }
    const settings = settingsUnder(raw, prefix);
    delete settings.type;
    checkSettings(prefix, settings, new Set(predicateSettings(className)), undefined, result);
    try {
      predicates.set(alias, createPredicate(className, settings));
    } catch (error) {
      const setting = error instanceof SettingError ? error.setting : 'type';
      result.errors.push({ field: `${prefix}${setting}`, message: errorMessage(error) });
    }
  }

  const transformAliases = aliases(raw.transforms);
  for (const alias of transformAliases) {
    const prefix = `transforms.${alias}.`;
    const type = raw[`${prefix}type`]?.trim();
    if (!type) {
      missing(`${prefix}type`);
      continue;
    }
    const resolved = resolveTransform(type);
    if (!resolved) {
      const why =
        UNSUPPORTED_CLASSES[type] ??
        Object.entries(UNSUPPORTED_CLASSES).find(([name]) => shortName(name) === type)?.[1];
      result.errors.push({
        field: `${prefix}type`,
        message: why
          ? `Invalid value ${type} for configuration ${prefix}type: ${why}`
          : `Invalid value ${type} for configuration ${prefix}type: unsupported transform (supported: ${SUPPORTED_TRANSFORMS.join(', ')})`,
      });
      continue;
    }
    const { definition, className } = resolved;
    const settings = settingsUnder(raw, prefix);
    const predicateAlias = settings.predicate?.trim();
    const negate = settings.negate?.trim().toLowerCase();
    for (const key of ['type', 'predicate', 'negate']) delete settings[key];
    const before = result.errors.length;
    checkSettings(prefix, settings, new Set(definition.settings), definition, result);
    if (result.errors.length > before) continue;
    if (negate !== undefined && negate !== 'true' && negate !== 'false') {
      result.errors.push({
        field: `${prefix}negate`,
        message: `Invalid value ${raw[`${prefix}negate`]} for configuration ${prefix}negate: Expected value to be either true or false`,
      });
      continue;
    }
    let predicate: ReturnType<typeof createPredicate> | undefined;
    if (predicateAlias) {
      predicate = predicates.get(predicateAlias);
      if (!predicate) {
        if (!predicateAliases.includes(predicateAlias))
          result.errors.push({
            field: `${prefix}predicate`,
            message: `Invalid value ${predicateAlias} for configuration ${prefix}predicate: the predicate ${predicateAlias} is not listed in predicates`,
          });
        continue;
      }
    } else if (negate !== undefined) {
      result.warnings.push({
        field: `${prefix}negate`,
        message: `${prefix}negate has no effect without ${prefix}predicate`,
      });
    }
    try {
      const transform = definition.create(settings, className, log);
      if (!predicate) {
        result.transforms.push(transform);
        continue;
      }
      const test = predicate;
      const inverted = negate === 'true';
      result.transforms.push(
        named(transform.className, (record) => (test(record) !== inverted ? transform(record) : record)),
      );
    } catch (error) {
      const setting = error instanceof SettingError ? error.setting : 'type';
      result.errors.push({ field: `${prefix}${setting}`, message: errorMessage(error) });
    }
  }

  // Kafka Connect ignores settings of aliases it was not asked to use; here they are pointed out.
  const listed = { transforms: new Set(transformAliases), predicates: new Set(predicateAliases) };
  const unlisted = new Set<string>();
  for (const key of Object.keys(raw)) {
    const match = /^(transforms|predicates)\.([^.]+)\./.exec(key);
    if (!match) continue;
    const [, group, alias] = match as unknown as [string, 'transforms' | 'predicates', string];
    if (!listed[group].has(alias) && !unlisted.has(`${group}.${alias}`)) {
      unlisted.add(`${group}.${alias}`);
      result.warnings.push({
        field: `${group}.${alias}.type`,
        message: `${group}.${alias}.* is configured but ${alias} is not listed in ${group}; it has no effect`,
      });
    }
  }
  return result;
}

/** Each transform and predicate class with its settings (listed as plugins by GET /connector-plugins). */
export function transformPlugins(): Array<{
  className: string;
  type: 'transformation' | 'predicate';
  settings: readonly string[];
}> {
  return [
    ...DEFINITIONS.flatMap((definition) =>
      (definition.variants
        ? [`${definition.className}$Key`, `${definition.className}$Value`]
        : [definition.className, ...(definition.aliases ?? [])]
      ).map((className) => ({ className, type: 'transformation' as const, settings: definition.settings })),
    ),
    ...SUPPORTED_PREDICATES.map((className) => ({
      className,
      type: 'predicate' as const,
      settings: predicateSettings(className),
    })),
  ];
}
