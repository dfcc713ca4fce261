import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { LineageEvent, RunEvent } from '../../src/mesh/openlineage.ts';
import { AvroConverter } from '../../src/schema/avro-converter.ts';
import { SchemaRegistry } from '../../src/schema/registry.ts';
import { callPastRebalances, clusterWorkerYaml } from '../support/cluster-worker.ts';
import { type HostProcess, postgresSourceConfig, startHostProcess } from '../support/host-process.ts';
import { readTopic, testAdmin } from '../support/runtime/kafka-reader.ts';
import { services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

// Data products in cluster mode (issue 13 on issue 18's workers): the catalog is kept in the topic
// <config.storage.topic>-products, so a product onboarded through one worker is found through every
// worker, and product writes sent to any worker (followers included) are forwarded to the leader
// instead of being refused. The owner's decisions and the publication, sent to both workers, are
// then what every worker shows, and the worker running the source task applies them: the e-mail of
// a row written after publication is hashed in Kafka. Every worker knows the product's connectors
// (domains, lineage), also those the leader wrote; OpenLineage hears of them from the leader alone.

const run = randomUUID().slice(0, 8);
const groupId = `onramp-products-${run}`;
const configTopic = `${groupId}-configs`;
const internalTopics = [configTopic, `${groupId}-offsets`, `${groupId}-status`, `${configTopic}-products`];
const schema = `cp_${run}`;
const prefix = `cp${run}`;
const topic = `${prefix}.${schema}.customers`;
const sourceName = `cp-customers-${run}`;
const productId = `shop${run}.customers`;

const configFile = join(mkdtempSync(join(tmpdir(), 'onramp-cluster-products-')), 'worker.yaml');
/** OpenLineage run events the workers sent (a local endpoint standing in for Marquez). */
const lineageEvents: RunEvent[] = [];
let receiver: Server;

let db: pg.Client;
const workers: HostProcess[] = [];
/** Each worker's log (info level), printed when the test fails: it failed twice in CI under load. */
const workerLogs: string[][] = [];

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const event = JSON.parse(Buffer.concat(chunks).toString()) as LineageEvent;
      if ('run' in event) lineageEvents.push(event);
      response.writeHead(201).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  writeFileSync(
    configFile,
    clusterWorkerYaml({
      groupId,
      topics: internalTopics,
      extra: [`lineage.openlineage.url: http://127.0.0.1:${(receiver.address() as AddressInfo).port}`],
    }),
  );
  db = new pg.Client({ connectionString: services().pgUrl });
  await db.connect();
  await db.query(`CREATE SCHEMA ${schema}`);
  await db.query(`CREATE TABLE ${schema}.customers (id int PRIMARY KEY, email text NOT NULL)`);
  await db.query(`INSERT INTO ${schema}.customers VALUES (1, 'one@example.com')`);
  const salt = `salt-${run}`;
  for (let i = 0; i < 2; i++) {
    const output: string[] = [];
    workerLogs.push(output);
    workers.push(
      await startHostProcess(
        { ONRAMP_CONFIG: configFile, ONRAMP_PRODUCT_HASH_SALT: salt, ONRAMP_LOG_LEVEL: 'info' },
        { output },
      ),
    );
  }
}, 120_000);

afterAll(async () => {
  await workers[0]?.call('DELETE', `/connectors/${sourceName}`).catch(() => undefined);
  for (const worker of workers) await worker.stop().catch(() => undefined);
  const admin = testAdmin();
  await admin.deleteTopics([...internalTopics, topic]).catch(() => undefined);
  await admin.close();
  await db
    .query(
      'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active',
      [prefix],
    )
    .catch(() => undefined);
  await db.query(`DROP PUBLICATION IF EXISTS ${prefix}`).catch(() => undefined);
  await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
  await db?.end();
  await new Promise<void>((resolve) => receiver?.close(() => resolve()));
}, 120_000);

describe('data products in cluster mode', () => {
  it('shares the catalog between workers and takes product writes through any of them', async () => {
    onTestFailed(() => {
      for (const [index, lines] of workerLogs.entries())
        console.log(`worker ${index + 1} (${workers[index]?.base}) log:\n${lines.slice(-150).join('\n')}`);
    });
    const [first, second] = workers as [HostProcess, HostProcess];
    const created = await callPastRebalances(first, 'PUT', `/connectors/${sourceName}/config`, {
      ...postgresSourceConfig(prefix, `${schema}.customers`),
      // Publishing restarts the source (include.schema.comments): its slot must outlive the stop.
      'slot.drop.on.stop': 'false',
      'product.domain': `shop${run}`,
      'product.name': 'customers',
      'product.owner': 'shop-data-team',
      'product.description': 'Customers of the shop',
    });
    expect(created.status).toBe(201);
    // Found through both workers, with the port and the suggestion the onboarding found.
    for (const worker of workers)
      await waitFor(`the product with its port and suggestion on ${worker.base}`, async () => {
        const answer = await worker.call('GET', `/products/${productId}`);
        return answer.status === 200 &&
          answer.body.outputPorts.length === 1 &&
          answer.body.classifications.length === 1
          ? answer.body
          : undefined;
      });
    await readTopic(topic, 1, 60_000);
    // Every worker knows the connector behind it (the leader wrote its config; the others read it
    // from the config topic): the domain lists it and the lineage starts at the table.
    for (const worker of workers) {
      const domains = await worker.call('GET', '/domains');
      expect(domains.body).toContainEqual(
        expect.objectContaining({ name: `shop${run}`, connectors: [sourceName] }),
      );
      const lineage = await worker.call('GET', `/products/${productId}/lineage`);
      expect(lineage.body.edges).toContainEqual(
        expect.objectContaining({ from: `connector:${sourceName}`, to: `topic:${topic}`, kind: 'writes' }),
      );
      expect(lineage.body.nodes).toContainEqual(
        expect.objectContaining({ kind: 'table', name: `${schema}.customers` }),
      );
    }

    // Writes through each worker: one of the two is a follower, whose writes go to the leader.
    const decided = await callPastRebalances(first, 'PATCH', `/products/${productId}`, {
      classifications: [{ column: `${schema}.customers.email`, state: 'confirmed', treatment: 'hash' }],
      tags: ['cluster'],
    });
    expect(decided.status).toBe(200);
    const tagged = await callPastRebalances(second, 'PATCH', `/products/${productId}`, { slaTier: 'tier-2' });
    expect(tagged.status).toBe(200);
    expect(tagged.body).toMatchObject({ tags: ['cluster'], slaTier: 'tier-2' });
    // Published through each worker (the second time changes nothing): one of them is a follower,
    // which used to answer 409 (publishing reconfigures the source, which only the leader writes).
    for (const worker of workers) {
      const published = await callPastRebalances(worker, 'POST', `/products/${productId}/publish`);
      expect(published.status).toBe(200);
      expect(published.body.status).toBe('published');
    }
    for (const worker of workers)
      await waitFor(`the published product on ${worker.base}`, async () => {
        const answer = await worker.call('GET', `/products/${productId}`);
        return answer.body?.status === 'published' && answer.body.slaTier === 'tier-2';
      });

    // The worker running the source task applies the publication: a new row's e-mail is hashed.
    await waitFor('the source task running again after publishing', async () => {
      const status = await first.call('GET', `/connectors/${sourceName}/status`);
      return status.body?.tasks?.[0]?.state === 'RUNNING';
    });
    await db.query(`INSERT INTO ${schema}.customers VALUES (2, 'two@example.com')`);
    const avro = new AvroConverter(new SchemaRegistry({ url: services().schemaRegistryUrl }));
    const row = await waitFor(
      'the second row in Kafka',
      async () => {
        const messages = await readTopic(topic, 2, 60_000);
        for (const message of messages) {
          const decoded = await avro.toConnect(topic, false, message.value ?? null);
          const after = (decoded?.value as { after?: { id: number; email: string } } | null)?.after;
          if (after?.id === 2) return after;
        }
        return undefined;
      },
      { timeoutMs: 90_000 },
    );
    expect(row.email).toMatch(/^[0-9a-f]{64}$/);

    // Lineage reached OpenLineage from the leader alone: one run of the source's job, not one per worker.
    const runs = () =>
      new Set(lineageEvents.filter((event) => event.job.name === sourceName).map((event) => event.run.runId));
    // The run starts when the leader first exports; its topic may be known only by a later event
    // (RUNNING, outputs changed) when the export ran before the task recorded it.
    const sourceEvents = () => lineageEvents.filter((event) => event.job.name === sourceName);
    await waitFor('the source job with its topic in OpenLineage', () =>
      sourceEvents().some((event) => event.outputs.some((output) => output.name === topic)),
    );
    expect(sourceEvents()[0]?.eventType).toBe('START');
    expect(runs().size).toBe(1);
  }, 240_000);
});
