import type { TailRecord } from '../kafka/topic-tail.ts';
import { errorMessage } from '../plugin/index.ts';
import type { ConnectValue, JsonValue } from '../plugin/record.ts';
import type { SchemaRegistry } from '../schema/registry.ts';
import type { DataProduct, OutputPort, PersonalDataTreatment } from './product-model.ts';
import { treat } from './product-stage.ts';

// Sample events of a data product: the newest few records of each output topic, decoded (Confluent
// Avro through the registry, or Kafka Connect JSON), with every classified column — suggested or
// confirmed, whatever the owner has not rejected — treated as the product's policy says: hashed with
// the host's salt (as the product stage does, so a value hashed in Kafka already is left as it is),
// masked, or dropped. What a consumer most wants to see before subscribing, without showing anyone
// personal data the product would not publish.

export interface RecentRecords {
  latest(topic: string, count: number): Promise<TailRecord[]>;
}

export interface ProductSamplesOptions {
  tail: RecentRecords;
  registry: SchemaRegistry | undefined;
  /** The product stage's HMAC key, so hashed samples equal the hashes consumers see. */
  salt: Buffer;
}

export interface SampleEvent {
  partition: number;
  offset: string;
  timestamp: string;
  key: JsonValue;
  value: JsonValue;
  headers: Record<string, string | null>;
  /**
   * A delete whose `before` holds only the key: the columns PostgreSQL did not log (REPLICA IDENTITY
   * DEFAULT keeps only the key of a deleted row) and Debezium filled with null or their type's zero
   * value (0, '', 1970-01-01). They are left out of `before` here, so no one reads them as values.
   */
  absent?: { columns: string[]; reason: string };
}

export interface PortSamples {
  topic: string;
  format: string;
  events: SampleEvent[];
  error?: string;
}

const HASHED = /^[0-9a-f]{64}$/;
const CONFLUENT_MAGIC = 0;

export class ProductSamples {
  private readonly options: ProductSamplesOptions;

  constructor(options: ProductSamplesOptions) {
    this.options = options;
  }

  async samples(product: DataProduct, count: number) {
    const masked = treatments(product);
    const ports = await Promise.all(product.outputPorts.map((port) => this.port(port, count, masked)));
    return {
      product: product.id,
      masked: [...masked].flatMap(([table, columns]) =>
        [...columns].map(([column, treatment]) => ({ column: `${table}.${column}`, treatment })),
      ),
      ports,
    };
  }

  private async port(
    port: OutputPort,
    count: number,
    masked: Map<string, Map<string, PersonalDataTreatment>>,
  ): Promise<PortSamples> {
    try {
      const records = await this.options.tail.latest(port.topic, count);
      const events: SampleEvent[] = [];
      for (const record of records) {
        const key = await this.decode(record.key);
        const decoded = await this.decode(record.value);
        const classified = classifiedColumns(decoded, port.table, masked);
        const { value, absent } = keyOnlyDelete(decoded, key, classified, this.options.salt);
        events.push({
          partition: record.partition,
          offset: record.offset,
          timestamp: new Date(record.timestamp).toISOString(),
          key,
          value: protect(value, port.table, masked, this.options.salt),
          ...(absent && { absent: { columns: absent, reason: KEY_ONLY } }),
          headers: Object.fromEntries(
            record.headers.map((header) => [
              header.key,
              header.value === null ? null : Buffer.from(header.value).toString('utf8'),
            ]),
          ),
        });
      }
      return { topic: port.topic, format: port.format, events };
    } catch (error) {
      return { topic: port.topic, format: port.format, events: [], error: errorMessage(error) };
    }
  }

  private async decode(bytes: Buffer | null): Promise<JsonValue> {
    if (bytes === null) return null;
    const registry = this.options.registry;
    if (bytes.length >= 5 && bytes[0] === CONFLUENT_MAGIC && registry) {
      const codec = await registry.codecById(bytes.readInt32BE(1));
      return jsonSafe(codec.decode(bytes.subarray(5)));
    }
    const text = bytes.toString('utf8');
    try {
      const parsed = JSON.parse(text) as JsonValue;
      // Kafka Connect JSON with schemas.enable: the data is the payload.
      if (isObject(parsed) && 'schema' in parsed && 'payload' in parsed) return parsed.payload ?? null;
      return parsed;
    } catch {
      return text;
    }
  }
}

const KEY_ONLY = 'not in the delete event (replica identity keeps only the key)';

/**
 * A delete event's `before` cut down to its key columns when it carries nothing else: with REPLICA
 * IDENTITY DEFAULT PostgreSQL logs only a deleted row's key, and Debezium (so Onramp's source) fills
 * every other column with null, or with its type's zero value when the column is NOT NULL. Such an
 * image is told apart from a whole old row (REPLICA IDENTITY FULL, MySQL's full row image) by every
 * non-key column being null or a zero value; a real row that is all zeros beyond its key reads the
 * same, and is shown without those columns too.
 */
function keyOnlyDelete(
  value: JsonValue,
  key: JsonValue,
  classified: Map<string, PersonalDataTreatment> | undefined,
  salt: Buffer,
): { value: JsonValue; absent?: string[] } {
  if (!isObject(value) || value.op !== 'd' || !isObject(value.before) || !isObject(key)) return { value };
  const before = value.before;
  const keyColumns = new Set(Object.keys(key));
  const others = Object.keys(before).filter((column) => !keyColumns.has(column));
  if (others.length === 0 || !Object.keys(key).every((column) => column in before)) return { value };
  // The product stage hashed or masked the '' of a NOT NULL text column it treats.
  const treatedEmpty = (column: string) => {
    const treatment = classified?.get(column);
    return treatment === 'hash' || treatment === 'mask' ? treat('', treatment, salt) : undefined;
  };
  const zero = (column: string) => {
    const cell = before[column] ?? null;
    return zeroValue(cell) || (cell !== null && cell === treatedEmpty(column));
  };
  if (!others.every(zero)) return { value };
  const kept: { [key: string]: JsonValue } = {};
  for (const column of Object.keys(before)) if (keyColumns.has(column)) kept[column] = before[column] ?? null;
  return {
    value: { ...value, before: kept },
    // a column the policy drops is not named as missing: it is not published at all
    absent: others.filter((column) => classified?.get(column) !== 'drop'),
  };
}

/** Null, or a zero value Debezium gives a NOT NULL column missing from the old-key tuple (as JSON). */
function zeroValue(value: JsonValue): boolean {
  if (value === null || value === 0 || value === false || value === '') return true;
  if (typeof value === 'string')
    // a decimal's 0 (as text, or its one zero byte as base64), the zoned timestamp's and interval's zero
    return /^0(\.0+)?$|^AA==$|^1970-01-01T00:00:00(\.0+)?Z$|^P0Y0M0DT0H0M0S$/.test(value);
  if (Array.isArray(value)) return value.length === 0;
  if (isObject(value)) return Object.values(value).every((entry) => zeroValue(entry ?? null));
  return false;
}

function isObject(value: unknown): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `<namespace>.<table>` -> column -> treatment, for every classification not rejected. */
function treatments(product: DataProduct): Map<string, Map<string, PersonalDataTreatment>> {
  const result = new Map<string, Map<string, PersonalDataTreatment>>();
  for (const entry of product.classifications) {
    if (entry.state === 'rejected') continue;
    const dot = entry.column.lastIndexOf('.');
    const table = entry.column.slice(0, dot);
    const columns = result.get(table) ?? new Map<string, PersonalDataTreatment>();
    columns.set(entry.column.slice(dot + 1), entry.treatment ?? product.policy.personalData);
    result.set(table, columns);
  }
  return result;
}

/** The classified columns of the table an event (or, without a source block, its port) is of. */
function classifiedColumns(
  value: JsonValue,
  portTable: string | undefined,
  masked: Map<string, Map<string, PersonalDataTreatment>>,
): Map<string, PersonalDataTreatment> | undefined {
  if (!isObject(value) || masked.size === 0) return undefined;
  const source = isObject(value.source) ? value.source : undefined;
  const namespace = source?.schema ?? source?.db;
  const table =
    source && typeof namespace === 'string' && typeof source.table === 'string'
      ? `${namespace}.${source.table}`
      : portTable;
  return table === undefined ? undefined : masked.get(table);
}

/** The envelope with its `before`/`after` rows treated (also a flat row, for unwrapped topics). */
function protect(
  value: JsonValue,
  portTable: string | undefined,
  masked: Map<string, Map<string, PersonalDataTreatment>>,
  salt: Buffer,
): JsonValue {
  if (!isObject(value)) return value;
  const columns = classifiedColumns(value, portTable, masked);
  if (!columns) return value;
  const row = (cells: { [key: string]: JsonValue }) => {
    const treated: { [key: string]: JsonValue } = {};
    for (const [column, cell] of Object.entries(cells)) {
      const treatment = columns.get(column);
      if (treatment === 'drop') continue;
      if (treatment === undefined || cell === null) treated[column] = cell;
      else if (treatment === 'hash' && typeof cell === 'string' && HASHED.test(cell)) treated[column] = cell;
      else treated[column] = typeof cell === 'string' ? (treat(cell, treatment, salt) as string) : '[masked]';
    }
    return treated;
  };
  if (!('after' in value) && !('before' in value)) return row(value);
  return {
    ...value,
    ...(isObject(value.before) && { before: row(value.before) }),
    ...(isObject(value.after) && { after: row(value.after) }),
  };
}

/** Connect values as JSON: 64-bit integers as numbers when exact (else strings), bytes as base64. */
function jsonSafe(value: ConnectValue | unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint')
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (typeof value === 'object') {
    const out: { [key: string]: JsonValue } = {};
    for (const [key, entry] of Object.entries(value)) out[key] = jsonSafe(entry);
    return out;
  }
  return String(value);
}
