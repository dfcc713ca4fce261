import type { JsonValue } from '../plugin/index.ts';
import type { TargetState } from '../stores/stores.ts';
import { connectJsonBytes, isJsonObject, parseConnectJson } from './connect-json.ts';

// The records of Kafka Connect's config topic (KafkaConfigBackingStore, Connect 3.9), keyed by plain
// UTF-8 strings, valued with the internal JsonConverter (schemas.enable=false):
//   connector-<name>          {"properties":{...}}                 null: the connector was deleted
//   task-<name>-<n>           {"properties":{...}}                 applied only by the commit after it
//   commit-<name>             {"tasks":N}
//   target-state-<name>       {"state":"PAUSED","state.v2":"STOPPED"}  (state: what pre-3.5 workers read)
//   restart-connector-<name>  {"include-tasks":true,"only-failed":false}
//   tasks-fencing-<name>      {"task-count":N}                     exactly-once source support
//   session-key               {"key":"<base64>","algorithm":"HmacSHA256","creation-timestamp":<ms>}
//   logger-cluster-<ns>       {"level":"DEBUG"}

export const CONFIG_KEY_PREFIX = {
  connector: 'connector-',
  task: 'task-',
  commit: 'commit-',
  targetState: 'target-state-',
  restart: 'restart-connector-',
  taskCount: 'tasks-fencing-',
  loggerLevel: 'logger-cluster-',
} as const;
export const SESSION_KEY_KEY = 'session-key';

export type ConfigRecord =
  | { kind: 'connector'; connector: string; properties: Record<string, string> | null }
  | { kind: 'task'; connector: string; task: number; properties: Record<string, string> | null }
  | { kind: 'commit'; connector: string; tasks: number }
  | { kind: 'target-state'; connector: string; state: TargetState | null }
  | { kind: 'restart'; connector: string; includeTasks: boolean; onlyFailed: boolean }
  | { kind: 'task-count'; connector: string; taskCount: number }
  | { kind: 'session-key'; key: string; algorithm: string; creationTimestamp: number }
  | { kind: 'logger-level'; namespace: string; level: string };

/** A record that cannot be used, and why (Kafka Connect logs and skips these too). */
export interface SkippedConfigRecord {
  kind: 'skipped';
  key: string;
  reason: string;
}

const TARGET_STATES: readonly TargetState[] = ['STARTED', 'PAUSED', 'STOPPED'];

export function configRecordKey(record: ConfigRecord): string {
  switch (record.kind) {
    case 'connector':
      return CONFIG_KEY_PREFIX.connector + record.connector;
    case 'task':
      return `${CONFIG_KEY_PREFIX.task}${record.connector}-${record.task}`;
    case 'commit':
      return CONFIG_KEY_PREFIX.commit + record.connector;
    case 'target-state':
      return CONFIG_KEY_PREFIX.targetState + record.connector;
    case 'restart':
      return CONFIG_KEY_PREFIX.restart + record.connector;
    case 'task-count':
      return CONFIG_KEY_PREFIX.taskCount + record.connector;
    case 'session-key':
      return SESSION_KEY_KEY;
    case 'logger-level':
      return CONFIG_KEY_PREFIX.loggerLevel + record.namespace;
  }
}

function configRecordValue(record: ConfigRecord): JsonValue {
  switch (record.kind) {
    case 'connector':
    case 'task':
      return record.properties === null ? null : { properties: record.properties };
    case 'commit':
      return { tasks: record.tasks };
    case 'target-state':
      // Workers before 3.5 know no STOPPED and read `state`: PAUSED is the closest they can do.
      return record.state === null
        ? null
        : { state: record.state === 'STOPPED' ? 'PAUSED' : record.state, 'state.v2': record.state };
    case 'restart':
      return { 'include-tasks': record.includeTasks, 'only-failed': record.onlyFailed };
    case 'task-count':
      return { 'task-count': record.taskCount };
    case 'session-key':
      return { key: record.key, algorithm: record.algorithm, 'creation-timestamp': record.creationTimestamp };
    case 'logger-level':
      return { level: record.level };
  }
}

/** The record's key and value bytes as Kafka Connect writes them (a null value is a tombstone). */
export function encodeConfigRecord(record: ConfigRecord): { key: Buffer; value: Buffer | null } {
  const value = configRecordValue(record);
  return {
    key: Buffer.from(configRecordKey(record), 'utf8'),
    value: value === null ? null : connectJsonBytes(value),
  };
}

/** Kafka Connect's parseTaskId: the number after the last dash; the connector name may hold dashes. */
function parseTaskKey(rest: string): { connector: string; task: number } | undefined {
  const dash = rest.lastIndexOf('-');
  if (dash < 0) return undefined;
  const digits = rest.slice(dash + 1);
  if (!/^\+?\d{1,10}$/.test(digits)) return undefined;
  const task = Number(digits);
  if (task > 0x7fffffff) return undefined;
  return { connector: rest.slice(0, dash), task };
}

function stringProperties(value: JsonValue | undefined): Record<string, string> | undefined {
  if (!isJsonObject(value)) return undefined;
  const properties = value.properties;
  if (!isJsonObject(properties)) return undefined;
  const result: Record<string, string> = {};
  for (const [key, item] of Object.entries(properties)) {
    // Connect's schema allows null values (OPTIONAL_STRING): an unset key.
    if (item === null) continue;
    if (typeof item !== 'string') return undefined;
    result[key] = item;
  }
  return result;
}

function int32(value: JsonValue | undefined): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && Math.abs(value) <= 0x7fffffff
    ? value
    : undefined;
}

/** Reads one record of the config topic; keys Connect does not know either are skipped. */
export function decodeConfigRecord(key: string, bytes: Buffer | null): ConfigRecord | SkippedConfigRecord {
  const skip = (reason: string): SkippedConfigRecord => ({ kind: 'skipped', key, reason });
  const value = bytes === null ? null : parseConnectJson(bytes);
  if (value === undefined) return skip('the value is not JSON');
  const field = (name: string) => (isJsonObject(value) ? value[name] : undefined);
  // Order as in KafkaConfigBackingStore's ConsumeCallback: target-state- before task-, etc.
  if (key.startsWith(CONFIG_KEY_PREFIX.targetState)) {
    const connector = key.slice(CONFIG_KEY_PREFIX.targetState.length);
    if (value === null) return { kind: 'target-state', connector, state: null };
    const v2 = field('state.v2');
    const state = typeof v2 === 'string' ? v2 : field('state');
    if (typeof state !== 'string' || !TARGET_STATES.includes(state as TargetState))
      return skip(`invalid target state ${JSON.stringify(state)}`);
    return { kind: 'target-state', connector, state: state as TargetState };
  }
  if (key.startsWith(CONFIG_KEY_PREFIX.connector)) {
    const connector = key.slice(CONFIG_KEY_PREFIX.connector.length);
    if (value === null) return { kind: 'connector', connector, properties: null };
    const properties = stringProperties(value);
    if (!properties) return skip("'properties' is not a map of strings");
    return { kind: 'connector', connector, properties };
  }
  if (key.startsWith(CONFIG_KEY_PREFIX.task)) {
    const id = parseTaskKey(key.slice(CONFIG_KEY_PREFIX.task.length));
    if (!id) return skip('not a task config key');
    if (value === null) return skip('a task config is unexpectedly null');
    const properties = stringProperties(value);
    if (!properties) return skip("'properties' is not a map of strings");
    return { kind: 'task', ...id, properties };
  }
  if (key.startsWith(CONFIG_KEY_PREFIX.commit)) {
    const connector = key.slice(CONFIG_KEY_PREFIX.commit.length);
    const tasks = int32(field('tasks'));
    if (tasks === undefined) return skip("'tasks' is not an integer");
    return { kind: 'commit', connector, tasks };
  }
  if (key.startsWith(CONFIG_KEY_PREFIX.restart)) {
    const connector = key.slice(CONFIG_KEY_PREFIX.restart.length);
    if (!isJsonObject(value)) return skip('a restart request is not a map');
    // Connect falls back on false for a field that is not a boolean.
    const flag = (name: string) => {
      const item = field(name);
      return typeof item === 'boolean' ? item : false;
    };
    return {
      kind: 'restart',
      connector,
      includeTasks: flag('include-tasks'),
      onlyFailed: flag('only-failed'),
    };
  }
  if (key.startsWith(CONFIG_KEY_PREFIX.taskCount)) {
    const connector = key.slice(CONFIG_KEY_PREFIX.taskCount.length);
    const taskCount = int32(field('task-count'));
    if (taskCount === undefined) return skip("'task-count' is not an integer");
    return { kind: 'task-count', connector, taskCount };
  }
  if (key === SESSION_KEY_KEY) {
    const sessionKey = field('key');
    const algorithm = field('algorithm');
    const created = field('creation-timestamp');
    if (typeof sessionKey !== 'string' || typeof algorithm !== 'string' || typeof created !== 'number')
      return skip('an invalid session key');
    return { kind: 'session-key', key: sessionKey, algorithm, creationTimestamp: created };
  }
  if (key.startsWith(CONFIG_KEY_PREFIX.loggerLevel)) {
    const level = field('level');
    if (typeof level !== 'string') return skip("'level' is not a string");
    return { kind: 'logger-level', namespace: key.slice(CONFIG_KEY_PREFIX.loggerLevel.length), level };
  }
  return skip('unknown key');
}
