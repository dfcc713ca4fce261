// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${env:...} is a config placeholder
import { describe, expect, it } from 'vitest';
import { checkConnectorName } from '../../../src/host/connect-entities.ts';
import { commonValueErrors } from '../../../src/host/value-checks.ts';
import { field } from '../../../src/plugin/index.ts';

const fields = { 'topic.prefix': field.string({ doc: 'prefix', required: true }) };

describe('values every connector config is checked for', () => {
  it('refuses NUL characters in any key or value, naming the key', () => {
    const raw = { topics: 'a\u0000b', 'x\u0000y': 'v', fine: 'ok' };
    const errors = commonValueErrors('sink', raw, raw, {});
    expect(errors.map((error) => error.field)).toEqual(['topics', 'x\u0000y', 'topics']);
    expect(errors[0]?.message).toMatch(/topics: it contains a NUL character/);
  });

  it("checks topic.prefix against Kafka's rules without echoing a huge value", () => {
    const check = (prefix: string) =>
      commonValueErrors('source', { 'topic.prefix': prefix }, { 'topic.prefix': prefix }, fields);
    expect(check('shop-1.eu_x')).toEqual([]);
    expect(check('')).toEqual([]);
    expect(check('bad prefix')[0]?.message).toMatch(
      /"bad prefix" has invalid format \(only the underscore, hyphen, dot and alphanumeric characters are allowed\)/,
    );
    const long = check('p'.repeat(1_000_000));
    expect(long).toEqual([
      { field: 'topic.prefix', message: expect.stringMatching(/1000000 characters.*at most 249/) },
    ]);
    expect(long[0]?.message.length).toBeLessThan(300);
    expect(check('..')[0]?.message).toMatch(/cannot be topic names/);
  });

  it("never shows a placeholder's resolved value", () => {
    const errors = commonValueErrors(
      'source',
      { 'topic.prefix': '${env:SECRET}' },
      { 'topic.prefix': 'top secret' },
      fields,
    );
    expect(errors[0]?.message).toMatch(/The value of "\$\{env:SECRET\}" has invalid format/);
    expect(errors[0]?.message).not.toContain('top secret');
  });

  it("checks a sink's topics and dead letter queue topic", () => {
    const raw = { topics: 'ok, not ok', 'errors.deadletterqueue.topic.name': '..' };
    expect(commonValueErrors('sink', raw, raw, {})).toEqual([
      { field: 'topics', message: expect.stringMatching(/"not ok" is illegal/) },
      {
        field: 'errors.deadletterqueue.topic.name',
        message: expect.stringMatching(/cannot be "\." or "\.\."/),
      },
    ]);
  });
});

describe('connector names', () => {
  it.each([
    ['', /cannot be empty/],
    ['a\u0007b', /ISO control characters/],
    ['a\u0085b', /ISO control characters/],
    ['x'.repeat(250), /250 characters long; at most 249/],
    ['a/b', /may not contain '\/'/],
    ['.', /may not be "\." or "\.\."/],
    ['..', /may not be/],
    ['a\uD800b', /unpaired UTF-16 surrogate/],
  ])('refuses %j', (name, message) => {
    expect(() => checkConnectorName(name)).toThrow(message);
  });

  it('accepts what routes can address, prototype names included', () => {
    for (const name of [
      'x'.repeat(249),
      '__proto__',
      'constructor',
      'a b',
      'we ird"name',
      'ü😀',
      '...',
      'a?b#c%d',
    ])
      expect(() => checkConnectorName(name)).not.toThrow();
  });

  it('keeps the message short for a 10,004-character name', () => {
    let message = '';
    try {
      checkConnectorName('x'.repeat(10_004));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/10004 characters long/);
    expect(message.length).toBeLessThan(200);
  });
});
