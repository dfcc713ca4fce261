import { describe, expect, it } from 'vitest';
import { defineConfig, field, parseConfig } from '../../../src/plugin/index.ts';

const def = defineConfig(
  {
    'database.hostname': field.string({ doc: 'Host', required: true }),
    'database.port': field.int({ doc: 'Port', default: 5432 }),
    'database.password': field.password({ doc: 'Password' }),
    'snapshot.mode': field.enum(['initial', 'never'] as const)({ doc: 'Snapshot', default: 'initial' }),
    'table.include.list': field.list({ doc: 'Tables' }),
    'connection.username': field.string({ doc: 'User', aliases: ['connection.user'] }),
    'slot.drop.on.stop': field.boolean({ doc: 'Drop', default: false }),
  },
  {
    check: (config) =>
      config['database.port'] === 1 ? [{ field: 'database.port', message: 'port 1 is reserved' }] : [],
  },
);

describe('parseConfig', () => {
  it('types values, applies defaults and keeps unknown keys', () => {
    const parsed = parseConfig(def, {
      'database.hostname': 'db',
      'snapshot.mode': 'NEVER',
      'table.include.list': 'public.a, public.b',
      'connection.user': 'bob',
      'slot.drop.on.stop': 'true',
      'made.up.key': 'x',
    });
    expect(parsed.errors).toEqual([]);
    expect(parsed.values['database.port']).toBe(5432);
    expect(parsed.values['snapshot.mode']).toBe('never');
    expect(parsed.values['table.include.list']).toEqual(['public.a', 'public.b']);
    expect(parsed.values['connection.username']).toBe('bob');
    expect(parsed.values['slot.drop.on.stop']).toBe(true);
    expect(parsed.values['database.password']).toBeUndefined();
    expect(parsed.unknown).toEqual(['made.up.key']);
  });

  it('reports every bad field at once, naming each', () => {
    const parsed = parseConfig(def, {
      'database.port': 'abc',
      'snapshot.mode': 'sometimes',
      'slot.drop.on.stop': 'yes',
    });
    expect(parsed.errors.map((error) => error.field).sort()).toEqual([
      'database.hostname',
      'database.port',
      'slot.drop.on.stop',
      'snapshot.mode',
    ]);
    expect(parsed.errors.find((error) => error.field === 'database.hostname')?.message).toBe(
      'Missing required configuration "database.hostname" which has no default value.',
    );
    expect(parsed.errors.find((error) => error.field === 'snapshot.mode')?.message).toContain(
      'initial, never',
    );
  });

  it('runs cross-field checks, also beside field errors, unless a required field failed', () => {
    expect(parseConfig(def, { 'database.hostname': 'db', 'database.port': '1' }).errors).toEqual([
      { field: 'database.port', message: 'port 1 is reserved' },
    ]);
    const withBadOptional = parseConfig(def, {
      'database.hostname': 'db',
      'database.port': '1',
      'slot.drop.on.stop': 'x',
    });
    expect(withBadOptional.errors.map((error) => error.field)).toEqual([
      'slot.drop.on.stop',
      'database.port',
    ]);
    expect(parseConfig(def, { 'database.port': '1' }).errors.map((error) => error.field)).toEqual([
      'database.hostname',
    ]);
  });

  it('rejects integers out of range', () => {
    const parsed = parseConfig(def, { 'database.hostname': 'db', 'database.port': '99999999999' });
    expect(parsed.errors[0]?.field).toBe('database.port');
  });

  it('shows a password default as hidden and never treats it as a value', () => {
    const withDefault = defineConfig({ secret: field.password({ doc: 's', default: 'x' }) });
    expect(withDefault.fields.secret.defaultValue).toBe('[hidden]');
    expect(parseConfig(withDefault, {}).values.secret).toBeUndefined();
  });
});
