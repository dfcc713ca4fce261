// MySQL temporal text (as the server and zongji write it with dateStrings, in UTC) to Debezium's
// numbers: days, microseconds of day, microseconds since the epoch. Exact to the microsecond,
// without JavaScript Dates. Zero dates ('0000-00-00') have no instant: they become null.

import { dateTimeEnd, dateTimeFields, isoDateTimeParts } from '../shared/date-time-text.ts';

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?)?$/;

function fractionMicros(fraction: string | undefined): number {
  return fraction ? Number(fraction.padEnd(6, '0')) : 0;
}

function isZeroDate(year: number, month: number, day: number): boolean {
  return year === 0 || month === 0 || day === 0;
}

/** Days since 1970-01-01 of 'YYYY-MM-DD', or null for a zero date. */
export function parseDateDays(text: string): number | null {
  const match = DATE_TIME.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a date`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (isZeroDate(year, month, day)) return null;
  return Math.floor(Date.UTC(year, month - 1, day) / 86_400_000);
}

/** The fields of a non-zero 'YYYY-MM-DD hh:mm:ss[.ffffff]', read without the pattern; undefined for anything else. */
function commonDateTime(text: string): (ReturnType<typeof dateTimeFields> & { end: number }) | undefined {
  const end = dateTimeEnd(text);
  if (end !== text.length) return undefined;
  const fields = dateTimeFields(text, end);
  if (fields === undefined || isZeroDate(fields.year, fields.month, fields.day)) return undefined;
  return { ...fields, end };
}

/** Microseconds since the epoch of 'YYYY-MM-DD hh:mm:ss[.ffffff]' read as UTC, or null for a zero date. */
export function parseDateTimeMicros(text: string): number | null {
  const common = commonDateTime(text);
  // Date.UTC takes years below 100 as 19xx: those go the long way.
  if (common !== undefined && common.year >= 100)
    return (
      (Date.UTC(common.year, common.month - 1, common.day) + common.secondOfDay * 1000) * 1000 + common.micros
    );
  return dateTimeMicrosByPattern(text);
}

/** parseDateTimeMicros by the full pattern (the tests compare both ways). */
export function dateTimeMicrosByPattern(text: string): number | null {
  const match = DATE_TIME.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a date and time`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (isZeroDate(year, month, day)) return null;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(Number(match[4] ?? 0), Number(match[5] ?? 0), Number(match[6] ?? 0), 0);
  return date.getTime() * 1000 + fractionMicros(match[7]);
}

/** Microseconds of '[-]hhh:mm:ss[.ffffff]' (MySQL TIME spans -838:59:59 to 838:59:59). */
export function parseTimeMicros(text: string): number {
  const match = /^(-)?(\d+):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a time`);
  const micros =
    (Number(match[2]) * 3600 + Number(match[3]) * 60 + Number(match[4])) * 1_000_000 +
    fractionMicros(match[5]);
  return match[1] ? -micros : micros;
}

/** TIMESTAMP text in UTC as Debezium's ZonedTimestamp: ISO 8601 with the column's fraction digits and Z. */
export function zonedTimestamp(text: string, digits: number): string | null {
  const common = commonDateTime(text);
  if (common !== undefined) {
    const { clock, fraction } = isoDateTimeParts(text, common.end);
    return `${clock}${digits > 0 ? `.${fraction.padEnd(6, '0').slice(0, digits)}` : ''}Z`;
  }
  return zonedTimestampByPattern(text, digits);
}

/** zonedTimestamp by the full pattern (the tests compare both ways). */
export function zonedTimestampByPattern(text: string, digits: number): string | null {
  const match = DATE_TIME.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a timestamp`);
  if (isZeroDate(Number(match[1]), Number(match[2]), Number(match[3]))) return null;
  const fraction = (match[7] ?? '').padEnd(6, '0').slice(0, digits);
  const seconds = `${match[4] ?? '00'}:${match[5] ?? '00'}:${match[6] ?? '00'}`;
  return `${match[1]}-${match[2]}-${match[3]}T${seconds}${digits > 0 ? `.${fraction}` : ''}Z`;
}
