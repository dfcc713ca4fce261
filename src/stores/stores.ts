import type { SourceOffsetEntry, TaskConfig } from '../plugin/index.ts';

// What the host keeps between runs, and what workers of a cluster share. The embedded file store
// (file-store.ts) implements these for one process; Kafka-topic stores in Kafka Connect's own record
// formats (connect-configs / connect-offsets / connect-status) implement them for a cluster. The
// herder (src/host/host.ts) is the same for both: it writes through these stores and reacts to their
// change notifications, so a write on any worker reaches the others through the store.

/** Kafka Connect's target states: what the user asked for, not what is running. */
export type TargetState = 'STARTED' | 'PAUSED' | 'STOPPED';

export interface StoredConnector {
  name: string;
  /** Raw config as the user sent it: placeholders unresolved, passwords in clear (never shown). */
  config: Record<string, string>;
  targetState: TargetState;
  /** The task configs last planned for it (empty while STOPPED). */
  tasks: TaskConfig[];
}

/** POST /connectors/{n}/restart (KIP-745); Kafka Connect's `restart-connector-<name>` record. */
export interface RestartRequest {
  connector: string;
  /** Restart the connector's tasks too, not only the connector instance. */
  includeTasks: boolean;
  /** Restart only what is FAILED. */
  onlyFailed: boolean;
}

/**
 * Told about every change to the config store, including this worker's own writes, once the change
 * is durable (a Kafka store: once it read the record back). Kafka Connect's
 * ConfigBackingStore.UpdateListener. A listener must not throw and must not block: it schedules.
 */
export interface ConfigListener {
  /** A connector's config was written (created or replaced). */
  onConnectorConfigUpdate(name: string): void;
  onConnectorConfigRemove(name: string): void;
  /** A connector's task configs were replaced (Kafka Connect: after the `commit-<name>` record). */
  onTaskConfigUpdate(name: string): void;
  onTargetStateChange(name: string): void;
  onRestartRequest(request: RestartRequest): void;
}

export interface ConfigStore {
  /** Every connector, as of now (copies). */
  list(): StoredConnector[];
  get(name: string): StoredConnector | undefined;
  /**
   * Writes one connector: its config, target state and task configs. Durable when the promise
   * resolves. The file store writes them as one file (atomically); a Kafka store writes Kafka
   * Connect's records for the parts that changed, in Kafka Connect's order: `target-state-<name>`,
   * `connector-<name>`, then `task-<name>-<n>`... and `commit-<name>`.
   */
  put(connector: StoredConnector): Promise<void>;
  /** Removes the connector, its task configs and its target state (Kafka Connect: tombstones). */
  delete(name: string): Promise<void>;
  /** Asks the workers running the connector (and its tasks) to restart them; not kept by the file store. */
  putRestartRequest(request: RestartRequest): Promise<void>;
  /** Calls `listener` on every later change; returns the function that stops it. */
  subscribe(listener: ConfigListener): () => void;
}

export interface OffsetStore {
  /** Source offsets stored for a connector, one entry per source partition. */
  get(connector: string): SourceOffsetEntry[];
  /**
   * Merges entries by partition (an entry whose offset is null removes that partition).
   * Durable when the promise resolves.
   */
  put(
    connector: string,
    entries: ReadonlyArray<{
      partition: SourceOffsetEntry['partition'];
      offset: SourceOffsetEntry['offset'] | null;
    }>,
  ): Promise<void>;
  reset(connector: string): Promise<void>;
}

export type RunState = 'UNASSIGNED' | 'RUNNING' | 'PAUSED' | 'STOPPED' | 'FAILED' | 'RESTARTING';

export interface StoredStatus {
  state: RunState;
  trace?: string;
  /** The worker that runs it ("host:port"), shown as worker_id. */
  workerId: string;
  /**
   * The assignment generation the worker had when it wrote this (Kafka Connect's `generation`): a
   * Kafka status store keeps a newer generation's status over an older one's (putSafe), so a stale
   * worker cannot overwrite the status of the one that took its task over.
   */
  generation?: number;
}

export interface StatusStore {
  getConnector(name: string): StoredStatus | undefined;
  getTask(name: string, taskId: number): StoredStatus | undefined;
  putConnector(name: string, status: StoredStatus): Promise<void>;
  putTask(name: string, taskId: number, status: StoredStatus): Promise<void>;
  /** Forgets the connector and all its tasks. */
  delete(name: string): Promise<void>;
}
