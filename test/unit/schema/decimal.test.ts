import { describe, expect, it } from 'vitest';
import { bigintToBytes, bytesToDecimal, decimalToBytes, unscaledValue } from '../../../src/schema/decimal.ts';

describe('decimal bytes (BigInteger#toByteArray compatible)', () => {
  it.each([
    [0n, '00'],
    [1n, '01'],
    [127n, '7f'],
    [128n, '0080'],
    [-1n, 'ff'],
    [-128n, '80'],
    [-129n, 'ff7f'],
    [1230n, '04ce'],
    [2n ** 63n, '008000000000000000'],
  ])('%s -> %s', (value, hex) => {
    expect(bigintToBytes(value).toString('hex')).toBe(hex);
  });

  it('scales decimal strings to the schema scale and back, keeping trailing zeros', () => {
    expect(decimalToBytes('12.3', 2).toString('hex')).toBe('04ce');
    expect(bytesToDecimal(decimalToBytes('12.30', 2), 2)).toBe('12.30');
    expect(bytesToDecimal(decimalToBytes('-0.05', 2), 2)).toBe('-0.05');
    expect(bytesToDecimal(decimalToBytes('123456789012345678901234567890.123456789', 9), 9)).toBe(
      '123456789012345678901234567890.123456789',
    );
    expect(unscaledValue('1.5E+3', 0)).toBe(1500n);
    expect(bytesToDecimal(decimalToBytes('42', 0), 0)).toBe('42');
  });

  it('rejects values that would need rounding or are not numbers', () => {
    expect(() => unscaledValue('1.234', 2)).toThrow(/more fraction digits/);
    expect(() => unscaledValue('abc', 2)).toThrow(/not a decimal/);
    expect(unscaledValue('1.2300', 2)).toBe(123n);
  });
});
