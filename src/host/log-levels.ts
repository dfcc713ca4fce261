import type { RootLogger } from './logger.ts';

// Run-time log levels for /admin/loggers (KIP-495), with Kafka Connect's semantics: named loggers
// form a dot-separated hierarchy, PUT on a namespace sets every logger at or below it (creating
// the namespace's logger when none exists) and answers with the affected names, a logger created
// later takes the level of its nearest explicitly set ancestor, and "root" reaches every logger.
//
// Each connector has a logger `connector.<name>` and each of its tasks `connector.<name>.task.<n>`
// (Kafka Connect's connector contexts as loggers): PUT /admin/loggers/connector.orders changes the
// connector orders and its tasks only. A connector's name may contain dots, so the loggers of one
// connector are never reached through another connector's logger (connector.a does not reach
// connector.a.b). Lines other loggers write about a connector (a `connector` field, e.g. the
// host's lifecycle lines) are held back when the connector's logger is set above their level.
//
// Named loggers are pino children bound with `logger: <name>`. pino children do not follow their
// parent's level by themselves, so every child is tracked (through pino's onChild hook) under the
// named logger it descends from, and a level set on a named logger is set on those children too.
// Level names are Kafka Connect's (log4j) mapped onto pino's.

export const ROOT_LOGGER = 'root';

const TO_PINO: Readonly<Record<string, string>> = {
  OFF: 'silent',
  FATAL: 'fatal',
  ERROR: 'error',
  WARN: 'warn',
  INFO: 'info',
  DEBUG: 'debug',
  TRACE: 'trace',
  ALL: 'trace',
};

const FROM_PINO: Readonly<Record<string, string>> = {
  silent: 'OFF',
  fatal: 'FATAL',
  error: 'ERROR',
  warn: 'WARN',
  info: 'INFO',
  debug: 'DEBUG',
  trace: 'TRACE',
};

/** The pino level for a Kafka Connect level name (case-insensitive), or undefined. */
export function pinoLevel(level: string): string | undefined {
  return TO_PINO[level.trim().toUpperCase()];
}

/** The logger of a connector (its own lines and, below it, its tasks'). */
export function connectorLoggerName(connector: string): string {
  return `connector.${connector}`;
}

export function taskLoggerName(connector: string, taskId: number): string {
  return `${connectorLoggerName(connector)}.task.${taskId}`;
}

export interface LoggerLevel {
  level: string;
  last_modified: number | null;
}

interface NamedLogger {
  logger: RootLogger;
  /** When PUT set it (directly or through a namespace above it); null while inherited. */
  lastModified: number | null;
  /** The connector whose logger (or task logger) this is. */
  connector: string | undefined;
}

/** The LogLevels of each root logger, for taskLogger() and the connector gate of createLogger(). */
const registries = new WeakMap<object, LogLevels>();

/** The logger of one task of `connector` (a plain named child when `parent` has no LogLevels). */
export function taskLogger(parent: RootLogger, connector: string, taskId: number): RootLogger {
  const levels = levelsOf(parent);
  return levels
    ? levels.taskLogger(connector, taskId)
    : parent.child({ logger: taskLoggerName(connector, taskId) });
}

/**
 * Whether a line at pino level `level` that names `connector` may be written by `logger`: not when
 * the connector's logger is set above it (lines a connector's own loggers write are theirs to judge).
 */
export function connectorAllows(logger: RootLogger, connector: string, level: number): boolean {
  const levels = levelsOf(logger);
  return levels ? levels.allows(logger, connector, level) : true;
}

function levelsOf(logger: object): LogLevels | undefined {
  for (let current: object | null = logger; current; current = Object.getPrototypeOf(current)) {
    const levels = registries.get(current);
    if (levels) return levels;
  }
  return undefined;
}

export class LogLevels {
  private readonly root: RootLogger;
  private readonly named = new Map<string, NamedLogger>();
  /** Every pino logger derived from the root -> the named logger it descends from (or root). */
  private readonly owners = new WeakMap<object, string>();
  private readonly descendants = new Map<string, Set<WeakRef<RootLogger>>>();
  private created = 0;
  private rootModified: number | null = null;

  constructor(root: RootLogger) {
    this.root = root;
    registries.set(root, this);
    const levels = this;
    // Children inherit this hook through the prototype chain; pino calls it on the parent.
    root.onChild = function (this: RootLogger, child: RootLogger) {
      levels.track(this, child);
    };
  }

  /** The named logger (created on first use, with its nearest set ancestor's level). */
  logger(name: string, connector?: string): RootLogger {
    if (name === ROOT_LOGGER) return this.root;
    let entry = this.named.get(name);
    if (!entry) {
      const logger = this.root.child({ logger: name });
      entry = { logger, lastModified: null, connector };
      this.named.set(name, entry);
      this.owners.set(logger, name);
      const inherited = this.inheritedLevel(name, connector);
      if (inherited !== undefined) logger.level = inherited;
    } else if (connector !== undefined) entry.connector = connector;
    return entry.logger;
  }

  /** The logger of connector `connector` (so GET /admin/loggers/connector.<name> finds it). */
  connectorLogger(connector: string): RootLogger {
    return this.logger(connectorLoggerName(connector), connector);
  }

  /** The logger of one task; its connector's logger exists from then on too. */
  taskLogger(connector: string, taskId: number): RootLogger {
    this.connectorLogger(connector);
    return this.logger(taskLoggerName(connector, taskId), connector);
  }

  /** The connector is deleted: its loggers go (a new connector of that name starts afresh). */
  forgetConnector(connector: string): void {
    for (const [name, entry] of this.named)
      if (entry.connector === connector) {
        this.named.delete(name);
        this.descendants.delete(name);
      }
  }

  list(): Record<string, LoggerLevel> {
    // Logger names come from requests: no prototype, so one named __proto__ is listed like any other.
    const result: Record<string, LoggerLevel> = Object.create(null);
    result[ROOT_LOGGER] = { level: levelName(this.root.level), last_modified: this.rootModified };
    for (const name of [...this.named.keys()].sort()) {
      const level = this.get(name);
      if (level) result[name] = level;
    }
    return result;
  }

  get(name: string): LoggerLevel | undefined {
    if (name === ROOT_LOGGER) return { level: levelName(this.root.level), last_modified: this.rootModified };
    const entry = this.named.get(name);
    if (!entry) return undefined;
    return { level: levelName(entry.logger.level), last_modified: entry.lastModified };
  }

  /**
   * Sets `level` (a Kafka Connect level name) on the namespace: the root and everything derived from
   * it for "root", else every named logger at or below the namespace (created when none is).
   * Returns the affected logger names; undefined when the level is not a valid name.
   */
  set(namespace: string, level: string): string[] | undefined {
    const target = pinoLevel(level);
    if (target === undefined) return undefined;
    const now = Date.now();
    if (namespace === ROOT_LOGGER) {
      this.root.level = target;
      this.rootModified = now;
      this.setDescendants(ROOT_LOGGER, target);
      for (const [name, entry] of this.named) {
        entry.logger.level = target;
        entry.lastModified = now;
        this.setDescendants(name, target);
      }
      return [ROOT_LOGGER, ...[...this.named.keys()].sort()];
    }
    if (this.below(namespace).length === 0) this.logger(namespace);
    const affected = this.below(namespace).sort();
    for (const name of affected) {
      const entry = this.named.get(name);
      if (!entry) continue;
      entry.logger.level = target;
      entry.lastModified = now;
      this.setDescendants(name, target);
    }
    return affected;
  }

  /** See connectorAllows(). */
  allows(logger: RootLogger, connector: string, level: number): boolean {
    if (this.named.get(this.owners.get(logger) ?? '')?.connector !== undefined) return true;
    // Only a level someone set: the host's own debug lines stay when its logger is turned up.
    const entry = this.named.get(connectorLoggerName(connector));
    if (!entry || entry.lastModified === null) return true;
    return level >= entry.logger.levelVal;
  }

  /** The named loggers at or below `namespace`, without other connectors' loggers. */
  private below(namespace: string): string[] {
    const owner = this.named.get(namespace)?.connector;
    return [...this.named]
      .filter(
        ([name, entry]) =>
          (name === namespace || name.startsWith(`${namespace}.`)) &&
          (owner === undefined || entry.connector === owner),
      )
      .map(([name]) => name);
  }

  /** The level of the nearest ancestor that PUT set (skipping other connectors' loggers). */
  private inheritedLevel(name: string, connector: string | undefined): string | undefined {
    for (let dot = name.lastIndexOf('.'); dot > 0; dot = name.lastIndexOf('.', dot - 1)) {
      const ancestor = this.named.get(name.slice(0, dot));
      if (!ancestor || ancestor.lastModified === null) continue;
      if (ancestor.connector !== undefined && ancestor.connector !== connector) continue;
      return ancestor.logger.level;
    }
    return this.rootModified === null ? undefined : this.root.level;
  }

  private track(parent: RootLogger, child: RootLogger): void {
    const owner = this.owners.get(parent) ?? ROOT_LOGGER;
    this.owners.set(child, owner);
    let set = this.descendants.get(owner);
    if (!set) {
      set = new Set();
      this.descendants.set(owner, set);
    }
    set.add(new WeakRef(child));
    this.created += 1;
    if (this.created % 256 === 0) this.prune();
  }

  private setDescendants(owner: string, level: string): void {
    for (const ref of this.descendants.get(owner) ?? []) {
      const child = ref.deref();
      if (child) child.level = level;
    }
  }

  private prune(): void {
    for (const set of this.descendants.values()) for (const ref of set) if (!ref.deref()) set.delete(ref);
  }
}

function levelName(pinoLevelName: string): string {
  return FROM_PINO[pinoLevelName] ?? pinoLevelName.toUpperCase();
}
