import { postgresSourceSchema } from '../../connectors/postgres-source/source-block.ts';
import type { ConnectSchema, ConnectStruct } from '../../src/plugin/index.ts';
import { envelopeSchema, envelopeValue, eventTimeFromMicros } from '../../src/plugin/index.ts';
import { codecForConnect } from '../../src/schema/avro-codec.ts';
import { JsonConverter } from '../../src/schema/json-converter.ts';

// The records of the kafka-clients benchmark: Debezium PostgreSQL change events for pg-stream's
// table (11 columns), 60% creates, 30% updates (before and after), 10% deletes, made once per
// process into a pool that the send loop cycles through, so the loop costs the same for every
// client and the client's own work is what differs. Two kinds:
// - json: Kafka Connect JsonConverter with schemas (schema + payload), key and value, ~4.2 KB
//   values, made by Onramp's own JsonConverter;
// - avro: Confluent wire format (magic byte 0, 4-byte schema id, Avro body), key and value,
//   ~400 B values, encoded with avsc through Onramp's codec; fixed schema ids, no registry.

export type RecordKind = 'json' | 'avro';
export const RECORD_KINDS: readonly RecordKind[] = ['json', 'avro'];

export interface BenchRecord {
  key: Buffer;
  value: Buffer;
}

const PREFIX = 'bench.public.orders';
/** Distinct records in the pool; record i of a run is pool[i % POOL]. */
const POOL = 1000;

const keySchema: ConnectSchema = {
  type: 'struct',
  name: `${PREFIX}.Key`,
  optional: false,
  fields: [{ field: 'id', type: 'int64', optional: false }],
};

const zoned = { type: 'string', name: 'io.debezium.time.ZonedTimestamp', version: 1 } as const;

const rowSchema: ConnectSchema = {
  type: 'struct',
  name: `${PREFIX}.Value`,
  optional: true,
  fields: [
    { field: 'id', type: 'int64', optional: false },
    { field: 'version', type: 'int32', optional: false },
    { field: 'status', type: 'string', optional: false },
    {
      field: 'amount',
      type: 'bytes',
      optional: false,
      name: 'org.apache.kafka.connect.data.Decimal',
      version: 1,
      parameters: { scale: '2', 'connect.decimal.precision': '12' },
    },
    { field: 'quantity', type: 'int32', optional: false },
    { field: 'price', type: 'float64', optional: false },
    { field: 'active', type: 'boolean', optional: false },
    { field: 'created_at', ...zoned, optional: false },
    { field: 'committed_at', ...zoned, optional: false },
    { field: 'note', type: 'string', optional: true },
    { field: 'attrs', type: 'string', optional: true, name: 'io.debezium.data.Json', version: 1 },
  ],
};

const valueSchema = envelopeSchema(`${PREFIX}.Envelope`, rowSchema, postgresSourceSchema);

function row(id: number, version: number): ConnectStruct {
  const stamp = new Date(1_767_225_600_000 + id * 1_000 + version).toISOString();
  return {
    id,
    version,
    status: version === 1 ? 'new' : 'updated',
    amount: ((id % 100_000) / 100).toFixed(2),
    quantity: id % 50,
    price: id * 0.5,
    active: true,
    created_at: stamp,
    committed_at: stamp,
    note: `note for order ${id}, version ${version}: ${'x'.repeat(60)}`,
    attrs: `{"source": "bench", "id": ${id}, "tags": ["a", "b"]}`,
  };
}

/** The change event for pool entry `id`: its op follows the 60/30/10 mix. */
function event(id: number): { key: ConnectStruct; value: ConnectStruct } {
  const slot = id % 10;
  const op = slot < 6 ? 'c' : slot < 9 ? 'u' : 'd';
  const micros = BigInt(1_767_225_600_000 + id) * 1000n;
  const source: ConnectStruct = {
    version: '3.0.0.Final',
    connector: 'postgresql',
    name: 'bench',
    ts_ms: 1_767_225_600_000 + id,
    snapshot: 'false',
    db: 'onramp',
    sequence: `["${24_000_000 + id * 200}","${24_000_000 + id * 200 + 100}"]`,
    ts_us: null,
    ts_ns: null,
    schema: 'public',
    table: 'orders',
    txId: 1000 + Math.floor(id / 10),
    lsn: 24_000_000 + id * 200,
    xmin: null,
  };
  return {
    key: { id },
    value: envelopeValue({
      op,
      before: op === 'c' ? null : row(id, 1),
      after: op === 'd' ? null : row(id, op === 'u' ? 2 : 1),
      source,
      time: eventTimeFromMicros(micros),
    }),
  };
}

/** Confluent's wire format: magic byte 0, the schema id (big-endian int32), the Avro body. */
function confluentFramed(schemaId: number, body: Buffer): Buffer {
  const framed = Buffer.allocUnsafe(5 + body.length);
  framed.writeUInt8(0, 0);
  framed.writeInt32BE(schemaId, 1);
  body.copy(framed, 5);
  return framed;
}

/** POOL distinct records of `kind`. */
export async function recordPool(kind: RecordKind): Promise<BenchRecord[]> {
  const pool: BenchRecord[] = [];
  if (kind === 'json') {
    const json = new JsonConverter();
    for (let id = 1; id <= POOL; id++) {
      const { key, value } = event(id);
      const keyBytes = await json.fromConnect(PREFIX, true, { schema: keySchema, value: key });
      const valueBytes = await json.fromConnect(PREFIX, false, { schema: valueSchema, value });
      if (!keyBytes || !valueBytes) throw new Error('JsonConverter returned null for a record');
      pool.push({ key: keyBytes, value: valueBytes });
    }
    return pool;
  }
  const keyCodec = codecForConnect(keySchema);
  const valueCodec = codecForConnect(valueSchema);
  for (let id = 1; id <= POOL; id++) {
    const { key, value } = event(id);
    pool.push({
      key: confluentFramed(1, keyCodec.encode(key)),
      value: confluentFramed(2, valueCodec.encode(value)),
    });
  }
  return pool;
}

/** Average value size of a pool, bytes. */
export function averageValueBytes(pool: readonly BenchRecord[]): number {
  return pool.reduce((sum, record) => sum + record.value.length, 0) / Math.max(1, pool.length);
}

/** Size of a record in a produce request, as src/kafka/record-producer.ts estimates it. */
export function recordSize(record: BenchRecord): number {
  return 64 + record.key.length + record.value.length;
}

/** Onramp's request split (src/kafka/record-producer.ts): consecutive chunks of at most `maxBytes`. */
export function splitByBytes<T extends BenchRecord>(records: readonly T[], maxBytes: number): T[][] {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let bytes = 0;
  for (const record of records) {
    const size = recordSize(record);
    if (chunk.length > 0 && bytes + size > maxBytes) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(record);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** The 768 KB of src/kafka/record-producer.ts (kept below the broker's 1 MiB message.max.bytes). */
export const ONRAMP_MAX_REQUEST_BYTES = 768 * 1024;
