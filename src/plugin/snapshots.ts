// Ad hoc snapshots of a running source task, for POST and GET /connectors/{name}/snapshots: the
// host hands a request to the task as a Debezium signal (its in-process channel) and shows what
// the task reports about the snapshots it runs.

/** A Debezium signal: `type` is the action (execute-snapshot, stop-snapshot, ...), `data` its document. */
export interface TaskSignal {
  id: string;
  type: string;
  data: Record<string, unknown>;
}

export type TableSnapshotState = 'queued' | 'running' | 'done' | 'stopped' | 'skipped';

export interface TableSnapshotProgress {
  /** "schema.table" (PostgreSQL) or "database.table" (MySQL). */
  table: string;
  type: 'incremental' | 'blocking';
  state: TableSnapshotState;
  /** `read` events emitted for the table so far (since this task started, for a resumed snapshot). */
  rowsRead: number;
  /** The database's estimate of the table's rows (pg_class.reltuples, information_schema.TABLES). */
  estimatedRows: number;
  /** max(0, estimatedRows - rowsRead). */
  estimatedRemaining: number;
  /** Chunks read so far. */
  chunks: number;
  /** The chunk being read or waiting for its window to close: its id and key range, as text. */
  chunk?: { id: string; from: string | null; to: string | null };
  /** The additional condition the rows must meet. */
  condition?: string;
  /** Why a table was skipped or stopped. */
  reason?: string;
}

export interface SnapshotProgress {
  running: boolean;
  paused: boolean;
  /** incremental.snapshot.chunk.size */
  chunkSize: number;
  /** signal-table: Debezium's open/close rows in signal.data.collection; in-memory: read-only. */
  watermarks: 'signal-table' | 'in-memory';
  /** The id of the signal that asked for the snapshot running now. */
  correlationId?: string;
  tables: TableSnapshotProgress[];
}
