// The load both source databases get: mixed 60/30/10 insert/update/delete transactions over the
// bench tables from `workers` connections. Worker k owns the ids ≡ k (mod workers), so concurrent
// transactions never touch the same row and each worker knows exactly which versions it committed.
// Every committed change is remembered by table, key and version, so the topics can be checked for
// loss afterwards. How a planned transaction is committed is the database's part (a subclass).

/** A change the topics must hold: table index, key, version (0 for a delete). Packed into one number. */
export function changeKey(table: number, id: number, version: number): number {
  return (table * 2 ** 32 + id) * 2 ** 12 + version;
}

/** The rows one transaction touches in one table: ids to insert (version 1), update and delete. */
export interface TransactionPlan {
  tableIndex: number;
  inserted: number[];
  updated: number[];
  deleted: number[];
}

export interface FixedRateLoad {
  offered: number;
  achieved: number;
  behindMs: number;
}

interface TableState {
  live: number[];
  versions: Map<number, number>;
}

interface WorkerState {
  index: number;
  nextId: number;
  tables: TableState[];
}

export abstract class MixedChangeGenerator {
  /** Every committed change, as changeKey(table, id, version). */
  readonly committed: number[] = [];
  /** Deletes among them (each is followed by a tombstone on both systems). */
  deletes = 0;
  transactions = 0;
  readonly workerCount: number;
  readonly txSize: number;
  private readonly tableCount: number;
  private readonly workers: WorkerState[] = [];

  constructor(tableCount: number, workerCount: number, txSize: number) {
    this.tableCount = tableCount;
    this.workerCount = workerCount;
    this.txSize = txSize;
    for (let k = 0; k < workerCount; k++) {
      const tables = Array.from({ length: tableCount }, () => ({ live: [], versions: new Map() }));
      this.workers.push({ index: k, nextId: k + 1, tables });
    }
  }

  get changes(): number {
    return this.committed.length;
  }

  /** Opens one connection per worker. */
  abstract open(): Promise<void>;
  abstract close(): Promise<void>;
  /** Commits `plan` as one transaction on worker `worker`'s connection. */
  protected abstract commit(worker: number, plan: TransactionPlan): Promise<void>;

  /** Commits transactions until `changes` more changes are in, as fast as the database takes them. */
  async backlog(changes: number): Promise<void> {
    // Every transaction commits exactly its size in changes; sizes are reserved before the await.
    let remaining = changes;
    await Promise.all(
      this.workers.map(async (worker) => {
        while (remaining > 0) {
          const size = Math.min(this.txSize, remaining);
          remaining -= size;
          await this.transaction(worker, size);
        }
      }),
    );
  }

  /**
   * Open-loop load: transaction j is due at start + j × txSize / rate, whatever the previous ones
   * took; a worker that falls behind sends at once (the achieved rate is reported).
   */
  async fixedRate(ratePerSec: number, seconds: number): Promise<FixedRateLoad> {
    const interval = (this.txSize / ratePerSec) * 1000;
    const total = Math.floor((ratePerSec * seconds) / this.txSize);
    const start = performance.now();
    const before = this.changes;
    let next = 0;
    let behindMs = 0;
    await Promise.all(
      this.workers.map(async (worker) => {
        for (;;) {
          const j = next++;
          if (j >= total) return;
          const due = start + j * interval;
          const wait = due - performance.now();
          if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
          else behindMs = Math.max(behindMs, -wait);
          await this.transaction(worker, this.txSize);
        }
      }),
    );
    const elapsed = (performance.now() - start) / 1000;
    return { offered: ratePerSec, achieved: (this.changes - before) / elapsed, behindMs };
  }

  private async transaction(worker: WorkerState, size: number): Promise<void> {
    const tableIndex = Math.floor(Math.random() * this.tableCount);
    const table = worker.tables[tableIndex] as TableState;
    const updates = Math.min(Math.round(size * 0.3), table.live.length);
    const deletes = Math.max(
      0,
      Math.min(size - Math.round(size * 0.6) - Math.round(size * 0.3), table.live.length - updates),
    );
    const inserts = size - updates - deletes;
    // Distinct live rows for the updates and deletes: swap random picks to the end of `live`.
    const picked: number[] = [];
    for (let n = 0; n < updates + deletes; n++) {
      const last = table.live.length - 1 - n;
      const at = Math.floor(Math.random() * (last + 1));
      const chosen = table.live[at] as number;
      table.live[at] = table.live[last] as number;
      table.live[last] = chosen;
      picked.push(chosen);
    }
    // The first picks sit at the very end of `live`, so the deleted ones are cut off below.
    const deleted = picked.slice(0, deletes);
    const updated = picked.slice(deletes);
    const inserted: number[] = [];
    for (let n = 0; n < inserts; n++) {
      inserted.push(worker.nextId);
      worker.nextId += this.workerCount;
    }
    await this.commit(worker.index, { tableIndex, inserted, updated, deleted });
    // Committed: now record what the topics must show.
    table.live.length -= deleted.length;
    for (const id of deleted) {
      table.versions.delete(id);
      this.committed.push(changeKey(tableIndex, id, 0));
    }
    this.deletes += deleted.length;
    for (const id of updated) {
      const version = (table.versions.get(id) ?? 1) + 1;
      table.versions.set(id, version);
      this.committed.push(changeKey(tableIndex, id, version));
    }
    for (const id of inserted) {
      table.live.push(id);
      table.versions.set(id, 1);
      this.committed.push(changeKey(tableIndex, id, 1));
    }
    this.transactions++;
  }
}
