// The shared sink suite: every JDBC sink dialect must pass it. It drives the jdbc-sink plugin through
// the real sink runner (consumer group, converters, DLQ) with Debezium-format Avro records produced
// to real Kafka and the registry, and checks the rows in the real target database.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jdbcSinkPlugin } from '../../connectors/jdbc-sink/index.ts';
import { KafkaRecordProducer } from '../../src/kafka/record-producer.ts';
import type { ConnectorPlugin, ConnectSchema, ConnectStruct } from '../../src/plugin/index.ts';
import { envelopeSchema } from '../../src/plugin/index.ts';
import { AvroConverter } from '../../src/schema/avro-converter.ts';
import { SchemaRegistry } from '../../src/schema/registry.ts';
import { sourceSchema } from '../support/runtime/debezium-sample.ts';
import { readTopic, testAdmin, testConnection } from '../support/runtime/kafka-reader.ts';
import { createHarness, type Harness, startTask, unique } from '../support/runtime/runtime-harness.ts';
import { services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

export type Row = Record<string, unknown>;

/** A target database the suite writes into and reads back from. */
export interface SinkTarget {
  readonly name: string;
  /** connection.url, connection.username and connection.password for the connector. */
  readonly connection: Record<string, string>;
  query(sql: string): Promise<Row[]>;
  run(sql: string): Promise<void>;
  quote(identifier: string): string;
  /** A SQL expression rendering `column` as text, e.g. CAST(x AS CHAR) or x::text. */
  text(column: string): string;
  close(): Promise<void>;
}

const TOAST = '__debezium_unavailable_value';

function rowSchema(prefix: string, extra: boolean): ConnectSchema {
  return {
    type: 'struct',
    optional: true,
    name: `${prefix}.Value`,
    fields: [
      { field: 'id', type: 'int32' },
      { field: 'name', type: 'string' },
      { field: 'note', type: 'string', optional: true },
      {
        field: 'price',
        type: 'bytes',
        optional: true,
        name: 'org.apache.kafka.connect.data.Decimal',
        version: 1,
        parameters: { scale: '2', 'connect.decimal.precision': '10' },
      },
      {
        field: 'created',
        type: 'int64',
        optional: true,
        name: 'io.debezium.time.MicroTimestamp',
        version: 1,
      },
      { field: 'day', type: 'int32', optional: true, name: 'io.debezium.time.Date', version: 1 },
      { field: 'doc', type: 'string', optional: true, name: 'io.debezium.data.Json', version: 1 },
      ...(extra ? [{ field: 'extra', type: 'string' as const, optional: true }] : []),
    ],
  };
}

interface Event {
  op: 'c' | 'u' | 'd' | 't' | 'tombstone';
  id?: number;
  row?: Partial<ConnectStruct>;
  extra?: boolean;
  /** source.db (default 'suite'), for ${source.db} in collection.name.format. */
  db?: string;
  headers?: Record<string, string>;
}

export function sinkSuite(label: string, makeTarget: () => Promise<SinkTarget>): void {
  describe(`JDBC sink conformance: ${label}`, () => {
    let target: SinkTarget;
    let harness: Harness;
    const admin = testAdmin();
    const producer = new KafkaRecordProducer(testConnection(), admin);
    const converter = new AvroConverter(new SchemaRegistry({ url: services().schemaRegistryUrl }));
    const keySchema: ConnectSchema = {
      type: 'struct',
      name: 'sink.suite.Key',
      fields: [{ field: 'id', type: 'int32' }],
    };

    beforeAll(async () => {
      target = await makeTarget();
      harness = createHarness();
    });
    afterAll(async () => {
      await harness.close();
      await producer.close();
      await admin.close();
      await target.close();
    });

    function fullRow(id: number, row: Partial<ConnectStruct> = {}, extra = false): ConnectStruct {
      const base: ConnectStruct = {
        id,
        name: `name-${id}`,
        note: `note-${id}`,
        price: '12.30',
        created: 1_700_000_000_123_456,
        day: 19_700,
        doc: '{"a": 1}',
      };
      if (extra) base.extra = null;
      for (const [field, value] of Object.entries(row)) base[field] = value ?? null;
      return base;
    }

    async function produce(topic: string, events: Event[]): Promise<void> {
      const messages = [];
      for (const event of events) {
        const prefix = `sink.suite.${topic.replaceAll('-', '_')}`;
        const valueSchema = envelopeSchema(
          `${prefix}.Envelope`,
          rowSchema(prefix, event.extra ?? false),
          sourceSchema,
        );
        const key =
          event.id === undefined
            ? null
            : await converter.fromConnect(topic, true, { schema: keySchema, value: { id: event.id } });
        const headers = Object.entries(event.headers ?? {}).map(([key, value]) => ({ key, value }));
        if (event.op === 'tombstone') {
          messages.push({ topic, key, value: null, headers });
          continue;
        }
        const row = event.id === undefined ? null : fullRow(event.id, event.row, event.extra);
        const envelope: ConnectStruct = {
          before: event.op === 'd' ? row : null,
          after: event.op === 'c' || event.op === 'u' ? row : null,
          source: {
            version: '3.0.0',
            connector: 'postgresql',
            name: 'sink',
            ts_ms: 1_700_000_000_000,
            snapshot: 'false',
            db: event.db ?? 'suite',
            lsn: 1,
            txId: 1,
          },
          op: event.op,
          ts_ms: Date.now(),
          ts_us: null,
          ts_ns: null,
          transaction: null,
        };
        messages.push({
          topic,
          key,
          value: await converter.fromConnect(topic, false, { schema: valueSchema, value: envelope }),
          headers,
        });
      }
      await producer.send(messages);
    }

    async function committed(connector: string, topic: string): Promise<string | undefined> {
      const offsets = await harness.runtime.cluster.groupOffsets(`connect-${connector}`);
      return offsets.find((offset) => offset.topic === topic && offset.partition === 0)?.offset;
    }

    /** Runs a connector over `topic` until `count` records are committed; returns it still running. */
    async function runSink(
      topic: string,
      count: number,
      config: Record<string, string> = {},
      name = unique('jdbc'),
    ) {
      const started = startTask(harness, name, jdbcSinkPlugin as ConnectorPlugin, {
        'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
        topics: topic,
        ...target.connection,
        'insert.mode': 'upsert',
        'primary.key.mode': 'record_key',
        'delete.enabled': 'true',
        'schema.evolution': 'basic',
        ...config,
      });
      await waitFor(`${count} records committed by ${name}`, async () => {
        const failed = started.statuses.find((status) => status.state === 'FAILED');
        if (failed) throw new Error(`task failed: ${failed.trace}`);
        return (await committed(name, topic)) === String(count);
      });
      return started;
    }

    async function rows(table: string, columns = ['id', 'name', 'note']): Promise<Row[]> {
      const select = columns.map(
        (column) => `${target.text(target.quote(column))} AS ${target.quote(column)}`,
      );
      return target.query(
        `SELECT ${select.join(', ')} FROM ${target.quote(table)} ORDER BY ${target.quote('id')}`,
      );
    }

    const fresh = () => {
      const table = `t_${randomUUID().slice(0, 8)}`;
      return { topic: unique('jdbc-sink-in'), table, format: { 'collection.name.format': table } };
    };

    it('inserts, updates and deletes (op=d and tombstone) into an auto-created table, with mapped types', async () => {
      const { topic, table, format } = fresh();
      await produce(topic, [
        { op: 'c', id: 1 },
        { op: 'c', id: 2 },
        { op: 'c', id: 3 },
        { op: 'u', id: 2, row: { name: 'changed', note: null } },
        { op: 'd', id: 3 },
        { op: 'tombstone', id: 3 },
        { op: 'c', id: 4 },
        { op: 'tombstone', id: 4 },
      ]);
      const started = await runSink(topic, 8, format);
      expect(await rows(table)).toEqual([
        { id: '1', name: 'name-1', note: 'note-1' },
        { id: '2', name: 'changed', note: null },
      ]);
      const [typed] = await rows(table, ['id', 'price', 'created', 'day']);
      expect(typed).toEqual({
        id: '1',
        price: '12.30',
        created: '2023-11-14 22:13:20.123456',
        day: '2023-12-09',
      });
      const [json] = await target.query(
        `SELECT ${target.text(target.quote('doc'))} AS doc FROM ${target.quote(table)} WHERE ${target.quote('id')} = 1`,
      );
      expect(JSON.parse(String(json?.doc))).toEqual({ a: 1 });
      // Consumer lag in records: the high watermark minus the committed position, caught up.
      const lag = await harness.metrics.registry.getSingleMetric('onramp_sink_lag_records')?.get();
      expect(lag?.values.find((value) => value.labels.topic === topic)).toMatchObject({
        value: 0,
        labels: { partition: '0' },
      });
      expect(started.state).toBe('RUNNING');
      await started.task.stop();
    });

    it('truncates on op=t when truncate.enabled, then applies what follows', async () => {
      const { topic, table, format } = fresh();
      await produce(topic, [{ op: 'c', id: 1 }, { op: 'c', id: 2 }, { op: 't' }, { op: 'c', id: 3 }]);
      const started = await runSink(topic, 4, { ...format, 'truncate.enabled': 'true' });
      expect(await rows(table, ['id'])).toEqual([{ id: '3' }]);
      await started.task.stop();

      // Without truncate.enabled the truncate event is skipped.
      const second = fresh();
      await produce(second.topic, [{ op: 'c', id: 1 }, { op: 't' }, { op: 'c', id: 2 }]);
      const kept = await runSink(second.topic, 3, second.format);
      expect(await rows(second.table, ['id'])).toEqual([{ id: '1' }, { id: '2' }]);
      await kept.task.stop();
    });

    it('is idempotent: replaying the topic from the start (a new group) leaves the table unchanged', async () => {
      const { topic, table, format } = fresh();
      const events: Event[] = [];
      for (let id = 1; id <= 40; id += 1) events.push({ op: 'c', id });
      for (let id = 1; id <= 40; id += 3) events.push({ op: 'u', id, row: { name: `v2-${id}` } });
      for (let id = 2; id <= 40; id += 5) events.push({ op: 'd', id });
      await produce(topic, events);
      const first = await runSink(topic, events.length, format);
      await first.task.stop();
      const before = await rows(table);
      expect(before).toHaveLength(40 - 8);
      expect(before.find((row) => row.id === '4')?.name).toBe('v2-4');
      const replay = await runSink(topic, events.length, format);
      expect(replay.state).toBe('RUNNING');
      expect(await rows(table)).toEqual(before);
      await replay.task.stop();
    });

    it('adds a column when a new optional field appears (schema evolution basic)', async () => {
      const { topic, table, format } = fresh();
      await produce(topic, [
        { op: 'c', id: 1 },
        { op: 'c', id: 2, extra: true, row: { extra: 'added' } },
      ]);
      const started = await runSink(topic, 2, format);
      expect(await rows(table, ['id', 'extra'])).toEqual([
        { id: '1', extra: null },
        { id: '2', extra: 'added' },
      ]);
      await started.task.stop();
    });

    it('never overwrites a stored value with the TOAST placeholder', async () => {
      const { topic, table, format } = fresh();
      await produce(topic, [{ op: 'c', id: 1, row: { note: 'a long TOASTed text' } }]);
      const name = unique('jdbc-toast');
      const first = await runSink(topic, 1, format, name);
      await produce(topic, [
        { op: 'u', id: 1, row: { name: 'renamed', note: TOAST } },
        // Also within one batch: the earlier value of the same key wins over the placeholder.
        { op: 'c', id: 2, row: { note: 'second' } },
        { op: 'u', id: 2, row: { name: 'renamed-2', note: TOAST } },
      ]);
      await waitFor('4 committed', async () => (await committed(name, topic)) === '4');
      expect(await rows(table)).toEqual([
        { id: '1', name: 'renamed', note: 'a long TOASTed text' },
        { id: '2', name: 'renamed-2', note: 'second' },
      ]);
      await first.task.stop();
    });

    it('sends records the database rejects to the dead-letter topic with context headers, applying the rest', async () => {
      const { topic, table, format } = fresh();
      const deadLetters = unique('jdbc-sink-dlq');
      await target.run(
        `CREATE TABLE ${target.quote(table)} (${target.quote('id')} INT PRIMARY KEY, ${target.quote('name')} VARCHAR(8) NOT NULL, ${target.quote('note')} VARCHAR(100))`,
      );
      await produce(topic, [
        { op: 'c', id: 1 },
        { op: 'c', id: 2, row: { name: 'much too long for eight' } },
        { op: 'c', id: 3 },
      ]);
      const started = await runSink(topic, 3, {
        ...format,
        'schema.evolution': 'none',
        'field.include.list': 'name,note',
        'errors.tolerance': 'all',
        'errors.deadletterqueue.topic.name': deadLetters,
        'errors.deadletterqueue.topic.replication.factor': '1',
        'errors.deadletterqueue.context.headers.enable': 'true',
      });
      expect(await rows(table)).toEqual([
        { id: '1', name: 'name-1', note: 'note-1' },
        { id: '3', name: 'name-3', note: 'note-3' },
      ]);
      const [letter] = await readTopic(deadLetters, 1);
      const header = (key: string) =>
        letter?.headers.find((entry) => entry.key === `__connect.errors.${key}`)?.value?.toString();
      expect(header('topic')).toBe(topic);
      expect(header('offset')).toBe('1');
      expect(header('stage')).toBe('TASK_PUT');
      expect(header('class.name')).toBe('io.debezium.connector.jdbc.JdbcSinkConnector');
      expect(header('exception.class.name')).toBe('OnrampError(JDBC_WRITE_FAILED)');
      expect(header('exception.message')).toContain(`Table ${table}`);
      expect(started.state).toBe('RUNNING');
      await started.task.stop();
    });

    it('applies batches written behind the reading in order: keys changed and deleted across many small batches end as their last change', async () => {
      const { topic, table, format } = fresh();
      const events: Event[] = [];
      const expected = new Map<number, string>();
      for (let id = 1; id <= 24; id += 1) {
        events.push({ op: 'c', id });
        expected.set(id, `name-${id}`);
      }
      for (let id = 1; id <= 24; id += 2) {
        events.push({ op: 'u', id, row: { name: `v2-${id}` } });
        expected.set(id, `v2-${id}`);
      }
      for (let id = 3; id <= 24; id += 3) {
        events.push({ op: 'd', id }, { op: 'tombstone', id });
        expected.delete(id);
      }
      // Deleted in an earlier batch, created again in a later one; and changed again after that.
      for (let id = 6; id <= 24; id += 6) {
        events.push({ op: 'c', id, row: { name: `back-${id}` } });
        expected.set(id, `back-${id}`);
      }
      events.push({ op: 'u', id: 1, row: { name: 'last' } });
      expected.set(1, 'last');
      await produce(topic, events);
      // batch.size 4: many transactions per fetched batch, each written while the next is read.
      const started = await runSink(topic, events.length, { ...format, 'batch.size': '4' });
      expect(await rows(table, ['id', 'name'])).toEqual(
        // rows() orders by the id as text.
        [...expected].map(([id, name]) => ({ id: String(id), name })).sort((a, b) => (a.id < b.id ? -1 : 1)),
      );
      await started.task.stop();
    });

    it('a record rejected in a batch written in the background goes to the dead-letter topic; the batches around it commit', async () => {
      const { topic, table, format } = fresh();
      const deadLetters = unique('jdbc-sink-dlq');
      await target.run(
        `CREATE TABLE ${target.quote(table)} (${target.quote('id')} INT PRIMARY KEY, ${target.quote('name')} VARCHAR(8) NOT NULL, ${target.quote('note')} VARCHAR(100))`,
      );
      const events: Event[] = [];
      for (let id = 1; id <= 9; id += 1)
        events.push({ op: 'c', id, ...(id === 4 ? { row: { name: 'much too long for eight' } } : {}) });
      await produce(topic, events);
      const started = await runSink(topic, events.length, {
        ...format,
        'batch.size': '2',
        'schema.evolution': 'none',
        'field.include.list': 'name,note',
        'errors.tolerance': 'all',
        'errors.deadletterqueue.topic.name': deadLetters,
        'errors.deadletterqueue.topic.replication.factor': '1',
        'errors.deadletterqueue.context.headers.enable': 'true',
      });
      expect((await rows(table, ['id'])).map((row) => row.id)).toEqual([
        '1',
        '2',
        '3',
        '5',
        '6',
        '7',
        '8',
        '9',
      ]);
      const letters = await readTopic(deadLetters, 1);
      expect(
        letters.map((letter) =>
          letter.headers.find((entry) => entry.key === '__connect.errors.offset')?.value?.toString(),
        ),
      ).toEqual(['3']);
      await started.task.stop();
    });

    it('keeps writing after a column is retyped under the running sink', async () => {
      const { topic, table, format } = fresh();
      const name = unique('jdbc-retype');
      await produce(topic, [
        { op: 'c', id: 1 },
        { op: 'c', id: 2 },
      ]);
      const first = await runSink(topic, 2, format, name);
      // A type no value of the old one is assigned to implicitly: a statement typed by the column's
      // old type fails, the batch is redone with plain statements, and the next one reads the types again.
      await target.run(`DELETE FROM ${target.quote(table)}`);
      await target.run(
        target.name === 'postgres'
          ? `ALTER TABLE ${target.quote(table)} ALTER COLUMN ${target.quote('note')} TYPE json USING ${target.quote('note')}::json`
          : `ALTER TABLE ${target.quote(table)} MODIFY ${target.quote('note')} JSON NULL`,
      );
      const json = (id: number): Event => ({ op: 'c', id, row: { note: `{"n":${id}}` } });
      await produce(topic, [json(3), json(4)]);
      await waitFor('4 committed', async () => (await committed(name, topic)) === '4');
      await produce(topic, [json(5), json(6)]);
      await waitFor('6 committed', async () => (await committed(name, topic)) === '6');
      const stored = await target.query(
        `SELECT ${target.quote('id')} AS id, ${target.text(target.quote('note'))} AS note FROM ${target.quote(table)} ORDER BY ${target.quote('id')}`,
      );
      expect(stored.map((row) => [String(row.id), JSON.parse(String(row.note))])).toEqual([
        ['3', { n: 3 }],
        ['4', { n: 4 }],
        ['5', { n: 5 }],
        ['6', { n: 6 }],
      ]);
      expect(first.state).toBe('RUNNING');
      await first.task.stop();
    });

    it('fails the task on a rejected record with errors.tolerance=none, naming the record and the database message', async () => {
      const { topic, format } = fresh();
      await produce(topic, [{ op: 'c', id: 1 }]);
      const started = startTask(harness, unique('jdbc-fail'), jdbcSinkPlugin as ConnectorPlugin, {
        topics: topic,
        ...target.connection,
        ...format,
        'insert.mode': 'upsert',
        'primary.key.mode': 'record_key',
      });
      const failed = await waitFor('task FAILED', () =>
        started.statuses.find((status) => status.state === 'FAILED'),
      );
      expect(failed.trace).toContain(`topic=${topic}, partition=0, offset=0`);
      expect(failed.trace).toContain('does not exist');
      await started.task.stop();
    });

    it('exactly once: offsets stored with the rows per table; a replay without the group offsets applies nothing twice', async () => {
      const { topic, table } = fresh();
      const offsets = `offsets_${randomUUID().slice(0, 8)}`;
      const name = unique('jdbc-eos');
      // No primary key and plain inserts: applying a record twice would leave a duplicate row.
      const config = {
        'collection.name.format': `${table}_\${source.db}`,
        'insert.mode': 'insert',
        'primary.key.mode': 'none',
        'delete.enabled': 'false',
        'exactly.once.offsets.table': offsets,
      };
      const creates = (from: number, to: number): Event[] => {
        const events: Event[] = [];
        for (let id = from; id <= to; id += 1) events.push({ op: 'c', id, db: id % 2 === 1 ? 'a' : 'b' });
        return events;
      };
      const ids = async (suffix: string) =>
        (await rows(`${table}_${suffix}`, ['id'])).map((row) => Number(row.id)).sort((x, y) => x - y);
      const odd = (to: number) => Array.from({ length: Math.ceil(to / 2) }, (_, index) => index * 2 + 1);
      const even = (to: number) => Array.from({ length: Math.floor(to / 2) }, (_, index) => index * 2 + 2);
      const stored = async () =>
        (
          await target.query(
            `SELECT ${target.quote('table_name')} AS t, ${target.text(target.quote('kafka_offset'))} AS o FROM ${target.quote(offsets)} WHERE ${target.quote('connector')} = '${name}' ORDER BY ${target.quote('table_name')}`,
          )
        ).map((row) => [row.t, row.o]);

      await produce(topic, creates(1, 30));
      const first = await runSink(topic, 30, config, name);
      await first.task.stop();
      expect(await ids('a')).toEqual(odd(29));
      expect(await ids('b')).toEqual(even(30));
      expect(await stored()).toEqual([
        ['', '29'],
        [`${table}_a`, '28'],
        [`${table}_b`, '29'],
      ]);

      // As after a crash between the two tables' transactions: table b's rows and offsets and the
      // all-tables row rolled back; then the consumer group's offsets are gone too.
      await target.run(`DELETE FROM ${target.quote(`${table}_b`)}`);
      await target.run(
        `DELETE FROM ${target.quote(offsets)} WHERE ${target.quote('table_name')} <> '${table}_a'`,
      );
      await harness.runtime.cluster.resetGroupOffsets(`connect-${name}`);
      await produce(topic, creates(31, 34));
      const second = await runSink(topic, 34, config, name);
      await second.task.stop();
      expect(await ids('a')).toEqual(odd(33));
      expect(await ids('b')).toEqual(even(34));

      // The stored offsets win over the group's: with the group moved past a new record, the
      // partition still starts after the stored all-tables offset and the record is applied.
      await produce(topic, creates(35, 35));
      await harness.runtime.cluster.alterGroupOffsets(`connect-${name}`, [
        { topic, partition: 0, offset: '35' },
      ]);
      const third = await runSink(topic, 35, config, name);
      await waitFor('record 35 applied', async () => (await ids('a')).includes(35));
      expect(await ids('a')).toEqual(odd(35));
      expect(await ids('b')).toEqual(even(34));
      await waitFor('offsets stored', async () => (await stored())[0]?.[1] === '34');
      expect(await stored()).toEqual([
        ['', '34'],
        [`${table}_a`, '34'],
        [`${table}_b`, '33'],
      ]);
      await third.task.stop();
    });

    it('record_header primary keys, and timestamps written in database.time_zone', async () => {
      const { topic, table, format } = fresh();
      await produce(topic, [
        { op: 'c', id: 1, headers: { tenant: 'acme', seq: '1' } },
        { op: 'c', id: 2, headers: { tenant: 'acme', seq: '2' } },
        { op: 'u', id: 2, row: { name: 'updated' }, headers: { tenant: 'acme', seq: '2' } },
      ]);
      const started = await runSink(topic, 3, {
        ...format,
        'primary.key.mode': 'record_header',
        'primary.key.fields': 'seq',
        'delete.enabled': 'false',
        'database.time_zone': 'America/New_York',
      });
      expect(await rows(table, ['id', 'seq', 'name', 'created'])).toEqual([
        // 2023-11-14 22:13:20.123456 UTC is 17:13:20.123456 in New York (EST, -05:00).
        { id: '1', seq: '1', name: 'name-1', created: '2023-11-14 17:13:20.123456' },
        { id: '2', seq: '2', name: 'updated', created: '2023-11-14 17:13:20.123456' },
      ]);
      await started.task.stop();
    });

    it("takes Confluent's config dialect with the unwrap and RegexRouter transforms", async () => {
      const prefix = unique('jdbc-flat');
      const topic = `${prefix}.suite.items`;
      const table = `flat_${randomUUID().slice(0, 8)}`;
      await produce(topic, [
        { op: 'c', id: 1 },
        { op: 'c', id: 2 },
        { op: 'd', id: 2 },
        { op: 'tombstone', id: 2 },
      ]);
      const { connection } = target;
      const started = await runSink(topic, 4, {
        'connector.class': 'io.confluent.connect.jdbc.JdbcSinkConnector',
        'connection.url': connection['connection.url'] ?? '',
        'connection.user': connection['connection.username'] ?? '',
        'connection.password': connection['connection.password'] ?? '',
        'connection.username': '',
        'primary.key.mode': '',
        'schema.evolution': '',
        'pk.mode': 'record_key',
        'auto.create': 'true',
        'auto.evolve': 'true',
        'table.name.format': `${table}_\${topic}`,
        transforms: 'unwrap,route',
        'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
        'transforms.unwrap.drop.tombstones': 'false',
        'transforms.route.type': 'org.apache.kafka.connect.transforms.RegexRouter',
        'transforms.route.regex': '([^.]+)\\.([^.]+)\\.([^.]+)',
        'transforms.route.replacement': '$3',
      });
      expect(await rows(`${table}_items`)).toEqual([{ id: '1', name: 'name-1', note: 'note-1' }]);
      await started.task.stop();
    });
  });
}
