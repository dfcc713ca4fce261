import type { StatusStore, StoredStatus } from '../stores/stores.ts';
import type { TopicStore } from '../stores/topic-store.ts';
import {
  type ConnectStatus,
  decodeStatusRecord,
  encodeStatusRecord,
  type StatusRecord,
  type TopicStatus,
} from './status-records.ts';
import type { LogRecord, TopicLog } from './topic-log.ts';
import type { WriteFence } from './write-fence.ts';

// The status store of a cluster: Kafka Connect's status topic (`status.storage.topic`, 5 partitions
// by default) with connector and task states and the connectors' active topics (KIP-558), in
// Connect's records. Writes follow KafkaStatusBackingStore's rules:
// - a status carrying a generation is written only if the stored one is this worker's own, or of an
//   older or equal generation (putSafe), so a worker that was out of the group and comes back
//   cannot overwrite the state the task's new owner wrote;
// - a read UNASSIGNED of an older or equal generation does not replace a RUNNING one (a late write
//   of a stopping worker, racing its successor's RUNNING);
// - deleting writes tombstones (Connect's DESTROYED).

export interface KafkaStatusStoreOptions {
  log: TopicLog;
  /** Asked before every status write. */
  fence?: WriteFence;
  /** The discover timestamp of an active topic (default Date.now). */
  now?: () => number;
}

function toStored(status: ConnectStatus): StoredStatus {
  return {
    state: status.state,
    workerId: status.workerId,
    generation: status.generation,
    ...(status.trace !== null && { trace: status.trace }),
  };
}

export class KafkaStatusStore implements StatusStore {
  private readonly options: KafkaStatusStoreOptions;
  private readonly connectors = new Map<string, ConnectStatus>();
  private readonly tasks = new Map<string, Map<number, ConnectStatus>>();
  private readonly topicStatuses = new Map<string, Map<string, TopicStatus>>();
  private readonly topicListeners = new Set<(connector: string, topics: readonly string[]) => void>();
  /** The connectors' active topics, as Kafka Connect keeps them in this topic. */
  readonly topics: TopicStore;

  constructor(options: KafkaStatusStoreOptions) {
    this.options = options;
    this.topics = {
      get: (connector) => [...(this.topicStatuses.get(connector)?.keys() ?? [])],
      put: (connector, topics) => this.putTopics(connector, topics),
      delete: (connector) => this.putTopics(connector, []),
      subscribe: (listener) => {
        this.topicListeners.add(listener);
        return () => this.topicListeners.delete(listener);
      },
    };
  }

  start(): Promise<void> {
    return this.options.log.start((record) => this.onRecord(record));
  }

  stop(): Promise<void> {
    return this.options.log.stop();
  }

  refresh(timeoutMs?: number): Promise<void> {
    return this.options.log.readToEnd(timeoutMs);
  }

  /** Every connector with a stored status. */
  connectorNames(): string[] {
    return [...new Set([...this.connectors.keys(), ...this.tasks.keys()])];
  }

  getConnector(name: string): StoredStatus | undefined {
    const status = this.connectors.get(name);
    return status && toStored(status);
  }

  getTask(name: string, taskId: number): StoredStatus | undefined {
    const status = this.tasks.get(name)?.get(taskId);
    return status && toStored(status);
  }

  /** Every task status of a connector, by task number. */
  getTasks(name: string): Map<number, StoredStatus> {
    return new Map([...(this.tasks.get(name) ?? [])].map(([task, status]) => [task, toStored(status)]));
  }

  async putConnector(name: string, status: StoredStatus): Promise<void> {
    const next = this.toConnect(status);
    if (!this.canWrite(this.connectors.get(name), status, next)) return;
    await this.options.fence?.confirmMember(`writing the status of ${name}`);
    await this.write({ kind: 'connector', connector: name, status: next });
    this.connectors.set(name, next);
  }

  async putTask(name: string, taskId: number, status: StoredStatus): Promise<void> {
    const next = this.toConnect(status);
    if (!this.canWrite(this.tasks.get(name)?.get(taskId), status, next)) return;
    await this.options.fence?.confirmMember(`writing the status of ${name} task ${taskId}`);
    await this.write({ kind: 'task', connector: name, task: taskId, status: next });
    this.taskMap(name).set(taskId, next);
  }

  async delete(name: string): Promise<void> {
    await this.options.fence?.confirmMember(`deleting the status of ${name}`);
    const tasks = [...(this.tasks.get(name)?.keys() ?? [])];
    await this.options.log.send(
      [
        { kind: 'connector', connector: name, status: null } as const,
        ...tasks.map((task) => ({ kind: 'task', connector: name, task, status: null }) as const),
      ].map((record) => encodeStatusRecord(record)),
    );
    this.connectors.delete(name);
    this.tasks.delete(name);
  }

  private async putTopics(connector: string, topics: readonly string[]): Promise<void> {
    const current = this.topicStatuses.get(connector) ?? new Map<string, TopicStatus>();
    const wanted = new Set(topics);
    const records: StatusRecord[] = [];
    const now = (this.options.now ?? Date.now)();
    for (const topic of wanted)
      if (!current.has(topic))
        records.push({
          kind: 'topic',
          topic,
          connector,
          status: { topic, connector, task: 0, discoverTimestamp: now },
        });
    for (const topic of current.keys())
      if (!wanted.has(topic)) records.push({ kind: 'topic', topic, connector, status: null });
    if (records.length === 0) return;
    await this.options.fence?.confirmMember(`writing the active topics of ${connector}`);
    await this.options.log.send(records.map((record) => encodeStatusRecord(record)));
    for (const record of records)
      if (record.kind === 'topic') this.applyTopic(record.connector, record.topic, record.status);
  }

  private toConnect(status: StoredStatus): ConnectStatus {
    return {
      state: status.state,
      trace: status.trace ?? null,
      workerId: status.workerId,
      generation: status.generation ?? 0,
    };
  }

  /** Kafka Connect's putSafe rule, for writes that carry a generation. */
  private canWrite(current: ConnectStatus | undefined, status: StoredStatus, next: ConnectStatus): boolean {
    if (status.generation === undefined || current === undefined) return true;
    return current.workerId === next.workerId || current.generation <= next.generation;
  }

  private async write(record: StatusRecord): Promise<void> {
    await this.options.log.send([encodeStatusRecord(record)]);
  }

  private taskMap(name: string): Map<number, ConnectStatus> {
    let tasks = this.tasks.get(name);
    if (!tasks) {
      tasks = new Map();
      this.tasks.set(name, tasks);
    }
    return tasks;
  }

  private applyTopic(connector: string, topic: string, status: TopicStatus | null): void {
    let topics = this.topicStatuses.get(connector);
    if (status === null) {
      topics?.delete(topic);
      if (topics?.size === 0) this.topicStatuses.delete(connector);
      return;
    }
    if (!topics) {
      topics = new Map();
      this.topicStatuses.set(connector, topics);
    }
    topics.set(topic, status);
  }

  private onRecord(record: LogRecord): void {
    const decoded = decodeStatusRecord(record.key?.toString('utf8') ?? '', record.value);
    switch (decoded.kind) {
      case 'skipped':
        return;
      case 'connector':
        if (decoded.status === null) {
          this.connectors.delete(decoded.connector);
          this.tasks.delete(decoded.connector);
        } else this.connectors.set(decoded.connector, decoded.status);
        return;
      case 'task': {
        if (decoded.status === null) {
          this.tasks.get(decoded.connector)?.delete(decoded.task);
          return;
        }
        const current = this.tasks.get(decoded.connector)?.get(decoded.task);
        if (
          decoded.status.state === 'UNASSIGNED' &&
          current?.state === 'RUNNING' &&
          current.generation >= decoded.status.generation
        )
          return;
        this.taskMap(decoded.connector).set(decoded.task, decoded.status);
        return;
      }
      case 'topic': {
        const fresh =
          decoded.status !== null && !this.topicStatuses.get(decoded.connector)?.has(decoded.topic);
        this.applyTopic(decoded.connector, decoded.topic, decoded.status);
        if (fresh) {
          const topics = this.topics.get(decoded.connector);
          for (const listener of this.topicListeners) listener(decoded.connector, topics);
        }
        return;
      }
    }
  }
}
