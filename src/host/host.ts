import type { KafkaClientConfig } from '../kafka/client-properties.ts';
import type { Cluster } from '../kafka/types.ts';
import type { TaskConfig } from '../plugin/index.ts';
import { OnrampError } from '../plugin/index.ts';
import type {
  ConfigListener,
  ConfigStore,
  OffsetStore,
  RestartRequest,
  StatusStore,
  StoredConnector,
  TargetState,
} from '../stores/stores.ts';
import type { TopicStore } from '../stores/topic-store.ts';
import { ActiveTopics, type TopicTracking } from './active-topics.ts';
import { standaloneAssignment, type WorkAssignment } from './assignment.ts';
import type { PlaceholderSources } from './config-placeholders.ts';
import {
  ConfigWriter,
  type PreparedWrite,
  sameConfig,
  secretOwner,
  unknownPluginError,
} from './config-writes.ts';
import {
  type ConnectorInfo,
  type ConnectorOffsets,
  type ConnectorState,
  type ConnectorStateInfo,
  type ConnectorType,
  checkConnectorName,
  type Message,
  type TaskInfo,
  type TaskState,
  withConnectorName,
} from './connect-entities.ts';
import {
  type ConfigInfos,
  type ConfigKeyInfo,
  describeFields,
  hideSecrets,
  secretRedactions,
} from './connector-config.ts';
import {
  ALTERED_MESSAGE,
  alterOffsets,
  notStoppedMessage,
  offsetEntries,
  RESET_MESSAGE,
  readOffsets,
  resetOffsets,
} from './connector-offsets.ts';
import { type KafkaHealth, KafkaHealthProbe } from './kafka-health.ts';
import type { KeyWarning } from './key-policy.ts';
import { KeyedLock } from './keyed-lock.ts';
import type { RootLogger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import { type PluginRegistry, pluginClassName } from './plugin-registry.ts';
import { type RestartPlan, restartPlan } from './restarts.ts';
import { secretRegistry } from './secret-redaction.ts';
import type { TaskRunner } from './task-runner.ts';
import { type Managed, Worker } from './worker.ts';

// Kafka Connect's herder, one for standalone and cluster mode: the REST API's connector operations
// (config writes, target states, restarts (KIP-745), offsets (KIP-875), active topics (KIP-558)) and
// keeping what runs on this worker in line with the config store and this worker's assignment.
//
// Writes go to the config store; the store tells every worker's herder about every change (its own
// included) and each herder reconciles the connector: it stops and starts the tasks it is assigned,
// and the worker that runs a connector's instance plans its tasks. A herder applies its own writes at
// once as well, so a REST call answers with their outcome; the notification that follows finds
// nothing left to do. Changes to one connector are serialized; reads never wait.

export interface ConnectorHostOptions {
  plugins: PluginRegistry;
  configs: ConfigStore;
  offsets: OffsetStore;
  statuses: StatusStore;
  topics?: TopicStore;
  runner: TaskRunner;
  /** The Kafka cluster (id, sink consumer-group offsets). */
  cluster: Cluster;
  log: RootLogger;
  metrics: Metrics;
  /** Shown as worker_id in statuses, e.g. "127.0.0.1:8083". */
  workerId: string;
  /** Which connectors and tasks run on this worker; standalone (the default): all of them. */
  assignment?: WorkAssignment;
  /** Where placeholders read from; `providers` lists those enabled (none when unset). */
  placeholders?: PlaceholderSources;
  topicTracking?: TopicTracking;
  /** How long a stopping task may take before the host moves on (Kafka Connect: 5 s). */
  taskStopTimeoutMs?: number;
  probeTimeoutMs?: number;
  /** The host's Kafka client settings, against which connectors' `*.override.*` keys are validated. */
  kafka?: KafkaClientConfig;
}

export type HostPhase = 'created' | 'starting' | 'running' | 'stopping' | 'stopped';

export class ConnectorHost {
  readonly plugins: PluginRegistry;
  readonly topicTracking: TopicTracking;
  private readonly options: ConnectorHostOptions;
  private readonly log: RootLogger;
  private readonly assignment: WorkAssignment;
  private readonly worker: Worker;
  private readonly writer: ConfigWriter;
  private readonly topics: ActiveTopics;
  private readonly connectors = new Map<string, Managed>();
  private readonly locks = new KeyedLock();
  private readonly kafka: KafkaHealthProbe;
  private readonly subscriptions: Array<() => void> = [];
  /** Restart requests this worker stored and carried out its part of: their notification is skipped. */
  private readonly ownRestarts = new Map<string, number>();
  private currentPhase: HostPhase = 'created';

  constructor(options: ConnectorHostOptions) {
    this.options = options;
    this.plugins = options.plugins;
    this.log = options.log;
    this.assignment = options.assignment ?? standaloneAssignment;
    this.topicTracking = options.topicTracking ?? { enable: true, allowReset: true };
    this.kafka = new KafkaHealthProbe(options.cluster);
    this.topics = new ActiveTopics(options.topics, this.topicTracking, options.log);
    this.writer = new ConfigWriter({
      plugins: options.plugins,
      placeholders: { ...options.placeholders, providers: options.placeholders?.providers ?? new Map() },
      cluster: options.cluster,
      log: options.log,
      ...(options.probeTimeoutMs !== undefined && { probeTimeoutMs: options.probeTimeoutMs }),
      ...(options.kafka !== undefined && { kafka: options.kafka }),
    });
    this.worker = new Worker({
      runner: options.runner,
      statuses: options.statuses,
      log: options.log,
      workerId: options.workerId,
      generation: () => this.assignment.current().generation,
      ...(options.taskStopTimeoutMs !== undefined && { taskStopTimeoutMs: options.taskStopTimeoutMs }),
      isCurrent: (managed) => this.isCurrent(managed),
      resolve: (managed, config) => this.writer.resolve(managed, config),
      onTopic: (managed, topic) => {
        if (this.isCurrent(managed)) this.topics.record(managed.stored.name, topic);
      },
    });
  }

  get phase(): HostPhase {
    return this.currentPhase;
  }

  get workerId(): string {
    return this.options.workerId;
  }

  /** Resumes every stored connector in its target state, then follows the stores and the assignment. */
  async start(): Promise<void> {
    this.currentPhase = 'starting';
    void this.kafkaHealth(0);
    this.subscriptions.push(
      this.options.configs.subscribe(this.configListener()),
      this.assignment.subscribe((names) => this.reconcileAll(names)),
    );
    for (const stored of this.options.configs.list()) {
      await this.exclusive(stored.name, () => this.reconcile(stored.name));
    }
    this.currentPhase = 'running';
    this.log.info({ connectors: this.connectors.size }, 'connector host started');
  }

  /** Stops every task (target states stay as stored, so the next start resumes them). */
  async close(): Promise<void> {
    this.currentPhase = 'stopping';
    for (const unsubscribe of this.subscriptions.splice(0)) unsubscribe();
    await Promise.all(
      [...this.connectors.values()].map((managed) =>
        this.exclusive(managed.stored.name, async () => {
          await this.worker.stopTasks(managed);
          if (managed.ownsInstance) this.worker.setConnectorState(managed, 'UNASSIGNED');
        }),
      ),
    );
    this.currentPhase = 'stopped';
  }

  // --- reads

  /** Throws CONNECTOR_NOT_FOUND (404) unless the connector exists. */
  assertConnector(name: string): void {
    this.require(name);
  }

  connectorNames(): string[] {
    return [...this.connectors.keys()].sort();
  }

  connectorInfo(name: string): ConnectorInfo {
    const managed = this.require(name);
    return {
      name,
      config: hideSecrets(managed.stored.config, managed.plugin),
      tasks: managed.stored.tasks.map((_, task) => ({ connector: name, task })),
      type: this.typeOf(managed),
    };
  }

  connectorConfig(name: string): Record<string, string> {
    const managed = this.require(name);
    return hideSecrets(managed.stored.config, managed.plugin);
  }

  connectorStatus(name: string): ConnectorStateInfo {
    return this.stateInfo(this.require(name));
  }

  taskConfigs(name: string): TaskInfo[] {
    const managed = this.require(name);
    return managed.stored.tasks.map((task, id) => ({
      id: { connector: name, task: id },
      config: this.shownTaskConfig(managed, task),
    }));
  }

  /** The deprecated GET /connectors/{n}/tasks-config shape (KIP-970). */
  tasksConfig(name: string): Record<string, Record<string, string>> {
    const managed = this.require(name);
    return Object.fromEntries(
      managed.stored.tasks.map((task, id) => [`${name}-${id}`, this.shownTaskConfig(managed, task)]),
    );
  }

  taskStatus(name: string, taskId: number): TaskState {
    const managed = this.require(name);
    const state = this.assignment.current().ownsTask(name, taskId)
      ? this.localTaskState(managed, taskId)
      : this.storedTaskState(name, taskId);
    if (!state) throw new OnrampError('TASK_NOT_FOUND', `No status found for task ${name}-${taskId}`);
    return state;
  }

  activeTopics(name: string): Record<string, { topics: string[] }> {
    this.topics.requireTracking();
    this.require(name);
    return { [name]: { topics: this.topics.list(name) } };
  }

  pluginConfig(pluginName: string): ConfigKeyInfo[] {
    const plugin = this.plugins.resolve(pluginName);
    if (plugin) return describeFields(plugin.config.fields);
    const other = this.plugins.resolveOther(pluginName);
    if (other) return describeFields(other.config.fields);
    throw new OnrampError('PLUGIN_NOT_FOUND', `Unknown plugin ${pluginName}.`);
  }

  // --- config writes

  async createConnector(
    rawName: string,
    config: Record<string, string>,
    initialState: TargetState = 'STARTED',
  ): Promise<ConnectorInfo> {
    const name = rawName.trim();
    checkConnectorName(name);
    const withName = withConnectorName(name, config);
    return this.exclusive(name, async () => {
      if (this.connectors.has(name))
        throw new OnrampError('CONNECTOR_EXISTS', `Connector ${name} already exists`);
      const warnings = await this.writeConfig(name, withName, initialState, undefined);
      return withWarnings(this.connectorInfo(name), warnings);
    });
  }

  /** PUT /connectors/{n}/config: creates (created=true) or reconfigures the connector. */
  async putConnectorConfig(
    name: string,
    config: Record<string, string>,
  ): Promise<{ created: boolean; info: ConnectorInfo }> {
    checkConnectorName(name);
    const withName = withConnectorName(name, config);
    return this.exclusive(name, async () => {
      const existing = this.connectors.get(name);
      const warnings = await this.writeConfig(
        name,
        withName,
        existing?.stored.targetState ?? 'STARTED',
        existing,
      );
      return { created: existing === undefined, info: withWarnings(this.connectorInfo(name), warnings) };
    });
  }

  /** PATCH /connectors/{n}/config (KIP-477): merges; a null value removes the key. */
  async patchConnectorConfig(name: string, patch: Record<string, string | null>): Promise<ConnectorInfo> {
    return this.exclusive(name, async () => {
      const existing = this.require(name);
      if (patch.name !== undefined && patch.name !== null && patch.name !== name) {
        throw new OnrampError(
          'BAD_REQUEST',
          `Connector name configuration (${patch.name}) doesn't match connector name in the URL (${name})`,
        );
      }
      const merged = Object.fromEntries(
        Object.entries({ ...existing.stored.config, ...patch }).filter(
          (entry): entry is [string, string] => entry[1] !== null,
        ),
      );
      const warnings = await this.writeConfig(
        name,
        withConnectorName(name, merged),
        existing.stored.targetState,
        existing,
      );
      return withWarnings(this.connectorInfo(name), warnings);
    });
  }

  async deleteConnector(name: string): Promise<void> {
    await this.exclusive(name, async () => {
      const managed = this.require(name);
      this.connectors.delete(name);
      await this.worker.stopTasks(managed);
      // Tasks stop before the hook runs, so e.g. the slot it drops is no longer in use here.
      await this.writer.runDeletedHook(managed);
      await Promise.all([
        this.options.configs.delete(name),
        this.options.statuses.delete(name),
        this.topics.delete(name),
      ]);
      // Source offsets stay, as in Kafka Connect: a connector re-created under the same name resumes.
      this.log.info({ connector: name }, 'connector deleted');
    });
  }

  // --- target states

  pauseConnector(name: string): Promise<void> {
    return this.changeTarget(name, 'PAUSED');
  }

  resumeConnector(name: string): Promise<void> {
    return this.changeTarget(name, 'STARTED');
  }

  stopConnector(name: string): Promise<void> {
    return this.changeTarget(name, 'STOPPED');
  }

  // --- restarts

  /** POST /connectors/{n}/restart without flags: restarts the connector instance only. */
  async restartConnector(name: string): Promise<void> {
    await this.exclusive(name, async () => {
      const managed = this.require(name);
      await this.requestRestart(
        managed,
        { connector: name, includeTasks: false, onlyFailed: false },
        {
          connector: true,
          tasks: [],
        },
      );
      if (managed.ownsInstance) await this.restartInstance(managed);
    });
  }

  /**
   * KIP-745: marks what will restart as RESTARTING and returns that state at once (202); the restart
   * itself completes in the background, serialized with other changes to the connector.
   */
  restartConnectorAndTasks(
    name: string,
    flags: { includeTasks: boolean; onlyFailed: boolean },
  ): Promise<ConnectorStateInfo> {
    return new Promise((resolve, reject) => {
      let answered = false;
      this.exclusive(name, async () => {
        const managed = this.require(name);
        const request: RestartRequest = { connector: name, ...flags };
        const plan = this.restartPlanFor(managed, request);
        const local = this.markRestarting(managed, plan);
        answered = true;
        resolve(this.stateInfo(managed, plan));
        await this.requestRestart(managed, request, plan);
        await this.carryOutRestart(managed, local);
      }).catch((error: unknown) => {
        if (answered) this.log.error({ connector: name, err: error }, 'restart failed');
        else reject(error);
      });
    });
  }

  async restartTask(name: string, taskId: number): Promise<void> {
    await this.exclusive(name, async () => {
      const managed = this.require(name);
      if (taskId < 0 || taskId >= managed.stored.tasks.length || managed.stored.targetState === 'STOPPED') {
        throw new OnrampError('TASK_NOT_FOUND', `Task ${name}-${taskId} not found`);
      }
      if (!this.assignment.current().ownsTask(name, taskId)) {
        throw new OnrampError('CONFLICT', `Task ${name}-${taskId} runs on another worker`);
      }
      await this.worker.stopTask(managed, taskId);
      this.worker.startTask(managed, taskId);
    });
  }

  // --- offsets (KIP-875)

  async connectorOffsets(name: string): Promise<ConnectorOffsets> {
    return readOffsets(this.options, this.offsetOwner(this.require(name)));
  }

  async alterConnectorOffsets(name: string, body: unknown): Promise<Message> {
    const entries = offsetEntries(body);
    return this.exclusive(name, async () => {
      const managed = this.requireStopped(name);
      await alterOffsets(this.options, this.offsetOwner(managed), entries);
      if (managed.plugin?.kind === 'sink') managed.offsetWarnings = [];
      return { message: ALTERED_MESSAGE };
    });
  }

  async resetConnectorOffsets(name: string): Promise<Message> {
    return this.exclusive(name, async () => {
      const managed = this.requireStopped(name);
      await resetOffsets(this.options, this.offsetOwner(managed));
      if (managed.plugin?.kind === 'sink') managed.offsetWarnings = [];
      return { message: RESET_MESSAGE };
    });
  }

  // --- active topics (KIP-558)

  async resetActiveTopics(name: string): Promise<void> {
    this.topics.requireReset();
    this.require(name);
    await this.topics.reset(name);
  }

  // --- validation

  /** PUT /connector-plugins/{plugin}/config/validate: 200 with every error, or 400 for a bad request. */
  validate(pluginName: string, config: Record<string, string>): Promise<ConfigInfos> {
    return this.writer.validate(pluginName, config);
  }

  // --- Kafka

  /** The Kafka cluster id once Kafka answered; null while it is unreachable. */
  clusterId(timeoutMs = 1_000): Promise<string | null> {
    return this.kafka.clusterId(timeoutMs);
  }

  /** Whether Kafka answers; never waits longer than `timeoutMs` (a slow check keeps running). */
  kafkaHealth(timeoutMs = 1_000): Promise<KafkaHealth> {
    return this.kafka.check(timeoutMs);
  }

  /** Sets the connector and task state gauges (called before /metrics is scraped): what runs here. */
  refreshStateMetrics(): void {
    const connectorState = this.options.metrics.gauge(
      'connector_state',
      ['connector', 'state'],
      'Connector state (1 for the current state)',
    );
    const taskState = this.options.metrics.gauge(
      'task_state',
      ['connector', 'task', 'state'],
      'Task state (1 for the current state)',
    );
    connectorState.reset();
    taskState.reset();
    for (const [name, managed] of this.connectors) {
      if (managed.ownsInstance) connectorState.set({ connector: name, state: managed.state }, 1);
      for (const [id, task] of managed.tasks)
        taskState.set({ connector: name, task: String(id), state: task.status.state }, 1);
    }
  }

  // --- internals: writes

  /**
   * Validates, then creates or reconfigures the connector (called under its lock). Resolves with
   * the warnings for the response: keys kept without effect, offsets left behind by a remap.
   */
  private async writeConfig(
    name: string,
    given: Record<string, string>,
    targetState: TargetState,
    existing: Managed | undefined,
  ): Promise<KeyWarning[]> {
    const prepared = await this.writer.prepare(name, given, targetState, existing, (managed) =>
      this.worker.stopTasks(managed),
    );
    if (!prepared) return [];
    await this.options.configs.put(prepared.stored);
    const managed = existing ?? this.manage(prepared.stored);
    managed.stored = prepared.stored;
    managed.plugin = prepared.plugin;
    if (prepared.remapped.length > 0) managed.offsetWarnings = prepared.remapped;
    await this.options.statuses.delete(name);
    await this.applyWrite(managed, prepared);
    this.log.info(
      { connector: name, tasks: prepared.stored.tasks.length, created: !existing },
      existing ? 'connector reconfigured' : 'connector created',
    );
    return prepared.warnings;
  }

  private async applyWrite(managed: Managed, prepared: PreparedWrite): Promise<void> {
    if (prepared.planError !== undefined && this.assignment.current().ownsConnector(managed.stored.name)) {
      managed.ownsInstance = true;
      this.worker.failConnector(managed, prepared.planError);
      return;
    }
    // Freshly planned: an empty plan is the plan, not a reason to plan again.
    await this.converge(managed, { restate: true, replan: false });
  }

  private async changeTarget(name: string, target: TargetState): Promise<void> {
    await this.exclusive(name, async () => {
      const managed = this.connectors.get(name);
      if (!managed) throw new OnrampError('CONNECTOR_NOT_FOUND', `Unknown connector ${name}`);
      const from = managed.stored.targetState;
      if (from === target) return;
      if (target === 'STOPPED') {
        await this.worker.stopTasks(managed);
        managed.stored = { ...managed.stored, targetState: 'STOPPED', tasks: [] };
        await this.options.configs.put(managed.stored);
        await this.options.statuses.delete(name);
        this.applyTarget(managed);
      } else if (from === 'STOPPED') {
        managed.stored = { ...managed.stored, targetState: target };
        // The instance's worker plans the tasks (this one, unless another runs it).
        if (!managed.ownsInstance || !managed.plugin) await this.options.configs.put(managed.stored);
        await this.converge(managed, { restate: true, replan: true });
      } else {
        managed.stored = { ...managed.stored, targetState: target };
        await this.options.configs.put(managed.stored);
        this.applyTarget(managed);
      }
      this.log.info({ connector: name, target }, 'connector target state changed');
    });
  }

  /** A target state change between STARTED, PAUSED and STOPPED, for what runs here. */
  private applyTarget(managed: Managed): void {
    if (managed.stored.targetState === 'STOPPED') {
      // Its tasks were stopped (and its stored task configs emptied) with the change.
      if (managed.ownsInstance) this.worker.setConnectorState(managed, 'STOPPED');
      return;
    }
    if (managed.ownsInstance && managed.state !== 'FAILED')
      this.worker.setConnectorState(managed, this.worker.runningStateFor(managed));
    this.worker.applyTargetToTasks(managed);
  }

  // --- internals: restarts

  /** What a restart request restarts: this worker's part from its own states, the rest from the status store. */
  private restartPlanFor(managed: Managed, request: RestartRequest): RestartPlan {
    const name = managed.stored.name;
    const assignment = this.assignment.current();
    const connectorState = managed.ownsInstance
      ? managed.state
      : this.options.statuses.getConnector(name)?.state;
    const local = [...managed.tasks].map(([id, task]) => [id, task.status.state] as const);
    const remote = managed.stored.tasks.flatMap((_, id) => {
      if (assignment.ownsTask(name, id)) return [];
      const state = this.options.statuses.getTask(name, id)?.state;
      return state === undefined ? [] : [[id, state] as const];
    });
    return restartPlan(request, connectorState, [...local, ...remote]);
  }

  /** Marks this worker's part of a plan RESTARTING; returns that part. */
  private markRestarting(managed: Managed, plan: RestartPlan): RestartPlan {
    const local: RestartPlan = {
      connector: plan.connector && managed.ownsInstance,
      tasks: plan.tasks.filter((id) => managed.tasks.has(id)),
    };
    if (local.connector) this.worker.setConnectorState(managed, 'RESTARTING');
    for (const id of local.tasks) this.worker.markTaskRestarting(managed, id);
    return local;
  }

  /**
   * When part of the plan runs on other workers, stores the request for them (Kafka Connect's
   * `restart-connector-<name>` record). This worker does its own part itself, so the notification
   * of its own request is skipped.
   */
  private async requestRestart(managed: Managed, request: RestartRequest, plan: RestartPlan): Promise<void> {
    const name = managed.stored.name;
    const assignment = this.assignment.current();
    const remote =
      (plan.connector && !assignment.ownsConnector(name)) ||
      plan.tasks.some((id) => !assignment.ownsTask(name, id));
    if (!remote) return;
    this.ownRestarts.set(name, (this.ownRestarts.get(name) ?? 0) + 1);
    try {
      await this.options.configs.putRestartRequest(request);
    } catch (error) {
      this.skipOwnRestart(name);
      throw error;
    }
  }

  /** True (and forgotten) when the notified request is one this worker stored and already carried out. */
  private skipOwnRestart(name: string): boolean {
    const pending = this.ownRestarts.get(name) ?? 0;
    if (pending === 0) return false;
    if (pending === 1) this.ownRestarts.delete(name);
    else this.ownRestarts.set(name, pending - 1);
    return true;
  }

  private async carryOutRestart(managed: Managed, local: RestartPlan): Promise<void> {
    for (const id of local.tasks) await this.worker.stopTask(managed, id);
    if (local.connector) await this.restartInstance(managed);
    else if (managed.ownsInstance)
      this.worker.setConnectorState(managed, this.worker.runningStateFor(managed));
    if (!this.isCurrent(managed)) return;
    for (const id of local.tasks) {
      if (id < managed.stored.tasks.length && managed.tasks.get(id)?.running === undefined)
        this.worker.startTask(managed, id);
    }
  }

  /** Restarts the connector instance: plans again and restarts the tasks when their configs changed. */
  private async restartInstance(managed: Managed): Promise<void> {
    if (managed.stored.targetState === 'STOPPED') {
      this.worker.setConnectorState(managed, 'STOPPED');
      return;
    }
    let tasks: TaskConfig[];
    try {
      tasks = this.writer.plan(managed);
    } catch (error) {
      this.worker.failConnector(managed, error);
      return;
    }
    if (JSON.stringify(tasks) !== JSON.stringify(managed.stored.tasks)) {
      await this.worker.stopTasks(managed);
      managed.stored = { ...managed.stored, tasks };
      await this.options.configs.put(managed.stored);
      await this.options.statuses.delete(managed.stored.name);
    }
    await this.converge(managed, { restate: true, replan: false });
  }

  // --- internals: keeping this worker in line with the stores and its assignment

  private configListener(): ConfigListener {
    const schedule = (name: string) => {
      this.exclusive(name, () => this.reconcile(name)).catch((error: unknown) =>
        this.log.error({ connector: name, err: error }, 'applying a config change failed'),
      );
    };
    return {
      onConnectorConfigUpdate: schedule,
      onConnectorConfigRemove: schedule,
      onTaskConfigUpdate: schedule,
      onTargetStateChange: schedule,
      onRestartRequest: (request) => {
        if (this.skipOwnRestart(request.connector)) return;
        this.exclusive(request.connector, async () => {
          const managed = this.connectors.get(request.connector);
          if (!managed || !this.active()) return;
          await this.carryOutRestart(
            managed,
            this.markRestarting(managed, this.restartPlanFor(managed, request)),
          );
        }).catch((error: unknown) =>
          this.log.error({ connector: request.connector, err: error }, 'restart failed'),
        );
      },
    };
  }

  private async reconcileAll(names: readonly string[]): Promise<void> {
    await Promise.all(names.map((name) => this.exclusive(name, () => this.reconcile(name))));
  }

  /**
   * Brings what runs here for one connector in line with the config store and the assignment (under
   * the connector's lock). Idempotent: after this worker's own write it finds nothing to do.
   */
  private async reconcile(name: string): Promise<void> {
    if (!this.active()) return;
    const stored = this.options.configs.get(name);
    const managed = this.connectors.get(name);
    if (!stored) {
      if (!managed) return;
      // Deleted by another worker (which ran the onDeleted hook and removed the statuses).
      this.connectors.delete(name);
      await this.worker.stopTasks(managed);
      this.topics.forget(name);
      return;
    }
    if (!managed) {
      await this.converge(this.manage(stored), { restate: true, replan: true });
      return;
    }
    const configChanged = !sameConfig(managed.stored.config, stored.config);
    if (configChanged || JSON.stringify(managed.stored.tasks) !== JSON.stringify(stored.tasks)) {
      await this.worker.stopTasks(managed);
      managed.stored = stored;
      if (configChanged) this.adopt(managed);
      await this.converge(managed, { restate: true, replan: true });
    } else if (managed.stored.targetState !== stored.targetState) {
      const from = managed.stored.targetState;
      managed.stored = stored;
      if (from === 'STOPPED') await this.converge(managed, { restate: true, replan: true });
      else {
        if (stored.targetState === 'STOPPED') await this.worker.stopTasks(managed);
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
  private async converge(managed: Managed, how: { restate: boolean; replan: boolean }): Promise<void> {
    const name = managed.stored.name;
    const assignment = this.assignment.current();
    const stopped = managed.stored.targetState === 'STOPPED';
    for (const id of [...managed.tasks.keys()]) {
      if (stopped || id >= managed.stored.tasks.length || !assignment.ownsTask(name, id))
        await this.worker.stopTask(managed, id);
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
        this.worker.failConnector(managed, unknownPluginError(managed));
        return;
      }
      if (stopped) {
        this.worker.setConnectorState(managed, 'STOPPED');
        return;
      }
      if (how.replan && managed.stored.tasks.length === 0 && !(await this.replanAndStore(managed))) return;
      this.worker.setConnectorState(managed, this.worker.runningStateFor(managed));
    }
    if (!managed.plugin || stopped) return;
    managed.stored.tasks.forEach((_, id) => {
      if (assignment.ownsTask(name, id) && !managed.tasks.has(id)) this.worker.startTask(managed, id);
    });
  }

  /** Plans tasks from the stored config and stores them; on failure the connector is FAILED. */
  private async replanAndStore(managed: Managed): Promise<boolean> {
    let tasks: TaskConfig[];
    try {
      tasks = this.writer.plan(managed);
    } catch (error) {
      managed.stored = { ...managed.stored, tasks: [] };
      await this.options.configs.put(managed.stored);
      this.worker.failConnector(managed, error);
      return false;
    }
    managed.stored = { ...managed.stored, tasks };
    await this.options.configs.put(managed.stored);
    return true;
  }

  private manage(stored: StoredConnector): Managed {
    const managed: Managed = {
      stored,
      plugin: undefined,
      ownsInstance: this.assignment.current().ownsConnector(stored.name),
      state: 'UNASSIGNED',
      trace: undefined,
      tasks: new Map(),
      offsetWarnings: [],
    };
    this.adopt(managed);
    this.connectors.set(stored.name, managed);
    this.topics.load(stored.name);
    return managed;
  }

  /** Resolves the plugin of the stored config and registers its secrets for redaction. */
  private adopt(managed: Managed): void {
    const stored = managed.stored;
    managed.plugin = this.plugins.resolve(stored.config['connector.class'] ?? '');
    secretRegistry.add(secretOwner(stored.name), [
      ...secretRedactions(stored.config, managed.plugin),
      ...stored.tasks.flatMap((task) => secretRedactions(task, managed.plugin)),
    ]);
  }

  private active(): boolean {
    return this.currentPhase === 'starting' || this.currentPhase === 'running';
  }

  private isCurrent(managed: Managed): boolean {
    return this.connectors.get(managed.stored.name) === managed;
  }

  // --- internals: views

  /** The connector's status; `restarting` shows what a restart plan restarts on other workers. */
  private stateInfo(managed: Managed, restarting?: RestartPlan): ConnectorStateInfo {
    const name = managed.stored.name;
    const assignment = this.assignment.current();
    const local = [...managed.tasks].map(([id, task]) => this.worker.taskState(id, task));
    const remote = managed.stored.tasks.flatMap((_, id) => {
      if (assignment.ownsTask(name, id)) return [];
      const state = this.storedTaskState(name, id);
      if (!state) return [];
      return [restarting?.tasks.includes(id) ? { ...state, state: 'RESTARTING' } : state];
    });
    let connector: ConnectorState;
    if (managed.ownsInstance) connector = this.worker.connectorState(managed);
    else {
      const stored = this.options.statuses.getConnector(name);
      connector = {
        state: restarting?.connector ? 'RESTARTING' : (stored?.state ?? 'UNASSIGNED'),
        worker_id: stored?.workerId ?? '',
        ...(stored?.trace !== undefined && !restarting?.connector && { trace: stored.trace }),
      };
    }
    return {
      name,
      connector,
      tasks: [...local, ...remote].sort((a, b) => a.id - b.id),
      type: this.typeOf(managed),
      // Not in Kafka Connect's ConnectorStateInfo (clients ignore unknown fields).
      ...(managed.offsetWarnings.length > 0 && { warnings: managed.offsetWarnings }),
    };
  }

  private localTaskState(managed: Managed, id: number): TaskState | undefined {
    const task = managed.tasks.get(id);
    return task && this.worker.taskState(id, task);
  }

  /** A task another worker runs, as the status store has it. */
  private storedTaskState(name: string, id: number): TaskState | undefined {
    const stored = this.options.statuses.getTask(name, id);
    if (!stored) return undefined;
    return {
      id,
      state: stored.state,
      worker_id: stored.workerId,
      ...(stored.trace !== undefined && stored.trace !== '' && { trace: stored.trace }),
    };
  }

  private typeOf(managed: Managed): ConnectorType {
    return managed.plugin?.kind ?? 'unknown';
  }

  /** A task's config as GET /tasks shows it: connector keys, the task's own keys, task.class. */
  private shownTaskConfig(managed: Managed, task: TaskConfig): Record<string, string> {
    const className = managed.plugin
      ? pluginClassName(managed.plugin)
      : (managed.stored.config['connector.class'] ?? '');
    const shown = hideSecrets(
      { ...managed.stored.config, ...task, 'task.class': `${className}Task` },
      managed.plugin,
    );
    // A task's own values may be derived from what a placeholder resolved to: shown as the placeholder.
    return Object.fromEntries(
      Object.entries(shown).map(([key, value]) => [key, secretRegistry.redact(value)]),
    );
  }

  private offsetOwner(managed: Managed) {
    return { name: managed.stored.name, kind: managed.plugin?.kind, config: managed.stored.config };
  }

  private require(name: string): Managed {
    const managed = this.connectors.get(name);
    if (!managed) throw new OnrampError('CONNECTOR_NOT_FOUND', `Connector ${name} not found`);
    return managed;
  }

  private requireStopped(name: string): Managed {
    const managed = this.require(name);
    if (managed.stored.targetState !== 'STOPPED' || managed.tasks.size > 0) {
      throw new OnrampError('CONNECTOR_NOT_STOPPED', notStoppedMessage(name));
    }
    return managed;
  }

  /** Runs `work` after every earlier change to the same connector name has finished. */
  private exclusive<T>(name: string, work: () => Promise<T>): Promise<T> {
    return this.locks.run(name, work);
  }
}

/** A create/update response: Kafka Connect's ConnectorInfo, plus `warnings` when there are any. */
function withWarnings(info: ConnectorInfo, warnings: readonly KeyWarning[]): ConnectorInfo {
  return warnings.length > 0 ? { ...info, warnings: [...warnings] } : info;
}
