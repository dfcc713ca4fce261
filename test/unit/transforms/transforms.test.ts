// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Java replacement syntax under test
import { describe, expect, it } from 'vitest';
import type { ConnectStruct, SinkRecord } from '../../../src/plugin/index.ts';
import { envelopeSchema as envelopeOf } from '../../../src/plugin/index.ts';
import { configuredTransforms, extractNewRecordState, regexRouter } from '../../../src/transforms/index.ts';
import { keySchema, rowSchema, sourceSchema } from '../../support/runtime/debezium-sample.ts';

const envelopeSchema = envelopeOf('db.inv.customers.Envelope', rowSchema, sourceSchema);
const row = (id: number): ConnectStruct => ({
  id,
  first_name: `n${id}`,
  email: null,
  price: '1.00',
  created: 1,
  tiny: 0,
});

function record(op: string, id = 1): SinkRecord {
  return {
    topic: 'db.inv.customers',
    kafkaPartition: 0,
    kafkaOffset: '0',
    timestamp: 0,
    headers: [],
    key: { schema: keySchema, value: { id } },
    value: {
      schema: envelopeSchema,
      value: {
        before: op === 'd' || op === 'u' ? row(id) : null,
        after: op === 'd' ? null : row(id),
        source: {
          version: 'x',
          connector: 'postgresql',
          name: 'db',
          ts_ms: 99,
          snapshot: 'false',
          db: 'inv',
          lsn: 42,
          txId: 7,
        },
        op,
        ts_ms: 100,
        ts_us: null,
        ts_ns: null,
        transaction: null,
      },
    },
  };
}
const tombstone: SinkRecord = { ...record('d'), value: null };

describe('ExtractNewRecordState (unwrap)', () => {
  it('replaces the envelope with the after row and its schema', () => {
    const unwrap = extractNewRecordState({});
    const out = unwrap(record('u'));
    expect(out?.value?.value).toEqual(row(1));
    expect(out?.value?.schema?.name).toBe(rowSchema.name);
    expect(out?.value?.schema?.optional).toBe(false);
    expect(out?.key).toEqual(record('u').key);
    expect(unwrap.className).toBe('io.debezium.transforms.ExtractNewRecordState');
  });

  it('handles deletes and tombstones per delete.tombstone.handling.mode (and the legacy options)', () => {
    const outcome = (settings: Record<string, string>) => {
      const unwrap = extractNewRecordState(settings);
      const deleted = unwrap(record('d'));
      return [
        deleted === null ? 'dropped' : deleted.value === null ? 'tombstone' : 'row',
        unwrap(tombstone) === null ? 'dropped' : 'kept',
      ];
    };
    expect(outcome({})).toEqual(['dropped', 'kept']);
    expect(outcome({ 'delete.tombstone.handling.mode': 'drop' })).toEqual(['dropped', 'dropped']);
    expect(outcome({ 'delete.tombstone.handling.mode': 'rewrite' })).toEqual(['row', 'dropped']);
    expect(outcome({ 'delete.tombstone.handling.mode': 'rewrite-with-tombstone' })).toEqual(['row', 'kept']);
    expect(outcome({ 'delete.tombstone.handling.mode': 'delete-to-tombstone' })).toEqual([
      'tombstone',
      'dropped',
    ]);
    expect(outcome({ 'drop.tombstones': 'false' })).toEqual(['dropped', 'kept']);
    expect(outcome({ 'delete.handling.mode': 'rewrite' })).toEqual(['row', 'dropped']);
    const rewritten = extractNewRecordState({ 'delete.tombstone.handling.mode': 'rewrite' })(record('d'));
    expect(rewritten?.value?.value).toEqual({ ...row(1), __deleted: 'true' });
    expect(() => extractNewRecordState({ 'delete.tombstone.handling.mode': 'sometimes' })).toThrow(
      /must be one of/,
    );
  });

  it('adds envelope and source fields with add.fields, typed from the envelope schema', () => {
    const unwrap = extractNewRecordState({ 'add.fields': 'op,lsn,source.ts_ms,ts_ms:event_ms' });
    const out = unwrap(record('c'));
    expect(out?.value?.value).toMatchObject({ __op: 'c', __lsn: 42, __source_ts_ms: 99, __event_ms: 100 });
    const added = out?.value?.schema?.fields
      ?.slice(-4)
      .map((field) => [field.field, field.type, field.optional]);
    expect(added).toEqual([
      ['__op', 'string', true],
      ['__lsn', 'int64', true],
      ['__source_ts_ms', 'int64', true],
      ['__event_ms', 'int64', true],
    ]);
  });

  it('passes truncate events and flat records through unchanged', () => {
    const unwrap = extractNewRecordState({});
    const truncate = { ...record('t'), key: null };
    expect(unwrap(truncate)).toBe(truncate);
    const flat = { ...record('c'), value: { schema: rowSchema, value: row(1) } };
    expect(unwrap(flat)).toBe(flat);
  });
});

describe('RegexRouter', () => {
  it('renames topics that match as a whole, with Java replacement syntax', () => {
    const route = regexRouter({ regex: '([^.]+)\\.([^.]+)\\.([^.]+)', replacement: '$3' });
    expect(route(record('c'))?.topic).toBe('customers');
    const named = regexRouter({ regex: 'db\\.(?<rest>.*)', replacement: 'copy_${rest}' });
    expect(named(record('c'))?.topic).toBe('copy_inv.customers');
    const partial = regexRouter({ regex: 'inv', replacement: 'x' });
    expect(partial(record('c'))?.topic).toBe('db.inv.customers');
    expect(() => regexRouter({ replacement: 'x' })).toThrow(/regex/);
  });
});

describe('configuredTransforms', () => {
  it('builds the chain from transforms=... and reports unknown types, predicates and missing types by field', () => {
    const { transforms, errors, warnings } = configuredTransforms({
      transforms: 'unwrap, route, mask, filter, nothing, script',
      'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
      'transforms.route.type': 'org.apache.kafka.connect.transforms.RegexRouter',
      'transforms.route.regex': '.*\\.(.*)',
      'transforms.route.replacement': 'sink_$1',
      'transforms.mask.type': 'org.apache.kafka.connect.transforms.MaskField$Value',
      'transforms.mask.fields': 'email',
      'transforms.mask.colour': 'blue',
      'transforms.filter.type': 'org.apache.kafka.connect.transforms.Filter',
      'transforms.filter.predicate': 'isTombstone',
      'transforms.script.type': 'io.debezium.transforms.Filter',
      'transforms.unused.type': 'org.apache.kafka.connect.transforms.Filter',
    });
    expect(transforms.map((transform) => transform.className)).toEqual([
      'io.debezium.transforms.ExtractNewRecordState',
      'org.apache.kafka.connect.transforms.RegexRouter',
      'org.apache.kafka.connect.transforms.MaskField$Value',
    ]);
    expect(errors.map((error) => error.field)).toEqual([
      'transforms.filter.predicate',
      'transforms.nothing.type',
      'transforms.script.type',
    ]);
    expect(errors[2]?.message).toMatch(
      /scripted .* use org.apache.kafka.connect.transforms.Filter with a predicate/,
    );
    expect(warnings.map((warning) => warning.field)).toEqual([
      'transforms.mask.colour',
      'transforms.unused.type',
    ]);
    let out: SinkRecord | null = record('c');
    for (const transform of transforms) out = out && transform(out);
    expect(out?.topic).toBe('sink_customers');
    expect(out?.value?.value).toEqual({ ...row(1), email: null });
  });

  it('refuses settings Debezium defines that Onramp does not implement, and hints renamed ones', () => {
    const { errors } = configuredTransforms({
      transforms: 'unwrap,outbox,replace',
      'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
      'transforms.unwrap.drop.fields.header.name': 'changed',
      'transforms.outbox.type': 'io.debezium.transforms.outbox.EventRouter',
      'transforms.outbox.tracing.span.context.field': 'tracing',
      'transforms.replace.type': 'org.apache.kafka.connect.transforms.ReplaceField$Value',
      'transforms.replace.blacklist': 'email',
    });
    expect(errors).toEqual([
      {
        field: 'transforms.unwrap.drop.fields.header.name',
        message: expect.stringMatching(/not supported.*ReplaceField/),
      },
      {
        field: 'transforms.outbox.tracing.span.context.field',
        message: expect.stringMatching(/not supported: OpenTelemetry/),
      },
      {
        field: 'transforms.replace.blacklist',
        message: 'transforms.replace.blacklist was renamed: use transforms.replace.exclude instead',
      },
    ]);
  });
});
