// The shared source suite: every source connector must pass it. It runs the connector in the shipped
// host (`node src/main.ts`, created over REST with Debezium's config keys) into real Kafka with the
// Avro converter and the real registry, and checks what a Debezium consumer relies on: the snapshot
// of existing rows (op r, first/true/last markers), then c/u/d in commit order with a tombstone after
// each delete, primary-key keys, the envelope and the common source block, the registered key and
// value schemas (golden files; UPDATE_GOLDEN=1 rewrites them, then `npx biome format --write` them),
// and that a stopped connector and a restarted host resume exactly where the stored offsets say:
// changes made meanwhile arrive once, nothing acknowledged before is repeated.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import packageJson from '../../package.json' with { type: 'json' };
import type { ConnectStruct } from '../../src/plugin/index.ts';
import { ConverterFactory } from '../../src/schema/converter-factory.ts';
import { type HostProcess, startHostProcess } from '../support/host-process.ts';
import { endOffsets, readTopic, testAdmin } from '../support/runtime/kafka-reader.ts';
import { services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

/** One row of the suite's table: id INT primary key, name VARCHAR NOT NULL, price DECIMAL(10,2),
 * created TIMESTAMP/DATETIME(6) without time zone, note TEXT NULL. */
export interface SuiteRow {
  id: number;
  name: string;
  /** Decimal text with two digits after the point. */
  price: string;
  /** 'YYYY-MM-DD HH:MM:SS.ffffff', no time zone. */
  created: string;
  note: string | null;
}

/** A source database the suite writes to, and how to capture it. */
export interface SourceTarget {
  /** The folder under test/fixtures holding the golden schema files ('postgres', 'mysql'). */
  readonly fixtures: string;
  /** source.connector in the events ('postgresql', 'mysql'). */
  readonly connector: string;
  /** source.db and source.table in the events. */
  readonly db: string;
  readonly table: string;
  /**
   * Creates an empty database with the suite's table (full before images on update and delete,
   * e.g. REPLICA IDENTITY FULL), holding `rows`.
   */
  setUp(rows: readonly SuiteRow[]): Promise<void>;
  insert(row: SuiteRow): Promise<void>;
  /** Sets every non-key column of row.id to the given values. */
  update(row: SuiteRow): Promise<void>;
  delete(id: number): Promise<void>;
  /** Runs one SQL statement on the suite's database (the same text works on every target). */
  execute(sql: string): Promise<void>;
  /** Debezium connector config capturing only the suite's table, topics under `prefix`. */
  connectorConfig(prefix: string): Record<string, string>;
  topic(prefix: string): string;
  /** Run-specific names in registered schemas, replaced by their placeholder in golden files. */
  readonly volatile: Record<string, string>;
  tearDown(): Promise<void>;
}

const COMMON_SOURCE_FIELDS = ['version', 'connector', 'name', 'ts_ms', 'snapshot', 'db', 'table'];

function micros(created: string): number {
  const [date, time = ''] = created.split(' ');
  const [clock, fraction = ''] = time.split('.');
  return Date.parse(`${date}T${clock}Z`) * 1000 + Number(fraction.padEnd(6, '0'));
}

function row(id: number, version = 1): SuiteRow {
  return {
    id,
    name: `item-${id}-v${version}`,
    price: `${id * 10 + version}.${String(id).padStart(2, '0')}`,
    created: `2024-0${1 + (id % 9)}-1${version % 10} 0${id % 10}:3${version % 10}:45.${String(id * 1000 + version).padStart(6, '0')}`,
    note: id % 2 === 0 ? null : `note ${id}/${version}`,
  };
}

/** The Connect value Debezium gives a SuiteRow. */
function image(suiteRow: SuiteRow): ConnectStruct {
  return {
    id: suiteRow.id,
    name: suiteRow.name,
    price: suiteRow.price,
    created: micros(suiteRow.created),
    note: suiteRow.note,
  };
}

interface Event {
  key: ConnectStruct;
  value: ConnectStruct | null;
}

/** What the suite compares across restarts: op (or tombstone) and key, plus the after image's name. */
function summary(event: Event): string {
  const after = event.value?.after as ConnectStruct | null | undefined;
  return `${event.value ? String(event.value.op) : 'tombstone'}:${event.key.id}${after ? `:${after.name}` : ''}`;
}

function normalise(schema: unknown, volatile: Record<string, string>): unknown {
  let text = JSON.stringify(schema);
  for (const [value, placeholder] of Object.entries(volatile).sort(([a], [b]) => b.length - a.length)) {
    text = text.replaceAll(value, placeholder);
  }
  return JSON.parse(text);
}

export function sourceConformance(label: string, makeTarget: () => SourceTarget): void {
  describe(`source conformance: ${label}`, () => {
    const target = makeTarget();
    const prefix = `conf_${label.replace(/\W/g, '_')}_${randomUUID().slice(0, 8)}`;
    const connector = prefix;
    const topic = target.topic(prefix);
    const dataDir = mkdtempSync(join(tmpdir(), 'onramp-conformance-'));
    const converters = new ConverterFactory({ schemaRegistryUrl: services().schemaRegistryUrl }).forConfig(
      {},
    );
    const registry = services().schemaRegistryUrl;
    const admin = testAdmin();
    let host: HostProcess;
    /** Summaries of every event expected in the topic so far, in order. */
    const expected: string[] = [];

    const startHost = () => startHostProcess({ ONRAMP_DATA_DIR: dataDir });

    async function events(count: number): Promise<Event[]> {
      // A reader joining before the connector created the topic would fail: wait for the records first.
      await waitFor(`${count} records in ${topic}`, async () => {
        const end = (await endOffsets(admin, topic)).get(0) ?? 0n;
        return end >= BigInt(count);
      });
      const messages = await readTopic(topic, count);
      const decoded: Event[] = [];
      for (const message of messages) {
        const key = await converters.key.toConnect(topic, true, message.key);
        const value = await converters.value.toConnect(topic, false, message.value);
        decoded.push({
          key: key?.value as ConnectStruct,
          value: (value?.value ?? null) as ConnectStruct | null,
        });
      }
      return decoded;
    }

    async function status(): Promise<{ connector: string; tasks: string[]; traces: string[] }> {
      const { body } = await host.call('GET', `/connectors/${connector}/status`);
      const tasks = (body?.tasks ?? []) as { state: string; trace?: string }[];
      return {
        connector: body?.connector?.state,
        tasks: tasks.map((task) => task.state),
        traces: tasks.map((task) => task.trace ?? ''),
      };
    }

    async function running(): Promise<void> {
      await waitFor('connector and task RUNNING', async () => {
        const current = await status();
        if (current.tasks.includes('FAILED')) throw new Error(`task FAILED: ${current.traces.join('\n')}`);
        return current.connector === 'RUNNING' && current.tasks[0] === 'RUNNING';
      });
    }

    /** Reads the topic until it holds every expected event, then checks it holds exactly those. */
    async function expectTopicExactly(): Promise<Event[]> {
      const all = await events(expected.length);
      expect(all.map(summary)).toEqual(expected);
      return all;
    }

    beforeAll(async () => {
      await target.setUp([row(1), row(2), row(3)]);
      host = await startHost();
      const created = await host.call(
        'PUT',
        `/connectors/${connector}/config`,
        target.connectorConfig(prefix),
      );
      expect(created.status).toBe(201);
      await running();
    });

    afterAll(async () => {
      await host?.call('DELETE', `/connectors/${connector}`).catch(() => undefined);
      await host?.stop();
      await target.tearDown();
      await admin.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('snapshots the existing rows as op r with first/true/last markers', async () => {
      expected.push('r:1:item-1-v1', 'r:2:item-2-v1', 'r:3:item-3-v1');
      const snapshot = await expectTopicExactly();
      expect(snapshot.map((event) => (event.value?.source as ConnectStruct).snapshot)).toEqual([
        'first',
        'true',
        'last',
      ]);
      for (const [index, event] of snapshot.entries()) {
        expect(event.value?.before).toBeNull();
        expect(event.value?.after).toEqual(image(row(index + 1)));
      }
    });

    it('streams c, u and d in commit order, a tombstone after the delete, full before images', async () => {
      await target.insert(row(4));
      await target.update(row(2, 2));
      await target.delete(3);
      expected.push('c:4:item-4-v1', 'u:2:item-2-v2', 'd:3', 'tombstone:3');
      const stream = (await expectTopicExactly()).slice(3);
      const [insert, update, remove, tombstone] = stream;
      expect(insert?.value).toMatchObject({ op: 'c', before: null, after: image(row(4)) });
      expect(update?.value).toMatchObject({ op: 'u', before: image(row(2)), after: image(row(2, 2)) });
      expect(remove?.value).toMatchObject({ op: 'd', before: image(row(3)), after: null });
      expect(tombstone).toEqual({ key: { id: 3 }, value: null });
      for (const event of stream.slice(0, 3)) {
        expect((event.value?.source as ConnectStruct).snapshot).toBe('false');
      }
    });

    it('keys events by the primary key struct and carries the envelope and common source fields', async () => {
      const all = await events(expected.length);
      expect(all.map((event) => event.key)).toEqual([1, 2, 3, 4, 2, 3, 3].map((id) => ({ id })));
      for (const { value } of all) {
        if (value === null) continue;
        expect(Object.keys(value)).toEqual(
          expect.arrayContaining(['before', 'after', 'source', 'op', 'ts_ms']),
        );
        // Debezium 3.x's order (TableSchemaBuilder, then Envelope build()): transaction after source.
        expect(Object.keys(value)).toEqual([
          'before',
          'after',
          'source',
          'transaction',
          'op',
          'ts_ms',
          'ts_us',
          'ts_ns',
        ]);
        expect(typeof value.ts_ms).toBe('number');
        const source = value.source as ConnectStruct;
        expect(Object.keys(source)).toEqual(expect.arrayContaining(COMMON_SOURCE_FIELDS));
        expect(source).toMatchObject({
          connector: target.connector,
          name: prefix,
          db: target.db,
          table: target.table,
        });
        expect(source.version).toBe(packageJson.version);
        expect(source.ts_ms).toEqual(expect.any(Number));
      }
    });

    it('registers <topic>-key and <topic>-value once, with the golden schemas', async () => {
      const volatile = { ...target.volatile, [prefix]: '<prefix>' };
      for (const kind of ['key', 'value'] as const) {
        const subject = `${topic}-${kind}`;
        const versions = await (await fetch(`${registry}/subjects/${subject}/versions`)).json();
        expect(versions).toEqual([1]);
        const latest = (await (await fetch(`${registry}/subjects/${subject}/versions/latest`)).json()) as {
          schema: string;
        };
        const schema = normalise(JSON.parse(latest.schema), volatile);
        const golden = join(
          import.meta.dirname,
          '..',
          'fixtures',
          target.fixtures,
          `conformance-${kind}.golden.json`,
        );
        if (process.env.UPDATE_GOLDEN === '1') writeFileSync(golden, `${JSON.stringify(schema, null, 2)}\n`);
        expect(schema).toEqual(JSON.parse(readFileSync(golden, 'utf8')));
      }
    });

    it('resumes after the connector is stopped: changes made meanwhile arrive once, nothing is repeated', async () => {
      expect((await host.call('PUT', `/connectors/${connector}/stop`)).status).toBe(204);
      await waitFor('connector STOPPED', async () => (await status()).connector === 'STOPPED');
      const { body: offsets } = await host.call('GET', `/connectors/${connector}/offsets`);
      expect(offsets.offsets).toHaveLength(1);

      await target.insert(row(5));
      await target.update(row(4, 2));
      await target.delete(2);
      expected.push('c:5:item-5-v1', 'u:4:item-4-v2', 'd:2', 'tombstone:2');
      expect((await host.call('PUT', `/connectors/${connector}/resume`)).status).toBe(202);
      await running();
      await expectTopicExactly();
    });

    it('resumes after a host restart: changes made while it was down arrive once, nothing is repeated', async () => {
      await host.stop();
      await target.insert(row(6));
      await target.update(row(5, 2));
      await target.delete(4);
      expected.push('c:6:item-6-v1', 'u:5:item-5-v2', 'd:4', 'tombstone:4');
      host = await startHost();
      await running();
      await expectTopicExactly();
      // A last change after the restart: anything repeated late would sit before it.
      await target.insert(row(7));
      expected.push('c:7:item-7-v1');
      const all = await expectTopicExactly();
      expect(all.at(-1)?.value?.after).toEqual(image(row(7)));
    });

    it('ADD COLUMN ... NOT NULL DEFAULT keeps the task RUNNING: the default is in the schema, so BACKWARD accepts it', async () => {
      const subject = `${topic}-value`;
      const compatibility = await fetch(`${registry}/config/${subject}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
        body: JSON.stringify({ compatibility: 'BACKWARD' }),
      });
      expect(compatibility.status).toBe(200);
      await target.execute('ALTER TABLE items ADD COLUMN status int NOT NULL DEFAULT 7');
      await target.execute("INSERT INTO items (id, name) VALUES (8, 'item-8-v1')");
      expected.push('c:8:item-8-v1');
      const all = await expectTopicExactly();
      expect(all.at(-1)?.value?.after).toMatchObject({ id: 8, name: 'item-8-v1', status: 7 });
      const versions = await (await fetch(`${registry}/subjects/${subject}/versions`)).json();
      expect(versions).toEqual([1, 2]);
      const latest = (await (await fetch(`${registry}/subjects/${subject}/versions/latest`)).json()) as {
        schema: string;
      };
      const value = JSON.parse(latest.schema) as { fields: { name: string; type: unknown }[] };
      const row = value.fields.find((field) => field.name === 'before')?.type as [
        string,
        { fields: { name: string; type: unknown; default?: unknown }[] },
      ];
      // As Confluent's AvroConverter writes a Connect default: on the field and as connect.default.
      expect(row[1].fields.at(-1)).toEqual({
        name: 'status',
        type: { type: 'int', 'connect.default': 7 },
        default: 7,
      });
      const current = await status();
      expect(current).toMatchObject({ connector: 'RUNNING', tasks: ['RUNNING'] });
    });
  });
}
