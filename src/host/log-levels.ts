import type { RootLogger } from './logger.ts';

// Run-time log levels for /admin/loggers (KIP-495). Named loggers are pino children bound with
// `logger: <name>`; "root" is the root logger and setting it reaches every logger derived from the
// root (pino children do not follow their parent's level by themselves, so they are tracked here
// through pino's onChild hook). Level names are Kafka Connect's (log4j) mapped onto pino's.

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

export interface LoggerLevel {
  level: string;
  last_modified: number | null;
}

export class LogLevels {
  private readonly root: RootLogger;
  private readonly named = new Map<string, { logger: RootLogger; lastModified: number | null }>();
  private readonly descendants = new Set<WeakRef<RootLogger>>();
  private rootModified: number | null = null;

  constructor(root: RootLogger) {
    this.root = root;
    // Children inherit this hook through the prototype chain, so grandchildren are tracked as well.
    root.onChild = (child: RootLogger) => {
      this.descendants.add(new WeakRef(child));
      if (this.descendants.size % 256 === 0) this.prune();
    };
  }

  /** The named logger (created on first use). */
  logger(name: string): RootLogger {
    if (name === ROOT_LOGGER) return this.root;
    let entry = this.named.get(name);
    if (!entry) {
      entry = { logger: this.root.child({ logger: name }), lastModified: null };
      this.named.set(name, entry);
    }
    return entry.logger;
  }

  list(): Record<string, LoggerLevel> {
    // Logger names come from requests: no prototype, so one named __proto__ is listed like any other.
    const result: Record<string, LoggerLevel> = Object.create(null);
    result[ROOT_LOGGER] = {
      level: FROM_PINO[this.root.level] ?? this.root.level.toUpperCase(),
      last_modified: this.rootModified,
    };
    for (const name of [...this.named.keys()].sort()) {
      const level = this.get(name);
      if (level) result[name] = level;
    }
    return result;
  }

  get(name: string): LoggerLevel | undefined {
    if (name === ROOT_LOGGER) return this.list()[ROOT_LOGGER];
    const entry = this.named.get(name);
    if (!entry) return undefined;
    return {
      level: FROM_PINO[entry.logger.level] ?? entry.logger.level.toUpperCase(),
      last_modified: entry.lastModified,
    };
  }

  /**
   * Sets `level` (a Kafka Connect level name) on the namespace: the root and everything derived from
   * it for "root", else every named logger whose name starts with the namespace (created when none
   * does). Returns the affected logger names; undefined when the level is not a valid name.
   */
  set(namespace: string, level: string): string[] | undefined {
    const target = pinoLevel(level);
    if (target === undefined) return undefined;
    const now = Date.now();
    if (namespace === ROOT_LOGGER) {
      this.root.level = target;
      this.rootModified = now;
      for (const ref of this.descendants) {
        const child = ref.deref();
        if (child) child.level = target;
        else this.descendants.delete(ref);
      }
      for (const entry of this.named.values()) entry.lastModified = now;
      return [ROOT_LOGGER, ...[...this.named.keys()].sort()];
    }
    if (![...this.named.keys()].some((name) => name.startsWith(namespace))) this.logger(namespace);
    const affected = [...this.named.keys()].filter((name) => name.startsWith(namespace)).sort();
    for (const name of affected) {
      const entry = this.named.get(name);
      if (!entry) continue;
      entry.logger.level = target;
      entry.lastModified = now;
    }
    return affected;
  }

  private prune(): void {
    for (const ref of this.descendants) if (!ref.deref()) this.descendants.delete(ref);
  }
}
