import { closeSync, constants, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { OnrampError } from '../plugin/errors.ts';
import type { FieldError } from '../plugin/index.ts';
import type { Redaction } from './secret-redaction.ts';

// Kafka Connect's config providers (KIP-297, KIP-887, KIP-993): `${env:NAME}`, `${file:/path:key}`
// (a Java properties file) and `${dir:/path:file}` (a file's whole content). For connector configs
// they are opt-in per host (config.providers), file and dir can be held to allowed paths, env to an
// allow-list pattern; a placeholder of any other provider is refused, naming its key. Configs are
// stored and shown with placeholders unresolved; they are resolved only when a task starts and for
// validation, and every resolved value is reported as a Redaction so that no message shows it.

export type ProviderKind = 'env' | 'file' | 'dir';

export interface ConfigProvider {
  /** The name placeholders use: `${<name>:...}`. */
  name: string;
  kind: ProviderKind;
  /** file and dir: absolute paths (after `..` and symlinks) a placeholder may read below; unset: any. */
  allowedPaths?: readonly string[];
  /** env: names of variables that may be read (matched whole); unset: any. */
  allowlist?: RegExp;
}

/** The providers a host enables for connector configs, by name. */
export type ConfigProviders = ReadonlyMap<string, ConfigProvider>;

export interface PlaceholderSources {
  env?: Readonly<Record<string, string | undefined>>;
  readFile?: (path: string) => string;
  realpath?: (path: string) => string;
  /**
   * The providers enabled; undefined means every built-in provider without restrictions, and other
   * providers' placeholders left as they are (the host's own config file, which its operator writes).
   */
  providers?: ConfigProviders;
}

/** Kafka's class names (and their simple names) for each provider kind. */
export const PROVIDER_CLASSES: Readonly<Record<ProviderKind, readonly string[]>> = {
  env: ['org.apache.kafka.common.config.provider.EnvVarConfigProvider', 'EnvVarConfigProvider'],
  file: ['org.apache.kafka.common.config.provider.FileConfigProvider', 'FileConfigProvider'],
  dir: ['org.apache.kafka.common.config.provider.DirectoryConfigProvider', 'DirectoryConfigProvider'],
};
export const PROVIDER_KINDS: readonly ProviderKind[] = ['env', 'file', 'dir'];

/**
 * config.providers: a comma-separated list of provider names (empty: none). env, file and dir are
 * the built-in ones; any other name is an alias whose config.providers.<name>.class says which
 * of them it is (Kafka Connect's worker.properties style, e.g. `config.providers=secrets`).
 */
export function parseProviderNames(raw: string): string[] {
  const names = raw
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  for (const name of names) {
    if (!PROVIDER_NAME.test(name))
      throw new Error(
        `${JSON.stringify(name)} is not a config provider name (letters, digits, _ and -; built in: ${PROVIDER_KINDS.join(', ')})`,
      );
  }
  return [...new Set(names)];
}

/** What a provider alias may be called: what ${<name>:...} can name and a dotted key can hold. */
const PROVIDER_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** The host settings of a provider alias: config.providers.<name>.class and its params. */
export const PROVIDER_ALIAS_KEY =
  /^config\.providers\.([A-Za-z0-9_-]{1,64})\.(class|param\.allowed\.paths|param\.allowlist\.pattern)$/;

export function isBuiltInProvider(name: string): name is ProviderKind {
  return (PROVIDER_KINDS as readonly string[]).includes(name);
}

/** config.providers.<alias>.class: any of Kafka's three class names (or simple names), or a kind. */
export function providerKindOfClass(raw: string): ProviderKind {
  const value = raw.trim();
  for (const kind of PROVIDER_KINDS) {
    if (value === kind || PROVIDER_CLASSES[kind].includes(value)) return kind;
  }
  throw new Error(
    `must be one of ${PROVIDER_KINDS.map((kind) => PROVIDER_CLASSES[kind][0]).join(', ')} (or their simple names)`,
  );
}

/** config.providers.<kind>.class: Kafka's class name, its simple name or the kind itself. */
export function providerClassParser(kind: ProviderKind): (raw: string) => ProviderKind | undefined {
  return (raw) => {
    const value = raw.trim();
    if (value === '') return undefined;
    if (value === kind || PROVIDER_CLASSES[kind].includes(value)) return kind;
    throw new Error(`must be ${PROVIDER_CLASSES[kind][0]} (or ${PROVIDER_CLASSES[kind][1]})`);
  };
}

/** allowed.paths: absolute paths, comma-separated (empty: unset). */
export function parseAllowedPaths(raw: string): string[] | undefined {
  const paths = raw
    .split(',')
    .map((path) => path.trim())
    .filter((path) => path !== '');
  if (paths.length === 0) return undefined;
  for (const path of paths) {
    if (!isAbsolute(path)) throw new Error(`${path} is not an absolute path`);
  }
  return paths.map((path) => resolve(path));
}

/** allowlist.pattern: a regular expression that a variable's whole name must match (empty: unset). */
export function parseAllowlistPattern(raw: string): RegExp | undefined {
  if (raw.trim() === '') return undefined;
  try {
    return new RegExp(`^(?:${raw.trim()})$`);
  } catch (error) {
    throw new Error(`not a regular expression: ${(error as Error).message}`);
  }
}

/** The limits of one provider: allowlist.pattern for env, allowed.paths for file and dir. */
export interface ProviderParams {
  allowlist?: RegExp | undefined;
  allowedPaths?: readonly string[] | undefined;
}

/** The enabled providers from the host settings (each setting already parsed). */
export function configProviders(settings: {
  enabled: readonly string[];
  /** config.providers.<name>.class, parsed: the kind of provider each name is. */
  classes?: Partial<Record<string, ProviderKind | undefined>>;
  envAllowlist?: RegExp | undefined;
  fileAllowedPaths?: readonly string[] | undefined;
  dirAllowedPaths?: readonly string[] | undefined;
  /** The params of providers not named env, file or dir. */
  aliasParams?: Readonly<Record<string, ProviderParams>>;
}): ConfigProviders {
  const builtIn: Record<ProviderKind, ProviderParams> = {
    env: { allowlist: settings.envAllowlist },
    file: { allowedPaths: settings.fileAllowedPaths },
    dir: { allowedPaths: settings.dirAllowedPaths },
  };
  const providers = new Map<string, ConfigProvider>();
  for (const name of settings.enabled) {
    const kind = settings.classes?.[name] ?? (isBuiltInProvider(name) ? name : undefined);
    if (kind === undefined)
      throw new Error(
        `config provider ${name} needs config.providers.${name}.class (${PROVIDER_KINDS.map((each) => PROVIDER_CLASSES[each][0]).join(', ')})`,
      );
    const params = isBuiltInProvider(name) ? builtIn[name] : (settings.aliasParams?.[name] ?? {});
    const provider: ConfigProvider = { name, kind };
    if (kind === 'env' && params.allowlist) provider.allowlist = params.allowlist;
    if (kind !== 'env' && params.allowedPaths) provider.allowedPaths = params.allowedPaths;
    providers.set(name, provider);
  }
  return providers;
}

/** Every built-in provider without restrictions: what `providers: undefined` means. */
const UNRESTRICTED: ConfigProviders = configProviders({ enabled: PROVIDER_KINDS });

// Kafka's ConfigTransformer pattern: ${provider:[path:]key}
const PLACEHOLDER = /\$\{([^}]*?):(?:([^}]*?):)?([^}]*?)\}/g;
const ONLY_PLACEHOLDER = /^\$\{[^}]*\}$/;

/** Files read for placeholders are small (passwords, keys, certificates). */
export const MAX_PROVIDER_FILE_BYTES = 1024 * 1024;

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
  return resolvePlaceholdersRedacting(config, sources).config;
}

/** resolvePlaceholders, also returning every resolved value with the placeholder it came from. */
export function resolvePlaceholdersRedacting(
  config: Readonly<Record<string, string>>,
  sources: PlaceholderSources = {},
): { config: Record<string, string>; redactions: Redaction[] } {
  const { config: resolved, errors, redactions } = resolvePlaceholdersCollecting(config, sources);
  const first = errors[0];
  if (first) throw new OnrampError('PLACEHOLDER_UNRESOLVED', first.message);
  return { config: resolved, redactions };
}

/**
 * Resolves what it can and reports every key whose placeholders cannot be resolved; messages name
 * the key and the placeholder, never a value read.
 */
export function resolvePlaceholdersCollecting(
  config: Readonly<Record<string, string>>,
  sources: PlaceholderSources = {},
): { config: Record<string, string>; errors: FieldError[]; redactions: Redaction[] } {
  const errors: FieldError[] = [];
  const redactions: Redaction[] = [];
  const files = new Map<string, Map<string, string>>();
  const entries = Object.entries(config).map(([key, value]) => {
    if (!value.includes('${')) return [key, value];
    const found: Redaction[] = [];
    try {
      const resolved = value.replace(
        PLACEHOLDER,
        (whole, provider: string, path: string | undefined, name: string) => {
          const result = resolveOne(whole, provider, path, name, sources, files);
          if (result !== whole) found.push({ value: result, replacement: whole });
          return result;
        },
      );
      redactions.push(...found);
      return [key, resolved];
    } catch (error) {
      errors.push({ field: key, message: `Config "${key}": ${(error as Error).message}` });
      return [key, value];
    }
  });
  return { config: Object.fromEntries(entries), errors, redactions };
}

function resolveOne(
  whole: string,
  providerName: string,
  path: string | undefined,
  key: string,
  sources: PlaceholderSources,
  files: Map<string, Map<string, string>>,
): string {
  const providers = sources.providers ?? UNRESTRICTED;
  const provider = providers.get(providerName);
  if (!provider) {
    if (sources.providers === undefined) return whole;
    throw new Error(
      `placeholder ${whole} uses the config provider ${JSON.stringify(providerName)}, which is not enabled on this host (config.providers${providers.size > 0 ? ` enables ${[...providers.keys()].join(', ')}` : ' enables none'})`,
    );
  }
  const read = sources.readFile ?? readProviderFile;
  switch (provider.kind) {
    case 'env': {
      // ${env:NAME}; Kafka's EnvVarConfigProvider also accepts an empty path: ${env::NAME}.
      if (path) throw new Error(`placeholder ${whole} has a path, which ${provider.name} does not take`);
      if (provider.allowlist && !provider.allowlist.test(key))
        throw new Error(
          `environment variable ${key} is not allowed by config.providers.${provider.name}.param.allowlist.pattern (placeholder ${whole})`,
        );
      const env = sources.env ?? process.env;
      const value = Object.hasOwn(env, key) ? env[key] : undefined;
      if (value === undefined)
        throw new Error(`environment variable ${key} is not set (placeholder ${whole})`);
      return value;
    }
    case 'file': {
      if (!path) throw new Error(`placeholder ${whole} names no file (expected \${file:/path:key})`);
      const file = allowedPath(provider, path, whole, sources);
      let properties = files.get(file);
      if (!properties) {
        properties = parseProperties(readSource(read, file, whole));
        files.set(file, properties);
      }
      const value = properties.get(key);
      if (value === undefined) throw new Error(`key ${key} not found in ${path} (placeholder ${whole})`);
      return value;
    }
    case 'dir': {
      if (!path) throw new Error(`placeholder ${whole} names no directory (expected \${dir:/path:file})`);
      if (key === '' || key.includes('/') || key.includes('\\') || key === '..' || key === '.')
        throw new Error(`placeholder ${whole} names an invalid file`);
      const file = allowedPath(provider, `${path.replace(/\/+$/, '')}/${key}`, whole, sources);
      return readSource(read, file, whole);
    }
  }
}

function isWithin(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (rel !== '..' && !rel.startsWith('../') && !isAbsolute(rel));
}

/**
 * The path a placeholder may read: below one of the provider's allowed paths both as written (with
 * `..` resolved) and after following symlinks (KIP-993). Paths outside are refused before anything
 * is read, so the answer says nothing about what exists there.
 */
function allowedPath(
  provider: ConfigProvider,
  path: string,
  whole: string,
  sources: PlaceholderSources,
): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a NUL byte cannot be part of a path
  if (/\u0000/.test(path)) throw new Error(`placeholder ${whole} names an invalid path`);
  const lexical = resolve(path);
  const allowed = provider.allowedPaths;
  if (!allowed) return lexical;
  const outside = () =>
    new Error(
      `placeholder ${whole} reads outside config.providers.${provider.name}.param.allowed.paths (${allowed.join(', ')})`,
    );
  if (!allowed.some((root) => isWithin(root, lexical))) throw outside();
  const realpath = sources.realpath ?? realpathSync;
  let real: string;
  try {
    real = realpath(lexical);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new Error(`cannot read ${path} (${reason}) for placeholder ${whole}`);
  }
  const realRoots = allowed.map((root) => {
    try {
      return realpath(root);
    } catch {
      return root;
    }
  });
  if (!realRoots.some((root) => isWithin(root, real))) throw outside();
  return real;
}

/** Reads a regular file of at most MAX_PROVIDER_FILE_BYTES; FIFOs and devices are refused unopened. */
function readProviderFile(path: string): string {
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'not a regular file' });
    const buffer = Buffer.allocUnsafe(MAX_PROVIDER_FILE_BYTES + 1);
    let length = 0;
    while (length <= MAX_PROVIDER_FILE_BYTES) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    if (length > MAX_PROVIDER_FILE_BYTES)
      throw Object.assign(new Error('too large'), { code: `larger than ${MAX_PROVIDER_FILE_BYTES} bytes` });
    return buffer.toString('utf8', 0, length);
  } finally {
    closeSync(fd);
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
