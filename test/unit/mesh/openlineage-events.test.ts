import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import type { LineageGraph } from '../../../src/mesh/lineage.ts';
import { type JobEvent, type LineageEvent, OpenLineageExporter } from '../../../src/mesh/openlineage.ts';

// The OpenLineage export (issue 13): each connector is a job whose definition goes out as a JobEvent
// (static lineage, spec 2-0-2) when it is created and when its inputs or outputs change, before its
// RunEvent (START, then RUNNING), and COMPLETE (no JobEvent) when it is deleted. Every event is
// valid against the OpenLineage JSON Schema, and its facets against theirs.

const fixtures = join(import.meta.dirname, '../../fixtures/openlineage');
const schema = (file: string) => JSON.parse(readFileSync(join(fixtures, file), 'utf8')) as object;
const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
ajv.addSchema(schema('OpenLineage-2-0-2.json'));
ajv.addSchema(schema('JobTypeJobFacet-2-0-3.json'));
ajv.addSchema(schema('SchemaDatasetFacet-1-1-1.json'));
const core = 'https://openlineage.io/spec/2-0-2/OpenLineage.json';

/** The errors of `event` against its own schemaURL's definition and its facets' (none: valid). */
function problems(event: LineageEvent): unknown[] {
  const errors: unknown[] = [];
  const check = (ref: string, value: unknown) => {
    const validate = ajv.getSchema(ref);
    if (!validate) throw new Error(`no schema ${ref}`);
    if (!validate(value)) errors.push(...(validate.errors ?? []));
  };
  check(core, event);
  check(event.schemaURL, event);
  const facets = [
    ...('job' in event && 'facets' in event.job ? Object.values(event.job.facets) : []),
    ...('dataset' in event ? Object.values(event.dataset.facets) : []),
  ] as Array<{ _schemaURL: string }>;
  for (const facet of facets) check(facet._schemaURL, facet);
  return errors;
}

function graph(topics: string[]): LineageGraph {
  return {
    nodes: [
      {
        id: 'table:public.customers',
        kind: 'table',
        name: 'public.customers',
        attributes: {
          databaseType: 'postgresql',
          host: 'db',
          port: 5432,
          database: 'shop',
          columns: [
            { name: 'id', type: 'integer' },
            { name: 'email', type: 'text', description: 'Contact address' },
          ],
        },
      },
      { id: 'connector:shop', kind: 'connector', name: 'shop', attributes: { type: 'source' } },
      ...topics.map((topic) => ({ id: `topic:${topic}`, kind: 'topic' as const, name: topic })),
      { id: 'connector:crm', kind: 'connector', name: 'crm', attributes: { type: 'sink' } },
    ],
    edges: [
      { from: 'table:public.customers', to: 'connector:shop' },
      ...topics.map((topic) => ({ from: 'connector:shop', to: `topic:${topic}` })),
      { from: `topic:${topics[0]}`, to: 'connector:crm' },
    ],
  } as LineageGraph;
}

describe('OpenLineage events', () => {
  it('sends a JobEvent with each connector definition, before its run events, all valid OpenLineage', () => {
    const exporter = new OpenLineageExporter({
      url: 'http://127.0.0.1:1',
      namespace: 'mesh',
      kafkaServer: 'kafka:9092',
      log: { debug() {}, info() {}, warn() {}, error() {} },
    });
    const now = new Date('2026-12-07T04:00:00.000Z');
    const created = exporter.eventsFor(graph(['shop.public.customers']), now);
    const kinds = (events: LineageEvent[]) =>
      events.map((event) =>
        'run' in event
          ? `${event.eventType} ${event.job.name}`
          : 'job' in event
            ? `job ${event.job.name}`
            : `dataset ${event.dataset.name}`,
      );
    expect(kinds(created)).toEqual([
      'dataset shop.public.customers',
      'job shop',
      'START shop',
      'job crm',
      'START crm',
    ]);
    const job = created.find(
      (event) => 'job' in event && !('run' in event) && event.job.name === 'shop',
    ) as JobEvent;
    expect(job).toEqual({
      eventTime: '2026-12-07T04:00:00.000Z',
      producer: 'https://github.com/onramp/onramp',
      schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent',
      job: {
        namespace: 'mesh',
        name: 'shop',
        facets: {
          jobType: {
            _producer: 'https://github.com/onramp/onramp',
            _schemaURL:
              'https://openlineage.io/spec/facets/2-0-3/JobTypeJobFacet.json#/$defs/JobTypeJobFacet',
            processingType: 'STREAMING',
            integration: 'ONRAMP',
            jobType: 'SOURCE',
          },
        },
      },
      inputs: [{ namespace: 'postgres://db:5432', name: 'shop.public.customers' }],
      outputs: [{ namespace: 'kafka://kafka:9092', name: 'shop.public.customers' }],
    });

    // Nothing changed: nothing sent. The source reconfigured to write one more topic: its new
    // definition, then RUNNING; the sink's definition did not change.
    expect(exporter.eventsFor(graph(['shop.public.customers']), now)).toEqual([]);
    const reconfigured = exporter.eventsFor(graph(['shop.public.customers', 'shop.public.orders']), now);
    expect(kinds(reconfigured)).toEqual(['job shop', 'RUNNING shop']);
    expect((reconfigured[0] as JobEvent).outputs.map((output) => output.name)).toEqual([
      'shop.public.customers',
      'shop.public.orders',
    ]);

    // Deleted: its run completes; a job definition is not withdrawn by a JobEvent.
    const deleted = exporter.eventsFor({ nodes: [], edges: [] }, now);
    expect(kinds(deleted)).toEqual(['COMPLETE shop', 'COMPLETE crm']);

    for (const event of [...created, ...reconfigured, ...deleted]) expect(problems(event)).toEqual([]);
    // The schema tells the event kinds apart: a JobEvent with a run is not one.
    expect(problems({ ...job, run: { runId: 'x' } } as unknown as LineageEvent)).not.toEqual([]);
  });
});
