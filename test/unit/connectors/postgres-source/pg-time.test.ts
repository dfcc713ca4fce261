import { describe, expect, it } from 'vitest';
import {
  civilFromDays,
  daysFromCivil,
  floorDiv,
  formatClock,
  formatZonedTimestamp,
  offsetSeconds,
  parseIntervalMicros,
  parseTimestamp,
  parseTimestampByPattern,
  zonedTimestampText,
} from '../../../../connectors/postgres-source/pg-time.ts';
import { randomDateTimes } from '../../../support/random-date-times.ts';

describe('calendar arithmetic', () => {
  it('round-trips days and dates, BC included (year 0 = 1 BC)', () => {
    for (const days of [-719528, -1, 0, 1, 19724, 2_932_896, -63_517_788_000 / 86_400]) {
      const whole = Math.floor(days);
      const [year, month, day] = civilFromDays(whole);
      expect(daysFromCivil(year, month, day)).toBe(whole);
    }
    expect(civilFromDays(0)).toEqual([1970, 1, 1]);
    expect(civilFromDays(11016)).toEqual([2000, 2, 29]);
  });

  it('parses UTC offsets', () => {
    expect(offsetSeconds('+00')).toBe(0);
    expect(offsetSeconds('+05:30')).toBe(19800);
    expect(offsetSeconds('-03:30:15')).toBe(-12615);
  });
});

describe('timestamps', () => {
  it('matches PostgreSQL epoch microseconds, BC and far future included', () => {
    // Reference values: extract(epoch from ...) * 1e6 on PostgreSQL 15.
    expect(parseTimestamp('2300-01-01 00:00:00')).toBe(10_413_792_000_000_000n);
    expect(parseTimestamp('0044-03-15 10:00:00 BC')).toBe(-63_517_788_000_000_000n);
    expect(parseTimestamp('2024-01-02 03:04:05.5+02')).toBe(1_704_157_445_500_000);
  });

  it('formats ZonedTimestamp with the column precision or the shortest form', () => {
    expect(formatZonedTimestamp(1_704_157_445_500_000, 6)).toBe('2024-01-02T01:04:05.500000Z');
    expect(formatZonedTimestamp(1_704_157_445_500_000, 0)).toBe('2024-01-02T01:04:05.5Z');
    expect(formatZonedTimestamp(-1, 6)).toBe('1969-12-31T23:59:59.999999Z');
    expect(formatZonedTimestamp(-63_517_788_000_000_000n, 6)).toBe('-0043-03-15T10:00:00.000000Z');
    expect(formatZonedTimestamp(253_402_300_800_000_000n, 0)).toBe('+10000-01-01T00:00:00Z');
    expect(formatClock(0, 0)).toBe('00:00:00');
  });

  it('reads and rewrites the common UTC shape as the full pattern and formatter do', () => {
    const texts = [
      '2026-12-07 05:51:25+00',
      '2026-12-07 05:51:25.5+00',
      '2026-12-07 05:51:25.123456+00',
      '2026-12-07 05:51:25.000100+00',
      '0001-01-01 00:00:00+00',
      '9999-12-31 23:59:59.999999+00',
      '1969-12-31 23:59:59.999999',
      '2000-02-29 12:00:00.25',
      // other shapes: the pattern reads them
      '2026-12-07 05:51:25+05:30',
      '2026-12-07 05:51:25.1-03',
      '0044-03-15 12:00:00+00 BC',
      '12026-01-01 00:00:00+00',
      '2026-12-07 05:51:25.+00',
      '2026-12-07 05:51:25.1234567+00',
    ];
    texts.push(...randomDateTimes(500, { suffixes: ['', '+00'] }));
    for (const text of texts) {
      let expected: number | bigint | Error;
      try {
        expected = parseTimestampByPattern(text);
      } catch (error) {
        expected = error as Error;
      }
      if (expected instanceof Error) {
        expect(() => parseTimestamp(text), text).toThrow();
        continue;
      }
      expect(parseTimestamp(text), text).toBe(expected);
      for (const digits of [0, 1, 3, 6, 9])
        expect(zonedTimestampText(text, digits), `${text} (${digits})`).toBe(
          formatZonedTimestamp(expected, digits),
        );
    }
  });

  it('divides towards negative infinity', () => {
    expect(floorDiv(-1, 1000)).toBe(-1);
    expect(floorDiv(-1n, 1000)).toBe(-1n);
    expect(floorDiv(1999, 1000)).toBe(1);
  });
});

describe('intervals', () => {
  it('counts months as 30.4375 days like Debezium MicroDuration', () => {
    expect(parseIntervalMicros('P1M')).toBe(2_629_800_000_000);
    expect(parseIntervalMicros('P1W')).toBe(604_800_000_000);
    expect(parseIntervalMicros('P-1Y-2M3DT-4H-5M-6.789S')).toBe(
      -36_817_200_000_000 + 259_200_000_000 - 14_706_789_000,
    );
    expect(parseIntervalMicros('P1000000Y')).toBe(31_557_600_000_000_000_000n);
    expect(() => parseIntervalMicros('1 day')).toThrow(/ISO 8601/);
  });
});
