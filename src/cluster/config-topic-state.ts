import type { RestartRequest, TargetState } from '../stores/stores.ts';
import { type ConfigRecord, decodeConfigRecord } from './config-records.ts';
import type { ClusterConfigView } from './incremental-cooperative-assignor.ts';

// What the config topic says, record by record, as KafkaConfigBackingStore's consume callback builds
// it (Connect 3.9):
// - a connector config applies at once; a connector without a target state is STARTED;
// - task configs wait for the `commit-<name>` after them; the commit applies them only when configs
//   0..N-1 all arrived since the previous commit, otherwise the connector is *inconsistent* (a
//   compacted topic can lose some) and runs no tasks until its task configs are written again;
// - a commit for a connector without config (deleted, and compaction removed both) is ignored;
// - a null connector config removes the connector with its task configs; a null target state
//   falls back to STARTED while the connector exists.
// The offset is the next one to read: what a worker reports in JoinGroup as its config offset.

export type ConfigChange =
  | { kind: 'connector-config'; connector: string; removed: boolean }
  | { kind: 'task-configs'; connector: string }
  | { kind: 'target-state'; connector: string }
  | { kind: 'restart'; request: RestartRequest };

export interface SessionKey {
  /** Base64 of the key bytes. */
  key: string;
  algorithm: string;
  creationTimestamp: number;
}

export class ConfigTopicState {
  /** Next config-topic offset to read; -1 before the first record. */
  offset = -1;
  readonly connectorConfigs = new Map<string, Record<string, string>>();
  readonly targetStates = new Map<string, TargetState>();
  readonly taskCounts = new Map<string, number>();
  /** Applied task configs by connector and task number (entries past the count may linger, as in Connect). */
  private readonly taskConfigs = new Map<string, Map<number, Record<string, string>>>();
  private readonly deferred = new Map<string, Map<number, Record<string, string>>>();
  readonly inconsistent = new Set<string>();
  /** Exactly-once source support's task-count records. */
  readonly taskCountRecords = new Map<string, number>();
  sessionKey: SessionKey | undefined;
  /** Skipped records (key, reason), newest last, bounded: for logs and tests. */
  readonly skipped: { key: string; reason: string }[] = [];

  /** Applies one record; returns what changed for listeners. */
  apply(offset: bigint, key: string, value: Buffer | null): ConfigChange[] {
    const record = decodeConfigRecord(key, value);
    if (record.kind === 'skipped') {
      if (record.reason !== 'the value is not JSON') this.offset = Number(offset) + 1;
      this.skipped.push({ key: record.key, reason: record.reason });
      if (this.skipped.length > 100) this.skipped.shift();
      return [];
    }
    this.offset = Number(offset) + 1;
    return this.applyRecord(record);
  }

  private applyRecord(record: ConfigRecord): ConfigChange[] {
    switch (record.kind) {
      case 'target-state': {
        const { connector, state } = record;
        if (state === null) {
          this.targetStates.delete(connector);
          if (this.connectorConfigs.has(connector)) this.targetStates.set(connector, 'STARTED');
          // The connector's own removal record tells listeners.
          return [];
        }
        const previous = this.targetStates.get(connector);
        this.targetStates.set(connector, state);
        return previous !== state && this.connectorConfigs.has(connector)
          ? [{ kind: 'target-state', connector }]
          : [];
      }
      case 'connector': {
        const { connector, properties } = record;
        if (properties === null) {
          this.removeConnector(connector);
          return [{ kind: 'connector-config', connector, removed: true }];
        }
        this.connectorConfigs.set(connector, properties);
        if (!this.targetStates.has(connector)) this.targetStates.set(connector, 'STARTED');
        return [{ kind: 'connector-config', connector, removed: false }];
      }
      case 'task': {
        if (record.properties === null) return [];
        const tasks = this.deferred.get(record.connector) ?? new Map<number, Record<string, string>>();
        tasks.set(record.task, record.properties);
        this.deferred.set(record.connector, tasks);
        return [];
      }
      case 'commit': {
        const { connector, tasks: count } = record;
        if (!this.connectorConfigs.has(connector)) {
          this.removeConnector(connector);
          return [];
        }
        const deferred = this.deferred.get(connector);
        let complete = true;
        for (let task = 0; task < count; task++) if (!deferred?.has(task)) complete = false;
        if (!complete) {
          this.inconsistent.add(connector);
        } else {
          if (deferred) {
            const applied = this.taskConfigs.get(connector) ?? new Map<number, Record<string, string>>();
            for (const [task, config] of deferred) applied.set(task, config);
            this.taskConfigs.set(connector, applied);
          }
          this.inconsistent.delete(connector);
        }
        // Cleared either way: after an inconsistent commit, only a complete fresh set may apply.
        deferred?.clear();
        this.taskCounts.set(connector, count);
        return [{ kind: 'task-configs', connector }];
      }
      case 'restart':
        return [
          {
            kind: 'restart',
            request: {
              connector: record.connector,
              includeTasks: record.includeTasks,
              onlyFailed: record.onlyFailed,
            },
          },
        ];
      case 'task-count':
        this.taskCountRecords.set(record.connector, record.taskCount);
        return [];
      case 'session-key':
        this.sessionKey = {
          key: record.key,
          algorithm: record.algorithm,
          creationTimestamp: record.creationTimestamp,
        };
        return [];
      case 'logger-level':
        return [];
    }
  }

  private removeConnector(connector: string): void {
    this.connectorConfigs.delete(connector);
    this.taskCounts.delete(connector);
    this.taskConfigs.delete(connector);
    this.deferred.delete(connector);
  }

  /** The committed task configs, 0..N-1; none while the connector is inconsistent. */
  tasks(connector: string): Record<string, string>[] {
    if (this.inconsistent.has(connector)) return [];
    const count = this.taskCounts.get(connector) ?? 0;
    const applied = this.taskConfigs.get(connector);
    const tasks: Record<string, string>[] = [];
    for (let task = 0; task < count; task++) {
      const config = applied?.get(task);
      if (!config) return [];
      tasks.push(config);
    }
    return tasks;
  }

  /** What the group leader assigns from: every connector with its committed task count. */
  view(): ClusterConfigView {
    const taskCounts = new Map<string, number>();
    for (const connector of this.connectorConfigs.keys())
      taskCounts.set(connector, this.inconsistent.has(connector) ? 0 : (this.taskCounts.get(connector) ?? 0));
    return { offset: this.offset, taskCounts };
  }
}
