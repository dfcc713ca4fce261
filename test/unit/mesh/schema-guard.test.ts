import { describe, expect, it } from 'vitest';
import type { DataProduct, OutputPort, SchemaVersion } from '../../../src/mesh/product-model.ts';
import { DEFAULT_POLICY } from '../../../src/mesh/product-model.ts';
import { SchemaGuard } from '../../../src/mesh/schema-guard.ts';
import type { ConnectField, ConnectSchema, Logger, SourceRecord } from '../../../src/plugin/index.ts';
import { OnrampError } from '../../../src/plugin/index.ts';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const topic = 'shop.public.customers';
const port: OutputPort = {
  topic,
  keySubject: `${topic}-key`,
  valueSubject: `${topic}-value`,
  format: 'avro',
  connector: 'src',
  table: 'public.customers',
  keyColumns: ['id'],
};

function envelope(fields: ConnectField[]): ConnectSchema {
  const row: ConnectSchema = { type: 'struct', name: `${topic}.Value`, optional: true, fields };
  return {
    type: 'struct',
    name: `${topic}.Envelope`,
    fields: [
      { field: 'before', ...row },
      { field: 'after', ...row },
      { field: 'op', type: 'string' },
    ],
  };
}

function record(schema: ConnectSchema, after: Record<string, unknown>): SourceRecord {
  return {
    topic,
    key: null,
    value: { schema, value: { before: null, after, op: 'c' } as never },
    sourcePartition: {},
    sourceOffset: {},
  };
}

function product(policy: Partial<DataProduct['policy']> = {}): DataProduct {
  return {
    id: 'sales.customers',
    domain: 'sales',
    name: 'customers',
    status: 'published',
    slaTier: 'tier-3',
    quality: 'raw',
    tags: [],
    version: '1.0.0',
    outputPorts: [port],
    inputPorts: [],
    consumers: [],
    sources: ['src'],
    captured: {},
    classifications: [],
    policy: { ...DEFAULT_POLICY, ...policy },
    created: '',
    updated: '',
  };
}

const v1 = envelope([
  { field: 'id', type: 'int32', optional: false },
  { field: 'country', type: 'string', optional: true },
  { field: 'region', type: 'string', optional: true },
  { field: 'credit', type: 'int64', optional: false },
]);
const renamed = envelope([
  { field: 'id', type: 'int32', optional: false },
  { field: 'country_code', type: 'string', optional: true },
  { field: 'region', type: 'string', optional: true },
  { field: 'note', type: 'string', optional: true },
]);

function setup() {
  const stored: Array<{ topic: string; versions: SchemaVersion[] }> = [];
  const guard = new SchemaGuard({
    store: { recordSchemaVersions: (_id, topic, versions) => stored.push({ topic, versions }) },
    log: quiet,
  });
  guard.observe(record(v1, { id: 1, country: 'DE', region: 'south', credit: 5 }));
  return { guard, stored };
}

describe('SchemaGuard', () => {
  it('takes the last sent row fields as the first version at publish, and passes compatible changes', () => {
    const { guard, stored } = setup();
    const versions = guard.firstVersions(product());
    expect(versions[topic]).toEqual([expect.objectContaining({ major: 1, topic })]);
    const published = { ...product(), schemaVersions: versions };
    const event = record(v1, { id: 2, country: 'FR', credit: 1 });
    expect(guard.route(published, port, event)).toEqual([event]);
    const wider = envelope([
      ...(v1.fields?.[1]?.fields ?? []),
      { field: 'note', type: 'string', optional: true },
    ]);
    expect(guard.route(published, port, record(wider, { id: 3 }))).toHaveLength(1);
    expect(stored.at(-1)?.versions[0]?.fields.map((field) => field.field)).toEqual([
      'id',
      'country',
      'region',
      'credit',
      'note',
    ]);
  });

  it('fails with the product, table, column and rule by default', () => {
    const { guard } = setup();
    const published = { ...product(), schemaVersions: guard.firstVersions(product()) };
    let error: unknown;
    try {
      guard.route(published, port, record(renamed, { id: 4, country_code: 'DE', region: 'x', note: null }));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(OnrampError);
    expect((error as OnrampError).code).toBe('PRODUCT_BREAKING_CHANGE');
    expect((error as Error).message).toContain(
      'Data product sales.customers: a change of table public.customers',
    );
    expect((error as Error).message).toContain('column country: renamed-column (renamed to country_code)');
    expect((error as Error).message).toContain('column credit: dropped-column');
  });

  it('with policy new-version, sends to <topic>.v2 and keeps v1 flowing in its own shape', () => {
    const { guard, stored } = setup();
    const published = {
      ...product({ breakingChange: 'new-version' }),
      schemaVersions: guard.firstVersions(product()),
    };
    const out = guard.route(
      published,
      port,
      record(renamed, { id: 4, country_code: 'DE', region: 'south', note: 'x' }),
    );
    expect(out.map((entry) => entry.topic)).toEqual([`${topic}.v2`, topic]);
    expect(out[0]?.value?.value).toMatchObject({
      after: { id: 4, country_code: 'DE', region: 'south', note: 'x' },
    });
    // v1: the renamed column under its old name, the dropped NOT NULL one as its zero value.
    expect(out[1]?.value?.value).toMatchObject({
      after: { id: 4, country: 'DE', region: 'south', credit: 0 },
    });
    expect(out[1]?.value?.schema?.fields?.[1]?.fields?.map((field) => field.field)).toEqual([
      'id',
      'country',
      'region',
      'credit',
    ]);
    const versions = stored.at(-1)?.versions ?? [];
    expect(versions.map((version) => [version.major, version.topic])).toEqual([
      [1, topic],
      [2, `${topic}.v2`],
    ]);
    expect(versions[1]?.breaking).toEqual([
      'column country: renamed-column (renamed to country_code)',
      'column credit: dropped-column (no longer in the table)',
    ]);
    // A restarted task (new schema objects, versions from the catalog) routes the same way.
    const again = new SchemaGuard({ store: { recordSchemaVersions() {} }, log: quiet });
    const restarted = again.route(
      { ...published, schemaVersions: { [topic]: versions } },
      port,
      record(envelope(renamed.fields?.[1]?.fields ?? []), {
        id: 5,
        country_code: 'FR',
        region: null,
        note: null,
      }),
    );
    expect(restarted.map((entry) => entry.topic)).toEqual([`${topic}.v2`, topic]);
    expect(restarted[1]?.value?.value).toMatchObject({ after: { id: 5, country: 'FR', credit: 0 } });
  });
});
