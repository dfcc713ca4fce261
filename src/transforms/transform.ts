import type { RecordHeader, SchemaAndValue } from '../plugin/index.ts';
import { OnrampError } from '../plugin/index.ts';

// A single message transform works on what source and sink records share (Kafka Connect's
// ConnectRecord: topic, partition, key, value, timestamp, headers), so the same transform serves
// both runners. It returns the record to pass on, or null to drop it.

export interface TransformableRecord {
  topic: string;
  /** Unset on a source record the producer partitions by key. */
  kafkaPartition?: number;
  key: SchemaAndValue | null;
  value: SchemaAndValue | null;
  /** Milliseconds since the epoch; unset on a source record stamped when produced. */
  timestamp?: number;
  headers?: RecordHeader[];
  /** Sink records only: the Kafka offset (int64 as a decimal string). */
  kafkaOffset?: string;
}

export type RecordTransform = (<R extends TransformableRecord>(record: R) => R | null) & {
  /** The class name users configure (shown in dead-letter headers and traces). */
  readonly className: string;
};

/** Settings of one configured transform (`transforms.<alias>.*` with the prefix removed). */
export type TransformSettings = Readonly<Record<string, string>>;

export function named(
  className: string,
  apply: <R extends TransformableRecord>(record: R) => R | null,
): RecordTransform {
  return Object.assign(apply, { className });
}

/**
 * A setting a transform or predicate cannot work with: reported at validation on
 * `transforms.<alias>.<setting>` (or `predicates.<alias>.<setting>`).
 */
export class SettingError extends OnrampError {
  readonly setting: string;

  constructor(setting: string, message: string) {
    super('INVALID_CONFIG', message);
    this.setting = setting;
  }
}

/** A record a transform cannot handle (a schemaless value where a struct is needed, ...). */
export function transformFailure(className: string, message: string): OnrampError {
  return new OnrampError('TRANSFORM_FAILED', `${shortName(className)}: ${message}`);
}

/** `org.apache.kafka.connect.transforms.InsertField$Value` -> `InsertField$Value`. */
export function shortName(className: string): string {
  return className.slice(className.lastIndexOf('.') + 1);
}

/** A required setting's value (trimmed), or a SettingError naming it. */
export function requiredSetting(settings: TransformSettings, name: string): string {
  const value = settings[name]?.trim();
  if (value === undefined || value === '')
    throw new SettingError(name, `Missing required configuration "${name}" which has no default value.`);
  return value;
}

/** Kafka's LIST type: comma-separated, trimmed, empty entries dropped. */
export function listSetting(settings: TransformSettings, name: string): string[] {
  return (settings[name] ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

export function booleanSetting(settings: TransformSettings, name: string, fallback: boolean): boolean {
  const raw = settings[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new SettingError(
    name,
    `Invalid value ${settings[name]} for configuration ${name}: Expected value to be either true or false`,
  );
}

export function enumSetting<T extends string>(
  settings: TransformSettings,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const raw = settings[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const found = allowed.find((candidate) => candidate.toLowerCase() === raw.toLowerCase());
  if (!found)
    throw new SettingError(
      name,
      `Invalid value ${raw} for configuration ${name}: must be one of ${allowed.join(', ')}`,
    );
  return found;
}

/** A Java regex as a JavaScript RegExp matching whole strings (Matcher.matches()). */
export function wholeMatch(setting: string, regex: string): RegExp {
  try {
    return new RegExp(`^(?:${regex})$`);
  } catch (error) {
    throw new SettingError(
      setting,
      `Invalid value ${regex} for configuration ${setting}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** Java's replacement syntax ($1, ${name}, \$) in JavaScript's ($1, $<name>, $$). */
export function javaReplacement(replacement: string): string {
  return replacement.replace(
    /\\(.)|\$\{(\w+)\}|\$/g,
    (match, escaped: string | undefined, group: string | undefined) => {
      if (escaped !== undefined) return escaped === '$' ? '$$' : escaped;
      if (group !== undefined) return `$<${group}>`;
      return match;
    },
  );
}
