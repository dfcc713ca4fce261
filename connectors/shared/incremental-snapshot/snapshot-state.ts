import type { JsonValue, SourceOffset } from '../../../src/plugin/index.ts';
import { deserializeKey, type JavaValue, serializeKey } from './java-serialization.ts';

// What an incremental snapshot keeps in the connector's offset, under Debezium's own keys (its
// AbstractIncrementalSnapshotContext), so a restart continues from the last chunk Kafka holds and
// an offset written by Debezium resumes here:
//   incremental_snapshot_collections     JSON list of {incremental_snapshot_collections_id,
//                                        _additional_condition, _surrogate_key, _correlation_id}
//                                        (the first one is the table being read)
//   incremental_snapshot_primary_key     the last key a `read` event was sent for (hex of a Java-
//                                        serialized Object[])
//   incremental_snapshot_maximum_key     the largest key when the table's snapshot began (same)
//   incremental_snapshot_correlation_id  the id of the signal that asked for the snapshot

export const OFFSET_PREFIX = 'incremental_snapshot';
const COLLECTIONS = `${OFFSET_PREFIX}_collections`;
const PRIMARY_KEY = `${OFFSET_PREFIX}_primary_key`;
const MAXIMUM_KEY = `${OFFSET_PREFIX}_maximum_key`;
const CORRELATION_ID = `${OFFSET_PREFIX}_correlation_id`;
const COLLECTION_ID = `${COLLECTIONS}_id`;
const COLLECTION_CONDITION = `${COLLECTIONS}_additional_condition`;
const COLLECTION_SURROGATE_KEY = `${COLLECTIONS}_surrogate_key`;
const COLLECTION_CORRELATION_ID = `${COLLECTIONS}_correlation_id`;

/** What Java serializes for a null Object[] (Debezium's value before a key is known). */
const NULL_KEY = 'aced000570';

export interface DataCollection {
  /** "schema.table" (PostgreSQL) or "database.table" (MySQL). */
  id: string;
  /** An SQL condition the rows must meet (execute-snapshot's additional-conditions). */
  additionalCondition?: string;
  /** A column to chunk by instead of the primary key. */
  surrogateKey?: string;
  /** The id of the signal that asked for it. */
  correlationId?: string;
}

function encodeKey(key: readonly JavaValue[] | undefined): string {
  return key === undefined ? NULL_KEY : serializeKey(key);
}

function decodeKey(field: string, text: JsonValue | undefined): JavaValue[] | undefined {
  if (text === undefined || text === null || text === NULL_KEY) return undefined;
  if (typeof text !== 'string') throw new Error(`${field} is ${JSON.stringify(text)}, not a string`);
  try {
    return deserializeKey(text);
  } catch (error) {
    throw new Error(`${field}: ${(error as Error).message}`);
  }
}

function optionalText(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function parseCollections(text: string): DataCollection[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) throw new Error(`${COLLECTIONS} is not a JSON list`);
  return parsed.map((entry: unknown) => {
    const fields = (entry ?? {}) as Record<string, unknown>;
    const id = optionalText(fields[COLLECTION_ID]);
    if (id === undefined) throw new Error(`${COLLECTIONS} has an entry without ${COLLECTION_ID}`);
    const additionalCondition = optionalText(fields[COLLECTION_CONDITION]);
    const surrogateKey = optionalText(fields[COLLECTION_SURROGATE_KEY]);
    const correlationId = optionalText(fields[COLLECTION_CORRELATION_ID]);
    return {
      id,
      ...(additionalCondition !== undefined && { additionalCondition }),
      ...(surrogateKey !== undefined && { surrogateKey }),
      ...(correlationId !== undefined && { correlationId }),
    };
  });
}

/** Debezium's JSON for the collection list (Jackson: null for an absent condition or key). */
export function formatCollections(collections: readonly DataCollection[]): string {
  return JSON.stringify(
    collections.map((collection) => ({
      [COLLECTION_ID]: collection.id,
      [COLLECTION_CONDITION]: collection.additionalCondition ?? null,
      [COLLECTION_SURROGATE_KEY]: collection.surrogateKey ?? null,
      [COLLECTION_CORRELATION_ID]: collection.correlationId ?? null,
    })),
  );
}

/** The offset without any incremental snapshot field (a finished snapshot must not linger in it). */
export function withoutSnapshotFields(offset: SourceOffset): SourceOffset {
  let stripped: SourceOffset | undefined;
  for (const key of Object.keys(offset)) {
    if (!key.startsWith(OFFSET_PREFIX)) continue;
    stripped ??= { ...offset };
    delete stripped[key];
  }
  return stripped ?? offset;
}

export class SnapshotState {
  /** Tables still to read, the current one first. */
  collections: DataCollection[] = [];
  /** The next chunk starts after this key; undefined: at the table's start. */
  chunkEnd: JavaValue[] | undefined;
  /** The key of the last `read` event sent (what a restart continues after). */
  lastKeySent: JavaValue[] | undefined;
  /** The table's largest key when its snapshot began; undefined until read. */
  maximumKey: JavaValue[] | undefined;
  correlationId: string | undefined;
  private cached: Record<string, JsonValue> | undefined;
  private collectionsJson: string | undefined;

  get running(): boolean {
    return this.collections.length > 0;
  }

  get current(): DataCollection | undefined {
    return this.collections[0];
  }

  /** The offset fields for the state now ({} when no snapshot runs). */
  offsetFields(): Record<string, JsonValue> {
    if (!this.running) return {};
    this.collectionsJson ??= formatCollections(this.collections);
    this.cached ??= {
      [PRIMARY_KEY]: encodeKey(this.lastKeySent),
      [MAXIMUM_KEY]: encodeKey(this.maximumKey),
      [COLLECTIONS]: this.collectionsJson,
      [CORRELATION_ID]: this.correlationId ?? null,
    };
    return this.cached;
  }

  /** Adds tables (those already queued are left where they are); true when any was new. */
  add(collections: readonly DataCollection[], correlationId: string | undefined): DataCollection[] {
    const queued = new Set(this.collections.map((collection) => collection.id));
    const added = collections.filter((collection) => {
      if (queued.has(collection.id)) return false;
      queued.add(collection.id);
      return true;
    });
    this.collections.push(...added);
    if (added.length > 0) this.correlationId = correlationId;
    this.changed(true);
    return added;
  }

  /** Moves on to the next table. */
  next(): DataCollection | undefined {
    const finished = this.collections.shift();
    this.chunkEnd = undefined;
    this.lastKeySent = undefined;
    this.maximumKey = undefined;
    if (!this.running) this.correlationId = undefined;
    this.changed(true);
    return finished;
  }

  /** Removes queued tables other than the current one; returns those removed. */
  removeQueued(ids: ReadonlySet<string>): string[] {
    const removed = this.collections.slice(1).filter((collection) => ids.has(collection.id));
    if (removed.length === 0) return [];
    const [current, ...rest] = this.collections;
    this.collections = current ? [current, ...rest.filter((collection) => !ids.has(collection.id))] : [];
    this.changed(true);
    return removed.map((collection) => collection.id);
  }

  sent(key: JavaValue[]): void {
    this.lastKeySent = key;
    this.changed(false);
  }

  setMaximumKey(key: JavaValue[] | undefined): void {
    this.maximumKey = key;
    this.changed(false);
  }

  private changed(collections: boolean): void {
    this.cached = undefined;
    if (collections) this.collectionsJson = undefined;
  }

  /**
   * The state a stored offset holds. A snapshot in progress continues after the last key sent.
   * Throws, naming the field, when the offset holds what cannot be read.
   */
  static fromOffset(offset: SourceOffset | undefined): SnapshotState {
    const state = new SnapshotState();
    const collections = offset?.[COLLECTIONS];
    if (offset === undefined || collections === undefined || collections === null) return state;
    if (typeof collections !== 'string') throw new Error(`${COLLECTIONS} is not a string`);
    state.collections = parseCollections(collections);
    state.lastKeySent = decodeKey(PRIMARY_KEY, offset[PRIMARY_KEY]);
    state.chunkEnd = state.lastKeySent;
    state.maximumKey = decodeKey(MAXIMUM_KEY, offset[MAXIMUM_KEY]);
    state.correlationId = optionalText(offset[CORRELATION_ID]);
    return state;
  }
}
