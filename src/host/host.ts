import type { KafkaClientConfig } from '../kafka/client-properties.ts';
import type { Cluster } from '../kafka/types.ts';
import type { ConfigOf, ConnectorPlugin, Fields, TaskConfig } from '../plugin/index.ts';
import { OnrampError, parseConfig, topicNameProblem } from '../plugin/index.ts';
import type {
  ConfigStore,
  OffsetStore,
  RunState,
  StatusStore,
  StoredConnector,
  TargetState,
} from '../stores/stores.ts';
import type { TopicStore } from '../stores/topic-store.ts';
import { type PlaceholderSources, resolvePlaceholdersRedacting } from './config-placeholders.ts';
import {
  type ConnectorInfo,
  type ConnectorOffsets,
  type ConnectorStateInfo,
  type ConnectorType,
  checkConnectorName,
  formatTrace,
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
  invalidConfigMessage,
  restoreHiddenSecrets,
  secretRedactions,
  validateConnectorConfig,
} from './connector-config.ts';
import {
  ALTERED_MESSAGE,
  notStoppedMessage,
  offsetEntries,
  parseSinkOffsets,
  parseSourceOffsets,
  RESET_MESSAGE,
  sinkGroupId,
  sinkOffsetsBody,
} from './connector-offsets.ts';
import { type KafkaHealth, KafkaHealthProbe } from './kafka-health.ts';
import type { KeyWarning } from './key-policy.ts';
import { KeyedLock } from './keyed-lock.ts';
import type { RootLogger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import { type PluginRegistry, pluginClassName } from './plugin-registry.ts';
import { Redactor, secretRegistry } from './secret-redaction.ts';
import { remapWarnings } from './sink-remap.ts';
import { planTasks } from './task-planning.ts';
import type { RunningTask, TaskRunner, TaskStatus } from './task-runner.ts';

// Kafka Connect's herder for a single worker: connector configs and target states (persisted), the
// connector/task state machine, restarts (KIP-745), offsets (KIP-875) and active topics (KIP-558).
// Tasks themselves run behind the TaskRunner seam. Changes to one connector are serialized; reads
// never wait.

export interface ConnectorHostOptions {
  plugins: PluginRegistry;
  configs: ConfigStore;
  offsets: OffsetStore;
  statuses: StatusStore;
  topics?: TopicStore;
  runner: TaskRunner;
  cluster: Cluster;
  log: RootLogger;
  metrics: Metrics;
  /** Shown as worker_id in statuses, e.g. "127.0.0.1:8083". */
  workerId: string;
  /** Where placeholders read from; `providers` lists those enabled (none when unset). */
  placeholders?: PlaceholderSources;
  topicTracking?: { enable: boolean; allowReset: boolean };
  /** How long a stopping task may take before the host moves on (Kafka Connect: 5 s). */
  taskStopTimeoutMs?: number;
  probeTimeoutMs?: number;
  /** The host's Kafka client settings, against which connectors' `*.override.*` keys are validated. */
  kafka?: KafkaClientConfig;
}

export type HostPhase = 'created' | 'starting' | 'running' | 'stopping' | 'stopped';

interface ManagedTask {
  running: RunningTask | undefined;
  status: TaskStatus;
  /** Identifies one start of the task; callbacks from an older start are ignored. */
  token: object;
}

interface Managed {
  stored: StoredConnector;
  plugin: ConnectorPlugin | undefined;
  state: RunState;
  trace: string | undefined;
  tasks: Map<number, ManagedTask>;
  topics: Set<string>;
  /** A sink's config change left committed offsets behind for remapped topics (until they are reset). */
  offsetWarnings: KeyWarning[];
}

export class ConnectorHost {
  readonly plugins: PluginRegistry;
  readonly topicTracking: { enable: boolean; allowReset: boolean };
  private readonly options: ConnectorHostOptions;
  private readonly log: RootLogger;
  private readonly placeholders: PlaceholderSources;
  private readonly connectors = new Map<string, Managed>();
  private readonly locks = new KeyedLock();
  private readonly kafka: KafkaHealthProbe;
  private currentPhase: HostPhase = 'created';

  constructor(options: ConnectorHostOptions) {
    this.options = options;
    this.plugins = options.plugins;
    this.log = options.log;
    this.placeholders = { ...options.placeholders, providers: options.placeholders?.providers ?? new Map() };
    this.topicTracking = options.topicTracking ?? { enable: true, allowReset: true };
    this.kafka = new KafkaHealthProbe(options.cluster);
  }

  get phase(): HostPhase {
    return this.currentPhase;
  }

  get workerId(): string {
    return this.options.workerId;
  }

  /** Resumes every stored connector in its target state. */
  async start(): Promise<void> {
    this.currentPhase = 'starting';
    void this.kafkaHealth(0);
    for (const stored of this.options.configs.list()) {
      await this.exclusive(stored.name, async () => {
        const managed = this.manage(stored);
        if (stored.targetState !== 'STOPPED' && stored.tasks.length === 0 && managed.plugin) {
          // A connector whose planning failed before has no tasks yet: plan again now.
          await this.replanAndStore(managed);
        }
        this.startAll(managed);
      });
    }
    this.currentPhase = 'running';
    this.log.info({ connectors: this.connectors.size }, 'connector host started');
  }

  /** Stops every task (target states stay as stored, so the next start resumes them). */
  async close(): Promise<void> {
    this.currentPhase = 'stopping';
    await Promise.all(
      [...this.connectors.values()].map((managed) =>
        this.exclusive(managed.stored.name, async () => {
          await this.stopTasks(managed);
          this.setConnectorState(managed, 'UNASSIGNED');
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
    const task = managed.tasks.get(taskId);
    if (!task) throw new OnrampError('TASK_NOT_FOUND', `No status found for task ${name}-${taskId}`);
    return this.taskState(taskId, task);
  }

  activeTopics(name: string): Record<string, { topics: string[] }> {
    this.requireTopicTracking();
    const managed = this.require(name);
    return { [name]: { topics: [...managed.topics].sort() } };
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
      await this.stopTasks(managed);
      await this.runDeletedHook(managed);
      await Promise.all([
        this.options.configs.delete(name),
        this.options.statuses.delete(name),
        this.options.topics?.delete(name),
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
      await this.restartInstance(managed);
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
        const restartInstance = !flags.onlyFailed || managed.state === 'FAILED';
        const taskIds = flags.includeTasks
          ? [...managed.tasks]
              .filter(([, task]) => !flags.onlyFailed || task.status.state === 'FAILED')
              .map(([id]) => id)
          : [];
        if (restartInstance) this.setConnectorState(managed, 'RESTARTING');
        for (const id of taskIds) {
          const task = managed.tasks.get(id);
          if (task) {
            task.token = {};
            this.setTaskStatus(managed, id, task, { state: 'RESTARTING' });
          }
        }
        answered = true;
        resolve(this.stateInfo(managed));
        for (const id of taskIds) await this.stopTask(managed, id);
        if (restartInstance) await this.restartInstance(managed);
        else this.setConnectorState(managed, this.runningStateFor(managed));
        if (this.connectors.get(name) !== managed) return;
        for (const id of taskIds) {
          if (id < managed.stored.tasks.length && managed.tasks.get(id)?.running === undefined)
            this.startTask(managed, id);
        }
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
      await this.stopTask(managed, taskId);
      this.startTask(managed, taskId);
    });
  }

  // --- offsets (KIP-875)

  async connectorOffsets(name: string): Promise<ConnectorOffsets> {
    const managed = this.require(name);
    if (managed.plugin?.kind === 'sink') {
      return sinkOffsetsBody(
        await this.options.cluster.groupOffsets(sinkGroupId(managed.stored.name, managed.stored.config)),
      );
    }
    return { offsets: this.options.offsets.get(name) };
  }

  async alterConnectorOffsets(name: string, body: unknown): Promise<Message> {
    const entries = offsetEntries(body);
    return this.exclusive(name, async () => {
      const managed = this.requireStopped(name);
      if (managed.plugin?.kind === 'sink') {
        const offsets = parseSinkOffsets(entries);
        for (const { topic } of offsets) {
          const problem = topicNameProblem(topic);
          if (problem !== undefined) throw new OnrampError('INVALID_OFFSETS', problem);
        }
        await this.options.cluster.alterGroupOffsets(
          sinkGroupId(managed.stored.name, managed.stored.config),
          offsets,
        );
        managed.offsetWarnings = [];
      } else {
        await this.options.offsets.put(name, parseSourceOffsets(entries));
      }
      return { message: ALTERED_MESSAGE };
    });
  }

  async resetConnectorOffsets(name: string): Promise<Message> {
    return this.exclusive(name, async () => {
      const managed = this.requireStopped(name);
      if (managed.plugin?.kind === 'sink') {
        await this.options.cluster.resetGroupOffsets(sinkGroupId(managed.stored.name, managed.stored.config));
        managed.offsetWarnings = [];
      } else {
        await this.options.offsets.reset(name);
      }
      return { message: RESET_MESSAGE };
    });
  }

  // --- active topics (KIP-558)

  async resetActiveTopics(name: string): Promise<void> {
    this.requireTopicTracking();
    if (!this.topicTracking.allowReset)
      throw new OnrampError('TOPIC_TRACKING_DISABLED', 'Topic tracking reset is disabled.');
    const managed = this.require(name);
    managed.topics.clear();
    await this.options.topics?.delete(name);
  }

  // --- validation

  /** PUT /connector-plugins/{plugin}/config/validate: 200 with every error, or 400 for a bad request. */
  async validate(pluginName: string, config: Record<string, string>): Promise<ConfigInfos> {
    const className = config['connector.class']?.trim();
    if (!className) {
      throw new OnrampError(
        'BAD_REQUEST',
        'Connector config contains no connector type: "connector.class" is missing',
      );
    }
    const plugin = this.resolveClass(className);
    if (this.plugins.resolve(pluginName) !== plugin) {
      throw new OnrampError(
        'BAD_REQUEST',
        `Included connector type ${className} does not match request type ${pluginName}`,
      );
    }
    return (await this.validateWith(plugin, className, config)).infos;
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

  /** Sets the connector and task state gauges (called before /metrics is scraped). */
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
      connectorState.set({ connector: name, state: managed.state }, 1);
      for (const [id, task] of managed.tasks)
        taskState.set({ connector: name, task: String(id), state: task.status.state }, 1);
    }
  }

  // --- internals: config writes

  private resolveClass(className: string): ConnectorPlugin {
    const plugin = this.plugins.resolve(className);
    if (!plugin) {
      const known = this.plugins
        .connectors()
        .map((candidate) => pluginClassName(candidate))
        .join(', ');
      throw new OnrampError(
        'INVALID_CONFIG',
        `Invalid value ${className} for configuration connector.class: no connector plugin has this class name or alias` +
          (known ? ` (available: ${known})` : ''),
      );
    }
    return plugin;
  }

  private validateWith(plugin: ConnectorPlugin, className: string, config: Record<string, string>) {
    return validateConnectorConfig({
      plugin,
      className,
      raw: config,
      isKnownConverter: (converter) => this.plugins.resolveOther(converter)?.type === 'converter',
      placeholders: this.placeholders,
      ...(this.options.probeTimeoutMs !== undefined && { probeTimeoutMs: this.options.probeTimeoutMs }),
      ...(this.options.kafka !== undefined && { kafka: this.options.kafka }),
    });
  }

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
    const className = given['connector.class']?.trim();
    if (!className) {
      throw new OnrampError(
        'INVALID_CONFIG',
        'Missing required configuration "connector.class" which has no default value.',
      );
    }
    const plugin = this.resolveClass(className);
    // "[hidden]" sent back (GET-then-PUT) keeps the stored secret.
    const restored = restoreHiddenSecrets(given, existing?.stored.config, plugin);
    if (restored.errors.length > 0)
      throw new OnrampError('INVALID_CONFIG', restored.errors.map((error) => error.message).join('\n'));
    const config = restored.config;
    if (existing && sameConfig(existing.stored.config, config) && existing.plugin === plugin) return [];
    const outcome = await this.validateWith(plugin, className, config);
    if (outcome.infos.error_count > 0)
      throw new OnrampError('INVALID_CONFIG', invalidConfigMessage(outcome.infos));
    secretRegistry.add(secretOwner(name), outcome.redactions);
    if (outcome.warnings.length > 0) {
      this.log.warn(
        { connector: name, keys: outcome.warnings.map((warning) => warning.name) },
        'connector config accepted with warnings (keys without effect are kept)',
      );
    }
    const remapped = existing ? await this.remappedTopics(name, existing, plugin, outcome.resolved) : [];
    if (!existing && plugin.onCreated) {
      try {
        await plugin.onCreated(outcome.pluginConfig);
      } catch (error) {
        throw redactedError(error, new Redactor(outcome.redactions));
      }
    }
    if (existing) await this.stopTasks(existing);
    const reconfigured = existing
      ? await this.runReconfiguredHook(existing, plugin, outcome.pluginConfig)
      : [];

    let tasks: TaskConfig[] = [];
    let planError: unknown;
    if (targetState !== 'STOPPED') {
      try {
        tasks = planTasks(plugin, outcome.pluginConfig, config, outcome.resolved);
      } catch (error) {
        planError = error;
      }
    }
    const stored: StoredConnector = { name, config, targetState, tasks };
    await this.options.configs.put(stored);
    const managed = existing ?? this.manage(stored);
    managed.stored = stored;
    managed.plugin = plugin;
    if (remapped.length > 0) managed.offsetWarnings = remapped;
    await this.options.statuses.delete(name);
    const warnings = [...outcome.warnings, ...remapped, ...reconfigured];
    if (planError !== undefined) {
      this.failConnector(managed, planError);
      return warnings;
    }
    this.startAll(managed);
    this.log.info(
      { connector: name, tasks: tasks.length, created: !existing },
      existing ? 'connector reconfigured' : 'connector created',
    );
    return warnings;
  }

  /** Warnings for topics a sink's new config sends to other tables while offsets stay committed. */
  private async remappedTopics(
    name: string,
    existing: Managed,
    plugin: ConnectorPlugin,
    resolved: Readonly<Record<string, string>>,
  ): Promise<KeyWarning[]> {
    const before = existing.plugin;
    if (plugin.kind !== 'sink' || before?.kind !== 'sink' || !plugin.targets) return [];
    const groupId = sinkGroupId(name, existing.stored.config);
    if (sinkGroupId(name, resolved) !== groupId) return [];
    let timer: NodeJS.Timeout | undefined;
    try {
      // The config write does not wait on Kafka for long: without offsets, nothing is said.
      const committed = await Promise.race([
        this.options.cluster.groupOffsets(groupId),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('timed out')), 2_000);
        }),
      ]);
      return remapWarnings({
        name,
        groupId,
        before: { plugin: before, config: this.resolve(existing, existing.stored.config) },
        after: { plugin, config: resolved },
        committed,
      });
    } catch (error) {
      this.log.warn(
        { connector: name, err: error },
        'could not read the sink group offsets to check for remapped topics',
      );
      return [];
    } finally {
      clearTimeout(timer);
    }
  }

  /** The plugin's onReconfigured (same plugin only), its warnings redacted as the config's are. */
  private async runReconfiguredHook(
    existing: Managed,
    plugin: ConnectorPlugin,
    after: ConfigOf<Fields>,
  ): Promise<KeyWarning[]> {
    if (existing.plugin !== plugin || !plugin.onReconfigured) return [];
    try {
      const before = parseConfig(plugin.config, this.resolve(existing, existing.stored.config));
      if (before.errors.length > 0) return [];
      const found = await plugin.onReconfigured(before.values, after);
      return found.map(({ field: name, message }) => ({ name, message: secretRegistry.redact(message) }));
    } catch (error) {
      this.log.error({ connector: existing.stored.name, err: error }, 'connector onReconfigured hook failed');
      return [];
    }
  }

  private async runDeletedHook(managed: Managed): Promise<void> {
    const plugin = managed.plugin;
    if (!plugin?.onDeleted) return;
    try {
      const resolved = this.resolve(managed, managed.stored.config);
      const parsed = parseConfig(plugin.config, resolved);
      if (parsed.errors.length > 0)
        throw new OnrampError('INVALID_CONFIG', parsed.errors.map((e) => e.message).join('; '));
      await plugin.onDeleted(parsed.values);
    } catch (error) {
      // The connector is gone either way; what the hook could not clean up is reported for humans.
      this.log.error({ connector: managed.stored.name, err: error }, 'connector onDeleted hook failed');
    }
  }

  // --- internals: state machine

  private manage(stored: StoredConnector): Managed {
    const className = stored.config['connector.class'] ?? '';
    const managed: Managed = {
      stored,
      plugin: this.plugins.resolve(className),
      state: 'UNASSIGNED',
      trace: undefined,
      tasks: new Map(),
      topics: new Set(this.options.topics?.get(stored.name) ?? []),
      offsetWarnings: [],
    };
    this.connectors.set(stored.name, managed);
    secretRegistry.add(secretOwner(stored.name), [
      ...secretRedactions(stored.config, managed.plugin),
      ...stored.tasks.flatMap((task) => secretRedactions(task, managed.plugin)),
    ]);
    return managed;
  }

  private async changeTarget(name: string, target: TargetState): Promise<void> {
    await this.exclusive(name, async () => {
      const managed = this.connectors.get(name);
      if (!managed) throw new OnrampError('CONNECTOR_NOT_FOUND', `Unknown connector ${name}`);
      const from = managed.stored.targetState;
      if (from === target) return;
      if (target === 'STOPPED') {
        await this.stopTasks(managed);
        managed.stored = { ...managed.stored, targetState: 'STOPPED', tasks: [] };
        await this.options.configs.put(managed.stored);
        await this.options.statuses.delete(name);
        this.setConnectorState(managed, 'STOPPED');
      } else if (from === 'STOPPED') {
        managed.stored = { ...managed.stored, targetState: target };
        if (await this.replanAndStore(managed)) this.startAll(managed);
      } else {
        managed.stored = { ...managed.stored, targetState: target };
        await this.options.configs.put(managed.stored);
        if (managed.state !== 'FAILED') this.setConnectorState(managed, this.runningStateFor(managed));
        for (const task of managed.tasks.values()) {
          if (target === 'PAUSED') task.running?.pause();
          else task.running?.resume();
        }
      }
      this.log.info({ connector: name, target }, 'connector target state changed');
    });
  }

  /** Plans tasks from the stored config and stores them; on failure the connector is FAILED. */
  private async replanAndStore(managed: Managed): Promise<boolean> {
    let tasks: TaskConfig[];
    try {
      tasks = this.replan(managed);
    } catch (error) {
      managed.stored = { ...managed.stored, tasks: [] };
      await this.options.configs.put(managed.stored);
      this.failConnector(managed, error);
      return false;
    }
    managed.stored = { ...managed.stored, tasks };
    await this.options.configs.put(managed.stored);
    return true;
  }

  private replan(managed: Managed): TaskConfig[] {
    const plugin = managed.plugin;
    if (!plugin) throw this.unknownPluginError(managed);
    const resolved = this.resolve(managed, managed.stored.config);
    const parsed = parseConfig(plugin.config, resolved);
    if (parsed.errors.length > 0) {
      throw new OnrampError('INVALID_CONFIG', parsed.errors.map((error) => error.message).join('\n'));
    }
    return planTasks(plugin, parsed.values, managed.stored.config, resolved);
  }

  /** Restarts the connector instance: plans again and restarts the tasks when their configs changed. */
  private async restartInstance(managed: Managed): Promise<void> {
    if (managed.stored.targetState === 'STOPPED') {
      this.setConnectorState(managed, 'STOPPED');
      return;
    }
    let tasks: TaskConfig[];
    try {
      tasks = this.replan(managed);
    } catch (error) {
      this.failConnector(managed, error);
      return;
    }
    const changed = JSON.stringify(tasks) !== JSON.stringify(managed.stored.tasks);
    if (changed) {
      await this.stopTasks(managed);
      managed.stored = { ...managed.stored, tasks };
      await this.options.configs.put(managed.stored);
      await this.options.statuses.delete(managed.stored.name);
    }
    this.setConnectorState(managed, this.runningStateFor(managed));
    managed.stored.tasks.forEach((_, id) => {
      if (!managed.tasks.has(id)) this.startTask(managed, id);
    });
  }

  private startAll(managed: Managed): void {
    if (!managed.plugin) {
      this.failConnector(managed, this.unknownPluginError(managed));
      return;
    }
    if (managed.stored.targetState === 'STOPPED') {
      this.setConnectorState(managed, 'STOPPED');
      return;
    }
    this.setConnectorState(managed, this.runningStateFor(managed));
    managed.stored.tasks.forEach((_, id) => {
      this.startTask(managed, id);
    });
  }

  private startTask(managed: Managed, id: number): void {
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
      const config = this.resolve(managed, managed.stored.config);
      const resolvedTask = this.resolve(managed, taskConfig);
      task.running = this.options.runner.start({
        connector: name,
        taskId: id,
        plugin,
        config,
        taskConfig: resolvedTask,
        onStatus: (status) => {
          if (managed.tasks.get(id)?.token !== token || this.connectors.get(name) !== managed) return;
          reported = true;
          this.setTaskStatus(managed, id, task, status);
        },
        onTopic: (topic) => this.recordTopic(managed, topic),
      });
      if (!reported) this.setTaskStatus(managed, id, task, task.running.status);
      if (managed.stored.targetState === 'PAUSED') task.running.pause();
    } catch (error) {
      this.setTaskStatus(managed, id, task, { state: 'FAILED', trace: formatTrace(error) });
    }
  }

  private async stopTask(managed: Managed, id: number): Promise<void> {
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
            this.log.warn(
              { connector: managed.stored.name, task: id, timeoutMs },
              'task did not stop in time; moving on',
            );
            resolve(undefined);
          }, timeoutMs);
        }),
      ]);
    } catch (error) {
      this.log.error({ connector: managed.stored.name, task: id, err: error }, 'task failed while stopping');
    } finally {
      clearTimeout(timer);
    }
  }

  private async stopTasks(managed: Managed): Promise<void> {
    await Promise.all([...managed.tasks.keys()].map((id) => this.stopTask(managed, id)));
  }

  private runningStateFor(managed: Managed): RunState {
    switch (managed.stored.targetState) {
      case 'PAUSED':
        return 'PAUSED';
      case 'STOPPED':
        return 'STOPPED';
      default:
        return 'RUNNING';
    }
  }

  private failConnector(managed: Managed, error: unknown): void {
    this.log.error({ connector: managed.stored.name, err: error }, 'connector failed');
    this.setConnectorState(managed, 'FAILED', formatTrace(error));
  }

  private unknownPluginError(managed: Managed): OnrampError {
    return new OnrampError(
      'PLUGIN_NOT_FOUND',
      `No connector plugin matches connector.class ${managed.stored.config['connector.class'] ?? '(missing)'}`,
    );
  }

  private setConnectorState(managed: Managed, state: RunState, rawTrace?: string): void {
    const trace = rawTrace === undefined ? undefined : secretRegistry.redact(rawTrace);
    managed.state = state;
    managed.trace = trace;
    if (this.connectors.get(managed.stored.name) !== managed) return;
    this.persist(
      this.options.statuses.putConnector(managed.stored.name, {
        state,
        workerId: this.options.workerId,
        ...(trace !== undefined && { trace }),
      }),
    );
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
      this.log.error({ connector: managed.stored.name, task: id, trace: status.trace }, 'task failed');
    }
    this.persistTask(managed, id, status);
  }

  private persistTask(managed: Managed, id: number, status: TaskStatus): void {
    this.persist(
      this.options.statuses.putTask(managed.stored.name, id, {
        state: status.state,
        workerId: this.options.workerId,
        ...(status.trace !== undefined && { trace: status.trace }),
      }),
    );
  }

  private recordTopic(managed: Managed, topic: string): void {
    if (!this.topicTracking.enable || managed.topics.has(topic)) return;
    if (this.connectors.get(managed.stored.name) !== managed) return;
    managed.topics.add(topic);
    this.persist(this.options.topics?.put(managed.stored.name, [...managed.topics]));
  }

  /** Status and topic writes are not awaited by the state machine; a failed write is logged. */
  private persist(write: Promise<void> | undefined): void {
    write?.catch((error: unknown) => this.log.error({ err: error }, 'status store write failed'));
  }

  // --- internals: views

  private stateInfo(managed: Managed): ConnectorStateInfo {
    return {
      name: managed.stored.name,
      connector: {
        state: managed.state,
        worker_id: this.options.workerId,
        ...(managed.trace !== undefined && { trace: managed.trace }),
      },
      tasks: [...managed.tasks].sort(([a], [b]) => a - b).map(([id, task]) => this.taskState(id, task)),
      type: this.typeOf(managed),
      // Not in Kafka Connect's ConnectorStateInfo (clients ignore unknown fields).
      ...(managed.offsetWarnings.length > 0 && { warnings: managed.offsetWarnings }),
    };
  }

  private taskState(id: number, task: ManagedTask): TaskState {
    return {
      id,
      state: task.status.state,
      worker_id: this.options.workerId,
      ...(task.status.trace !== undefined && task.status.trace !== '' && { trace: task.status.trace }),
      // Not in Kafka Connect's TaskState; clients ignore unknown fields, people see snapshot progress.
      ...(task.status.progress !== undefined && { progress: task.status.progress }),
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

  /**
   * Resolves placeholders with the enabled providers; what they resolved to is registered so that
   * traces and log lines show the placeholder instead.
   */
  private resolve(managed: Managed, config: Readonly<Record<string, string>>): Record<string, string> {
    const { config: resolved, redactions } = resolvePlaceholdersRedacting(config, this.placeholders);
    secretRegistry.add(secretOwner(managed.stored.name), redactions);
    return resolved;
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

  private requireTopicTracking(): void {
    if (!this.topicTracking.enable)
      throw new OnrampError('TOPIC_TRACKING_DISABLED', 'Topic tracking is disabled.');
  }

  /** Runs `work` after every earlier change to the same connector name has finished. */
  private exclusive<T>(name: string, work: () => Promise<T>): Promise<T> {
    return this.locks.run(name, work);
  }
}

/** The registry owner of a connector's secrets (kept after deletion: late log lines stay clean). */
function secretOwner(name: string): string {
  return `connector:${name}`;
}

/** The error with every known secret in its message replaced (its code and status kept). */
function redactedError(error: unknown, redactor: Redactor): unknown {
  const message = error instanceof Error ? error.message : String(error);
  const redacted = secretRegistry.redact(redactor.redact(message));
  if (redacted === message) return error;
  if (error instanceof OnrampError)
    return new OnrampError(error.code, redacted, { retriable: error.retriable });
  return new Error(redacted);
}

function sameConfig(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

/** A create/update response: Kafka Connect's ConnectorInfo, plus `warnings` when there are any. */
function withWarnings(info: ConnectorInfo, warnings: readonly KeyWarning[]): ConnectorInfo {
  return warnings.length > 0 ? { ...info, warnings: [...warnings] } : info;
}
