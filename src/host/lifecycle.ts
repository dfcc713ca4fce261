import type { TaskConfig } from '../plugin/index.ts';
import { errorMessage, OnrampError } from '../plugin/index.ts';
import type { ConfigStore, StatusStore, StoredConnector, TargetState } from '../stores/stores.ts';
import type { ActiveTopics } from './active-topics.ts';
import type { WorkAssignment } from './assignment.ts';
import { type ConfigWriter, sameConfig, secretOwner, unknownPluginError } from './config-writes.ts';
import { secretRedactions } from './connector-config.ts';
import { Backoff } from './error-policy.ts';
import { KeyedLock } from './keyed-lock.ts';
import type { RootLogger } from './logger.ts';
import type { PluginRegistry } from './plugin-registry.ts';
import { secretRegistry } from './secret-redaction.ts';
import type { Managed, Worker } from './worker.ts';

// The connector lifecycle on one worker: every connector the config store holds, and what of it runs
// here. `reconcile` brings one connector in line with the store and this worker's assignment, whoever
// changed either; `converge` starts what is assigned here and not running, stops what is no longer
// assigned or configured, and has the worker that runs a connector's instance plan its tasks. Both
// are idempotent, so the notification that follows this worker's own write finds nothing to do.
// Changes to one connector are serialized (`exclusive`); reads never wait.

export interface LifecycleOptions {
  configs: ConfigStore;
  statuses: StatusStore;
  assignment: WorkAssignment;
  plugins: PluginRegistry;
  worker: Worker;
  writer: ConfigWriter;
  topics: ActiveTopics;
  log: RootLogger;
  /** False before the host starts and once it stops: nothing is started then. */
  active(): boolean;
}

/** The longest wait between two attempts to store a connector's task configs. */
const PLAN_RETRY_MAX_MS = 60_000;

export class ConnectorLifecycle {
  private readonly options: LifecycleOptions;
  private readonly connectors = new Map<string, Managed>();
  private readonly locks = new KeyedLock();
  /** Connectors whose task configs could not be stored: planned again after a backoff. */
  private readonly planRetries = new Map<string, { backoff: Backoff; timer?: NodeJS.Timeout }>();

  constructor(options: LifecycleOptions) {
    this.options = options;
  }

  // --- the connectors

  get(name: string): Managed | undefined {
    return this.connectors.get(name);
  }

  /** Throws CONNECTOR_NOT_FOUND (404) unless the connector exists. */
  require(name: string): Managed {
    const managed = this.connectors.get(name);
    if (!managed) throw new OnrampError('CONNECTOR_NOT_FOUND', `Connector ${name} not found`);
    return managed;
  }

  all(): IterableIterator<Managed> {
    return this.connectors.values();
  }

  get size(): number {
    return this.connectors.size;
  }

  /** Whether the host runs (started, not stopping): only then does anything start. */
  isActive(): boolean {
    return this.options.active();
  }

  /** Whether `managed` is still the record of its connector (a deleted one reports nothing). */
  isCurrent(managed: Managed): boolean {
    return this.connectors.get(managed.stored.name) === managed;
  }

  /** Starts managing a stored connector (its plugin resolved, its secrets registered for redaction). */
  manage(stored: StoredConnector): Managed {
    const managed: Managed = {
      stored,
      plugin: undefined,
      ownsInstance: this.options.assignment.current().ownsConnector(stored.name),
      state: 'UNASSIGNED',
      trace: undefined,
      tasks: new Map(),
      offsetWarnings: [],
    };
    this.adopt(managed);
    this.connectors.set(stored.name, managed);
    this.options.topics.load(stored.name);
    return managed;
  }

  /** Stops managing a connector: what its tasks still report is ignored from now on. */
  forget(name: string): void {
    this.connectors.delete(name);
  }

  /** Runs `work` after every earlier change to the same connector name has finished. */
  exclusive<T>(name: string, work: () => Promise<T>): Promise<T> {
    return this.locks.run(name, work);
  }

  // --- keeping this worker in line

  /** Reconciles a connector when the store says it changed (a listener: schedules, never throws). */
  scheduleReconcile(name: string): void {
    this.exclusive(name, () => this.reconcile(name)).catch((error: unknown) =>
      this.options.log.error({ connector: name, err: error }, 'applying a config change failed'),
    );
  }

  /** After an assignment change: resolves once what moved away stopped and what moved here started. */
  async reconcileAll(names: readonly string[]): Promise<void> {
    await Promise.all(names.map((name) => this.exclusive(name, () => this.reconcile(name))));
  }

  /** Brings what runs here for one connector in line with the config store and the assignment (under its lock). */
  async reconcile(name: string): Promise<void> {
    if (!this.isActive()) return;
    const stored = this.options.configs.get(name);
    const managed = this.connectors.get(name);
    if (!stored) {
      if (!managed) return;
      // Deleted through another worker (the leader), which removed the statuses. The worker that
      // ran task 0 runs the onDeleted hook (a slot drop, say) once that task stopped; the leader
      // did not (see ConnectorHost.deleteConnector).
      const ranTaskZero = managed.tasks.has(0);
      this.connectors.delete(name);
      await this.options.worker.stopTasks(managed);
      this.options.topics.forget(name);
      if (ranTaskZero) await this.options.writer.runDeletedHook(managed);
      return;
    }
    if (!managed) {
      await this.converge(this.manage(stored), { restate: true, replan: true });
      return;
    }
    const configChanged = !sameConfig(managed.stored.config, stored.config);
    if (configChanged || JSON.stringify(managed.stored.tasks) !== JSON.stringify(stored.tasks)) {
      await this.options.worker.stopTasks(managed);
      managed.stored = stored;
      if (configChanged) this.adopt(managed);
      // Task configs emptied by another worker are not planned again here: that is how a stop
      // begins (Kafka Connect stores no tasks, then the STOPPED target state).
      await this.converge(managed, { restate: true, replan: configChanged });
    } else if (managed.stored.targetState !== stored.targetState) {
      const from = managed.stored.targetState;
      managed.stored = stored;
      if (from === 'STOPPED') await this.converge(managed, { restate: true, replan: true });
      else {
        if (stored.targetState === 'STOPPED') await this.options.worker.stopTasks(managed);
        this.applyTarget(managed);
      }
    } else {
      await this.converge(managed, { restate: false, replan: true });
    }
  }

  /**
   * Starts the tasks assigned here that are not running, stops those no longer assigned or
   * configured, and (`restate`, or when the instance just moved here) sets the connector's state,
   * planning its tasks first when it has none (`replan`).
   */
  async converge(managed: Managed, how: { restate: boolean; replan: boolean }): Promise<void> {
    const { worker } = this.options;
    const name = managed.stored.name;
    const assignment = this.options.assignment.current();
    const stopped = managed.stored.targetState === 'STOPPED';
    for (const id of [...managed.tasks.keys()]) {
      if (stopped || id >= managed.stored.tasks.length || !assignment.ownsTask(name, id))
        await worker.stopTask(managed, id);
    }
    const owns = assignment.ownsConnector(name);
    const gained = owns && !managed.ownsInstance;
    managed.ownsInstance = owns;
    if (!owns) {
      // Another worker runs the instance and reports its state.
      managed.state = 'UNASSIGNED';
      managed.trace = undefined;
    } else if (how.restate || gained) {
      if (!managed.plugin) {
        worker.failConnector(managed, unknownPluginError(managed));
        return;
      }
      if (stopped) {
        worker.setConnectorState(managed, 'STOPPED');
        return;
      }
      if (how.replan && managed.stored.tasks.length === 0 && !(await this.replanAndStore(managed))) return;
      worker.setConnectorState(managed, worker.runningStateFor(managed));
    }
    if (!managed.plugin || stopped) return;
    managed.stored.tasks.forEach((_, id) => {
      if (assignment.ownsTask(name, id) && !managed.tasks.has(id)) worker.startTask(managed, id);
    });
  }

  /** A target state change between STARTED, PAUSED and STOPPED, for what runs here (tasks already stopped for STOPPED). */
  applyTarget(managed: Managed): void {
    const { worker } = this.options;
    if (managed.stored.targetState === 'STOPPED') {
      if (managed.ownsInstance) worker.setConnectorState(managed, 'STOPPED');
      return;
    }
    if (managed.ownsInstance && managed.state !== 'FAILED')
      worker.setConnectorState(managed, worker.runningStateFor(managed));
    worker.applyTargetToTasks(managed);
  }

  /** Restarts the connector instance: plans again and restarts the tasks when their configs changed. */
  async restartInstance(managed: Managed): Promise<void> {
    const { worker } = this.options;
    if (managed.stored.targetState === 'STOPPED') {
      worker.setConnectorState(managed, 'STOPPED');
      return;
    }
    let tasks: TaskConfig[];
    try {
      tasks = this.options.writer.plan(managed);
    } catch (error) {
      worker.failConnector(managed, error);
      return;
    }
    if (JSON.stringify(tasks) !== JSON.stringify(managed.stored.tasks)) {
      await worker.stopTasks(managed);
      await this.options.statuses.delete(managed.stored.name);
      await this.writeTasks(managed, tasks);
    }
    await this.converge(managed, { restate: true, replan: false });
  }

  /**
   * Stores a connector's target state (and, for STOPPED, no tasks): the rest of the record as the
   * store has it now, so that a stale view here does not write back what another worker changed.
   */
  async writeTarget(managed: Managed, target: TargetState): Promise<void> {
    const current = this.options.configs.get(managed.stored.name) ?? managed.stored;
    const tasks = target === 'STOPPED' ? [] : current.tasks;
    managed.stored = { ...managed.stored, targetState: target, ...(target === 'STOPPED' && { tasks }) };
    await this.options.configs.put({ ...current, targetState: target, tasks });
  }

  /**
   * Stores the task configs planned from `managed.stored.config`, the rest of the record as the
   * store has it now. Skipped when the store already holds a newer config: its notification brings
   * that here next.
   */
  private async writeTasks(managed: Managed, tasks: TaskConfig[]): Promise<void> {
    const current = this.options.configs.get(managed.stored.name) ?? managed.stored;
    if (!sameConfig(current.config, managed.stored.config)) return;
    await this.options.configs.put({ ...current, tasks });
    // Only once stored: a failed write leaves the connector without tasks here too, to plan again.
    managed.stored = { ...managed.stored, tasks };
  }

  /** Plans tasks from the stored config and stores them; on failure the connector is FAILED. */
  private async replanAndStore(managed: Managed): Promise<boolean> {
    let tasks: TaskConfig[];
    try {
      tasks = this.options.writer.plan(managed);
    } catch (error) {
      await this.writeTasks(managed, []);
      this.options.worker.failConnector(managed, error);
      return false;
    }
    const name = managed.stored.name;
    try {
      await this.writeTasks(managed, tasks);
    } catch (error) {
      // In a cluster the write can be refused for a moment (a rebalance, this worker's lease not
      // confirmed yet): plan again after a backoff, as Kafka Connect's herder retries a task
      // reconfiguration, for as long as the instance runs here.
      const retry = this.planRetries.get(name) ?? { backoff: new Backoff(PLAN_RETRY_MAX_MS, 250) };
      this.planRetries.set(name, retry);
      const delay = retry.backoff.next();
      this.options.log.warn(
        { connector: name, err: error, delayMs: delay },
        `storing the task configs failed; planning again in ${delay} ms: ${errorMessage(error)}`,
      );
      clearTimeout(retry.timer);
      retry.timer = setTimeout(() => {
        this.exclusive(name, () => this.planAgain(name)).catch((failure: unknown) =>
          this.options.log.error({ connector: name, err: failure }, 'planning the tasks again failed'),
        );
      }, delay);
      retry.timer.unref();
      return false;
    }
    const retry = this.planRetries.get(name);
    if (retry) {
      clearTimeout(retry.timer);
      this.planRetries.delete(name);
    }
    return true;
  }

  /** A retry of replanAndStore: only while the instance still runs here and still has no tasks. */
  private async planAgain(name: string): Promise<void> {
    const managed = this.connectors.get(name);
    const stored = this.options.configs.get(name);
    if (
      !this.isActive() ||
      !managed ||
      !stored ||
      !this.options.assignment.current().ownsConnector(name) ||
      stored.tasks.length > 0 ||
      stored.targetState === 'STOPPED'
    ) {
      const retry = this.planRetries.get(name);
      clearTimeout(retry?.timer);
      this.planRetries.delete(name);
      return;
    }
    await this.converge(managed, { restate: true, replan: true });
  }

  /** Resolves the plugin of the stored config and registers its secrets for redaction. */
  private adopt(managed: Managed): void {
    const stored = managed.stored;
    managed.plugin = this.options.plugins.resolve(stored.config['connector.class'] ?? '');
    secretRegistry.add(secretOwner(stored.name), [
      ...secretRedactions(stored.config, managed.plugin),
      ...stored.tasks.flatMap((task) => secretRedactions(task, managed.plugin)),
    ]);
  }
}
