import type { ConnectSchema, ConnectValue } from '../../src/plugin/index.ts';
import type { ColumnKind } from './column-type.ts';
import { type TimeZone, UTC } from './time-zone.ts';

// Connect values -> the parameters the drivers bind. Temporal values become the ISO-like text both
// databases parse ('YYYY-MM-DD HH:MM:SS.ffffff', wall-clock time in database.time_zone, UTC by
// default), so no driver time zone logic is involved;
// int64 beyond 2^53 and decimals travel as strings, JSON as text, bytes as Buffer.

export type SqlValue = null | string | number | boolean | Buffer;

const DAY_MS = 86_400_000n;

function pad(value: bigint | number, width: number): string {
  return String(value).padStart(width, '0');
}

function floorDiv(value: bigint, divisor: bigint): bigint {
  const quotient = value / divisor;
  return value % divisor < 0n ? quotient - 1n : quotient;
}

function toBigInt(value: ConnectValue): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  throw new Error(`expected an integer, got ${typeof value}`);
}

/** Micros since the epoch -> 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC). */
export function formatTimestamp(micros: bigint, digits: 3 | 6): string {
  const millis = floorDiv(micros, 1000n);
  const iso = new Date(Number(millis)).toISOString();
  const fraction = pad(micros - floorDiv(micros, 1_000_000n) * 1_000_000n, 6).slice(0, digits);
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${fraction}`;
}

const DAY_MICROS = 86_400_000_000;
/** 'YYYY-MM-DD' per day since the epoch: a batch's timestamps fall on few days. */
const dayTexts = new Map<number, string>();

function two(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}

/**
 * The number form of formatTimestamp for micros within ±2^53 (about ±285 years around 1970),
 * without BigInt arithmetic or a Date per value: the day's text is looked up, the time of day
 * computed.
 */
function formatSafeTimestamp(micros: number, digits: 3 | 6): string {
  const day = Math.floor(micros / DAY_MICROS);
  let date = dayTexts.get(day);
  if (date === undefined) {
    date = new Date(day * 86_400_000).toISOString().slice(0, 10);
    if (dayTexts.size >= 4096) dayTexts.clear();
    dayTexts.set(day, date);
  }
  const inDay = micros - day * DAY_MICROS;
  const seconds = Math.floor(inDay / 1_000_000);
  const fraction = String(inDay - seconds * 1_000_000).padStart(6, '0');
  const time = `${two(Math.floor(seconds / 3600))}:${two(Math.floor(seconds / 60) % 60)}:${two(seconds % 60)}`;
  return `${date} ${time}.${digits === 6 ? fraction : fraction.slice(0, 3)}`;
}

/** A timestamp in UTC as plain numbers, or undefined when it needs the BigInt path. */
function safeMicros(value: ConnectValue, unit: 'ms' | 'us' | 'ns'): number | undefined {
  if (typeof value !== 'number' || !Number.isInteger(value) || unit === 'ns') return undefined;
  const micros = unit === 'ms' ? value * 1000 : value;
  return Number.isSafeInteger(micros) ? micros : undefined;
}

function timestampMicros(value: ConnectValue, unit: 'ms' | 'us' | 'ns'): bigint {
  const raw = toBigInt(value);
  return unit === 'ms' ? raw * 1000n : unit === 'us' ? raw : floorDiv(raw, 1000n);
}

function formatTime(value: ConnectValue, unit: 'ms' | 'us' | 'ns'): string {
  const micros = timestampMicros(value, unit);
  const seconds = floorDiv(micros, 1_000_000n);
  const fraction = micros - seconds * 1_000_000n;
  return `${pad(seconds / 3600n, 2)}:${pad((seconds / 60n) % 60n, 2)}:${pad(seconds % 60n, 2)}.${pad(fraction, 6)}`;
}

function formatDate(value: ConnectValue): string {
  const days = toBigInt(value);
  return new Date(Number(days * DAY_MS)).toISOString().slice(0, 10);
}

/** A two's complement big-endian integer, as Connect encodes unscaled decimals. */
function unscaled(bytes: Uint8Array): bigint {
  let result = 0n;
  for (const byte of bytes) result = (result << 8n) | BigInt(byte);
  if (bytes.length > 0 && (bytes[0] ?? 0) & 0x80) result -= 1n << BigInt(bytes.length * 8);
  return result;
}

export function decimalText(unscaledValue: bigint, scale: number): string {
  if (scale <= 0) return (unscaledValue * 10n ** BigInt(-scale)).toString();
  const negative = unscaledValue < 0n;
  const digits = (negative ? -unscaledValue : unscaledValue).toString().padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

function decimalValue(value: ConnectValue): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint')
    return String(value);
  // io.debezium.data.VariableScaleDecimal: { scale, value: bytes }
  if (
    value !== null &&
    typeof value === 'object' &&
    !(value instanceof Uint8Array) &&
    !Array.isArray(value)
  ) {
    const { scale, value: bytes } = value;
    if (typeof scale === 'number' && bytes instanceof Uint8Array) return decimalText(unscaled(bytes), scale);
  }
  throw new Error('expected a decimal');
}

function jsonText(value: ConnectValue): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    typeof item === 'bigint'
      ? item.toString()
      : item instanceof Uint8Array
        ? Buffer.from(item).toString('base64')
        : item,
  );
}

/**
 * The driver parameter for `value` of a column of kind `kind` (`zonedTimestamp` is the dialect's).
 * Timestamps (instants) are written as wall-clock time in `zone`; dates and times of day as they are.
 */
export function sqlValue(
  kind: ColumnKind,
  value: ConnectValue,
  zonedTimestamp: (iso: string) => string,
  zone: TimeZone = UTC,
): SqlValue {
  if (value === null) return null;
  switch (kind.kind) {
    case 'decimal':
      return decimalValue(value);
    case 'date':
      return formatDate(value);
    case 'time':
      return formatTime(value, kind.unit);
    case 'timestamp': {
      const digits = kind.unit === 'ms' ? 3 : 6;
      const safe = zone.isUtc ? safeMicros(value, kind.unit) : undefined;
      if (safe !== undefined) return formatSafeTimestamp(safe, digits);
      return formatTimestamp(zone.localMicros(timestampMicros(value, kind.unit)), digits);
    }
    case 'zoned-timestamp':
      if (typeof value !== 'string') throw new Error('expected an ISO-8601 timestamp string');
      return zonedTimestamp(value);
    case 'structured':
      return typeof value === 'string' ? value : jsonText(value);
    case 'json':
    case 'uuid':
    case 'zoned-time':
    case 'string':
      if (typeof value === 'string') return value;
      return jsonText(value);
    case 'bytes':
      if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      throw new Error('expected bytes');
    case 'boolean':
      if (typeof value === 'boolean') return value;
      throw new Error(`expected a boolean, got ${typeof value}`);
    case 'int64':
      if (typeof value === 'bigint') return value.toString();
      if (typeof value === 'number') return value;
      throw new Error(`expected an integer, got ${typeof value}`);
    default:
      if (typeof value === 'number') return value;
      if (typeof value === 'bigint') return value.toString();
      throw new Error(`expected a number, got ${typeof value}`);
  }
}

/** Whether a schema (null = schemaless) has a value that the column may hold NULL for. */
export function isOptional(schema: ConnectSchema | null): boolean {
  return schema === null || schema.optional === true;
}
