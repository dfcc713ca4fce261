import { readFileSync } from 'node:fs';
import { OnrampError } from '../plugin/errors.ts';
import type { FieldError } from '../plugin/index.ts';

// Kafka Connect's config providers (KIP-297, KIP-887): `${env:NAME}`, `${file:/path:key}` (a Java
// properties file) and `${dir:/path:file}` (a file's whole content). Configs are stored and shown
// with placeholders unresolved; they are resolved only when a task starts and for validation, so a
// secret never reaches the stores or the REST API. Placeholders of other providers are left as they
// are, as Kafka Connect does for providers it does not have.

export interface PlaceholderSources {
  env?: Readonly<Record<string, string | undefined>>;
  readFile?: (path: string) => string;
}

// Kafka's ConfigTransformer pattern: ${provider:[path:]key}
const PLACEHOLDER = /\$\{([^}]*?):(?:([^}]*?):)?([^}]*?)\}/g;
const ONLY_PLACEHOLDER = /^\$\{[^}]*\}$/;

export function hasPlaceholder(value: string): boolean {
  PLACEHOLDER.lastIndex = 0;
  return PLACEHOLDER.test(value);
}

/** True when the whole value is one placeholder, i.e. showing it reveals no secret. */
export function isOnlyPlaceholder(value: string): boolean {
  return ONLY_PLACEHOLDER.test(value.trim());
}

/** Resolves every placeholder; throws OnrampError PLACEHOLDER_UNRESOLVED naming the first bad key. */
export function resolvePlaceholders(
  config: Readonly<Record<string, string>>,
  sources: PlaceholderSources = {},
): Record<string, string> {
  const { config: resolved, errors } = resolvePlaceholdersCollecting(config, sources);
  const first = errors[0];
  if (first) throw new OnrampError('PLACEHOLDER_UNRESOLVED', first.message);
  return resolved;
}

/** Resolves what it can and reports every key whose placeholders cannot be resolved. */
export function resolvePlaceholdersCollecting(
  config: Readonly<Record<string, string>>,
  sources: PlaceholderSources = {},
): { config: Record<string, string>; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const files = new Map<string, Map<string, string>>();
  const entries = Object.entries(config).map(([key, value]) => {
    if (!value.includes('${')) return [key, value];
    try {
      return [
        key,
        value.replace(PLACEHOLDER, (whole, provider: string, path: string | undefined, name: string) =>
          resolveOne(whole, provider, path, name, sources, files),
        ),
      ];
    } catch (error) {
      errors.push({ field: key, message: `Config "${key}": ${(error as Error).message}` });
      return [key, value];
    }
  });
  return { config: Object.fromEntries(entries), errors };
}

function resolveOne(
  whole: string,
  provider: string,
  path: string | undefined,
  key: string,
  sources: PlaceholderSources,
  files: Map<string, Map<string, string>>,
): string {
  const read = sources.readFile ?? ((file: string) => readFileSync(file, 'utf8'));
  switch (provider) {
    case 'env': {
      // ${env:NAME}; Kafka's EnvVarConfigProvider also accepts an empty path: ${env::NAME}.
      const env = sources.env ?? process.env;
      const value = env[key];
      if (value === undefined)
        throw new Error(`environment variable ${key} is not set (placeholder ${whole})`);
      return value;
    }
    case 'file': {
      if (!path) throw new Error(`placeholder ${whole} names no file (expected \${file:/path:key})`);
      let properties = files.get(path);
      if (!properties) {
        properties = parseProperties(readSource(read, path, whole));
        files.set(path, properties);
      }
      const value = properties.get(key);
      if (value === undefined) throw new Error(`key ${key} not found in ${path} (placeholder ${whole})`);
      return value;
    }
    case 'dir': {
      if (!path) throw new Error(`placeholder ${whole} names no directory (expected \${dir:/path:file})`);
      if (key.includes('/') || key === '..' || key === '.')
        throw new Error(`placeholder ${whole} names an invalid file`);
      return readSource(read, `${path.replace(/\/+$/, '')}/${key}`, whole);
    }
    default:
      return whole;
  }
}

function readSource(read: (path: string) => string, path: string, whole: string): string {
  try {
    return read(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new Error(`cannot read ${path} (${reason}) for placeholder ${whole}`);
  }
}

/**
 * A Java properties file (what Kafka's FileConfigProvider reads): `key=value`, `key: value` or
 * `key value`; `#` and `!` comments; backslash line continuations and escapes.
 */
export function parseProperties(text: string): Map<string, string> {
  const result = new Map<string, string>();
  const lines = text.split(/\r\n|\r|\n/);
  for (let index = 0; index < lines.length; index++) {
    let line = (lines[index] ?? '').replace(/^[ \t\f]+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    // An odd number of trailing backslashes continues the logical line.
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && index + 1 < lines.length) {
      line = line.slice(0, -1) + (lines[++index] ?? '').replace(/^[ \t\f]+/, '');
    }
    let split = line.length;
    let separatorIsSpace = false;
    for (let at = 0; at < line.length; at++) {
      const char = line[at];
      if (char === '\\') {
        at++;
        continue;
      }
      if (char === '=' || char === ':') {
        split = at;
        break;
      }
      if (char === ' ' || char === '\t' || char === '\f') {
        split = at;
        separatorIsSpace = true;
        break;
      }
    }
    const key = unescapeProperty(line.slice(0, split));
    let rest = line.slice(split);
    if (separatorIsSpace) {
      rest = rest.replace(/^[ \t\f]+/, '');
      if (rest.startsWith('=') || rest.startsWith(':')) rest = rest.slice(1);
    } else if (rest !== '') {
      rest = rest.slice(1);
    }
    result.set(key, unescapeProperty(rest.replace(/^[ \t\f]+/, '')));
  }
  return result;
}

function unescapeProperty(text: string): string {
  return text.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, sequence: string) => {
    if (sequence.startsWith('u') && sequence.length === 5) {
      return String.fromCharCode(Number.parseInt(sequence.slice(1), 16));
    }
    switch (sequence) {
      case 't':
        return '\t';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 'f':
        return '\f';
      default:
        return sequence;
    }
  });
}
