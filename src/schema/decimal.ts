import { OnrampError } from '../plugin/errors.ts';

// Kafka Connect's Decimal travels as the big-endian two's-complement bytes of its unscaled value
// (java.math.BigInteger#toByteArray), the scale living in the schema. Our records carry decimals as
// exact strings ("12.30"), so the converters translate at the edge without ever going through a double.

const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** The unscaled integer of `text` at `scale`; rejects values that would need rounding. */
export function unscaledValue(text: string, scale: number): bigint {
  const match = DECIMAL_TEXT.exec(text.trim());
  const [, sign = '', whole = '', fraction = '', exponentText] = match ?? [];
  if (!match || whole + fraction === '') {
    throw new OnrampError('CONVERSION_FAILED', `"${text}" is not a decimal number`);
  }
  const exponent = exponentText === undefined ? 0 : Number(exponentText);
  // digits * 10^(exponent - fraction.length) == value; we need value * 10^scale.
  let digits = BigInt(whole + fraction);
  const shift = scale + exponent - fraction.length;
  if (shift >= 0) {
    digits *= 10n ** BigInt(shift);
  } else {
    const divisor = 10n ** BigInt(-shift);
    if (digits % divisor !== 0n) {
      throw new OnrampError(
        'CONVERSION_FAILED',
        `Decimal ${text} has more fraction digits than the schema's scale ${scale}`,
      );
    }
    digits /= divisor;
  }
  return sign === '-' ? -digits : digits;
}

/** `value` as the minimal big-endian two's-complement bytes, like BigInteger#toByteArray. */
export function bigintToBytes(value: bigint): Buffer {
  let length = 1;
  // Smallest length whose signed range holds the value.
  while (value >= 1n << BigInt(8 * length - 1) || value < -(1n << BigInt(8 * length - 1))) length += 1;
  const bytes = Buffer.allocUnsafe(length);
  let rest = value < 0n ? (1n << BigInt(8 * length)) + value : value;
  for (let index = length - 1; index >= 0; index -= 1) {
    bytes[index] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return bytes;
}

export function bytesToBigint(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  const first = bytes[0] ?? 0;
  return first & 0x80 ? value - (1n << BigInt(8 * bytes.length)) : value;
}

/** The decimal string of `unscaled * 10^-scale`, keeping trailing zeros (12.30 stays "12.30"). */
export function formatDecimal(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString();
  if (scale <= 0) return (negative ? '-' : '') + digits + '0'.repeat(-scale);
  const padded = digits.padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
}

export function decimalToBytes(text: string, scale: number): Buffer {
  return bigintToBytes(unscaledValue(text, scale));
}

export function bytesToDecimal(bytes: Uint8Array, scale: number): string {
  return formatDecimal(bytesToBigint(bytes), scale);
}
