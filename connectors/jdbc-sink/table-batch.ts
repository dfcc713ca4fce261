import { type Change, keyString } from './change.ts';
import { type TableName, tableLabel } from './dialect.ts';

// The changes buffered for one table, reduced so that the last change per key wins (in Kafka order):
// one row write or delete per key, plus whether the key's row must be deleted first (a delete that a
// later insert superseded, which matters for insert.mode=insert). A truncate drops what came before.

export interface PendingChange {
  /** The change that wins for this key. */
  change: Change;
  /** An earlier delete of this key was superseded by an upsert: delete, then write. */
  deleteFirst: boolean;
}

export class TableBatch {
  readonly table: TableName;
  /** The truncate record to apply before the changes, if one arrived. */
  truncate: Change | undefined;
  readonly pending = new Map<string, PendingChange>();
  /** Records buffered, superseded ones included. */
  records = 0;
  /** The highest Kafka offset buffered per `topic\u0000partition`, as the record carries it. */
  private readonly highest = new Map<string, string>();
  private keyless = 0;

  constructor(table: TableName) {
    this.table = table;
  }

  get label(): string {
    return tableLabel(this.table);
  }

  /** The highest Kafka offset buffered per `topic\u0000partition` (superseded records included). */
  get offsets(): Map<string, bigint> {
    return new Map([...this.highest].map(([partition, offset]) => [partition, BigInt(offset)]));
  }

  add(change: Change): void {
    this.records += 1;
    const { record } = change;
    const partition = `${record.topic}\u0000${record.kafkaPartition}`;
    const offset = record.kafkaOffset;
    const highest = this.highest.get(partition);
    if (highest === undefined || above(offset, highest)) this.highest.set(partition, offset);
    if (change.op === 'truncate') {
      this.truncate = change;
      this.pending.clear();
      return;
    }
    // Without a key nothing can be reduced: every record is its own row.
    const key = change.key.length === 0 ? `#${this.keyless++}` : keyString(change);
    const previous = this.pending.get(key);
    if (!previous) {
      this.pending.set(key, { change, deleteFirst: false });
      return;
    }
    const deleteFirst = change.op === 'upsert' && (previous.deleteFirst || previous.change.op === 'delete');
    this.pending.set(key, { change: mergeUnavailable(change, previous.change), deleteFirst });
  }
}

/** Whether offset `a` is above `b` (decimal texts of non-negative integers, no leading zeros). */
function above(a: string, b: string): boolean {
  return a.length !== b.length ? a.length > b.length : a > b;
}

/**
 * A TOAST placeholder means "unchanged": when the superseded change in this batch wrote that column,
 * its value is the one the row has by now, so it is carried over instead of left out.
 */
function mergeUnavailable(change: Change, previous: Change): Change {
  if (change.unavailable.length === 0 || previous.op !== 'upsert') return change;
  const earlier = new Map(previous.row.map((field) => [field.name, field]));
  const row = [...change.row];
  const unavailable = change.unavailable.filter((field) => {
    const known = earlier.get(field.name);
    if (known) row.push(known);
    return !known;
  });
  return { ...change, row, unavailable };
}

/** A table's id as the buffer compares tables, kept per TableName object (the reader shares them). */
const tableIds = new WeakMap<TableName, string>();

function tableIdOf(table: TableName): string {
  let id = tableIds.get(table);
  if (id === undefined) {
    id = `${table.schema ?? ''}\u0000${table.name}`;
    tableIds.set(table, id);
  }
  return id;
}

/** Buffered changes of every table, in first-seen order. */
export class ChangeBuffer {
  private readonly tables = new Map<string, TableBatch>();
  size = 0;

  add(change: Change): void {
    const id = tableIdOf(change.table);
    let batch = this.tables.get(id);
    if (!batch) {
      batch = new TableBatch(change.table);
      this.tables.set(id, batch);
    }
    batch.add(change);
    this.size += 1;
  }

  /** Hands out the batches and empties the buffer. */
  drain(): TableBatch[] {
    const batches = [...this.tables.values()];
    this.tables.clear();
    this.size = 0;
    return batches;
  }
}
