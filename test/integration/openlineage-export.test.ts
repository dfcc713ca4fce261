import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetEvent, JobEvent, LineageEvent, RunEvent } from '../../src/mesh/openlineage.ts';
import { type HostProcess, postgresSourceConfig, startHostProcess } from '../support/host-process.ts';
import { services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

// Lineage exported as OpenLineage run events to `lineage.openlineage.url`, received here by a local
// HTTP endpoint standing in for Marquez: a product's source connector is a job whose input is the
// PostgreSQL table and whose output is its Kafka topic, and deleting the connector completes the run.
// The table and the topic are also sent as DatasetEvents with their schemas, and the job's definition
// as a JobEvent (test/unit/mesh/openlineage-events.test.ts validates all three against the spec).

const suffix = randomUUID().slice(0, 8);
const table = `ol_items_${suffix}`;
const prefix = `ol${suffix}`;
const received: Array<{ path: string; event: RunEvent }> = [];
const datasets: DatasetEvent[] = [];
const jobs: JobEvent[] = [];
let receiver: Server;
let host: HostProcess;
let source: pg.Client;

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const event = JSON.parse(Buffer.concat(chunks).toString()) as LineageEvent;
      if ('run' in event) received.push({ path: request.url ?? '', event });
      else if ('job' in event) jobs.push(event);
      else datasets.push(event);
      response.writeHead(201).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const dir = mkdtempSync(join(tmpdir(), 'onramp-openlineage-'));
  const config = join(dir, 'host.yaml');
  writeFileSync(
    config,
    `lineage.openlineage.url: http://127.0.0.1:${(receiver.address() as AddressInfo).port}\nlineage.openlineage.namespace: test-mesh\n`,
  );
  source = new pg.Client({ connectionString: services().pgUrl });
  await source.connect();
  await source.query(`CREATE TABLE public.${table} (id int PRIMARY KEY, name text)`);
  await source.query(`INSERT INTO public.${table} VALUES (1, 'one')`);
  host = await startHostProcess({ ONRAMP_CONFIG: config });
});

afterAll(async () => {
  await host?.call('DELETE', `/connectors/${prefix}`).catch(() => undefined);
  await host?.stop();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
  await source.query(`DROP TABLE IF EXISTS public.${table}`);
  await source.end();
});

const eventsOf = (type: RunEvent['eventType']) =>
  received.filter(({ event }) => event.job.name === prefix && event.eventType === type);

describe('OpenLineage export', () => {
  it('sends the source job with its table as input and its topic as output, then completes it on delete', async () => {
    const created = await host.call('PUT', `/connectors/${prefix}/config`, {
      ...postgresSourceConfig(prefix, `public.${table}`),
      'product.domain': 'lineage',
      'product.name': `items-${suffix}`,
    });
    expect(created.status).toBe(201);
    const url = new URL(services().pgUrl);
    const withTopic = await waitFor(
      'a run event with the table in and the topic out',
      () =>
        received.find(
          ({ event }) =>
            event.job.name === prefix &&
            event.outputs.some((output) => output.name === `${prefix}.public.${table}`),
        ),
      { timeoutMs: 30_000 },
    );
    expect(withTopic.path).toBe('/api/v1/lineage');
    expect(withTopic.event).toMatchObject({
      job: { namespace: 'test-mesh', name: prefix },
      producer: expect.stringMatching(/^https:\/\//),
      schemaURL: expect.stringContaining('openlineage.io/spec'),
      inputs: [
        {
          namespace: `postgres://${url.hostname}:${url.port || '5432'}`,
          name: `${url.pathname.slice(1)}.public.${table}`,
        },
      ],
      outputs: [{ namespace: `kafka://${services().kafkaBrokers[0]}`, name: `${prefix}.public.${table}` }],
    });
    expect(eventsOf('START')).toHaveLength(1);
    // Its definition, as created: a JobEvent with the same datasets and no run.
    const definition = await waitFor('the JobEvent with the topic out', () =>
      jobs.find(
        (event) =>
          event.job.name === prefix &&
          event.outputs.some((output) => output.name === `${prefix}.public.${table}`),
      ),
    );
    expect(definition).toMatchObject({
      schemaURL: expect.stringContaining('#/$defs/JobEvent'),
      job: {
        namespace: 'test-mesh',
        facets: { jobType: { processingType: 'STREAMING', jobType: 'SOURCE' } },
      },
      inputs: withTopic.event.inputs,
      outputs: withTopic.event.outputs,
    });
    expect(definition).not.toHaveProperty('run');
    // The table's and the topic's schemas as DatasetEvents: columns with their types.
    const schemaOf = (name: string) =>
      waitFor(`the schema of ${name}`, () => datasets.find((event) => event.dataset.name === name));
    expect((await schemaOf(`${url.pathname.slice(1)}.public.${table}`)).dataset.facets.schema).toMatchObject({
      _schemaURL: expect.stringContaining('SchemaDatasetFacet'),
      fields: [
        { name: 'id', type: 'integer' },
        { name: 'name', type: 'text' },
      ],
    });
    const topicSchema = await schemaOf(`${prefix}.public.${table}`);
    expect(topicSchema).toMatchObject({
      schemaURL: expect.stringContaining('DatasetEvent'),
      dataset: { namespace: `kafka://${services().kafkaBrokers[0]}` },
    });
    expect(topicSchema.dataset.facets.schema.fields).toEqual([
      { name: 'id', type: 'integer' },
      { name: 'name', type: 'string' },
    ]);
    const runId = withTopic.event.run.runId;
    expect(
      received
        .filter(({ event }) => event.job.name === prefix)
        .every(({ event }) => event.run.runId === runId),
    ).toBe(true);

    expect((await host.call('DELETE', `/connectors/${prefix}`)).status).toBe(204);
    const completed = await waitFor('the COMPLETE event', () => eventsOf('COMPLETE')[0], {
      timeoutMs: 30_000,
    });
    expect(completed.event.run.runId).toBe(runId);
  });
});
