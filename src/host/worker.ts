import type { ConnectorPlugin } from '../plugin/index.ts';
import type { RunState, StatusStore, StoredConnector, StoredStatus } from '../stores/stores.ts';
import { type ConnectorState, formatTrace, type TaskState } from './connect-entities.ts';
import type { KeyWarning } from './key-policy.ts';
import type { RootLogger } from './logger.ts';
import { secretRegistry } from './secret-redaction.ts';
import type { RunningTask, TaskRunner, TaskStatus } from './task-runner.ts';

// What runs on this worker (Kafka Connect's Worker): the connector and task state machine, task starts
// and stops behind the TaskRunner seam, and the statuses they write, stamped with this worker's id and
// assignment generation. What should run here is the herder's business (host.ts).

/** A connector as the herder knows it, and the part of it that runs on this worker. */
export interface Managed {
  /** The stored record this worker last brought its tasks in line with. */
  stored: StoredConnector;
  plugin: ConnectorPlugin | undefined;
  /** Whether this worker runs the connector instance (plans its tasks, reports its state). */
  ownsInstance: boolean;
  /** The instance's state; UNASSIGNED while another worker runs it. */
  state: RunState;
  trace: string | undefined;
  /** The tasks started here, by task id. */
  tasks: Map<number, ManagedTask>;
  /** A sink's config change left committed offsets behind for remapped topics (until they are reset). */
  offsetWarnings: KeyWarning[];
}

export interface ManagedTask {
  running: RunningTask | undefined;
  status: TaskStatus;
  /** Identifies one start of the task; callbacks from an older start are ignored. */
  token: object;
}

export interface WorkerOptions {
  runner: TaskRunner;
  statuses: StatusStore;
  log: RootLogger;
  /** Shown as worker_id in statuses, e.g. "127.0.0.1:8083". */
  workerId: string;
  /** The assignment generation statuses are stamped with. */
  generation(): number;
  /** How long a stopping task may take before the worker moves on (default 10 s). */
  taskStopTimeoutMs?: number;
  /** Whether `managed` is still the herder's record of its connector (a deleted one reports nothing). */
  isCurrent(managed: Managed): boolean;
  /** The config with placeholders resolved (and what they resolved to registered for redaction). */
  resolve(managed: Managed, config: Readonly<Record<string, string>>): Record<string, string>;
  /** A task wrote to or read from `topic`. */
  onTopic(managed: Managed, topic: string): void;
}

export class Worker {
  private readonly options: WorkerOptions;

  constructor(options: WorkerOptions) {
    this.options = options;
  }

  get workerId(): string {
    return this.options.workerId;
  }

  startTask(managed: Managed, id: number): void {
    const name = managed.stored.name;
    const plugin = managed.plugin;
    const taskConfig = managed.stored.tasks[id];
    if (!plugin || !taskConfig) return;
    const token = {};
    const task: ManagedTask = { running: undefined, status: { state: 'UNASSIGNED' }, token };
    managed.tasks.set(id, task);
    this.persistTask(managed, id, task.status);
    let reported = false;
    try {
      const config = this.options.resolve(managed, managed.stored.config);
      const resolvedTask = this.options.resolve(managed, taskConfig);
      task.running = this.options.runner.start({
        connector: name,
        taskId: id,
        plugin,
        config,
        taskConfig: resolvedTask,
        onStatus: (status) => {
          if (managed.tasks.get(id)?.token !== token || !this.options.isCurrent(managed)) return;
          reported = true;
          this.setTaskStatus(managed, id, task, status);
        },
        onTopic: (topic) => this.options.onTopic(managed, topic),
      });
      if (!reported) this.setTaskStatus(managed, id, task, task.running.status);
      if (managed.stored.targetState === 'PAUSED') task.running.pause();
    } catch (error) {
      this.setTaskStatus(managed, id, task, { state: 'FAILED', trace: formatTrace(error) });
    }
  }

  async stopTask(managed: Managed, id: number): Promise<void> {
    const task = managed.tasks.get(id);
    if (!task) return;
    task.token = {};
    const running = task.running;
    task.running = undefined;
    managed.tasks.delete(id);
    if (!running) return;
    const timeoutMs = this.options.taskStopTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        running.stop(),
        new Promise((resolve) => {
          timer = setTimeout(() => {
            this.options.log.warn(
              { connector: managed.stored.name, task: id, timeoutMs },
              'task did not stop in time; moving on',
            );
            resolve(undefined);
          }, timeoutMs);
        }),
      ]);
    } catch (error) {
      this.options.log.error(
        { connector: managed.stored.name, task: id, err: error },
        'task failed while stopping',
      );
    } finally {
      clearTimeout(timer);
    }
  }

  async stopTasks(managed: Managed): Promise<void> {
    await Promise.all([...managed.tasks.keys()].map((id) => this.stopTask(managed, id)));
  }

  /** Pauses or resumes the tasks running here as the target state says. */
  applyTargetToTasks(managed: Managed): void {
    for (const task of managed.tasks.values()) {
      if (managed.stored.targetState === 'PAUSED') task.running?.pause();
      else task.running?.resume();
    }
  }

  /** KIP-745: the task shows RESTARTING, and what its current run still reports is ignored. */
  markTaskRestarting(managed: Managed, id: number): void {
    const task = managed.tasks.get(id);
    if (!task) return;
    task.token = {};
    this.setTaskStatus(managed, id, task, { state: 'RESTARTING' });
  }

  runningStateFor(managed: Managed): RunState {
    switch (managed.stored.targetState) {
      case 'PAUSED':
        return 'PAUSED';
      case 'STOPPED':
        return 'STOPPED';
      default:
        return 'RUNNING';
    }
  }

  failConnector(managed: Managed, error: unknown): void {
    this.options.log.error({ connector: managed.stored.name, err: error }, 'connector failed');
    this.setConnectorState(managed, 'FAILED', formatTrace(error));
  }

  setConnectorState(managed: Managed, state: RunState, rawTrace?: string): void {
    const trace = rawTrace === undefined ? undefined : secretRegistry.redact(rawTrace);
    managed.state = state;
    managed.trace = trace;
    if (!this.options.isCurrent(managed)) return;
    this.persist(this.options.statuses.putConnector(managed.stored.name, this.stored(state, trace)));
  }

  // --- views (what runs here)

  connectorState(managed: Managed): ConnectorState {
    return {
      state: managed.state,
      worker_id: this.options.workerId,
      ...(managed.trace !== undefined && { trace: managed.trace }),
    };
  }

  taskState(id: number, task: ManagedTask): TaskState {
    return {
      id,
      state: task.status.state,
      worker_id: this.options.workerId,
      ...(task.status.trace !== undefined && task.status.trace !== '' && { trace: task.status.trace }),
      // Not in Kafka Connect's TaskState; clients ignore unknown fields, people see snapshot progress.
      ...(task.status.progress !== undefined && { progress: task.status.progress }),
    };
  }

  private setTaskStatus(managed: Managed, id: number, task: ManagedTask, reported: TaskStatus): void {
    // A runner's trace may quote a resolved value or a password (a driver's error): never shown.
    const status =
      reported.trace === undefined ? reported : { ...reported, trace: secretRegistry.redact(reported.trace) };
    const changed = task.status.state !== status.state || task.status.trace !== status.trace;
    task.status = status;
    // Progress reports (snapshots) can be frequent; only state changes are worth a durable write.
    if (!changed) return;
    if (status.state === 'FAILED') {
      this.options.log.error(
        { connector: managed.stored.name, task: id, trace: status.trace },
        'task failed',
      );
    }
    this.persistTask(managed, id, status);
  }

  private persistTask(managed: Managed, id: number, status: TaskStatus): void {
    this.persist(
      this.options.statuses.putTask(managed.stored.name, id, this.stored(status.state, status.trace)),
    );
  }

  private stored(state: RunState, trace: string | undefined): StoredStatus {
    return {
      state,
      workerId: this.options.workerId,
      generation: this.options.generation(),
      ...(trace !== undefined && { trace }),
    };
  }

  /** Status writes are not awaited by the state machine; a failed write is logged. */
  private persist(write: Promise<void>): void {
    write.catch((error: unknown) => this.options.log.error({ err: error }, 'status store write failed'));
  }
}
