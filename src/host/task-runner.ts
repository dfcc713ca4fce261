import type {
  ConnectorPlugin,
  SnapshotProgress,
  TaskConfig,
  TaskProgress,
  TaskSignal,
} from '../plugin/index.ts';
import type { RunState } from '../stores/stores.ts';

// The seam between connector management (host.ts: configs, target states, REST semantics) and
// running tasks (source-runner.ts / sink-runner.ts: Kafka, converters, offsets, error policy).

/** A task's state as Kafka Connect shows it; STOPPED is a connector-only state. */
export type TaskState = Exclude<RunState, 'STOPPED'>;

export interface TaskStatus {
  state: TaskState;
  /** Failure reason with its cause chain, shown as `trace` in /status. */
  trace?: string;
  progress?: TaskProgress;
}

export interface TaskSpec {
  connector: string;
  taskId: number;
  plugin: ConnectorPlugin;
  /** The connector config with ${env:..}/${file:..} placeholders resolved. */
  config: Record<string, string>;
  taskConfig: TaskConfig;
  /** Called on every state change (RUNNING, PAUSED, FAILED with trace, ...). */
  onStatus(status: TaskStatus): void;
  /**
   * Called with each topic the task writes (source) or reads (sink); repeats are cheap. The host
   * tracks them for GET /connectors/{n}/topics (KIP-558) and lineage.
   */
  onTopic?(topic: string): void;
}

export interface RunningTask {
  readonly status: TaskStatus;
  /** Stops polling/consuming but keeps resources (Kafka Connect's PAUSED). */
  pause(): void;
  resume(): void;
  /** Stops for good; resolves once the task released everything and committed what it can. */
  stop(): Promise<void>;
  /**
   * Source tasks: hands a Debezium signal to the task now running (POST /connectors/{n}/snapshots);
   * rejects with TASK_NOT_RUNNING between attempts, SNAPSHOTS_NOT_SUPPORTED when the task takes none.
   */
  signal?(signal: TaskSignal): Promise<void>;
  /** Source tasks: the ad hoc snapshots' progress, undefined while no attempt runs. */
  snapshots?(): SnapshotProgress | undefined;
}

export interface TaskRunner {
  start(spec: TaskSpec): RunningTask;
}
