import { describe, expect, it } from 'vitest';
import {
  dateTimeMicrosByPattern,
  parseDateTimeMicros,
  zonedTimestamp,
  zonedTimestampByPattern,
} from '../../../../connectors/mysql-source/mysql-time.ts';
import { randomDateTimes } from '../../../support/random-date-times.ts';

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
    texts.push(...randomDateTimes(500, { zeros: true }));
    for (const text of texts) {
      expect(parseDateTimeMicros(text), text).toBe(dateTimeMicrosByPattern(text));
      for (const digits of [0, 1, 3, 6])
        expect(zonedTimestamp(text, digits), text).toBe(zonedTimestampByPattern(text, digits));
    }
  });
});
