import { describe, expect, it } from 'vitest';
import { recordNames, sanitizeTopicName, topicNameProblem } from '../../../src/format/index.ts';

describe('topic names from table names (Debezium sanitizedTopicName)', () => {
  it('replaces every character outside [a-zA-Z0-9._-] with _, per UTF-16 unit as Java does', () => {
    expect(sanitizeTopicName('shop.public.we ird"name')).toBe('shop.public.we_ird_name');
    expect(sanitizeTopicName("a\\b;c d'e")).toBe('a_b_c_d_e');
    expect(sanitizeTopicName('tëst')).toBe('t_st');
    expect(sanitizeTopicName('x😀y')).toBe('x__y');
    expect(sanitizeTopicName('ok.Name-1_2')).toBe('ok.Name-1_2');
  });

  it('derives topic and schema names from the sanitized topic and keeps the requested one', () => {
    expect(recordNames('shop', 'public', 'we ird"name')).toEqual({
      topic: 'shop.public.we_ird_name',
      key: 'shop.public.we_ird_name.Key',
      value: 'shop.public.we_ird_name.Value',
      envelope: 'shop.public.we_ird_name.Envelope',
      unsanitizedTopic: 'shop.public.we ird"name',
    });
    expect(recordNames('shop', 'public', 'users')).not.toHaveProperty('unsanitizedTopic');
  });
});

describe("Kafka's topic name rules", () => {
  it('accepts legal names and says why others are not', () => {
    expect(topicNameProblem('orders.v1_x-y')).toBeUndefined();
    expect(topicNameProblem('')).toMatch(/can't be empty/);
    expect(topicNameProblem('.')).toMatch(/cannot be "\." or "\.\."/);
    expect(topicNameProblem('..')).toMatch(/cannot be/);
    expect(topicNameProblem('a'.repeat(250))).toMatch(/longer than 249 characters/);
    expect(topicNameProblem('a'.repeat(249))).toBeUndefined();
    expect(topicNameProblem('a b')).toMatch(/contains a character other than ASCII alphanumerics/);
    expect(topicNameProblem('a\u0000b')).toMatch(/"a\\u0000b" is illegal/);
  });

  it('does not echo a huge name whole', () => {
    expect((topicNameProblem('x'.repeat(1_000_000)) ?? '').length).toBeLessThan(300);
  });
});
