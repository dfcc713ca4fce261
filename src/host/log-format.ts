// How log lines look. JSON (one object a line, ISO-8601 `time`, `level` by name) for machines and
// log shippers; a human format when stdout is a terminal: time, level, logger, message, then the
// other fields as key=value, an error's stack indented below. `log.format` (ONRAMP_LOG_FORMAT)
// picks one: auto (the default: human on a terminal, JSON otherwise), json or human.
//
// Positions are written one way everywhere: a PostgreSQL LSN is X/X (as the server and its tools
// write it), whichever part of the code logged it as a number, bigint or decimal string.

export type LogFormat = 'auto' | 'json' | 'human';
export const LOG_FORMATS: readonly LogFormat[] = ['auto', 'json', 'human'];

export function resolveLogFormat(format: LogFormat, isTty = process.stdout.isTTY === true): 'json' | 'human' {
  if (format === 'auto') return isTty ? 'human' : 'json';
  return format;
}

// --- LSNs

/** A field holding a PostgreSQL LSN: lsn, lsn_proc, lsn_commit, storedLsn, confirmed_flush_lsn, ... */
const LSN_KEY = /(^|_)lsn($|_)|Lsn$/;
const DECIMAL = /^\d+$/;
const MAX_DEPTH = 3;

/** An LSN value as X/X; other values unchanged. */
export function lsnText(value: unknown): unknown {
  let lsn: bigint;
  if (typeof value === 'bigint') lsn = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) lsn = BigInt(value);
  else if (typeof value === 'string' && DECIMAL.test(value) && value.length <= 20) lsn = BigInt(value);
  else return value;
  if (lsn < 0n || lsn > 0xffffffffffffffffn) return value;
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The log object with every LSN field written X/X (copied only where something changes). */
export function formatLsns(object: Record<string, unknown>, depth = 0): Record<string, unknown> {
  let result: Record<string, unknown> | undefined;
  for (const key of Object.keys(object)) {
    const value = object[key];
    let formatted: unknown = value;
    if (LSN_KEY.test(key)) formatted = lsnText(value);
    else if (depth < MAX_DEPTH && isPlainObject(value)) formatted = formatLsns(value, depth + 1);
    if (formatted !== value) {
      result ??= { ...object };
      result[key] = formatted;
    }
  }
  return result ?? object;
}

// --- the human format

const LEVEL_COLORS: Readonly<Record<string, string>> = {
  fatal: '\u001b[35m',
  error: '\u001b[31m',
  warn: '\u001b[33m',
  info: '\u001b[32m',
  debug: '\u001b[36m',
  trace: '\u001b[90m',
};
const RESET = '\u001b[0m';
const DIM = '\u001b[2m';
/** Fields every line has, shown in the line's head or not at all. */
const HEAD_FIELDS = new Set(['time', 'level', 'msg', 'logger', 'service']);

function fieldText(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

/**
 * One JSON log line (as pino wrote it, newline included) in the human format; the line unchanged
 * when it is not a JSON object (it is still shown, never lost).
 */
export function humanLine(line: string, color = false): string {
  let entry: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (!isPlainObject(parsed)) return line;
    entry = parsed;
  } catch {
    return line;
  }
  const level = String(entry.level ?? '');
  const shownLevel = level.toUpperCase().padEnd(5);
  const head = [
    String(entry.time ?? ''),
    color ? `${LEVEL_COLORS[level] ?? ''}${shownLevel}${RESET}` : shownLevel,
    entry.logger === undefined ? '' : color ? `${DIM}${String(entry.logger)}${RESET}` : String(entry.logger),
    String(entry.msg ?? ''),
  ]
    .filter((part) => part !== '')
    .join(' ');
  const fields: string[] = [];
  let stack = '';
  for (const [key, value] of Object.entries(entry)) {
    if (HEAD_FIELDS.has(key)) continue;
    if (key === 'err' && isPlainObject(value)) {
      fields.push(`err=${fieldText(value.message ?? value.type)}`);
      if (typeof value.stack === 'string') stack = `\n    ${value.stack.split('\n').join('\n    ')}`;
      continue;
    }
    fields.push(`${key}=${fieldText(value)}`);
  }
  return `${head}${fields.length > 0 ? `  ${fields.join(' ')}` : ''}${stack}\n`;
}
