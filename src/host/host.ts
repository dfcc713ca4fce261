import type { KafkaClientConfig } from '../kafka/client-properties.ts';
import type { Cluster } from '../kafka/types.ts';
import type { SnapshotProgress, TaskConfig } from '../plugin/index.ts';
import { OnrampError } from '../plugin/index.ts';
import type { ConfigStore, OffsetStore, StatusStore, TargetState } from '../stores/stores.ts';
import type { TopicStore } from '../stores/topic-store.ts';
import { ActiveTopics, type TopicTracking } from './active-topics.ts';
import { requestSnapshot, type SnapshotAccepted, snapshotProgress } from './ad-hoc-snapshots.ts';
import { standaloneAssignment, type WorkAssignment } from './assignment.ts';
import type { PlaceholderSources } from './config-placeholders.ts';
import { ConfigWriter } from './config-writes.ts';
import {
  type ConnectorInfo,
  type ConnectorOffsets,
  type ConnectorStateInfo,
  type ConnectorType,
  checkConnectorName,
  type Message,
  type TaskInfo,
  type TaskState,
  withConnectorName,
} from './connect-entities.ts';
import { type ConfigInfos, type ConfigKeyInfo, describeFields, hideSecrets } from './connector-config.ts';
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
import { ConnectorLifecycle } from './lifecycle.ts';
import type { RootLogger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import { type PluginRegistry, pluginClassName } from './plugin-registry.ts';
import { Restarts } from './restarts.ts';
import { secretRegistry } from './secret-redaction.ts';
import { StatusView } from './status-view.ts';
import type { TaskRunner } from './task-runner.ts';
import { type Managed, Worker } from './worker.ts';

// Kafka Connect's herder, one for standalone and cluster mode: the REST API's connector operations.
// Writes go to the config store; the store tells every worker's herder about every change (its own
// included) and each brings what runs on it in line (lifecycle.ts), running only what its assignment
// (assignment.ts) gives it. The parts: worker.ts (what runs here: task states and statuses),
// config-writes.ts (validation, plugin hooks, task planning), restarts.ts (KIP-745),
// connector-offsets.ts (KIP-875), active-topics.ts (KIP-558), status-view.ts (statuses of this and
// other workers). A herder applies its own writes at once, so a REST call answers with their outcome.

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
  /** The worker's converters (host config key.converter / value.converter keys), for connectors naming none. */
  workerConverters?: Readonly<Record<string, string>>;
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
  private readonly lifecycle: ConnectorLifecycle;
  private readonly view: StatusView;
  private readonly restarts: Restarts;
  private readonly kafka: KafkaHealthProbe;
  private readonly subscriptions: Array<() => void> = [];
  private currentPhase: HostPhase = 'created';

  constructor(options: ConnectorHostOptions) {
    this.options = options;
    this.plugins = options.plugins;
    this.log = options.log;
    const assignment = options.assignment ?? standaloneAssignment;
    this.assignment = assignment;
    this.topicTracking = options.topicTracking ?? { enable: true, allowReset: true };
    this.kafka = new KafkaHealthProbe(options.cluster);
    this.topics = new ActiveTopics(options.topics, this.topicTracking, options.log);
    const writer = new ConfigWriter({
      plugins: options.plugins,
      placeholders: { ...options.placeholders, providers: options.placeholders?.providers ?? new Map() },
      cluster: options.cluster,
      log: options.log,
      ...(options.probeTimeoutMs !== undefined && { probeTimeoutMs: options.probeTimeoutMs }),
      ...(options.kafka !== undefined && { kafka: options.kafka }),
      ...(options.workerConverters !== undefined && { workerConverters: options.workerConverters }),
    });
    this.writer = writer;
    const worker = new Worker({
      runner: options.runner,
      statuses: options.statuses,
      log: options.log,
      workerId: options.workerId,
      generation: () => assignment.current().generation,
      ...(options.taskStopTimeoutMs !== undefined && { taskStopTimeoutMs: options.taskStopTimeoutMs }),
      isCurrent: (managed) => this.lifecycle.isCurrent(managed),
      resolve: (managed, config) => writer.resolve(managed, config),
      onTopic: (managed, topic) => {
        if (this.lifecycle.isCurrent(managed)) this.topics.record(managed.stored.name, topic);
      },
    });
    this.worker = worker;
    this.lifecycle = new ConnectorLifecycle({
      configs: options.configs,
      statuses: options.statuses,
      assignment,
      plugins: options.plugins,
      worker,
      writer,
      topics: this.topics,
      log: options.log,
      active: () => this.currentPhase === 'starting' || this.currentPhase === 'running',
    });
    this.view = new StatusView(worker, options.statuses, assignment);
    this.restarts = new Restarts({
      lifecycle: this.lifecycle,
      worker,
      configs: options.configs,
      statuses: options.statuses,
      assignment,
      view: this.view,
      log: options.log,
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
    const reconcile = (name: string) => this.lifecycle.scheduleReconcile(name);
    this.subscriptions.push(
      this.options.configs.subscribe({
        onConnectorConfigUpdate: reconcile,
        onConnectorConfigRemove: reconcile,
        onTaskConfigUpdate: reconcile,
        onTargetStateChange: reconcile,
        onRestartRequest: (request) => this.restarts.onRestartRequest(request),
      }),
      this.assignment.subscribe((names) => this.lifecycle.reconcileAll(names)),
    );
    for (const stored of this.options.configs.list()) {
      await this.lifecycle.exclusive(stored.name, () => this.lifecycle.reconcile(stored.name));
    }
    this.currentPhase = 'running';
    this.log.info({ connectors: this.lifecycle.size }, 'connector host started');
  }

  /** Stops every task (target states stay as stored, so the next start resumes them). */
  async close(): Promise<void> {
    this.currentPhase = 'stopping';
    for (const unsubscribe of this.subscriptions.splice(0)) unsubscribe();
    await Promise.all(
      [...this.lifecycle.all()].map((managed) =>
        this.lifecycle.exclusive(managed.stored.name, async () => {
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
    this.lifecycle.require(name);
  }

  connectorNames(): string[] {
    return [...this.lifecycle.all()].map((managed) => managed.stored.name).sort();
  }

  connectorInfo(name: string): ConnectorInfo {
    const managed = this.lifecycle.require(name);
    return {
      name,
      config: hideSecrets(managed.stored.config, managed.plugin),
      tasks: managed.stored.tasks.map((_, task) => ({ connector: name, task })),
      type: this.typeOf(managed),
    };
  }

  connectorConfig(name: string): Record<string, string> {
    const managed = this.lifecycle.require(name);
    return hideSecrets(managed.stored.config, managed.plugin);
  }

  connectorStatus(name: string): ConnectorStateInfo {
    return this.view.connectorStatus(this.lifecycle.require(name));
  }

  taskConfigs(name: string): TaskInfo[] {
    const managed = this.lifecycle.require(name);
    return managed.stored.tasks.map((task, id) => ({
      id: { connector: name, task: id },
      config: this.shownTaskConfig(managed, task),
    }));
  }

  /** The deprecated GET /connectors/{n}/tasks-config shape (KIP-970). */
  tasksConfig(name: string): Record<string, Record<string, string>> {
    const managed = this.lifecycle.require(name);
    return Object.fromEntries(
      managed.stored.tasks.map((task, id) => [`${name}-${id}`, this.shownTaskConfig(managed, task)]),
    );
  }

  taskStatus(name: string, taskId: number): TaskState {
    const state = this.view.taskStatus(this.lifecycle.require(name), taskId);
    if (!state) throw new OnrampError('TASK_NOT_FOUND', `No status found for task ${name}-${taskId}`);
    return state;
  }

  activeTopics(name: string): Record<string, { topics: string[] }> {
    this.topics.requireTracking();
    this.lifecycle.require(name);
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
    return this.lifecycle.exclusive(name, async () => {
      if (this.lifecycle.get(name))
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
    return this.lifecycle.exclusive(name, async () => {
      const existing = this.lifecycle.get(name);
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
    return this.lifecycle.exclusive(name, async () => {
      const existing = this.lifecycle.require(name);
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
    await this.lifecycle.exclusive(name, async () => {
      const managed = this.lifecycle.require(name);
      // In a cluster the worker running task 0 runs the hook once that task stopped (reconcile);
      // here only if none does: the slot the hook drops must not be in use by a task elsewhere.
      const hookElsewhere = this.assignment.current().taskElsewhere?.(name, 0) === true;
      this.lifecycle.forget(name);
      await this.worker.stopTasks(managed);
      // Tasks stop before the hook runs, so e.g. the slot it drops is no longer in use here.
      if (!hookElsewhere) await this.writer.runDeletedHook(managed);
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

  // --- restarts (KIP-745)

  /** POST /connectors/{n}/restart without flags: restarts the connector instance only. */
  restartConnector(name: string): Promise<void> {
    return this.restarts.restartConnector(name);
  }

  /** Answers at once (202) with what will restart marked RESTARTING; the restart completes later. */
  restartConnectorAndTasks(
    name: string,
    flags: { includeTasks: boolean; onlyFailed: boolean },
  ): Promise<ConnectorStateInfo> {
    return this.restarts.restartConnectorAndTasks(name, flags);
  }

  restartTask(name: string, taskId: number): Promise<void> {
    return this.restarts.restartTask(name, taskId);
  }

  // --- ad hoc snapshots (Debezium's execute-snapshot signal through REST)

  /** POST /connectors/{name}/snapshots: the body is an execute-snapshot signal's data. */
  requestSnapshot(name: string, data: Record<string, unknown>): Promise<SnapshotAccepted> {
    return requestSnapshot(this.lifecycle.require(name), data);
  }

  snapshotProgress(name: string): SnapshotProgress {
    return snapshotProgress(this.lifecycle.require(name));
  }

  // --- offsets (KIP-875)

  async connectorOffsets(name: string): Promise<ConnectorOffsets> {
    return readOffsets(this.options, this.offsetOwner(this.lifecycle.require(name)));
  }

  async alterConnectorOffsets(name: string, body: unknown): Promise<Message> {
    const entries = offsetEntries(body);
    return this.lifecycle.exclusive(name, async () => {
      const managed = this.requireStopped(name);
      await alterOffsets(this.options, this.offsetOwner(managed), entries);
      if (managed.plugin?.kind === 'sink') managed.offsetWarnings = [];
      return { message: ALTERED_MESSAGE };
    });
  }

  async resetConnectorOffsets(name: string): Promise<Message> {
    return this.lifecycle.exclusive(name, async () => {
      const managed = this.requireStopped(name);
      await resetOffsets(this.options, this.offsetOwner(managed));
      if (managed.plugin?.kind === 'sink') managed.offsetWarnings = [];
      return { message: RESET_MESSAGE };
    });
  }

  // --- active topics (KIP-558)

  async resetActiveTopics(name: string): Promise<void> {
    this.topics.requireReset();
    this.lifecycle.require(name);
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
    for (const managed of this.lifecycle.all()) {
      const connector = managed.stored.name;
      if (managed.ownsInstance) connectorState.set({ connector, state: managed.state }, 1);
      for (const [id, task] of managed.tasks)
        taskState.set({ connector, task: String(id), state: task.status.state }, 1);
    }
  }

  // --- internals

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
    // Old statuses go before the write: the workers acting on it write fresh ones (and a task count
    // that shrank leaves none behind).
    await this.options.statuses.delete(name);
    await this.options.configs.put(prepared.stored);
    const managed = existing ?? this.lifecycle.manage(prepared.stored);
    managed.stored = prepared.stored;
    managed.plugin = prepared.plugin;
    if (prepared.remapped.length > 0) managed.offsetWarnings = prepared.remapped;
    if (prepared.planError !== undefined && this.assignment.current().ownsConnector(name)) {
      managed.ownsInstance = true;
      this.worker.failConnector(managed, prepared.planError);
    } else {
      // Freshly planned: an empty plan is the plan, not a reason to plan again.
      await this.lifecycle.converge(managed, { restate: true, replan: false });
    }
    this.log.info(
      { connector: name, tasks: prepared.stored.tasks.length, created: !existing },
      existing ? 'connector reconfigured' : 'connector created',
    );
    return prepared.warnings;
  }

  private async changeTarget(name: string, target: TargetState): Promise<void> {
    await this.lifecycle.exclusive(name, async () => {
      const managed = this.lifecycle.get(name);
      if (!managed) throw new OnrampError('CONNECTOR_NOT_FOUND', `Unknown connector ${name}`);
      const from = managed.stored.targetState;
      if (from === target) return;
      if (target === 'STOPPED') {
        await this.worker.stopTasks(managed);
        await this.options.statuses.delete(name);
        await this.lifecycle.writeTarget(managed, 'STOPPED');
        this.lifecycle.applyTarget(managed);
      } else if (from === 'STOPPED') {
        await this.lifecycle.writeTarget(managed, target);
        // The worker running the instance plans the tasks (this one, or the one the write reaches).
        await this.lifecycle.converge(managed, { restate: true, replan: true });
      } else {
        await this.lifecycle.writeTarget(managed, target);
        this.lifecycle.applyTarget(managed);
      }
      this.log.info({ connector: name, target }, 'connector target state changed');
    });
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
    const { name, config } = managed.stored;
    return { name, kind: managed.plugin?.kind, config, resolve: () => this.writer.resolve(managed, config) };
  }

  private requireStopped(name: string): Managed {
    const managed = this.lifecycle.require(name);
    if (managed.stored.targetState !== 'STOPPED' || managed.tasks.size > 0) {
      throw new OnrampError('CONNECTOR_NOT_STOPPED', notStoppedMessage(name));
    }
    return managed;
  }
}

/** A create/update response: Kafka Connect's ConnectorInfo, plus `warnings` when there are any. */
function withWarnings(info: ConnectorInfo, warnings: readonly KeyWarning[]): ConnectorInfo {
  return warnings.length > 0 ? { ...info, warnings: [...warnings] } : info;
}
