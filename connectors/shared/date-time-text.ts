// Reading 'YYYY-MM-DD hh:mm:ss[.ffffff]' without a regular expression: both sources read one per
// date-time column of every row, and a match array of captured strings per value was a tenth of a
// streaming source's allocations. Anything of another shape goes to the caller's full pattern.

/** The digits of text[start, start + count) as a number, or -1 when one is not a digit. */
export function digitsAt(text: string, start: number, count: number): number {
  let value = 0;
  for (let index = start; index < start + count; index++) {
    const digit = text.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * Where 'YYYY-MM-DD hh:mm:ss[.f{1,6}]' at the start of `text` ends (19 without a fraction), or -1
 * when the text does not start that way. Only the separators are checked here; digitsAt checks
 * the digits as they are read.
 */
export function dateTimeEnd(text: string): number {
  if (
    text.length < 19 ||
    text.charCodeAt(4) !== 45 ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 32 ||
    text.charCodeAt(13) !== 58 ||
    text.charCodeAt(16) !== 58
  )
    return -1;
  if (text.length === 19 || text.charCodeAt(19) !== 46) return 19;
  let end = 20;
  while (end < text.length && end < 26 && digitsAt(text, end, 1) >= 0) end++;
  return end === 20 ? -1 : end;
}

/** The fields of a date-time of that shape ending at `end`; undefined when a field is not digits. */
export function dateTimeFields(
  text: string,
  end: number,
): { year: number; month: number; day: number; secondOfDay: number; micros: number } | undefined {
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hours = digitsAt(text, 11, 2);
  const minutes = digitsAt(text, 14, 2);
  const seconds = digitsAt(text, 17, 2);
  if (year < 0 || month < 0 || day < 0 || hours < 0 || minutes < 0 || seconds < 0) return undefined;
  let micros = 0;
  for (let index = 20, scale = 100_000; index < end; index++, scale /= 10)
    micros += (text.charCodeAt(index) - 48) * scale;
  return { year, month, day, secondOfDay: hours * 3600 + minutes * 60 + seconds, micros };
}

/** ISO 8601 'YYYY-MM-DDThh:mm:ss' of a text of that shape, and its fraction's digits as written. */
export function isoDateTimeParts(text: string, end: number): { clock: string; fraction: string } {
  return {
    clock: `${text.slice(0, 10)}T${text.slice(11, 19)}`,
    fraction: end > 19 ? text.slice(20, end) : '',
  };
}
