import { describe, expect, it } from 'vitest';
import { mysqlDialect } from '../../../../connectors/jdbc-sink/dialects/mysql.ts';
import { timeZone, UTC } from '../../../../connectors/jdbc-sink/time-zone.ts';

const micros = (iso: string) => BigInt(Date.parse(iso)) * 1000n;

describe('database.time_zone', () => {
  it('UTC spellings are UTC; fixed offsets shift by their minutes', () => {
    for (const name of ['UTC', 'utc', 'Z', 'GMT', 'Etc/UTC', '+00:00', '']) expect(timeZone(name)).toBe(UTC);
    const india = timeZone('+05:30');
    expect(india.fixedOffsetMinutes).toBe(330);
    expect(india.localMicros(micros('2024-01-01T00:00:00Z'))).toBe(micros('2024-01-01T05:30:00Z'));
    expect(timeZone('UTC-03:00').localMicros(micros('2024-01-01T00:00:00Z'))).toBe(
      micros('2023-12-31T21:00:00Z'),
    );
  });

  it('named zones follow daylight saving, across the switch', () => {
    const berlin = timeZone('Europe/Berlin');
    expect(berlin.fixedOffsetMinutes).toBeUndefined();
    // Summer time starts at 01:00 UTC: 02:00 CET becomes 03:00 CEST.
    expect(berlin.localMicros(micros('2024-03-31T00:59:59.5Z'))).toBe(micros('2024-03-31T01:59:59.5Z'));
    expect(berlin.localMicros(micros('2024-03-31T01:00:00Z'))).toBe(micros('2024-03-31T03:00:00Z'));
    expect(berlin.localMicros(micros('1969-07-20T20:17:40Z'))).toBe(micros('1969-07-20T21:17:40Z'));
  });

  it('rejects unknown names and out-of-range offsets', () => {
    expect(() => timeZone('Mars/Olympus_Mons')).toThrow(/Unknown time zone/);
    expect(() => timeZone('+19:00')).toThrow(/out of range/);
  });

  it('MySQL writes ZonedTimestamp instants as wall-clock time in the zone', () => {
    expect(mysqlDialect.zonedTimestamp('2024-07-01T12:00:00.5Z', timeZone('America/New_York'))).toBe(
      '2024-07-01 08:00:00.500000',
    );
  });
});
