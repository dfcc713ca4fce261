// PostgreSQL date/time text (DateStyle=ISO, IntervalStyle=iso_8601, TimeZone=UTC, as every connection
// of ours sets) to exact numbers: days, microseconds. No JS Date, which has only milliseconds and
// would read `timestamp` in the local zone. Values beyond 2^53 microseconds (before 1685 or after
// 2255) come back as bigint.

import { dateTimeEnd, dateTimeFields, digitsAt, isoDateTimeParts } from '../shared/date-time-text.ts';

const MICROS_PER_SECOND = 1_000_000;
const MICROS_PER_DAY = 86_400_000_000;
/** Debezium's average month (365.25 / 12 days) used to turn interval months into microseconds. */
const MICROS_PER_MONTH = 2_629_800_000_000n;

/** Debezium's values for +/-infinity (PGStatement.DATE_POSITIVE/NEGATIVE_INFINITY, in ms). */
export const POSITIVE_INFINITY_MILLIS = 9_223_372_036_825_200_000n;
export const NEGATIVE_INFINITY_MILLIS = -9_223_372_036_832_400_000n;

/** Days since 1970-01-01 of a proleptic Gregorian date (year 0 = 1 BC). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

export function civilFromDays(days: number): [year: number, month: number, day: number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

const DATE = /^(\d{4,})-(\d{2})-(\d{2})( BC)?$/;
const TIME = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;
const TIMESTAMP =
  /^(\d{4,})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?([+-]\d{2}(?::?\d{2}){0,2})?( BC)?$/;
const OFFSET = /^([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?$/;

function fractionMicros(fraction: string | undefined): number {
  return fraction === undefined ? 0 : Number(fraction.padEnd(6, '0'));
}

function astronomicalYear(year: string, bc: string | undefined): number {
  return bc ? 1 - Number(year) : Number(year);
}

/** Seconds east of UTC of an offset like +05, -03:30, +00:00:00. */
export function offsetSeconds(text: string): number {
  const match = OFFSET.exec(text);
  if (!match) throw new Error(`"${text}" is not a UTC offset`);
  const seconds = Number(match[2]) * 3600 + Number(match[3] ?? 0) * 60 + Number(match[4] ?? 0);
  return match[1] === '-' ? -seconds : seconds;
}

/** `date` text to days since the epoch; 'infinity' / '-infinity' as Debezium maps them. */
export function parseDate(text: string): number {
  if (text === 'infinity') return daysFromCivil(-5877611, 6, 21);
  if (text === '-infinity') return daysFromCivil(-5877611, 6, 22);
  const match = DATE.exec(text);
  if (!match) throw new Error(`"${text}" is not an ISO date`);
  return daysFromCivil(astronomicalYear(match[1] as string, match[4]), Number(match[2]), Number(match[3]));
}

/** `time` text to microseconds past midnight (24:00:00 is 86,400,000,000). */
export function parseTime(text: string): number {
  const match = TIME.exec(text);
  if (!match) throw new Error(`"${text}" is not a time`);
  return (
    (Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3])) * MICROS_PER_SECOND +
    fractionMicros(match[4])
  );
}

function combine(days: number, micros: number): number | bigint {
  const total = days * MICROS_PER_DAY + micros;
  return Number.isSafeInteger(total) ? total : BigInt(days) * BigInt(MICROS_PER_DAY) + BigInt(micros);
}

/**
 * `timestamp` / `timestamptz` text to microseconds since the epoch (UTC). A timestamp without zone
 * is read as UTC, as Debezium does. Infinity maps to Debezium's sentinel values.
 */
export function parseTimestamp(text: string): number | bigint {
  return parseUtcTimestamp(text) ?? parseTimestampByPattern(text);
}

/**
 * The shape a UTC session sends for nearly every value, 'YYYY-MM-DD hh:mm:ss[.ffffff][+00]' with a
 * four-digit year, read without a regular expression (a streaming source reads one per timestamp
 * column of every row); undefined for anything else, which parseTimestampByPattern reads.
 */
function parseUtcTimestamp(text: string): number | bigint | undefined {
  const end = dateTimeEnd(text);
  if (end < 0 || (end !== text.length && (end !== text.length - 3 || !text.endsWith('+00'))))
    return undefined;
  const fields = dateTimeFields(text, end);
  if (fields === undefined) return undefined;
  const { year, month, day, secondOfDay, micros } = fields;
  return combine(daysFromCivil(year, month, day), secondOfDay * MICROS_PER_SECOND + micros);
}

/** parseTimestamp by the full pattern: any year, BC, any offset (the tests compare both ways). */
export function parseTimestampByPattern(text: string): number | bigint {
  if (text === 'infinity') return POSITIVE_INFINITY_MILLIS * 1000n;
  if (text === '-infinity') return NEGATIVE_INFINITY_MILLIS * 1000n;
  const match = TIMESTAMP.exec(text);
  if (!match) throw new Error(`"${text}" is not an ISO timestamp`);
  const days = daysFromCivil(
    astronomicalYear(match[1] as string, match[9]),
    Number(match[2]),
    Number(match[3]),
  );
  const offset = match[8] === undefined ? 0 : offsetSeconds(match[8]);
  const seconds = Number(match[4]) * 3600 + Number(match[5]) * 60 + Number(match[6]) - offset;
  return combine(days, seconds * MICROS_PER_SECOND + fractionMicros(match[7]));
}

/** Floor division of a microsecond count, exact for bigint and number alike. */
export function floorDiv(value: number | bigint, divisor: number): number | bigint {
  if (typeof value === 'bigint') {
    const d = BigInt(divisor);
    const quotient = value / d;
    return value % d !== 0n && value < 0n ? quotient - 1n : quotient;
  }
  return Math.floor(value / divisor);
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function isoYear(year: number): string {
  if (year > 9999) return `+${year}`;
  if (year < 0) return `-${pad(-year, 4)}`;
  return pad(year, 4);
}

/**
 * ISO-8601 text in UTC as Debezium's ZonedTimestamp writes it: exactly `fractionDigits` digits of
 * fraction when that is 1..9, otherwise the shortest form (no fraction when it is zero).
 */
export function formatZonedTimestamp(micros: number | bigint, fractionDigits: number): string {
  const big = BigInt(micros);
  const perDay = BigInt(MICROS_PER_DAY);
  let days = big / perDay;
  let rest = big % perDay;
  if (rest < 0n) {
    rest += perDay;
    days -= 1n;
  }
  const [year, month, day] = civilFromDays(Number(days));
  return `${isoYear(year)}-${pad(month, 2)}-${pad(day, 2)}T${formatClock(Number(rest), fractionDigits)}Z`;
}

/**
 * formatZonedTimestamp(parseTimestamp(text), fractionDigits), rewritten from the text itself when it
 * has the common UTC shape (the digits are already the ISO ones): no numbers, no BigInt.
 */
export function zonedTimestampText(text: string, fractionDigits: number): string {
  const end = dateTimeEnd(text);
  if (end < 0 || !text.endsWith('+00') || end !== text.length - 3 || digitsAt(text, 0, 4) < 1)
    return formatZonedTimestamp(parseTimestamp(text), fractionDigits);
  const { clock, fraction } = isoDateTimeParts(text, end);
  if (fractionDigits >= 1 && fractionDigits <= 9)
    return `${clock}.${fraction.padEnd(fractionDigits, '0').slice(0, fractionDigits)}Z`;
  const trimmed = fraction.replace(/0+$/, '');
  return trimmed === '' ? `${clock}Z` : `${clock}.${trimmed}Z`;
}

/** HH:mm:ss[.fraction] of microseconds past midnight, fraction as in formatZonedTimestamp. */
export function formatClock(micros: number, fractionDigits: number): string {
  const seconds = Math.floor(micros / MICROS_PER_SECOND);
  const fraction = micros - seconds * MICROS_PER_SECOND;
  const clock = `${pad(Math.floor(seconds / 3600), 2)}:${pad(Math.floor(seconds / 60) % 60, 2)}:${pad(seconds % 60, 2)}`;
  const digits = pad(fraction, 6);
  if (fractionDigits >= 1 && fractionDigits <= 9)
    return `${clock}.${digits.padEnd(fractionDigits, '0').slice(0, fractionDigits)}`;
  const trimmed = digits.replace(/0+$/, '');
  return trimmed === '' ? clock : `${clock}.${trimmed}`;
}

const TIMETZ = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?([+-]\d{2}(?::?\d{2}){0,2})$/;

/** `timetz` text to Debezium's ZonedTime: the time shifted to UTC, e.g. "08:15:30.5Z". */
export function parseTimeTzToIso(text: string): string {
  const match = TIMETZ.exec(text);
  if (!match) throw new Error(`"${text}" is not a time with time zone`);
  const seconds =
    Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]) - offsetSeconds(match[5] as string);
  const micros = seconds * MICROS_PER_SECOND + fractionMicros(match[4]);
  // 24:00:00+00 stays the end of the day; anything else wraps around midnight like OffsetTime.
  const wrapped =
    micros === MICROS_PER_DAY ? micros : ((micros % MICROS_PER_DAY) + MICROS_PER_DAY) % MICROS_PER_DAY;
  if (wrapped === MICROS_PER_DAY) return '24:00:00Z';
  return `${formatClock(wrapped, 0)}Z`;
}

const INTERVAL =
  /^P(?:(-?\d+)Y)?(?:(-?\d+)M)?(?:(-?\d+)W)?(?:(-?\d+)D)?(?:T(?:(-?\d+)H)?(?:(-?\d+)M)?(?:(-?)(\d+)(?:\.(\d{1,6}))?S)?)?$/;

/**
 * ISO 8601 interval text (IntervalStyle=iso_8601) to microseconds, months counted as 30.4375
 * days like Debezium's MicroDuration.
 */
export function parseIntervalMicros(text: string): number | bigint {
  const match = INTERVAL.exec(text);
  if (!match || text === 'P' || text.endsWith('T')) throw new Error(`"${text}" is not an ISO 8601 interval`);
  const n = (index: number) => BigInt(match[index] ?? 0);
  const months = n(1) * 12n + n(2);
  const days = n(3) * 7n + n(4);
  const secondsMicros = n(8) * 1_000_000n + BigInt(fractionMicros(match[9]));
  const total =
    months * MICROS_PER_MONTH +
    days * BigInt(MICROS_PER_DAY) +
    n(5) * 3_600_000_000n +
    n(6) * 60_000_000n +
    (match[7] === '-' ? -secondsMicros : secondsMicros);
  return total >= BigInt(Number.MIN_SAFE_INTEGER) && total <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(total)
    : total;
}

/**
 * ISO 8601 interval text (IntervalStyle=iso_8601) as Debezium's io.debezium.time.Interval writes it
 * (interval.handling.mode=string): every field, signed as PostgreSQL keeps them, seconds without
 * trailing zeros, e.g. P1Y2M3DT4H5M6.78S.
 */
export function intervalIsoString(text: string): string {
  const match = INTERVAL.exec(text);
  if (!match || text === 'P' || text.endsWith('T')) throw new Error(`"${text}" is not an ISO 8601 interval`);
  const n = (index: number) => BigInt(match[index] ?? 0);
  const fraction = (match[9] ?? '').replace(/0+$/, '');
  const whole = BigInt(match[8] ?? 0);
  const negative = match[7] === '-' && (whole !== 0n || fraction !== '');
  const seconds = `${negative ? '-' : ''}${whole}${fraction === '' ? '' : `.${fraction}`}`;
  return `P${n(1)}Y${n(2)}M${n(3) * 7n + n(4)}DT${n(5)}H${n(6)}M${seconds}S`;
}
