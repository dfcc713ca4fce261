import type { ConnectSchema, ConnectStruct, JsonValue, SchemaAndValue } from '../plugin/record.ts';
import type { TransactionBlock } from './envelope.ts';

// Debezium's transaction metadata (provide.transaction.metadata): a BEGIN and an END record per
// transaction on `<topic.prefix>.<topic.transaction>`, and the `transaction` block of each data
// event, numbered as Debezium's TransactionContext numbers them (1-based, in the transaction and per
// table). Schemas as Debezium's SchemaFactory defines them (names, field order, optionality,
// version 1). How a connector spells the id is its own business (PostgreSQL: "<xid>:<lsn>").

export const DEFAULT_TRANSACTION_TOPIC = 'transaction';

export const transactionKeySchema: ConnectSchema = Object.freeze({
  type: 'struct',
  name: 'io.debezium.connector.common.TransactionMetadataKey',
  version: 1,
  optional: false,
  fields: [{ field: 'id', type: 'string', optional: false }],
}) as ConnectSchema;

/** One entry of an END record's data_collections (Debezium names it `event.collection`). */
export const transactionDataCollectionSchema: ConnectSchema = Object.freeze({
  type: 'struct',
  name: 'event.collection',
  version: 1,
  optional: true,
  fields: [
    { field: 'data_collection', type: 'string', optional: false },
    { field: 'event_count', type: 'int64', optional: false },
  ],
}) as ConnectSchema;

export const transactionValueSchema: ConnectSchema = Object.freeze({
  type: 'struct',
  name: 'io.debezium.connector.common.TransactionMetadataValue',
  version: 1,
  optional: false,
  fields: [
    { field: 'status', type: 'string', optional: false },
    { field: 'id', type: 'string', optional: false },
    { field: 'event_count', type: 'int64', optional: true },
    { field: 'data_collections', type: 'array', optional: true, items: transactionDataCollectionSchema },
    { field: 'ts_ms', type: 'int64', optional: false },
  ],
}) as ConnectSchema;

export function transactionTopic(topicPrefix: string, topicTransaction: string): string {
  return `${topicPrefix}.${topicTransaction}`;
}

export function transactionKey(id: string): SchemaAndValue {
  return { schema: transactionKeySchema, value: { id } };
}

export function transactionBeginValue(id: string, tsMs: number): SchemaAndValue {
  return {
    schema: transactionValueSchema,
    value: { status: 'BEGIN', id, event_count: null, data_collections: null, ts_ms: tsMs },
  };
}

export function transactionEndValue(id: string, tsMs: number, counts: TransactionCounts): SchemaAndValue {
  const dataCollections: ConnectStruct[] = [...counts.perCollection].map(([collection, count]) => ({
    data_collection: collection,
    event_count: count,
  }));
  return {
    schema: transactionValueSchema,
    value: { status: 'END', id, event_count: counts.total, data_collections: dataCollections, ts_ms: tsMs },
  };
}

export interface TransactionCounts {
  total: number;
  /** Events per data collection ("schema.table" / "db.table"), in first-seen order. */
  perCollection: ReadonlyMap<string, number>;
}

/** Debezium's offset keys for the transaction in progress, so a restart continues its numbering. */
const OFFSET_ID = 'transaction_id';
const OFFSET_COUNT_PREFIX = 'transaction_data_collection_order_';

export interface TransactionProgress {
  /** The source's own transaction id (Debezium stores it unadjusted). */
  id: string;
  counts: TransactionCounts;
}

/**
 * Numbers the events of the transaction in progress, like Debezium's TransactionContext: the
 * total order and the order within the event's data collection, both starting at 1.
 */
export class TransactionTracker {
  private current: string | undefined;
  private total = 0;
  private readonly perCollection = new Map<string, number>();

  get id(): string | undefined {
    return this.current;
  }

  begin(id: string): void {
    this.current = id;
    this.total = 0;
    this.perCollection.clear();
  }

  /** Continues a transaction from the progress stored in an offset (after a restart). */
  resume(progress: TransactionProgress): void {
    this.begin(progress.id);
    for (const [collection, count] of progress.counts.perCollection) {
      this.perCollection.set(collection, count);
      this.total += count;
    }
  }

  /** Counts one data event; returns its transaction block (with the id the caller spells). */
  event(collection: string, blockId: string): TransactionBlock {
    const order = (this.perCollection.get(collection) ?? 0) + 1;
    this.perCollection.set(collection, order);
    this.total += 1;
    return { id: blockId, total_order: this.total, data_collection_order: order };
  }

  counts(): TransactionCounts {
    return { total: this.total, perCollection: new Map(this.perCollection) };
  }

  end(): TransactionCounts {
    const counts = this.counts();
    this.current = undefined;
    this.total = 0;
    this.perCollection.clear();
    return counts;
  }

  /** The offset fields for the progress so far (none when no transaction is in progress). */
  offsetFields(): Record<string, JsonValue> {
    if (this.current === undefined) return {};
    return transactionOffsetFields({ id: this.current, counts: this.counts() });
  }
}

/** Debezium's offset fields for a transaction's progress: its id and the events per collection. */
export function transactionOffsetFields(progress: TransactionProgress): Record<string, JsonValue> {
  const fields: Record<string, JsonValue> = { [OFFSET_ID]: progress.id };
  for (const [collection, count] of progress.counts.perCollection) {
    fields[`${OFFSET_COUNT_PREFIX}${collection}`] = count;
  }
  return fields;
}

/** The transaction progress stored in an offset by `offsetFields`, if any. */
export function transactionProgressOf(
  offset: Readonly<Record<string, unknown>>,
): TransactionProgress | undefined {
  const id = offset[OFFSET_ID];
  if (typeof id !== 'string') return undefined;
  const perCollection = new Map<string, number>();
  let total = 0;
  for (const [key, value] of Object.entries(offset)) {
    if (!key.startsWith(OFFSET_COUNT_PREFIX) || typeof value !== 'number' || !Number.isInteger(value))
      continue;
    perCollection.set(key.slice(OFFSET_COUNT_PREFIX.length), value);
    total += value;
  }
  return { id, counts: { total, perCollection } };
}
