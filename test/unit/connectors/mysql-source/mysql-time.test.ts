import { describe, expect, it } from 'vitest';
import {
  dateTimeMicrosByPattern,
  parseDateTimeMicros,
  zonedTimestamp,
  zonedTimestampByPattern,
} from '../../../../connectors/mysql-source/mysql-time.ts';

describe('MySQL date-time text', () => {
  it('reads the common shape without the pattern, with the same results', () => {
    const texts = [
      '2026-12-07 05:51:25',
      '2026-12-07 05:51:25.5',
      '2026-12-07 05:51:25.000100',
      '1970-01-01 00:00:00',
      '1969-12-31 23:59:59.999999',
      '0100-03-01 00:00:00',
      '0099-12-31 23:59:59',
      '0001-01-01 00:00:00',
      '9999-12-31 23:59:59.999999',
      '0000-00-00 00:00:00',
      '2026-00-07 05:51:25',
      ' 2026-12-07 05:51:25 ',
      '2026-12-07T05:51:25',
      '2026-12-07',
    ];
    let seed = 11;
    const next = (limit: number) => {
      seed = (seed * 48271) % 2147483647;
      return seed % limit;
    };
    const two = (value: number) => String(value).padStart(2, '0');
    for (let index = 0; index < 500; index++) {
      const fraction = String(next(1_000_000)).padStart(6, '0').slice(0, next(7));
      texts.push(
        `${String(next(10000)).padStart(4, '0')}-${two(next(13))}-${two(next(32))} ` +
          `${two(next(24))}:${two(next(60))}:${two(next(60))}${fraction ? `.${fraction}` : ''}`,
      );
    }
    for (const text of texts) {
      expect(parseDateTimeMicros(text), text).toBe(dateTimeMicrosByPattern(text));
      for (const digits of [0, 1, 3, 6])
        expect(zonedTimestamp(text, digits), text).toBe(zonedTimestampByPattern(text, digits));
    }
  });
});
