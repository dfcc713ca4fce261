import { describe, expect, it } from 'vitest';
import { defineConfig, field, PORT_RANGE, parseConfig } from '../../../src/plugin/index.ts';

// Numeric bounds declared on a field (min/max) are checked when the value is parsed, with Kafka's
// wording and the key named, so every connector gets range checks from its declaration alone.

const def = defineConfig({
  'database.port': field.int({ doc: 'Port', default: 5432, ...PORT_RANGE }),
  'poll.interval.ms': field.int({ doc: 'Poll', default: 500, min: 1 }),
  'money.fraction.digits': field.int({ doc: 'Scale', default: 2, max: 100 }),
  'retry.backoff.ms': field.long({ doc: 'Backoff', default: 100, min: 0, max: 2_147_483_647 }),
  ratio: field.double({ doc: 'Ratio', min: 0, max: 1 }),
});

const errors = (raw: Record<string, string>) => parseConfig(def, raw).errors;

describe('numeric ranges', () => {
  it.each([
    '70000',
    '-1',
    '0',
    '99999999999',
    '-99999999999999999999',
  ])('refuses database.port %s naming the key and the range', (port) => {
    expect(errors({ 'database.port': port })).toEqual([
      {
        field: 'database.port',
        message: `Invalid value ${port} for configuration database.port: Value must be between 1 and 65535`,
      },
    ]);
  });

  it('accepts the bounds themselves and keeps the default when unset', () => {
    expect(errors({ 'database.port': '1' })).toEqual([]);
    expect(errors({ 'database.port': '65535' })).toEqual([]);
    expect(parseConfig(def, {}).values['database.port']).toBe(5432);
  });

  it('words open-ended ranges as Kafka does', () => {
    expect(errors({ 'poll.interval.ms': '0' })[0]?.message).toBe(
      'Invalid value 0 for configuration poll.interval.ms: Value must be at least 1',
    );
    expect(errors({ 'money.fraction.digits': '101' })[0]?.message).toBe(
      'Invalid value 101 for configuration money.fraction.digits: Value must be no more than 100',
    );
    expect(errors({ 'retry.backoff.ms': '2147483648' })[0]?.field).toBe('retry.backoff.ms');
    expect(errors({ ratio: '1.5' })[0]?.message).toMatch(/between 0 and 1/);
    expect(errors({ ratio: '0.5' })).toEqual([]);
  });

  it('still refuses what is not a number, and a failed field falls back to its default', () => {
    const parsed = parseConfig(def, { 'database.port': 'http' });
    expect(parsed.errors[0]?.message).toMatch(/Not a whole number/);
    expect(parsed.values['database.port']).toBe(5432);
  });

  it('shows the range on the field (for docs) and refuses a default outside it', () => {
    expect(def.fields['database.port'].range).toEqual({ min: 1, max: 65535 });
    expect(def.fields['poll.interval.ms'].range).toEqual({ min: 1 });
    expect(() => field.int({ doc: 'x', default: 0, min: 1 })).toThrow(/outside its own range/);
  });
});
