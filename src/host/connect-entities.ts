import type { JsonValue, TaskProgress } from '../plugin/index.ts';
import { OnrampError } from '../plugin/index.ts';

// The bodies of Kafka Connect's REST API (runtime/rest/entities), as the host returns them.

export type ConnectorType = 'source' | 'sink' | 'unknown';

export interface ConnectorTaskId {
  connector: string;
  task: number;
}

export interface ConnectorInfo {
  name: string;
  config: Record<string, string>;
  tasks: ConnectorTaskId[];
  type: ConnectorType;
}

export interface TaskInfo {
  id: ConnectorTaskId;
  config: Record<string, string>;
}

export interface ConnectorState {
  state: string;
  worker_id: string;
  trace?: string;
}

export interface TaskState extends ConnectorState {
  id: number;
  progress?: TaskProgress;
}

export interface ConnectorStateInfo {
  name: string;
  connector: ConnectorState;
  tasks: TaskState[];
  type: ConnectorType;
}

export interface ConnectorOffset {
  partition: Record<string, JsonValue>;
  offset: Record<string, JsonValue> | null;
}

export interface ConnectorOffsets {
  offsets: ConnectorOffset[];
}

export interface Message {
  message: string;
}

/** Kafka Connect's rule for connector names: not empty, no ISO control characters. */
export function checkConnectorName(name: string): void {
  if (name === '') throw new OnrampError('BAD_REQUEST', 'Connector name cannot be empty');
  // ISO control characters: U+0000-U+001F and U+007F-U+009F (Java's Character.isISOControl).
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) {
    throw new OnrampError(
      'BAD_REQUEST',
      `Connector name ${JSON.stringify(name)} may not contain ISO control characters`,
    );
  }
}

/** The config with `name` injected; 400 when it names a different connector (Kafka Connect's check). */
export function withConnectorName(name: string, config: Record<string, string>): Record<string, string> {
  const included = config.name;
  if (included !== undefined && included !== name) {
    throw new OnrampError(
      'BAD_REQUEST',
      `Connector name configuration (${included}) doesn't match connector name in the URL (${name})`,
    );
  }
  return { ...config, name };
}

/** A failure as the `trace` of a status: the error with its code, stack and cause chain. */
export function formatTrace(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 8; depth++) {
    const prefix = depth === 0 ? '' : 'Caused by: ';
    if (current instanceof Error) {
      const code = current instanceof OnrampError ? ` [${current.code}]` : '';
      const stack = current.stack ?? `${current.name}: ${current.message}`;
      // Put the code on the first line so a reader sees it without parsing the stack.
      parts.push(prefix + stack.replace(/^([^\n]*)/, `$1${code}`));
      current = current.cause;
    } else {
      parts.push(prefix + String(current));
      current = undefined;
    }
  }
  return parts.join('\n');
}
