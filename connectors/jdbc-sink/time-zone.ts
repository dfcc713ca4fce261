// database.time_zone: timestamps travel as instants (UTC), columns without a zone (DATETIME,
// TIMESTAMP WITHOUT TIME ZONE) take wall-clock time, so instants are written as the wall-clock time
// of the configured zone, as Debezium's JDBC sink does. UTC (the default) costs nothing.

export interface TimeZone {
  /** As configured, e.g. 'Europe/Berlin', '+02:00', 'UTC'. */
  readonly name: string;
  readonly isUtc: boolean;
  /** A fixed offset in minutes east of UTC, for zones without daylight saving rules (UTC, '+02:00'). */
  readonly fixedOffsetMinutes: number | undefined;
  /** The wall-clock time in this zone at the instant `utcMicros`, as micros since the epoch. */
  localMicros(utcMicros: bigint): bigint;
}

const UTC_NAMES = /^(utc|z|gmt|etc\/utc|etc\/gmt|[+-]00:?00)$/i;
const OFFSET = /^(?:utc|gmt)?([+-])(\d\d):?(\d\d)$/i;

export const UTC: TimeZone = {
  name: 'UTC',
  isUtc: true,
  fixedOffsetMinutes: 0,
  localMicros: (utcMicros) => utcMicros,
};

function fixed(name: string, minutes: number): TimeZone {
  const shift = BigInt(minutes) * 60_000_000n;
  return { name, isUtc: false, fixedOffsetMinutes: minutes, localMicros: (utcMicros) => utcMicros + shift };
}

/** The zone named `name` (IANA name, UTC, or ±HH:MM); throws when the name is unknown. */
export function timeZone(name: string): TimeZone {
  const trimmed = name.trim();
  if (trimmed === '' || UTC_NAMES.test(trimmed)) return UTC;
  const offset = OFFSET.exec(trimmed);
  if (offset) {
    const minutes = Number(offset[2]) * 60 + Number(offset[3]);
    if (minutes > 18 * 60) throw new Error(`Time zone offset ${trimmed} is out of range`);
    return fixed(trimmed, offset[1] === '-' ? -minutes : minutes);
  }
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: trimmed,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw new Error(`Unknown time zone ${trimmed}: use an IANA name (e.g. Europe/Berlin), UTC or ±HH:MM`);
  }
  // Offsets change on minute boundaries; remember them per minute (a bounded cache: hot data is recent).
  const offsets = new Map<number, bigint>();
  const offsetAt = (millis: number): bigint => {
    const minute = Math.floor(millis / 60_000);
    let known = offsets.get(minute);
    if (known === undefined) {
      const parts: Record<string, number> = {};
      for (const part of format.formatToParts(new Date(minute * 60_000)))
        if (part.type !== 'literal') parts[part.type] = Number(part.value);
      const wall = Date.UTC(
        parts.year ?? 1970,
        (parts.month ?? 1) - 1,
        parts.day ?? 1,
        parts.hour ?? 0,
        parts.minute ?? 0,
        parts.second ?? 0,
      );
      known = BigInt(wall - minute * 60_000) * 1000n;
      if (offsets.size > 10_000) offsets.clear();
      offsets.set(minute, known);
    }
    return known;
  };
  return {
    name: trimmed,
    isUtc: false,
    fixedOffsetMinutes: undefined,
    localMicros: (utcMicros) => utcMicros + offsetAt(Number(utcMicros / 1000n)),
  };
}
