import { connectJsonBytes, isJsonObject, parseConnectJson } from './connect-json.ts';

// The records of Kafka Connect's status topic (KafkaStatusBackingStore, Connect 3.9):
//   status-connector-<name>                 {"state":"RUNNING","trace":null,"worker_id":"host:8083","generation":5}
//   status-task-<name>-<n>                  the same fields; null: forgotten (DESTROYED, deleted)
//   status-topic-<topic>:connector-<name>   {"topic":{"name":..,"connector":..,"task":0,"discoverTimestamp":<ms>}}
// `generation` is the group generation the writer was in when it wrote (a stale worker's record
// loses against a newer one); `worker_id` is the writer's advertised host:port.

export const STATUS_KEY_PREFIX = {
  connector: 'status-connector-',
  task: 'status-task-',
  topic: 'status-topic-',
} as const;
const TOPIC_SEPARATOR = ':connector-';

export const CONNECT_STATES = ['UNASSIGNED', 'RUNNING', 'PAUSED', 'FAILED', 'RESTARTING', 'STOPPED'] as const;
export type ConnectState = (typeof CONNECT_STATES)[number];

export interface ConnectStatus {
  state: ConnectState;
  /** The failure's stack trace (FAILED); null otherwise. */
  trace: string | null;
  workerId: string;
  generation: number;
}

export interface TopicStatus {
  topic: string;
  connector: string;
  task: number;
  /** Milliseconds since the epoch. */
  discoverTimestamp: number;
}

export type StatusRecord =
  | { kind: 'connector'; connector: string; status: ConnectStatus | null }
  | { kind: 'task'; connector: string; task: number; status: ConnectStatus | null }
  | { kind: 'topic'; topic: string; connector: string; status: TopicStatus | null };

export interface SkippedStatusRecord {
  kind: 'skipped';
  key: string;
  reason: string;
}

export function statusRecordKey(record: StatusRecord): string {
  switch (record.kind) {
    case 'connector':
      return STATUS_KEY_PREFIX.connector + record.connector;
    case 'task':
      return `${STATUS_KEY_PREFIX.task}${record.connector}-${record.task}`;
    case 'topic':
      return `${STATUS_KEY_PREFIX.topic}${record.topic}${TOPIC_SEPARATOR}${record.connector}`;
  }
}

export function encodeStatusRecord(record: StatusRecord): { key: Buffer; value: Buffer | null } {
  const key = Buffer.from(statusRecordKey(record), 'utf8');
  if (record.status === null) return { key, value: null };
  if (record.kind === 'topic') {
    const { topic, connector, task, discoverTimestamp } = record.status;
    return { key, value: connectJsonBytes({ topic: { name: topic, connector, task, discoverTimestamp } }) };
  }
  const { state, trace, workerId, generation } = record.status;
  return { key, value: connectJsonBytes({ state, trace, worker_id: workerId, generation }) };
}

function parseStatus(bytes: Buffer): ConnectStatus | string {
  const value = parseConnectJson(bytes);
  if (!isJsonObject(value)) return 'the value is not a map';
  const { state, trace, worker_id: workerId, generation } = value;
  if (typeof state !== 'string' || !CONNECT_STATES.includes(state as ConnectState))
    return `unknown state ${JSON.stringify(state)}`;
  if (typeof workerId !== 'string') return "'worker_id' is not a string";
  if (typeof generation !== 'number' || !Number.isInteger(generation))
    return "'generation' is not an integer";
  if (trace !== undefined && trace !== null && typeof trace !== 'string') return "'trace' is not a string";
  return { state: state as ConnectState, trace: trace ?? null, workerId, generation };
}

function parseTopicStatus(bytes: Buffer): TopicStatus | string {
  const value = parseConnectJson(bytes);
  const inner = isJsonObject(value) ? value.topic : undefined;
  if (!isJsonObject(inner)) return "'topic' is not a map";
  const { name, connector, task, discoverTimestamp } = inner;
  if (typeof name !== 'string' || typeof connector !== 'string') return 'topic or connector is not a string';
  if (typeof task !== 'number' || typeof discoverTimestamp !== 'number')
    return 'task or timestamp is not a number';
  return { topic: name, connector, task, discoverTimestamp };
}

/** Reads one record of the status topic (as KafkaStatusBackingStore.read does). */
export function decodeStatusRecord(key: string, bytes: Buffer | null): StatusRecord | SkippedStatusRecord {
  const skip = (reason: string): SkippedStatusRecord => ({ kind: 'skipped', key, reason });
  if (key.startsWith(STATUS_KEY_PREFIX.connector)) {
    const connector = key.slice(STATUS_KEY_PREFIX.connector.length);
    if (connector === '') return skip('empty connector name');
    if (bytes === null) return { kind: 'connector', connector, status: null };
    const status = parseStatus(bytes);
    return typeof status === 'string' ? skip(status) : { kind: 'connector', connector, status };
  }
  if (key.startsWith(STATUS_KEY_PREFIX.task)) {
    // Kafka Connect's parseConnectorTaskId: the number after the last dash.
    const rest = key.slice(STATUS_KEY_PREFIX.task.length);
    const dash = rest.lastIndexOf('-');
    const digits = rest.slice(dash + 1);
    if (dash < 1 || !/^\+?\d{1,10}$/.test(digits) || Number(digits) > 0x7fffffff)
      return skip('not a task status key');
    const connector = rest.slice(0, dash);
    const task = Number(digits);
    if (bytes === null) return { kind: 'task', connector, task, status: null };
    const status = parseStatus(bytes);
    return typeof status === 'string' ? skip(status) : { kind: 'task', connector, task, status };
  }
  if (key.startsWith(STATUS_KEY_PREFIX.topic)) {
    const separator = key.indexOf(TOPIC_SEPARATOR, STATUS_KEY_PREFIX.topic.length);
    if (separator < 0) return skip('not a topic status key');
    const topic = key.slice(STATUS_KEY_PREFIX.topic.length, separator);
    const connector = key.slice(separator + TOPIC_SEPARATOR.length);
    if (topic === '' || connector === '') return skip('empty topic or connector');
    if (bytes === null) return { kind: 'topic', topic, connector, status: null };
    const status = parseTopicStatus(bytes);
    return typeof status === 'string' ? skip(status) : { kind: 'topic', topic, connector, status };
  }
  return skip('unknown key');
}
