import type { ConnectorPlugin, FieldError, OriginalKeys } from '../plugin/index.ts';

// No key is silently ignored. A connector config key that neither the host nor the plugin declares
// is one of:
//   - a key Kafka Connect or the replaced connector (Debezium's) renamed: refused, naming the new key;
//   - a key Kafka Connect or that connector defines and Onramp does not implement: refused, with an
//     alternative where there is one (a setting that only tunes the original's internals and
//     changes nothing Onramp produces is accepted instead, with a warning saying it has no effect);
//   - a key nobody defines (a typo, another product's setting): kept, and returned as a warning.

export interface KeyWarning {
  /** The config key. */
  name: string;
  message: string;
}

export interface KeyPolicyOutcome {
  errors: FieldError[];
  warnings: KeyWarning[];
}

/** Kafka Connect's own connector settings (ConnectorConfig, SourceConnectorConfig, SinkConnectorConfig) Onramp does not implement. */
const KAFKA_CONNECT_UNIMPLEMENTED: Readonly<
  Record<string, { kinds: Array<'source' | 'sink'>; why: string }>
> = {
  'exactly.once.support': {
    kinds: ['source'],
    why: 'exactly-once source delivery (KIP-618) is not implemented; delivery is at-least-once and keys plus idempotent sinks make duplicates harmless',
  },
  'transaction.boundary': {
    kinds: ['source'],
    why: 'exactly-once source delivery (KIP-618) is not implemented',
  },
  'transaction.boundary.interval.ms': {
    kinds: ['source'],
    why: 'exactly-once source delivery (KIP-618) is not implemented',
  },
  'offsets.storage.topic': {
    kinds: ['source'],
    why: "a per-connector offsets topic is not implemented; offsets live in the host's offset store",
  },
  'topic.creation.groups': {
    kinds: ['source'],
    why: 'only topic.creation.default.partitions and topic.creation.default.replication.factor are implemented; create topics that need other settings beforehand',
  },
  'connector.plugin.version': { kinds: ['source', 'sink'], why: 'each plugin exists in one version here' },
  'key.converter.plugin.version': {
    kinds: ['source', 'sink'],
    why: 'each converter exists in one version here',
  },
  'value.converter.plugin.version': {
    kinds: ['source', 'sink'],
    why: 'each converter exists in one version here',
  },
  'header.converter.plugin.version': {
    kinds: ['source', 'sink'],
    why: 'each converter exists in one version here',
  },
};

/** Kafka Connect settings accepted (with a warning) when their value asks for what Onramp does anyway. */
const KAFKA_CONNECT_BEHAVES_AS: Readonly<Record<string, string>> = {
  'exactly.once.support': 'requested',
  'transaction.boundary': 'poll',
};

/** Kafka Connect settings that only matter to its own runtime; accepted, reported as without effect. */
const KAFKA_CONNECT_NO_EFFECT: Readonly<Record<string, string>> = {
  'tasks.max.enforce': 'Onramp never starts more tasks than tasks.max',
};

/** A key pattern from a data file (`column.mask.with.<n>.chars`) as a whole-key regex. */
function keyPattern(key: string): RegExp {
  const escaped = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/<[^>]+>/g, '.+');
  return new RegExp(`^${escaped}$`);
}

const patternCache = new WeakMap<OriginalKeys, { exact: Set<string>; patterns: RegExp[] }>();

function matcher(original: OriginalKeys): { exact: Set<string>; patterns: RegExp[] } {
  let cached = patternCache.get(original);
  if (!cached) {
    const exact = new Set(original.keys.filter((key) => !key.includes('<')));
    const patterns = original.keys.filter((key) => key.includes('<')).map(keyPattern);
    cached = { exact, patterns };
    patternCache.set(original, cached);
  }
  return cached;
}

/** Whether `original` (the replaced connector) defines `key`. */
export function definesKey(original: OriginalKeys, key: string): boolean {
  const { exact, patterns } = matcher(original);
  return exact.has(key) || patterns.some((pattern) => pattern.test(key));
}

function prefixMatch(table: Readonly<Record<string, string>> | undefined, key: string): string | undefined {
  if (!table) return undefined;
  if (Object.hasOwn(table, key)) return table[key];
  const prefix = Object.keys(table).find((candidate) => candidate.endsWith('.') && key.startsWith(candidate));
  return prefix === undefined ? undefined : table[prefix];
}

/**
 * What to do with each undeclared key of a connector config (declared keys, their aliases and the
 * known prefixes transforms.*, predicates.*, *.converter.*, *.override.* are not passed here).
 */
export function checkUndeclaredKeys(
  plugin: ConnectorPlugin,
  keys: readonly string[],
  config: Readonly<Record<string, string>>,
): KeyPolicyOutcome {
  const outcome: KeyPolicyOutcome = { errors: [], warnings: [] };
  const original = plugin.originalKeys;
  const who = original?.connector ?? 'the connector it replaces';
  for (const key of keys) {
    // Own keys only: `__proto__`, `constructor` or `toString` are a user's keys, not table entries.
    const renamed =
      original?.renamed && Object.hasOwn(original.renamed, key) ? original.renamed[key] : undefined;
    if (renamed !== undefined) {
      outcome.errors.push({ field: key, message: `${key} was renamed: use ${renamed} instead` });
      continue;
    }
    const value = config[key]?.trim();
    const always = Object.hasOwn(KAFKA_CONNECT_BEHAVES_AS, key)
      ? KAFKA_CONNECT_BEHAVES_AS[key]
      : original?.behavesAs && Object.hasOwn(original.behavesAs, key)
        ? original.behavesAs[key]
        : undefined;
    if (always !== undefined && value?.toLowerCase() === always.toLowerCase()) {
      outcome.warnings.push({
        name: key,
        message: `${key} is not implemented, and ${key}=${always} is what Onramp always does; it has no effect`,
      });
      continue;
    }
    const connect = Object.hasOwn(KAFKA_CONNECT_UNIMPLEMENTED, key)
      ? KAFKA_CONNECT_UNIMPLEMENTED[key]
      : undefined;
    if (connect?.kinds.includes(plugin.kind)) {
      outcome.errors.push({
        field: key,
        message: `${key} is a Kafka Connect setting Onramp does not implement (it would be ignored, so it is refused): ${connect.why}`,
      });
      continue;
    }
    if (plugin.kind === 'source' && key.startsWith('topic.creation.')) {
      outcome.errors.push({
        field: key,
        message: `${key} is a Kafka Connect setting Onramp does not implement (it would be ignored, so it is refused): only topic.creation.default.partitions and topic.creation.default.replication.factor are; create topics that need other settings beforehand`,
      });
      continue;
    }
    const connectNoEffect = Object.hasOwn(KAFKA_CONNECT_NO_EFFECT, key)
      ? KAFKA_CONNECT_NO_EFFECT[key]
      : undefined;
    if (connectNoEffect !== undefined) {
      outcome.warnings.push({ name: key, message: `${key} has no effect in Onramp: ${connectNoEffect}` });
      continue;
    }
    const noEffect = prefixMatch(original?.noEffect, key);
    if (noEffect !== undefined) {
      outcome.warnings.push({ name: key, message: `${key} has no effect in Onramp: ${noEffect}` });
      continue;
    }
    if (original && (definesKey(original, key) || prefixMatch(original.alternatives, key) !== undefined)) {
      const alternative = prefixMatch(original.alternatives, key);
      outcome.errors.push({
        field: key,
        message: `${key} is a setting of the ${who} that Onramp does not implement (it would be ignored, so it is refused)${alternative ? `: ${alternative}` : '; remove it'}`,
      });
      continue;
    }
    outcome.warnings.push({
      name: key,
      message: `${key} is not a setting of this connector, of the ${who} or of Kafka Connect; it is kept but has no effect`,
    });
  }
  return outcome;
}
