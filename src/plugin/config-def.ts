// Typed connector configuration. A connector declares its fields once; from that one declaration
// come the parsed, typed config its code reads, the validation Kafka Connect's validate endpoint
// reports, and the documentation tables in the README. All raw values are strings, as in Kafka Connect.

export type ConfigType =
  | 'STRING'
  | 'INT'
  | 'SHORT'
  | 'LONG'
  | 'DOUBLE'
  | 'BOOLEAN'
  | 'LIST'
  | 'CLASS'
  | 'PASSWORD';
export type Importance = 'HIGH' | 'MEDIUM' | 'LOW';
export type Width = 'NONE' | 'SHORT' | 'MEDIUM' | 'LONG';

/** Whether a parsed value can be missing: required and defaulted fields never are. */
type Presence = 'required' | 'defaulted' | 'optional';

export interface FieldSpec<T, P extends Presence = Presence> {
  readonly type: ConfigType;
  readonly presence: P;
  readonly doc: string;
  readonly importance: Importance;
  readonly group: string;
  readonly width: Width;
  readonly displayName?: string;
  /** The default as Kafka Connect shows it (a string), or undefined. */
  readonly defaultValue?: string;
  /** Values a UI may offer (Kafka Connect's recommended_values). */
  readonly allowed?: readonly string[];
  /** Other names the same setting goes by (e.g. Confluent's `connection.user`). */
  readonly aliases?: readonly string[];
  /** The inclusive bounds of a numeric field, checked when the value is parsed. */
  readonly range?: NumericRange;
  /**
   * Says where the connector connects (a host, port, URL or server list): the host sends its stored
   * secrets there. A `[hidden]` sent back keeps the stored secret only while none of these changes,
   * so whoever may update a connector cannot point it at a server of their own and receive the
   * password in its login.
   */
  readonly connectionTarget?: boolean;
  /** Turns the raw string into the typed value; throws an Error whose message is the problem alone. */
  parse(raw: string): T;
  /**
   * Set on a key family (Debezium's `column.mask.with.<n>.chars`): the field's name is a pattern,
   * every key of the config it matches is one setting, and the typed value lists them all.
   */
  readonly family?: KeyFamily;
}

/** How the keys of a family are recognised and read (see `field.family`). */
export interface KeyFamily {
  /** Matches a whole key; its groups are the key's `<...>` parts. */
  readonly pattern: RegExp;
  /** One present key's setting from its parts and raw value; throws an Error naming the problem. */
  parseEntry(key: string, parts: readonly string[], raw: string): unknown;
}

/** One key of a key family, as set in a config. */
export interface FamilyEntry<V> {
  readonly key: string;
  /** The key's `<...>` parts in order (`['12']` for `column.mask.with.12.chars`). */
  readonly parts: readonly string[];
  readonly value: V;
}

export type Fields = Record<string, FieldSpec<unknown>>;

export type ConfigOf<F extends Fields> = {
  readonly [K in keyof F]: F[K] extends FieldSpec<infer T, infer P>
    ? P extends 'optional'
      ? T | undefined
      : T
    : never;
};

export interface FieldError {
  field: string;
  message: string;
}

export interface ConfigDef<F extends Fields = Fields> {
  readonly fields: F;
  /** Cross-field rules, no I/O. */
  check?(config: ConfigOf<F>): FieldError[];
  /**
   * Connectivity and environment checks (reach the database, privileges, ...). What is allowed but
   * likely to hurt (a table PostgreSQL will refuse to update) goes to `warn`: validation and the
   * create/update responses show it without refusing the config.
   */
  probe?(config: ConfigOf<F>, warn?: (warning: FieldError) => void): Promise<FieldError[]>;
}

export function defineConfig<F extends Fields>(
  fields: F,
  rules: {
    check?: (config: ConfigOf<F>) => FieldError[];
    probe?: (config: ConfigOf<F>, warn?: (warning: FieldError) => void) => Promise<FieldError[]>;
  } = {},
): ConfigDef<F> {
  return { fields, ...rules };
}

/** Inclusive bounds of a numeric setting; either may be left open. */
export interface NumericRange {
  readonly min?: number;
  readonly max?: number;
}

/** Every TCP port: `field.int({ ..., ...PORT_RANGE })`. */
export const PORT_RANGE = { min: 1, max: 65_535 } as const satisfies NumericRange;

/** The message of a value outside `range` (Kafka's ConfigDef.Range wording), or undefined. */
export function rangeProblem(value: number, range: NumericRange): string | undefined {
  const { min, max } = range;
  if ((min === undefined || value >= min) && (max === undefined || value <= max)) return undefined;
  if (min !== undefined && max !== undefined) return `Value must be between ${min} and ${max}`;
  return min !== undefined ? `Value must be at least ${min}` : `Value must be no more than ${max}`;
}

function outside(value: bigint, range: NumericRange): boolean {
  return (
    (range.min !== undefined && value < BigInt(Math.ceil(range.min))) ||
    (range.max !== undefined && value > BigInt(Math.floor(range.max)))
  );
}

interface FieldOptions {
  doc: string;
  importance?: Importance;
  group?: string;
  width?: Width;
  displayName?: string;
  aliases?: readonly string[];
  /** See FieldSpec.connectionTarget. */
  connectionTarget?: boolean;
}
/** Rejects a parsed value with the reason (e.g. out of range), or accepts it with undefined. */
type Validate<T> = (value: T) => string | undefined;
/** Numeric fields take `min`/`max` (inclusive), checked before `validate`; other fields do not. */
type Bounds<T> = [T] extends [number] ? NumericRange : { min?: never; max?: never };
type WithDefault<T> = FieldOptions & Bounds<T> & { default: T; required?: false; validate?: Validate<T> };
type Required<T> = FieldOptions & Bounds<T> & { required: true; default?: undefined; validate?: Validate<T> };
type Optional<T> = FieldOptions &
  Bounds<T> & { required?: false; default?: undefined; validate?: Validate<T> };

function builder<T>(
  type: ConfigType,
  parse: (raw: string) => T,
  show: (value: T) => string,
  allowed?: readonly string[],
) {
  function make(options: WithDefault<T>): FieldSpec<T, 'defaulted'>;
  function make(options: Required<T>): FieldSpec<T, 'required'>;
  function make(options: Optional<T>): FieldSpec<T, 'optional'>;
  function make(
    options: FieldOptions & NumericRange & { default?: T; required?: boolean; validate?: Validate<T> },
  ): FieldSpec<T> {
    const range: NumericRange | undefined =
      options.min !== undefined || options.max !== undefined
        ? {
            ...(options.min !== undefined && { min: options.min }),
            ...(options.max !== undefined && { max: options.max }),
          }
        : undefined;
    const checks = [
      ...(range ? [(value: T) => rangeProblem(value as number, range)] : []),
      ...(options.validate ? [options.validate] : []),
    ];
    if (range && options.default !== undefined && rangeProblem(options.default as number, range)) {
      throw new Error(`default ${String(options.default)} is outside its own range`);
    }
    const presence: Presence = options.required
      ? 'required'
      : options.default !== undefined
        ? 'defaulted'
        : 'optional';
    return {
      type,
      presence,
      doc: options.doc,
      importance: options.importance ?? (presence === 'required' ? 'HIGH' : 'MEDIUM'),
      group: options.group ?? 'Common',
      width: options.width ?? 'MEDIUM',
      ...(options.displayName !== undefined && { displayName: options.displayName }),
      ...(options.default !== undefined && { defaultValue: show(options.default) }),
      ...(allowed !== undefined && { allowed }),
      ...(options.aliases !== undefined && { aliases: options.aliases }),
      ...(range !== undefined && { range }),
      ...(options.connectionTarget === true && { connectionTarget: true }),
      parse:
        checks.length > 0
          ? (raw: string) => {
              // A whole number beyond the type's own bounds (a port of 99999999999) gets the field's range.
              if (range && /^\s*[+-]?\d+\s*$/.test(raw) && outside(BigInt(raw.trim()), range))
                throw new Error(rangeProblem(Number(raw.trim()), range));
              const value = parse(raw);
              for (const check of checks) {
                const problem = check(value);
                if (problem !== undefined) throw new Error(problem);
              }
              return value;
            }
          : parse,
    };
  }
  return make;
}

function parseInteger(raw: string, min: bigint, max: bigint): number {
  const text = raw.trim();
  if (!/^[+-]?\d+$/.test(text)) throw new Error('Not a whole number');
  const value = BigInt(text);
  if (value < min || value > max) throw new Error(`Value must be between ${min} and ${max}`);
  return Number(value);
}

function parseBoolean(raw: string): boolean {
  const text = raw.trim().toLowerCase();
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new Error('Expected value to be either true or false');
}

function parseList(raw: string): string[] {
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

const identity = (raw: string) => raw;

/** A key family's key itself is wrong (not its value): reported with the key, not "Invalid value". */
class KeyPartError extends Error {}

/** The key-family field whose pattern matches `key`, if any. */
export function familyFieldOf(fields: Fields, key: string): FieldSpec<unknown> | undefined {
  return Object.values(fields).find((spec) => spec.family?.pattern.test(key));
}

export const field = {
  string: builder<string>('STRING', identity, identity),
  password: builder<string>('PASSWORD', identity, () => '[hidden]'),
  class: builder<string>('CLASS', (raw) => raw.trim(), identity),
  int: builder<number>('INT', (raw) => parseInteger(raw, -(2n ** 31n), 2n ** 31n - 1n), String),
  /** int64 values used as counts and durations; beyond 2^53 precision is not needed. */
  long: builder<number>(
    'LONG',
    (raw) => parseInteger(raw, BigInt(Number.MIN_SAFE_INTEGER), BigInt(Number.MAX_SAFE_INTEGER)),
    String,
  ),
  double: builder<number>(
    'DOUBLE',
    (raw) => {
      const value = Number(raw);
      if (raw.trim() === '' || Number.isNaN(value)) throw new Error('Not a number');
      return value;
    },
    String,
  ),
  boolean: builder<boolean>('BOOLEAN', parseBoolean, String),
  list: builder<string[]>('LIST', parseList, (value) => value.join(',')),
  /**
   * A family of keys sharing one pattern, each a setting of its own (Debezium's
   * `column.mask.with.<n>.chars`): declared under the pattern's name with `<...>` parts, typed as
   * every matching key present (none: empty). `checkParts` refuses a key's parts with the reason;
   * `value` reads each key's value and throws an Error whose message is the problem.
   */
  family<V>(options: {
    doc: string;
    pattern: RegExp;
    value: (raw: string) => V;
    checkParts?: (parts: readonly string[]) => string | undefined;
    group?: string;
    importance?: Importance;
    displayName?: string;
  }): FieldSpec<readonly FamilyEntry<V>[], 'defaulted'> {
    return {
      type: 'LIST',
      presence: 'defaulted',
      doc: options.doc,
      importance: options.importance ?? 'MEDIUM',
      group: options.group ?? 'Common',
      width: 'LONG',
      ...(options.displayName !== undefined && { displayName: options.displayName }),
      parse: () => {
        throw new Error('a key family is read key by key');
      },
      family: {
        pattern: options.pattern,
        parseEntry(key, parts, raw) {
          const problem = options.checkParts?.(parts);
          if (problem !== undefined) throw new KeyPartError(`${key}: ${problem}`);
          return options.value(raw);
        },
      },
    };
  },
  /** A string restricted to `values` (compared case-insensitively, returned as declared). */
  enum<const V extends string>(values: readonly V[]) {
    return builder<V>(
      'STRING',
      (raw) => {
        const match = values.find((value) => value.toLowerCase() === raw.trim().toLowerCase());
        if (match === undefined) throw new Error(`Must be one of ${values.join(', ')}`);
        return match;
      },
      identity,
      values,
    );
  },
};

export interface ParsedConfig<F extends Fields> {
  /** Typed values; only meaningful when `errors` is empty. */
  values: ConfigOf<F>;
  errors: FieldError[];
  /** Keys present in the raw config that no field (or alias) declares; kept, never dropped. */
  unknown: string[];
}

/** Parses and checks a raw string map against the fields: every problem is reported, not just the first. */
export function parseConfig<F extends Fields>(
  def: ConfigDef<F>,
  raw: Readonly<Record<string, string>>,
): ParsedConfig<F> {
  const values: Record<string, unknown> = {};
  const errors: FieldError[] = [];
  const known = new Set<string>();
  // check() may run although some fields failed: a failed defaulted field takes its default and a
  // failed optional one is undefined, so its types still hold. Only a missing or bad required field
  // makes the cross-field rules meaningless.
  let requiredFailed = false;
  for (const [name, spec] of Object.entries(def.fields)) {
    known.add(name);
    if (spec.family) {
      values[name] = parseFamily(spec.family, raw, known, errors);
      continue;
    }
    for (const alias of spec.aliases ?? []) known.add(alias);
    const source = [name, ...(spec.aliases ?? [])].find((key) => raw[key] !== undefined && raw[key] !== '');
    const text = source === undefined ? spec.defaultValue : raw[source];
    if (text === undefined || (spec.type === 'PASSWORD' && source === undefined)) {
      if (spec.presence === 'required') {
        requiredFailed = true;
        errors.push({
          field: name,
          message: `Missing required configuration "${name}" which has no default value.`,
        });
      }
      values[name] = undefined;
      continue;
    }
    try {
      values[name] = spec.parse(text);
    } catch (error) {
      if (spec.presence === 'required') requiredFailed = true;
      values[name] =
        spec.type === 'PASSWORD' || spec.defaultValue === undefined
          ? undefined
          : spec.parse(spec.defaultValue);
      errors.push({
        field: name,
        // Kafka Connect's wording, which existing tooling shows and matches on.
        message: `Invalid value ${text} for configuration ${name}: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }
  const typed = values as ConfigOf<F>;
  if (!requiredFailed && def.check) errors.push(...def.check(typed));
  return { values: typed, errors, unknown: Object.keys(raw).filter((key) => !known.has(key)) };
}

/** Every key of `raw` in the family, in the config's order; problems are reported per key. */
function parseFamily(
  family: KeyFamily,
  raw: Readonly<Record<string, string>>,
  known: Set<string>,
  errors: FieldError[],
): FamilyEntry<unknown>[] {
  const entries: FamilyEntry<unknown>[] = [];
  for (const [key, text] of Object.entries(raw)) {
    const match = family.pattern.exec(key);
    if (!match) continue;
    known.add(key);
    const parts = match.slice(1).map((part) => part ?? '');
    try {
      entries.push({ key, parts, value: family.parseEntry(key, parts, text) });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      errors.push({
        field: key,
        message:
          error instanceof KeyPartError
            ? message
            : `Invalid value ${text} for configuration ${key}: ${message}`,
      });
    }
  }
  return entries;
}
