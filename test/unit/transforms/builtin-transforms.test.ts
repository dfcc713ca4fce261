// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Kafka Connect placeholders under test
import { describe, expect, it } from 'vitest';
import type { ConnectSchema, ConnectStruct, SinkRecord, SourceRecord } from '../../../src/plugin/index.ts';
import { configuredTransforms, type TransformableRecord } from '../../../src/transforms/index.ts';

// Every built-in transform and predicate, configured as a user would (class name + settings), on
// records with and without schemas.

const valueSchema: ConnectSchema = {
  type: 'struct',
  name: 'shop.public.users.Value',
  fields: [
    { field: 'id', type: 'int32' },
    { field: 'email', type: 'string', optional: true },
    { field: 'age', type: 'int32', optional: true },
    { field: 'score', type: 'string', optional: true },
    { field: 'created', type: 'int64', name: 'org.apache.kafka.connect.data.Timestamp', version: 1 },
    {
      field: 'address',
      type: 'struct',
      optional: true,
      fields: [
        { field: 'city', type: 'string' },
        { field: 'zip', type: 'string', optional: true },
      ],
    },
  ],
};
const keySchema: ConnectSchema = {
  type: 'struct',
  name: 'shop.public.users.Key',
  fields: [{ field: 'id', type: 'int32' }],
};
const CREATED = Date.UTC(2024, 2, 5, 13, 4, 5, 6);
const user = (id: number): ConnectStruct => ({
  id,
  email: `u${id}@x.io`,
  age: 42,
  score: '7',
  created: CREATED,
  address: { city: 'Oslo', zip: null },
});

function sinkRecord(overrides: Partial<SinkRecord> = {}): SinkRecord {
  return {
    topic: 'shop.public.users',
    kafkaPartition: 3,
    kafkaOffset: '17',
    timestamp: CREATED,
    headers: [{ key: 'trace', value: 'abc' }],
    key: { schema: keySchema, value: { id: 1 } },
    value: { schema: valueSchema, value: user(1) },
    ...overrides,
  };
}

function sourceRecord(overrides: Partial<SourceRecord> = {}): SourceRecord {
  return {
    topic: 'shop.public.users',
    key: { schema: keySchema, value: { id: 1 } },
    value: { schema: valueSchema, value: user(1) },
    sourcePartition: { server: 'shop' },
    sourceOffset: { lsn: 1 },
    ...overrides,
  };
}

/** The one transform `transforms.t.*` configures (no errors allowed). */
function build(type: string, settings: Record<string, string> = {}, more: Record<string, string> = {}) {
  const raw: Record<string, string> = { transforms: 't', 'transforms.t.type': type, ...more };
  for (const [key, value] of Object.entries(settings)) raw[`transforms.t.${key}`] = value;
  const built = configuredTransforms(raw);
  expect(built.errors).toEqual([]);
  const [transform] = built.transforms;
  if (!transform) throw new Error('no transform built');
  return transform;
}

function errorsOf(type: string, settings: Record<string, string>): string[] {
  const raw: Record<string, string> = { transforms: 't', 'transforms.t.type': type };
  for (const [key, value] of Object.entries(settings)) raw[`transforms.t.${key}`] = value;
  return configuredTransforms(raw).errors.map((error) => error.field);
}

const K = 'org.apache.kafka.connect.transforms.';

describe('InsertField', () => {
  it('adds topic, partition, offset, timestamp and a static field with optional/required markers', () => {
    const insert = build(`${K}InsertField$Value`, {
      'topic.field': 'src_topic!',
      'partition.field': 'src_partition',
      'offset.field': 'src_offset',
      'timestamp.field': 'src_ts',
      'static.field': 'origin',
      'static.value': 'onramp',
    });
    const out = insert(sinkRecord());
    expect(out?.value?.value).toMatchObject({
      id: 1,
      src_topic: 'shop.public.users',
      src_partition: 3,
      src_offset: 17,
      src_ts: CREATED,
      origin: 'onramp',
    });
    const added = out?.value?.schema?.fields
      ?.slice(-5)
      .map((field) => [field.field, field.type, field.optional ?? false, field.name]);
    expect(added).toEqual([
      ['src_topic', 'string', false, undefined],
      ['src_partition', 'int32', true, undefined],
      ['src_offset', 'int64', true, undefined],
      ['src_ts', 'int64', true, 'org.apache.kafka.connect.data.Timestamp'],
      ['origin', 'string', true, undefined],
    ]);
    expect(out?.value?.schema?.name).toBe('shop.public.users.Value');
  });

  it('works on keys and schemaless maps, passes tombstones, refuses offsets on source records', () => {
    const key = build(`${K}InsertField$Key`, { 'topic.field': 't' });
    expect(key(sinkRecord())?.key?.value).toEqual({ id: 1, t: 'shop.public.users' });
    const value = build(`${K}InsertField$Value`, { 'static.field': 's', 'static.value': 'v' });
    expect(value(sinkRecord({ value: { schema: null, value: { a: 1 } } }))?.value).toEqual({
      schema: null,
      value: { a: 1, s: 'v' },
    });
    const tombstone = sinkRecord({ value: null });
    expect(value(tombstone)).toBe(tombstone);
    const offsets = build(`${K}InsertField$Value`, { 'offset.field': 'o' });
    expect(() => offsets(sourceRecord())).toThrow(/Only SinkRecord supported/);
    expect(errorsOf(`${K}InsertField$Value`, {})).toEqual(['transforms.t.topic.field']);
    expect(errorsOf(`${K}InsertField$Value`, { 'static.field': 's' })).toEqual(['transforms.t.static.value']);
  });
});

describe('ReplaceField', () => {
  it('includes, excludes and renames fields in schema and value', () => {
    const replace = build(`${K}ReplaceField$Value`, {
      include: 'id,email,age',
      exclude: 'age',
      renames: 'email:mail',
    });
    const out = replace(sinkRecord());
    expect(out?.value?.value).toEqual({ id: 1, mail: 'u1@x.io' });
    expect(out?.value?.schema?.fields?.map((field) => field.field)).toEqual(['id', 'mail']);
    expect(
      replace(sinkRecord({ value: { schema: null, value: { id: 2, email: 'e', age: 3, x: 1 } } }))?.value
        ?.value,
    ).toEqual({
      id: 2,
      mail: 'e',
    });
    expect(errorsOf(`${K}ReplaceField$Value`, { renames: 'a:b:c' })).toEqual(['transforms.t.renames']);
  });
});

describe('MaskField', () => {
  it('masks with the type’s empty value or a replacement, leaving nulls and the schema', () => {
    const mask = build(`${K}MaskField$Value`, { fields: 'email,age,created' });
    const out = mask(sinkRecord());
    expect(out?.value?.value).toMatchObject({ email: '', age: 0, created: 0, id: 1 });
    expect(out?.value?.schema).toBe(valueSchema);
    const replaced = build(`${K}MaskField$Value`, { fields: 'email,age', replacement: '9' });
    expect(replaced(sinkRecord())?.value?.value).toMatchObject({ email: '9', age: 9 });
    const bad = build(`${K}MaskField$Value`, { fields: 'age', replacement: 'x' });
    expect(() => bad(sinkRecord())).toThrow(/Unable to convert x/);
    expect(
      mask(sinkRecord({ value: { schema: valueSchema, value: { ...user(1), email: null } } }))?.value?.value,
    ).toMatchObject({
      email: null,
    });
    expect(errorsOf(`${K}MaskField$Value`, {})).toEqual(['transforms.t.fields']);
  });
});

describe('ValueToKey and ExtractField', () => {
  it('builds the key from value fields, then extracts one field of it', () => {
    const toKey = build(`${K}ValueToKey`, { fields: 'id,email' });
    const keyed = toKey(sinkRecord());
    expect(keyed?.key).toEqual({
      schema: { type: 'struct', fields: [valueSchema.fields?.[0], valueSchema.fields?.[1]] },
      value: { id: 1, email: 'u1@x.io' },
    });
    const extract = build(`${K}ExtractField$Key`, { field: 'email' });
    expect(extract(keyed as SinkRecord)?.key).toEqual({
      schema: { type: 'string', optional: true },
      value: 'u1@x.io',
    });
    expect(() => build(`${K}ValueToKey`, { fields: 'nope' })(sinkRecord())).toThrow(
      /Field does not exist: nope/,
    );
  });

  it('reads nested fields with field.syntax.version=V2 and schemaless values', () => {
    const nested = build(`${K}ExtractField$Value`, { field: 'address.city', 'field.syntax.version': 'V2' });
    expect(nested(sinkRecord())?.value).toEqual({ schema: { type: 'string' }, value: 'Oslo' });
    const flat = build(`${K}ExtractField$Value`, { field: 'a' });
    expect(flat(sinkRecord({ value: { schema: null, value: { a: [1] } } }))?.value).toEqual({
      schema: null,
      value: [1],
    });
    expect(() => build(`${K}ExtractField$Value`, { field: 'nope' })(sinkRecord())).toThrow(
      /Unknown field: nope/,
    );
  });
});

describe('HoistField', () => {
  it('wraps the key or value in a one-field struct', () => {
    const hoist = build(`${K}HoistField$Key`, { field: 'wrapped' });
    const out = hoist(sinkRecord());
    expect(out?.key).toEqual({
      schema: { type: 'struct', fields: [{ ...keySchema, field: 'wrapped' }] },
      value: { wrapped: { id: 1 } },
    });
    expect(hoist(sinkRecord({ key: { schema: null, value: 5 } }))?.key).toEqual({
      schema: null,
      value: { wrapped: 5 },
    });
  });
});

describe('Cast', () => {
  it('casts fields and whole values, keeping optionality', () => {
    const castFields = build(`${K}Cast$Value`, { spec: 'age:string,score:int64,id:float64,created:string' });
    const out = castFields(sinkRecord());
    expect(out?.value?.value).toMatchObject({
      age: '42',
      score: 7,
      id: 1,
      created: '2024-03-05T13:04:05.006Z',
    });
    const fields = Object.fromEntries(
      (out?.value?.schema?.fields ?? []).map((field) => [field.field, [field.type, field.optional ?? false]]),
    );
    expect(fields).toMatchObject({
      age: ['string', true],
      score: ['int64', true],
      id: ['float64', false],
      created: ['string', false],
    });
    const whole = build(`${K}Cast$Key`, { spec: 'int8' });
    expect(whole(sinkRecord({ key: { schema: { type: 'int32' }, value: 300 } }))?.key).toEqual({
      schema: { type: 'int8' },
      value: 44,
    });
    expect(
      build(`${K}Cast$Value`, { spec: 'boolean' })(sinkRecord({ value: { schema: null, value: 'TRUE' } }))
        ?.value?.value,
    ).toBe(true);
    expect(errorsOf(`${K}Cast$Value`, { spec: 'a:uuid' })).toEqual(['transforms.t.spec']);
    expect(errorsOf(`${K}Cast$Value`, { spec: 'int8,a:int16' })).toEqual(['transforms.t.spec']);
  });
});

describe('TimestampConverter', () => {
  it('converts between Timestamp, string (SimpleDateFormat, UTC), unix, Date and Time', () => {
    const asString = build(`${K}TimestampConverter$Value`, {
      field: 'created',
      'target.type': 'string',
      format: "yyyy-MM-dd'T'HH:mm:ss.SSS",
    });
    const stringed = asString(sinkRecord());
    expect(stringed?.value?.value).toMatchObject({ created: '2024-03-05T13:04:05.006' });
    expect(stringed?.value?.schema?.fields?.find((field) => field.field === 'created')).toEqual({
      field: 'created',
      type: 'string',
    });
    const back = build(`${K}TimestampConverter$Value`, {
      field: 'created',
      'target.type': 'unix',
      'unix.precision': 'seconds',
      format: "yyyy-MM-dd'T'HH:mm:ss.SSS",
    });
    expect(back(stringed as SinkRecord)?.value?.value).toMatchObject({ created: Math.floor(CREATED / 1000) });
    const date = build(`${K}TimestampConverter$Value`, { field: 'created', 'target.type': 'Date' });
    expect(date(sinkRecord())?.value?.value).toMatchObject({ created: Math.floor(CREATED / 86_400_000) });
    const time = build(`${K}TimestampConverter$Value`, { field: 'created', 'target.type': 'Time' });
    expect(time(sinkRecord())?.value?.value).toMatchObject({ created: ((13 * 60 + 4) * 60 + 5) * 1000 + 6 });
    const whole = build(`${K}TimestampConverter$Value`, { 'target.type': 'Timestamp' });
    expect(whole(sinkRecord({ value: { schema: { type: 'int64' }, value: CREATED } }))?.value).toEqual({
      schema: { type: 'int64', name: 'org.apache.kafka.connect.data.Timestamp', version: 1 },
      value: CREATED,
    });
    expect(errorsOf(`${K}TimestampConverter$Value`, { 'target.type': 'string' })).toEqual([
      'transforms.t.format',
    ]);
    expect(errorsOf(`${K}TimestampConverter$Value`, { 'target.type': 'century' })).toEqual([
      'transforms.t.target.type',
    ]);
  });
});

describe('Flatten', () => {
  it('flattens nested structs with the delimiter, fields under optional structs optional', () => {
    const flatten = build(`${K}Flatten$Value`, { delimiter: '_' });
    const out = flatten(sinkRecord());
    expect(out?.value?.value).toMatchObject({ address_city: 'Oslo', address_zip: null });
    expect(out?.value?.schema?.fields?.find((field) => field.field === 'address_city')).toEqual({
      field: 'address_city',
      type: 'string',
      optional: true,
    });
    const empty = flatten(
      sinkRecord({ value: { schema: valueSchema, value: { ...user(1), address: null } } }),
    );
    expect(empty?.value?.value).toMatchObject({ address_city: null, address_zip: null });
    expect(
      flatten(sinkRecord({ value: { schema: null, value: { a: { b: { c: 1 } } } } }))?.value?.value,
    ).toEqual({ a_b_c: 1 });
  });
});

describe('Filter and predicates', () => {
  const filtered = (predicate: Record<string, string>, negate?: boolean) => {
    const raw: Record<string, string> = {
      transforms: 'drop',
      'transforms.drop.type': `${K}Filter`,
      'transforms.drop.predicate': 'p',
      predicates: 'p',
    };
    if (negate !== undefined) raw['transforms.drop.negate'] = String(negate);
    for (const [key, value] of Object.entries(predicate)) raw[`predicates.p.${key}`] = value;
    const built = configuredTransforms(raw);
    expect(built.errors).toEqual([]);
    const [transform] = built.transforms;
    return (record: TransformableRecord) => (transform ? transform(record) === null : false);
  };
  const P = `${K}predicates.`;

  it('Filter drops every record, or those a predicate selects (negate inverts)', () => {
    expect(build(`${K}Filter`)(sinkRecord())).toBeNull();
    const byTopic = filtered({ type: `${P}TopicNameMatches`, pattern: 'shop\\..*' });
    expect(byTopic(sinkRecord())).toBe(true);
    expect(byTopic(sinkRecord({ topic: 'other.shop.users' }))).toBe(false);
    const notByTopic = filtered({ type: `${P}TopicNameMatches`, pattern: 'shop\\..*' }, true);
    expect(notByTopic(sinkRecord())).toBe(false);
  });

  it('HasHeaderKey and RecordIsTombstone select by header and by null value', () => {
    const header = filtered({ type: 'HasHeaderKey', name: 'trace' });
    expect(header(sinkRecord())).toBe(true);
    expect(header(sourceRecord())).toBe(false);
    const tombstone = filtered({ type: `${P}RecordIsTombstone` });
    expect(tombstone(sinkRecord({ value: null }))).toBe(true);
    expect(tombstone(sinkRecord())).toBe(false);
  });

  it('reports predicates that are missing, unknown or badly configured', () => {
    const { errors } = configuredTransforms({
      transforms: 'a,b,c',
      'transforms.a.type': `${K}Filter`,
      'transforms.a.predicate': 'missing',
      'transforms.b.type': `${K}Filter`,
      'transforms.b.predicate': 'bad',
      'transforms.c.type': `${K}Filter`,
      'transforms.c.predicate': 'p',
      'transforms.c.negate': 'maybe',
      predicates: 'bad,p,q',
      'predicates.bad.type': `${P}TopicNameMatches`,
      'predicates.bad.pattern': '(',
      'predicates.p.type': `${P}RecordIsTombstone`,
      'predicates.q.type': 'org.example.Nope',
    });
    expect(errors.map((error) => error.field)).toEqual([
      'predicates.bad.pattern',
      'predicates.q.type',
      'transforms.a.predicate',
      'transforms.c.negate',
    ]);
  });
});

describe('Routers', () => {
  it('RegexRouter renames whole-matching topics; TimestampRouter formats the record timestamp', () => {
    expect(
      build(`${K}RegexRouter`, { regex: '(.*)\\.users', replacement: '$1.people' })(sinkRecord())?.topic,
    ).toBe('shop.public.people');
    const stamped = build(`${K}TimestampRouter`, {
      'topic.format': 'archive-${topic}-${timestamp}',
      'timestamp.format': 'yyyy.MM',
    });
    expect(stamped(sinkRecord())?.topic).toBe('archive-shop.public.users-2024.03');
    expect(build(`${K}TimestampRouter`)(sinkRecord())?.topic).toBe('shop.public.users-20240305');
  });
});

describe('SetSchemaMetadata', () => {
  it('sets the schema name and version; schemaless values are refused', () => {
    const set = build(`${K}SetSchemaMetadata$Value`, {
      'schema.name': 'com.acme.User',
      'schema.version': '3',
    });
    const out = set(sinkRecord());
    expect(out?.value?.schema).toMatchObject({ name: 'com.acme.User', version: 3, type: 'struct' });
    expect(out?.value?.value).toEqual(user(1));
    expect(() => set(sinkRecord({ value: { schema: null, value: { a: 1 } } }))).toThrow(/Schema required/);
    expect(errorsOf(`${K}SetSchemaMetadata$Value`, {})).toEqual(['transforms.t.schema.name']);
  });
});

describe('Header transforms', () => {
  it('HeaderFrom copies or moves fields into headers', () => {
    const copy = build(`${K}HeaderFrom$Value`, {
      fields: 'id,email',
      headers: 'user-id,user-email',
      operation: 'copy',
    });
    const copied = copy(sinkRecord());
    expect(copied?.headers).toEqual([
      { key: 'trace', value: 'abc' },
      { key: 'user-id', value: '1' },
      { key: 'user-email', value: 'u1@x.io' },
    ]);
    expect(copied?.value?.value).toEqual(user(1));
    const move = build(`${K}HeaderFrom$Key`, { fields: 'id', headers: 'k', operation: 'move' });
    const moved = move(sinkRecord());
    expect(moved?.key).toEqual({
      schema: { type: 'struct', name: 'shop.public.users.Key', fields: [] },
      value: {},
    });
    expect(moved?.headers?.at(-1)).toEqual({ key: 'k', value: '1' });
    expect(errorsOf(`${K}HeaderFrom$Value`, { fields: 'a,b', headers: 'x', operation: 'copy' })).toEqual([
      'transforms.t.headers',
    ]);
  });

  it('InsertHeader adds a literal header; DropHeaders removes headers by name', () => {
    const insert = build(`${K}InsertHeader`, { header: 'origin', 'value.literal': 'onramp' });
    const inserted = insert(sourceRecord());
    expect(inserted?.headers).toEqual([{ key: 'origin', value: 'onramp' }]);
    const drop = build(`${K}DropHeaders`, { headers: 'trace,origin' });
    expect(
      drop({
        ...sinkRecord(),
        headers: [
          { key: 'trace', value: 'a' },
          { key: 'keep', value: 'b' },
        ],
      })?.headers,
    ).toEqual([{ key: 'keep', value: 'b' }]);
    expect(errorsOf(`${K}InsertHeader`, { header: 'h' })).toEqual(['transforms.t.value.literal']);
  });
});
