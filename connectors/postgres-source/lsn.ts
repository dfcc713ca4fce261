// PostgreSQL log sequence numbers. The server writes them as two hex halves ("16/B374D848"); we keep
// them as bigint internally (string comparison of LSNs is wrong: "0/A" > "0/10") and as JSON numbers
// in offsets, like Debezium (an LSN stays below 2^53 for any realistic WAL volume).

export type Lsn = bigint;

export function parseLsn(text: string): Lsn {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a PostgreSQL LSN`);
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

export function formatLsn(lsn: Lsn): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

export function lsnToNumber(lsn: Lsn): number {
  return Number(lsn);
}

export function lsnFromNumber(value: number): Lsn {
  return BigInt(value);
}

export function maxLsn(a: Lsn, b: Lsn): Lsn {
  return a > b ? a : b;
}
