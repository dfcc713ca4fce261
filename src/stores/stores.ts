import type { SourceOffsetEntry, TaskConfig } from '../plugin/index.ts';

// What the host keeps between runs. The embedded file store implements these now; Kafka-topic
// stores (Kafka Connect's connect-configs / connect-offsets / connect-status) can follow behind the
// same interfaces.

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

export interface ConfigStore {
  list(): StoredConnector[];
  get(name: string): StoredConnector | undefined;
  /** Durable when the promise resolves. */
  put(connector: StoredConnector): Promise<void>;
  delete(name: string): Promise<void>;
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
  workerId: string;
}

export interface StatusStore {
  getConnector(name: string): StoredStatus | undefined;
  getTask(name: string, taskId: number): StoredStatus | undefined;
  putConnector(name: string, status: StoredStatus): Promise<void>;
  putTask(name: string, taskId: number, status: StoredStatus): Promise<void>;
  /** Forgets the connector and all its tasks. */
  delete(name: string): Promise<void>;
}
