// Secrets never leave the host: not in a response, an error message, a status trace or a log line.
// Two means: (1) passwords inside URLs (userinfo `user:pass@` and `password=` parameters) are masked
// wherever a URL appears; (2) the exact values a connector's placeholders resolved to and its literal
// secret values are replaced at the boundary (validation messages, traces, the log stream) by the
// placeholder text or `[hidden]`, so an echo by a plugin, a driver or a runner leaks nothing.

export const HIDDEN = '[hidden]';

/** Values shorter than this are not searched for in messages (they would mangle ordinary words). */
export const MIN_REDACTED_LENGTH = 4;
const MAX_LINES = 256;

export interface Redaction {
  /** A secret value as it was resolved or given. */
  value: string;
  /** What a message shows instead: the placeholder text, or `[hidden]`. */
  replacement: string;
}

// --- passwords inside URLs

// Bounded repetitions where a match may start at many places: a long value must not make these
// quadratic (a 1 MB field used to hang the host for minutes in urlPasswordParts).
const USERINFO = /([a-z][a-z0-9+.-]{0,31}:\/\/)([^\s/?#@:]*):([^\s/?#]*)@/gi;
const PASSWORD_PARAM = /([?&;](?:[a-z0-9_.-]{0,64}password|pwd)=)([^&;#\s]*)/gi;
// In free text (messages, JSON log lines) a password also ends at a quote or backslash.
const USERINFO_TEXT = /([a-z][a-z0-9+.-]{0,31}:\/\/)([^\s/?#@:"'\\]*):([^\s/?#"'\\]*)@/gi;
const PASSWORD_PARAM_TEXT = /([?&;](?:[a-z0-9_.-]{0,64}password|pwd)=)([^&;#\s"'\\]*)/gi;
const ONLY_PLACEHOLDER = /^\$\{[^}]*\}$/;

interface UrlPassword {
  /** `userinfo` or the parameter name (lower case), to match a password with its stored twin. */
  slot: string;
  password: string;
}

function urlPasswordParts(value: string): UrlPassword[] {
  const parts: UrlPassword[] = [];
  for (const match of value.matchAll(USERINFO)) parts.push({ slot: 'userinfo', password: match[3] ?? '' });
  for (const match of value.matchAll(PASSWORD_PARAM))
    parts.push({ slot: (match[1] ?? '').slice(1).toLowerCase(), password: match[2] ?? '' });
  return parts.filter((part) => part.password !== '');
}

/** The passwords a URL-like value carries (userinfo and password parameters), as written. */
export function urlPasswords(value: string): string[] {
  return urlPasswordParts(value).map((part) => part.password);
}

/** True when the value holds a URL password that is not just a placeholder (so it must be hidden). */
export function hasUrlPassword(value: string): boolean {
  return urlPasswordParts(value).some(
    (part) => part.password !== HIDDEN && !ONLY_PLACEHOLDER.test(part.password),
  );
}

/** A config value with its URL passwords shown as `[hidden]` (placeholders stay, they reveal nothing). */
export function hideUrlPasswords(value: string): string {
  if (!value.includes('://') && !/password=|pwd=/i.test(value)) return value;
  const keep = (password: string) => password === '' || ONLY_PLACEHOLDER.test(password);
  return value
    .replace(USERINFO, (whole, scheme: string, user: string, password: string) =>
      keep(password) ? whole : `${scheme}${user}:${HIDDEN}@`,
    )
    .replace(PASSWORD_PARAM, (whole, name: string, password: string) =>
      keep(password) ? whole : `${name}${HIDDEN}`,
    );
}

/** Free text (a message, a trace, a log line) with every URL password masked. */
export function maskUrlPasswords(text: string): string {
  if (!text.includes('://') && !/password=|pwd=/i.test(text)) return text;
  return text
    .replace(USERINFO_TEXT, (whole, scheme: string, user: string, password: string) =>
      password === '' || ONLY_PLACEHOLDER.test(password) ? whole : `${scheme}${user}:${HIDDEN}@`,
    )
    .replace(PASSWORD_PARAM_TEXT, (whole, name: string, password: string) =>
      password === '' || ONLY_PLACEHOLDER.test(password) ? whole : `${name}${HIDDEN}`,
    );
}

/**
 * A URL sent back with `[hidden]` as its password(s) (what GET showed) gets the stored URL's
 * password(s) again. Returns undefined when a `[hidden]` password has no stored twin.
 */
export function restoreUrlPasswords(given: string, stored: string): string | undefined {
  const storedParts = urlPasswordParts(stored);
  const twin = (slot: string) => storedParts.find((part) => part.slot === slot)?.password;
  let missing = false;
  const restored = given
    .replace(USERINFO, (whole, scheme: string, user: string, password: string) => {
      if (password !== HIDDEN) return whole;
      const previous = twin('userinfo');
      if (previous === undefined) missing = true;
      return `${scheme}${user}:${previous ?? password}@`;
    })
    .replace(PASSWORD_PARAM, (whole, name: string, password: string) => {
      if (password !== HIDDEN) return whole;
      const previous = twin(name.slice(1).toLowerCase());
      if (previous === undefined) missing = true;
      return `${name}${previous ?? password}`;
    });
  return missing ? undefined : restored;
}

/** True when a URL-like value carries `[hidden]` as a password. */
export function hasHiddenUrlPassword(value: string): boolean {
  return value.includes(HIDDEN) && urlPasswordParts(value).some((part) => part.password === HIDDEN);
}

// --- replacing known secret values

/** The forms a value may take inside a message: as is, trimmed, line by line, JSON- and URL-escaped. */
function variants(value: string): string[] {
  const forms = new Set<string>([value, value.trim()]);
  if (/[\r\n]/.test(value)) {
    // Line by line too (a driver may quote one line of a file); a huge file only its first lines.
    for (const line of value.split(/\r\n|\r|\n/, MAX_LINES)) forms.add(line.trim());
  }
  for (const form of [...forms]) {
    forms.add(JSON.stringify(form).slice(1, -1));
    try {
      forms.add(encodeURIComponent(form));
    } catch {
      // a lone surrogate: no URL form
    }
  }
  return [...forms].filter((form) => form.length >= MIN_REDACTED_LENGTH);
}

/** Longest secret form put into the redaction expression; longer ones are replaced as plain text. */
const MAX_PATTERN_FORM_LENGTH = 1_024;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Replaces every known secret value (longest first, in one pass) and masks URL passwords. */
export class Redactor {
  private readonly replacements = new Map<string, string>();
  private pattern: RegExp | null | undefined;
  private probe: RegExp | null = null;
  /** Forms too long for the one regular expression (V8 refuses huge ones), replaced as plain text. */
  private literal: string[] = [];

  constructor(entries: Iterable<Redaction> = []) {
    this.add(entries);
  }

  add(entries: Iterable<Redaction>): this {
    for (const { value, replacement } of entries) {
      for (const form of variants(value)) {
        if (form === replacement || this.replacements.has(form)) continue;
        this.replacements.set(form, replacement);
        this.pattern = undefined;
      }
    }
    return this;
  }

  /** Whether the text holds a known secret value (URL passwords aside). */
  holdsSecret(text: string): boolean {
    this.compile();
    return this.literal.some((form) => text.includes(form)) || (this.probe?.test(text) ?? false);
  }

  redact(text: string): string {
    this.compile();
    let replaced = text;
    for (const form of this.literal) {
      if (replaced.includes(form))
        replaced = replaced.split(form).join(this.replacements.get(form) ?? HIDDEN);
    }
    if (this.pattern)
      replaced = replaced.replace(this.pattern, (match) => this.replacements.get(match) ?? HIDDEN);
    return maskUrlPasswords(replaced);
  }

  private compile(): void {
    if (this.pattern !== undefined) return;
    const forms = [...this.replacements.keys()].sort((a, b) => b.length - a.length);
    // A hostile value (a 64 KB password) would make the expression too large to compile: long
    // forms are replaced as plain text first, and all of them if the rest still does not compile.
    this.literal = forms.filter((form) => form.length > MAX_PATTERN_FORM_LENGTH);
    const short = forms.filter((form) => form.length <= MAX_PATTERN_FORM_LENGTH);
    const source = short.map(escapeRegExp).join('|');
    try {
      this.pattern = short.length === 0 ? null : new RegExp(source, 'g');
      this.probe = short.length === 0 ? null : new RegExp(source);
    } catch {
      this.literal = forms;
      this.pattern = null;
      this.probe = null;
    }
  }
}

/**
 * The process-wide set of secrets to keep out of traces and log lines: each connector registers
 * what its placeholders resolved to and its literal secrets; deleting it forgets them.
 */
class SecretRegistry {
  private readonly owners = new Map<string, Redaction[]>();
  private redactor: Redactor | undefined;

  /** Adds `entries` to what `owner` (e.g. a connector) registered before. */
  add(owner: string, entries: readonly Redaction[]): void {
    if (entries.length === 0) return;
    const known = this.owners.get(owner) ?? [];
    const fresh = entries.filter(
      (entry) =>
        !known.some((other) => other.value === entry.value && other.replacement === entry.replacement),
    );
    if (fresh.length === 0) return;
    this.owners.set(owner, [...known, ...fresh]);
    this.redactor?.add(fresh);
  }

  delete(owner: string): void {
    if (this.owners.delete(owner)) this.redactor = undefined;
  }

  redact(text: string): string {
    return this.current().redact(text);
  }

  /**
   * A pino line (one JSON object): string values are redacted, but the fields that name the service
   * and the logger stay as they are (a password equal to "onramp" must not rename every line).
   */
  redactLogLine(line: string): string {
    const redactor = this.current();
    if (!redactor.holdsSecret(line)) return maskUrlPasswords(line);
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      return redactor.redact(line);
    }
    if (typeof entry !== 'object' || entry === null) return redactor.redact(line);
    const walk = (value: unknown, key: string | undefined, depth: number): unknown => {
      if (typeof value === 'string')
        return depth === 1 && KEPT_LOG_FIELDS.has(key ?? '') ? value : redactor.redact(value);
      if (Array.isArray(value)) return value.map((item) => walk(item, undefined, depth + 1));
      if (typeof value === 'object' && value !== null)
        return Object.fromEntries(
          Object.entries(value).map(([name, item]) => [name, walk(item, name, depth + 1)]),
        );
      return value;
    };
    return `${JSON.stringify(walk(entry, undefined, 0))}${line.endsWith('\n') ? '\n' : ''}`;
  }

  private current(): Redactor {
    if (!this.redactor) this.redactor = new Redactor([...this.owners.values()].flat());
    return this.redactor;
  }
}

/** Top-level log fields that never hold a secret. */
const KEPT_LOG_FIELDS = new Set(['service', 'logger', 'level', 'time', 'pid', 'hostname']);

export const secretRegistry = new SecretRegistry();

/** For the logger: every line written goes through here. */
export function redactLogLine(line: string): string {
  return secretRegistry.redactLogLine(line);
}
