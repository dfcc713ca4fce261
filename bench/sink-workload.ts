import { mysqlSourceSchema } from '../connectors/mysql-source/source-block.ts';
import type { ConnectSchema, ConnectStruct, SchemaAndValue } from '../src/plugin/index.ts';
import { envelopeSchema } from '../src/plugin/index.ts';
import { kafkaClient } from './lib/kafka-topics.ts';
import { type ConverterFormat, converterOf } from './lib/systems.ts';

// The sink benchmarks' input: Debezium MySQL-source change events for one table of 10 columns,
// mostly creates, some updates and deletes (each delete followed by its tombstone, as Debezium
// emits), produced to one topic before the sink starts; and the table they should leave behind.

const PREFIX = 'benchsink.shop.orders';

const keySchema: ConnectSchema = {
  type: 'struct',
  name: `${PREFIX}.Key`,
  fields: [{ field: 'id', type: 'int32' }],
};

const rowSchema: ConnectSchema = {
  type: 'struct',
  optional: true,
  name: `${PREFIX}.Value`,
  fields: [
    { field: 'id', type: 'int32' },
    { field: 'customer', type: 'string' },
    { field: 'email', type: 'string', optional: true },
    { field: 'qty', type: 'int32' },
    {
      field: 'amount',
      type: 'bytes',
      name: 'org.apache.kafka.connect.data.Decimal',
      version: 1,
      parameters: { scale: '2', 'connect.decimal.precision': '12' },
    },
    { field: 'weight', type: 'float64', optional: true },
    { field: 'paid', type: 'boolean' },
    { field: 'created', type: 'int64', name: 'io.debezium.time.Timestamp', version: 1 },
    { field: 'note', type: 'string', optional: true },
    { field: 'version', type: 'int32' },
  ],
};

const valueSchema = envelopeSchema(`${PREFIX}.Envelope`, rowSchema, mysqlSourceSchema);

/** What the table holds per id once every event is applied: the columns the check compares. */
export interface FinalRow {
  qty: number;
  version: number;
}

export interface Workload {
  records: number;
  creates: number;
  updates: number;
  deletes: number;
  /** id -> final row, for the rows that remain. */
  expected: Map<number, FinalRow>;
  /** The rows that remain, every column (what a bulk load of the final state writes). */
  finalRows: ConnectStruct[];
  /** Sums over the expected rows, which the target must reach: count, sum(qty), sum(version). */
  totals: { rows: number; qty: number; version: number };
  bytes: number;
}

/** A small deterministic generator (mulberry32), so every run and system gets the same events. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function row(id: number, version: number, next: () => number): ConnectStruct {
  const qty = 1 + Math.floor(next() * 50);
  return {
    id,
    customer: `customer-${Math.floor(next() * 100_000)}`,
    email: next() < 0.1 ? null : `user${id}@example.com`,
    qty,
    amount: (Math.floor(next() * 10_000_000) / 100).toFixed(2),
    weight: Math.round(next() * 10_000) / 100,
    paid: next() < 0.5,
    created: 1_700_000_000_000 + id * 1000,
    note: next() < 0.3 ? `note ${version} for order ${id}` : null,
    version,
  };
}

/**
 * Produces `records` change events to `topic` (which must exist, empty): about 80% creates, 15%
 * updates of a live row, 5% deletes of a live row (a delete and its tombstone are two records).
 */
export async function produceWorkload(
  topic: string,
  records: number,
  format: ConverterFormat,
): Promise<Workload> {
  const next = random(20_261_121);
  const convert = converterOf(format);
  const producer = kafkaClient().producer({ allowAutoTopicCreation: false, idempotent: false });
  await producer.connect();
  const live: number[] = [];
  const position = new Map<number, number>();
  const state = new Map<number, ConnectStruct>();
  const workload: Workload = {
    records: 0,
    creates: 0,
    updates: 0,
    deletes: 0,
    expected: new Map(),
    finalRows: [],
    totals: { rows: 0, qty: 0, version: 0 },
    bytes: 0,
  };
  let nextId = 1;
  let pos = 4;
  let batch: { key: Buffer | null; value: Buffer | null }[] = [];
  let batchBytes = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await producer.send({ topic, acks: 1, messages: batch });
    batch = [];
    batchBytes = 0;
  };
  const key = (id: number) => convert.fromConnect(topic, true, { schema: keySchema, value: { id } });
  const envelope = (
    op: string,
    before: ConnectStruct | null,
    after: ConnectStruct | null,
  ): SchemaAndValue => {
    pos += 200;
    return {
      schema: valueSchema,
      value: {
        before,
        after,
        source: {
          version: '3.0.0.Final',
          connector: 'mysql',
          name: 'benchsink',
          ts_ms: 1_700_000_000_000 + workload.records,
          snapshot: 'false',
          db: 'shop',
          sequence: null,
          ts_us: null,
          ts_ns: null,
          table: 'orders',
          server_id: 1,
          gtid: null,
          file: 'mysql-bin.000003',
          pos,
          row: 0,
          thread: 7,
          query: null,
        },
        op,
        ts_ms: 1_700_000_000_000 + workload.records,
        ts_us: null,
        ts_ns: null,
        transaction: null,
      },
    };
  };
  const push = async (id: number, value: SchemaAndValue | null) => {
    const message = {
      key: await key(id),
      value: value === null ? null : await convert.fromConnect(topic, false, value),
    };
    const size = (message.key?.length ?? 0) + (message.value?.length ?? 0);
    workload.bytes += size;
    // One produce request stays under the broker's 1 MB message.max.bytes (a batch is one message).
    if (batchBytes + size > 900_000) await flush();
    batch.push(message);
    batchBytes += size;
    workload.records += 1;
  };
  while (workload.records < records) {
    const dice = next();
    if (live.length > 100 && dice < 0.05 && records - workload.records >= 2) {
      const index = Math.floor(next() * live.length);
      const id = live[index] as number;
      const last = live.pop() as number;
      if (index < live.length) {
        live[index] = last;
        position.set(last, index);
      }
      position.delete(id);
      await push(id, envelope('d', state.get(id) ?? null, null));
      await push(id, null);
      state.delete(id);
      workload.deletes += 1;
    } else if (live.length > 100 && dice < 0.2) {
      const id = live[Math.floor(next() * live.length)] as number;
      const before = state.get(id) ?? null;
      const after = row(id, Number(before?.version ?? 0) + 1, next);
      await push(id, envelope('u', before, after));
      state.set(id, after);
      workload.updates += 1;
    } else {
      const id = nextId++;
      const after = row(id, 1, next);
      await push(id, envelope('c', null, after));
      position.set(id, live.length);
      live.push(id);
      state.set(id, after);
      workload.creates += 1;
    }
  }
  await flush();
  await producer.disconnect();
  for (const [id, after] of state) {
    const final = { qty: Number(after.qty), version: Number(after.version) };
    workload.expected.set(id, final);
    workload.finalRows.push(after);
    workload.totals.rows += 1;
    workload.totals.qty += final.qty;
    workload.totals.version += final.version;
  }
  return workload;
}
