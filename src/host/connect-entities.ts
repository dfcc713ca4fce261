import type { JsonValue, TaskProgress } from '../plugin/index.ts';
import { OnrampError, RecordRejectedError } from '../plugin/index.ts';

// The bodies of Kafka Connect's REST API (runtime/rest/entities), as the host returns them.

export type ConnectorType = 'source' | 'sink' | 'unknown';

export interface ConnectorTaskId {
  connector: string;
  task: number;
}

/** Kept keys without effect, offsets left behind: not in Kafka Connect's bodies (clients ignore unknown fields). */
export interface ConfigWarning {
  /** The config key concerned. */
  name: string;
  message: string;
}

export interface ConnectorInfo {
  name: string;
  config: Record<string, string>;
  tasks: ConnectorTaskId[];
  type: ConnectorType;
  /** Create/update responses only, when there are any. */
  warnings?: ConfigWarning[];
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
  /** A sink whose config change left committed offsets behind for remapped topics. */
  warnings?: ConfigWarning[];
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

/** Longest connector name accepted (Kafka's topic name limit: names end up in ids and URLs). */
export const MAX_CONNECTOR_NAME_LENGTH = 249;

/** A name for messages: long ones cut, control characters escaped. */
function shownName(name: string): string {
  return JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}...` : name);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const ISO_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Kafka Connect's rule for connector names (not empty, no ISO control characters), plus what keeps
 * every /connectors/{name} route usable: at most 249 characters, no '/', not "." or ".." (URL
 * normalization removes them from paths) and no unpaired surrogate (it cannot be percent-encoded).
 */
export function checkConnectorName(name: string): void {
  const invalid = (reason: string) => new OnrampError('BAD_REQUEST', `Connector name ${reason}`);
  if (name === '') throw invalid('cannot be empty');
  // ISO control characters: U+0000-U+001F and U+007F-U+009F (Java's Character.isISOControl).
  if (ISO_CONTROL.test(name)) throw invalid(`${shownName(name)} may not contain ISO control characters`);
  if (name.length > MAX_CONNECTOR_NAME_LENGTH)
    throw invalid(
      `${shownName(name)} is ${name.length} characters long; at most ${MAX_CONNECTOR_NAME_LENGTH} are allowed`,
    );
  if (name.includes('/'))
    throw invalid(`${shownName(name)} may not contain '/': no /connectors/{name} URL could address it`);
  if (name === '.' || name === '..') throw invalid(`may not be "." or "..": URLs drop such path segments`);
  if (LONE_SURROGATE.test(name))
    throw invalid('may not contain an unpaired UTF-16 surrogate: it cannot be written in a URL');
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
  // A rejected record: the outermost message already names the record and says what to change;
  // stacks would only bury it.
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 8; depth++) {
    if (current instanceof RecordRejectedError) {
      const code = error instanceof OnrampError ? error.code : current.code;
      return `${error instanceof Error ? error.message : String(error)} [${code}]`;
    }
    current = current.cause;
  }
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
