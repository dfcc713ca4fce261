import { describe, expect, it } from 'vitest';
import { postgresSourceConfig } from '../../../../connectors/postgres-source/config.ts';
import { CaptureFilters } from '../../../../connectors/postgres-source/filters.ts';
import { parseConfig } from '../../../../src/plugin/index.ts';

const required = {
  'database.hostname': 'db',
  'database.user': 'cdc',
  'database.dbname': 'app',
  'topic.prefix': 'shop',
};

function parse(extra: Record<string, string> = {}) {
  return parseConfig(postgresSourceConfig, { ...required, ...extra });
}

function errorFields(extra: Record<string, string>) {
  return parse(extra).errors.map((error) => error.field);
}

describe('postgres source config', () => {
  it("applies Debezium's defaults", () => {
    const { values, errors } = parse();
    expect(errors).toEqual([]);
    expect(values).toMatchObject({
      'database.port': 5432,
      'plugin.name': 'pgoutput',
      'slot.name': 'debezium',
      'publication.name': 'dbz_publication',
      'publication.autocreate.mode': 'all_tables',
      'snapshot.mode': 'initial',
      'tombstones.on.delete': true,
      'skipped.operations': ['t'],
      'decimal.handling.mode': 'precise',
      'time.precision.mode': 'adaptive',
      'heartbeat.interval.ms': 0,
      'heartbeat.topics.prefix': '__debezium-heartbeat',
      'slot.drop.on.stop': false,
      'max.batch.size': 2048,
      'max.queue.size': 8192,
      'unavailable.value.placeholder': '__debezium_unavailable_value',
    });
  });

  it('accepts a Debezium connector JSON as is and keeps unknown keys for reporting', () => {
    const parsed = parseConfig(postgresSourceConfig, {
      ...required,
      'plugin.name': 'pgoutput',
      'snapshot.mode': 'never',
      'table.include.list': 'public.orders,public.customers',
      'message.key.columns': 'public.orders:customer_id,order_no',
      'signal.poll.interval.ms': '5000',
    });
    expect(parsed.errors).toEqual([]);
    expect(parsed.values['table.include.list']).toEqual(['public.orders', 'public.customers']);
    expect(parsed.unknown).toEqual(['signal.poll.interval.ms']);
  });

  it("reads Debezium's signal and incremental snapshot settings", () => {
    const parsed = parseConfig(postgresSourceConfig, {
      ...required,
      'signal.data.collection': 'public.debezium_signal',
      'signal.enabled.channels': 'source,kafka',
      'signal.kafka.topic': 'shop-signals',
      'incremental.snapshot.chunk.size': '2048',
    });
    expect(parsed.errors).toEqual([]);
    expect(parsed.values['signal.data.collection']).toBe('public.debezium_signal');
    expect(parsed.values['signal.enabled.channels']).toEqual(['source', 'kafka']);
    expect(parsed.values['signal.kafka.groupId']).toBe('kafka-signal');
    expect(parsed.values['incremental.snapshot.chunk.size']).toBe(2048);
    expect(parsed.values['read.only']).toBe(false);
  });

  it('names the signal setting that is wrong', () => {
    const { errors } = parseConfig(postgresSourceConfig, {
      ...required,
      'signal.data.collection': 'debezium_signal',
      'signal.enabled.channels': 'source,jmx',
      'incremental.snapshot.chunk.size': '0',
    });
    expect(errors).toEqual([
      {
        field: 'incremental.snapshot.chunk.size',
        message:
          'Invalid value 0 for configuration incremental.snapshot.chunk.size: Value must be between 1 and 1000000',
      },
      {
        field: 'signal.data.collection',
        message:
          'Invalid signal.data.collection "debezium_signal": name the signal table as <schema>.<table>',
      },
      {
        field: 'signal.enabled.channels',
        message:
          'Signal channel "jmx" is not supported: use source and/or kafka (POST /connectors/{name}/snapshots takes the place of Debezium\'s in-process and jmx channels)',
      },
    ]);
  });

  it('names every missing required field', () => {
    const { errors } = parseConfig(postgresSourceConfig, {});
    expect(errors.map((error) => error.field).sort()).toEqual([
      'database.dbname',
      'database.hostname',
      'database.user',
      'topic.prefix',
    ]);
  });

  it.each([
    [{ 'plugin.name': 'decoderbufs' }, 'plugin.name'],
    [{ 'slot.name': 'Bad-Slot' }, 'slot.name'],
    [{ 'topic.prefix': 'a b' }, 'topic.prefix'],
    [{ 'skipped.operations': 'c,x' }, 'skipped.operations'],
    [{ 'max.queue.size': '100', 'max.batch.size': '100' }, 'max.queue.size'],
    [{ 'table.include.list': 'a.b', 'table.exclude.list': 'a.c' }, 'table.exclude.list'],
    [{ 'schema.include.list': '(' }, 'schema.include.list'],
    [{ 'message.key.columns': 'public.orders' }, 'message.key.columns'],
    [{ 'status.update.interval.ms': '90000' }, 'status.update.interval.ms'],
    [{ 'snapshot.mode': 'custom' }, 'snapshot.mode'],
    [{ 'time.precision.mode': 'nanoseconds' }, 'time.precision.mode'],
  ])('rejects %j naming %s', (extra, field) => {
    expect(errorFields(extra)).toContain(field);
  });
});

describe('capture filters', () => {
  function filters(extra: Record<string, string>) {
    return new CaptureFilters(parse(extra).values);
  }

  it('matches whole names case-insensitively and never captures system schemas', () => {
    const include = filters({ 'table.include.list': 'public\\.orders,inventory\\..*' });
    expect(include.includesTable('public', 'orders')).toBe(true);
    expect(include.includesTable('PUBLIC', 'ORDERS')).toBe(true);
    expect(include.includesTable('public', 'orders_archive')).toBe(false);
    expect(include.includesTable('inventory', 'stock')).toBe(true);
    expect(filters({}).includesTable('pg_catalog', 'pg_class')).toBe(false);
    expect(filters({}).includesTable('information_schema', 'tables')).toBe(false);
  });

  it('combines schema and table filters', () => {
    const both = filters({ 'schema.exclude.list': 'audit', 'table.exclude.list': 'public\\.tmp_.*' });
    expect(both.includesTable('audit', 'log')).toBe(false);
    expect(both.includesTable('public', 'tmp_1')).toBe(false);
    expect(both.includesTable('public', 'users')).toBe(true);
  });

  it('filters value columns and overrides keys', () => {
    const columns = filters({
      'column.exclude.list': 'public\\.users\\.(password|ssn)',
      'message.key.columns': 'public\\.events:tenant,seq;.*\\.logs:id',
    });
    expect(columns.includesColumn('public', 'users', 'password')).toBe(false);
    expect(columns.includesColumn('public', 'users', 'email')).toBe(true);
    expect(columns.keyColumnsFor('public', 'events', ['id', 'seq', 'tenant'])).toEqual(['tenant', 'seq']);
    expect(columns.keyColumnsFor('app', 'logs', ['id', 'line'])).toEqual(['id']);
    expect(columns.keyColumnsFor('public', 'users', ['id', 'tenant'])).toBeUndefined();
    // An entry naming none of the table's columns leaves it its primary key, as in Debezium.
    expect(columns.keyColumnsFor('public', 'events', ['id'])).toBeUndefined();
  });

  it('skips the configured operations; none skips nothing', () => {
    expect(filters({}).skips('t')).toBe(true);
    expect(filters({}).skips('c')).toBe(false);
    expect(filters({ 'skipped.operations': 'none' }).skips('t')).toBe(false);
    expect(filters({ 'skipped.operations': 'u,d' }).skips('d')).toBe(true);
  });

  it('reads message.key.columns as Debezium: <table>.<column> regular expressions, every entry', () => {
    const keys = filters({ 'message.key.columns': ' public\\.t : (a|b) , c ;public\\..*:c;' });
    expect(keys.keyColumnsFor('public', 't', ['c', 'b', 'a', 'd'])).toEqual(['b', 'a', 'c']);
    expect(keys.keyColumnsFor('PUBLIC', 'other', ['C'])).toEqual(['C']);
  });

  it.each([
    ['a.b:', /"a.b:" has an invalid format/],
    ['a.b', /"a.b" has an invalid format/],
    ['a:b;;c:d', /"" has an invalid format/],
    ['a(:b', /"a\(:b": invalid regular expression "a\(.b"/],
  ])('refuses message.key.columns=%s naming the entry', (value, message) => {
    const errors = parse({ 'message.key.columns': value }).errors;
    expect(errors.map((error) => error.field)).toEqual(['message.key.columns']);
    expect(errors[0]?.message).toMatch(message);
  });
});
