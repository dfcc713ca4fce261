import { OnrampError } from '../plugin/errors.ts';
import type { StoreSecrets } from '../stores/file-store.ts';
import { isSealed } from '../stores/secret-codec.ts';
import type { ConfigListener, ConfigStore, RestartRequest, StoredConnector } from '../stores/stores.ts';
import { type ConfigRecord, encodeConfigRecord } from './config-records.ts';
import { type ConfigChange, ConfigTopicState, type SessionKey } from './config-topic-state.ts';
import type { ClusterConfigView } from './incremental-cooperative-assignor.ts';
import type { LogRecord, LogWrite, TopicLog } from './topic-log.ts';

// The config store of a cluster: Kafka Connect's config topic (`config.storage.topic`, one
// partition) in Connect's records, so the topic reads as a Connect cluster's and a Connect cluster's
// reads here. State is what the topic says (ConfigTopicState); a write is durable, and told to the
// listeners, once this worker read it back — the same moment every other worker learns of it.
// Kafka Connect lets only the group leader write here (followers forward REST writes to it):
// `guard` is asked before every write so the herder can enforce that.

export interface KafkaConfigStoreOptions {
  log: TopicLog;
  /** Secret values sealed at rest when a key is configured (a Kafka Connect worker cannot read those). */
  secrets?: StoreSecrets;
  /** Throws (e.g. NOT_LEADER) when this worker may not write configs now. */
  guard?: (action: string) => void | Promise<void>;
  /** Reports records skipped because Kafka Connect would skip them too (unknown keys, bad values). */
  onSkipped?: (key: string, reason: string) => void;
  /** Read-to-end timeout for writes (Kafka Connect: 30 s). */
  timeoutMs?: number;
}

function sameStrings(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && a[key] === b[key])
  );
}

function sameTasks(a: readonly Record<string, string>[], b: readonly Record<string, string>[]): boolean {
  return a.length === b.length && a.every((task, index) => sameStrings(task, b[index] ?? {}));
}

export class KafkaConfigStore implements ConfigStore {
  private readonly options: KafkaConfigStoreOptions;
  private readonly state = new ConfigTopicState();
  private readonly listeners = new Set<ConfigListener>();
  private started = false;
  private writes: Promise<unknown> = Promise.resolve();

  constructor(options: KafkaConfigStoreOptions) {
    this.options = options;
  }

  /** Reads the whole topic; listeners hear only of changes after this (Kafka Connect's start()). */
  async start(): Promise<void> {
    await this.options.log.start((record) => this.onRecord(record));
    const partitions = this.options.log.partitionCount();
    if (partitions > 1)
      throw new OnrampError(
        'INVALID_CONFIG',
        `Topic '${this.options.log.topic}' supplied via the 'config.storage.topic' property is required to have a single partition in order to guarantee consistency of connector configurations, but found ${partitions} partitions.`,
      );
    this.started = true;
  }

  async stop(): Promise<void> {
    await this.writes.catch(() => undefined);
    await this.options.log.stop();
  }

  /** The next config-topic offset to read (what this worker reports when it joins the group). */
  get offset(): number {
    return this.state.offset;
  }

  /** Reads to the end of the topic (Kafka Connect's refresh). */
  refresh(timeoutMs = this.options.timeoutMs): Promise<void> {
    return this.options.log.readToEnd(timeoutMs);
  }

  /** The connectors and their committed task counts, for the group leader's assignor. */
  view(): ClusterConfigView {
    return this.state.view();
  }

  /** Connectors whose task configs were found incomplete: the leader must write them again. */
  inconsistent(): string[] {
    return [...this.state.inconsistent];
  }

  sessionKey(): SessionKey | undefined {
    return this.state.sessionKey && { ...this.state.sessionKey };
  }

  list(): StoredConnector[] {
    return [...this.state.connectorConfigs.keys()]
      .map((name) => this.stored(name))
      .filter((c) => c !== undefined);
  }

  get(name: string): StoredConnector | undefined {
    return this.stored(name);
  }

  private stored(name: string): StoredConnector | undefined {
    const config = this.state.connectorConfigs.get(name);
    if (!config) return undefined;
    return {
      name,
      config: this.open(config),
      targetState: this.state.targetStates.get(name) ?? 'STARTED',
      tasks: this.state.tasks(name).map((task) => this.open(task)),
    };
  }

  /**
   * Writes what changed, as Kafka Connect's herder does: the target state with the connector config
   * (target state first), then the task configs and their commit — except when stopping, where the
   * empty task set is committed before the STOPPED state (as Connect's stopConnector).
   */
  put(connector: StoredConnector): Promise<void> {
    return this.serialize(async () => {
      await this.options.guard?.(`writing the config of ${connector.name}`);
      await this.refresh();
      const before = this.stored(connector.name);
      const name = connector.name;
      const configChanged = !before || !sameStrings(before.config, connector.config);
      // A new connector is STARTED without a record saying so (Connect writes one only for another initial state).
      const stateChanged = before
        ? before.targetState !== connector.targetState
        : connector.targetState !== 'STARTED';
      const tasksChanged =
        !before || !sameTasks(before.tasks, connector.tasks) || this.state.inconsistent.has(name);
      const stopping = connector.targetState === 'STOPPED' && stateChanged;
      const head: ConfigRecord[] = [];
      if (stateChanged && !stopping)
        head.push({ kind: 'target-state', connector: name, state: connector.targetState });
      if (configChanged)
        head.push({
          kind: 'connector',
          connector: name,
          properties: this.seal(connector.config, connector.config),
        });
      await this.send(head);
      if (tasksChanged) {
        await this.send(
          connector.tasks.map((task, index) => ({
            kind: 'task',
            connector: name,
            task: index,
            properties: this.seal(connector.config, task),
          })),
        );
        // Every task config is in the topic before the commit that applies them.
        if (connector.tasks.length > 0) await this.refresh();
        await this.send([{ kind: 'commit', connector: name, tasks: connector.tasks.length }]);
      }
      if (stopping) await this.send([{ kind: 'target-state', connector: name, state: 'STOPPED' }]);
      await this.refresh();
    });
  }

  /** Tombstones for the connector config and its target state (task configs stay, as in Connect). */
  delete(name: string): Promise<void> {
    return this.serialize(async () => {
      await this.options.guard?.(`deleting ${name}`);
      await this.send([
        { kind: 'connector', connector: name, properties: null },
        { kind: 'target-state', connector: name, state: null },
      ]);
      await this.refresh();
    });
  }

  putRestartRequest(request: RestartRequest): Promise<void> {
    return this.serialize(async () => {
      await this.options.guard?.(`restarting ${request.connector}`);
      await this.send([
        {
          kind: 'restart',
          connector: request.connector,
          includeTasks: request.includeTasks,
          onlyFailed: request.onlyFailed,
        },
      ]);
      await this.refresh();
    });
  }

  /** The leader's session key for signed requests between workers (Kafka Connect's KIP-507). */
  putSessionKey(key: SessionKey): Promise<void> {
    return this.serialize(async () => {
      await this.options.guard?.('distributing a session key');
      await this.send([{ kind: 'session-key', ...key }]);
      await this.refresh();
    });
  }

  subscribe(listener: ConfigListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private serialize(work: () => Promise<void>): Promise<void> {
    const run = this.writes.then(work);
    this.writes = run.catch(() => undefined);
    return run;
  }

  private send(records: readonly ConfigRecord[]): Promise<void> {
    const writes: LogWrite[] = records.map((record) => {
      const { key, value } = encodeConfigRecord(record);
      return { key, value, partition: 0 };
    });
    return this.options.log.send(writes);
  }

  private onRecord(record: LogRecord): void {
    const key = record.key?.toString('utf8') ?? '';
    const skippedBefore = this.state.skipped.length;
    const changes = this.state.apply(record.offset, key, record.value);
    if (this.state.skipped.length !== skippedBefore) {
      const skipped = this.state.skipped.at(-1);
      if (skipped) this.options.onSkipped?.(skipped.key, skipped.reason);
    }
    if (this.started) for (const change of changes) this.notify(change);
  }

  private notify(change: ConfigChange): void {
    for (const listener of this.listeners) {
      try {
        switch (change.kind) {
          case 'connector-config':
            if (change.removed) listener.onConnectorConfigRemove(change.connector);
            else listener.onConnectorConfigUpdate(change.connector);
            break;
          case 'task-configs':
            listener.onTaskConfigUpdate(change.connector);
            break;
          case 'target-state':
            listener.onTargetStateChange(change.connector);
            break;
          case 'restart':
            listener.onRestartRequest({ ...change.request });
            break;
        }
      } catch {
        // A listener reports its own failures; reading the topic goes on.
      }
    }
  }

  private seal(
    connectorConfig: Record<string, string>,
    config: Record<string, string>,
  ): Record<string, string> {
    const secrets = this.options.secrets;
    const codec = secrets?.codec;
    if (!secrets || !codec) return config;
    return Object.fromEntries(
      Object.entries(config).map(([key, value]) => [
        key,
        secrets.isSecret(connectorConfig, key, value) && !isSealed(value) ? codec.seal(value) : value,
      ]),
    );
  }

  private open(config: Record<string, string>): Record<string, string> {
    const codec = this.options.secrets?.codec;
    const result: Record<string, string> = {};
    for (const [key, value] of Object.entries(config)) {
      if (!isSealed(value)) result[key] = value;
      else if (codec) result[key] = codec.open(value);
      else
        throw new OnrampError(
          'INTERNAL',
          `${key} of a stored connector is encrypted, but no secret key is configured (ONRAMP_SECRET_KEY or secrets.key.file)`,
        );
    }
    return result;
  }
}
