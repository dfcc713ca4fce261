import { clientOverrides, type KafkaClientConfig } from '../kafka/client-properties.ts';
import type { Cluster } from '../kafka/types.ts';
import type { ConfigOf, ConnectorPlugin, Fields, TaskConfig } from '../plugin/index.ts';
import { OnrampError, parseConfig } from '../plugin/index.ts';
import type { StoredConnector, TargetState } from '../stores/stores.ts';
import { type PlaceholderSources, resolvePlaceholdersRedacting } from './config-placeholders.ts';
import {
  type ConfigInfos,
  invalidConfigMessage,
  restoreHiddenSecrets,
  validateConnectorConfig,
} from './connector-config.ts';
import { sinkGroupId } from './connector-offsets.ts';
import type { KeyWarning } from './key-policy.ts';
import type { RootLogger } from './logger.ts';
import { type PluginRegistry, pluginClassName } from './plugin-registry.ts';
import { Redactor, secretRegistry } from './secret-redaction.ts';
import { remapWarnings } from './sink-remap.ts';
import { planTasks } from './task-planning.ts';
import type { Managed } from './worker.ts';

// Config writes before they reach the config store: validation (PUT .../config/validate and every
// write), "[hidden]" secrets sent back, the plugin's lifecycle hooks (onCreated, onReconfigured,
// onDeleted), task planning, and the warnings a write answers with. The herder stores the result.

export interface ConfigWriterOptions {
  plugins: PluginRegistry;
  placeholders: PlaceholderSources;
  cluster: Cluster;
  log: RootLogger;
  probeTimeoutMs?: number;
  /** The host's Kafka client settings, against which connectors' `*.override.*` keys are validated. */
  kafka?: KafkaClientConfig;
  /** The worker's converters (host config key.converter / value.converter keys). */
  workerConverters?: Readonly<Record<string, string>>;
}

/** A validated write, ready to be stored. */
export interface PreparedWrite {
  stored: StoredConnector;
  plugin: ConnectorPlugin;
  /** For the response: keys kept without effect, offsets left behind, what onReconfigured said. */
  warnings: KeyWarning[];
  /** Topics a sink's new config sends elsewhere while offsets stay committed (shown in /status too). */
  remapped: KeyWarning[];
  /** Set when planning the tasks failed: the connector is stored without tasks and FAILED. */
  planError?: unknown;
}

export class ConfigWriter {
  private readonly options: ConfigWriterOptions;

  constructor(options: ConfigWriterOptions) {
    this.options = options;
  }

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
    if (this.options.plugins.resolve(pluginName) !== plugin) {
      throw new OnrampError(
        'BAD_REQUEST',
        `Included connector type ${className} does not match request type ${pluginName}`,
      );
    }
    return (await this.validateWith(plugin, className, config)).infos;
  }

  /**
   * Validates a create or update and runs the plugin's hooks: onCreated for a new connector; for an
   * existing one `stopTasks`, then onReconfigured. Plans the tasks unless STOPPED. Undefined when the
   * config is what is stored already (nothing to do). Called under the connector's lock.
   */
  async prepare(
    name: string,
    given: Record<string, string>,
    targetState: TargetState,
    existing: Managed | undefined,
    stopTasks: (managed: Managed) => Promise<void>,
  ): Promise<PreparedWrite | undefined> {
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
    if (existing && sameConfig(existing.stored.config, config) && existing.plugin === plugin)
      return undefined;
    const outcome = await this.validateWith(plugin, className, config);
    if (outcome.infos.error_count > 0)
      throw new OnrampError('INVALID_CONFIG', invalidConfigMessage(outcome.infos));
    secretRegistry.add(secretOwner(name), outcome.redactions);
    if (outcome.warnings.length > 0) {
      this.options.log.warn(
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
    if (existing) await stopTasks(existing);
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
    return {
      stored: { name, config, targetState, tasks },
      plugin,
      warnings: [...outcome.warnings, ...remapped, ...reconfigured],
      remapped,
      ...(planError !== undefined && { planError }),
    };
  }

  /** Plans the tasks from the stored config again (a restart, a resume from STOPPED). */
  plan(managed: Managed): TaskConfig[] {
    const plugin = managed.plugin;
    if (!plugin) throw unknownPluginError(managed);
    const resolved = this.resolve(managed, managed.stored.config);
    const parsed = parseConfig(plugin.config, resolved);
    if (parsed.errors.length > 0) {
      throw new OnrampError('INVALID_CONFIG', parsed.errors.map((error) => error.message).join('\n'));
    }
    return planTasks(plugin, parsed.values, managed.stored.config, resolved);
  }

  /** The plugin's onDeleted (e.g. drop the slot); a failure is logged, the connector is gone anyway. */
  async runDeletedHook(managed: Managed): Promise<void> {
    const plugin = managed.plugin;
    if (!plugin?.onDeleted) return;
    try {
      const resolved = this.resolve(managed, managed.stored.config);
      const parsed = parseConfig(plugin.config, resolved);
      if (parsed.errors.length > 0)
        throw new OnrampError('INVALID_CONFIG', parsed.errors.map((e) => e.message).join('; '));
      await plugin.onDeleted(parsed.values);
    } catch (error) {
      // What the hook could not clean up is reported for humans.
      this.options.log.error(
        { connector: managed.stored.name, err: error },
        'connector onDeleted hook failed',
      );
    }
  }

  /**
   * Resolves placeholders with the enabled providers; what they resolved to is registered so that
   * traces and log lines show the placeholder instead.
   */
  resolve(managed: Managed, config: Readonly<Record<string, string>>): Record<string, string> {
    const { config: resolved, redactions } = resolvePlaceholdersRedacting(config, this.options.placeholders);
    secretRegistry.add(secretOwner(managed.stored.name), redactions);
    return resolved;
  }

  private resolveClass(className: string): ConnectorPlugin {
    const plugin = this.options.plugins.resolve(className);
    if (!plugin) {
      const known = this.options.plugins
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
      isKnownConverter: (converter) => this.options.plugins.resolveOther(converter)?.type === 'converter',
      placeholders: this.options.placeholders,
      ...(this.options.probeTimeoutMs !== undefined && { probeTimeoutMs: this.options.probeTimeoutMs }),
      ...(this.options.kafka !== undefined && { kafka: this.options.kafka }),
      ...(this.options.workerConverters !== undefined && { workerConverters: this.options.workerConverters }),
    });
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
        this.options.cluster.groupOffsets(groupId, clientOverrides(resolved)),
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
      this.options.log.warn(
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
      this.options.log.error(
        { connector: existing.stored.name, err: error },
        'connector onReconfigured hook failed',
      );
      return [];
    }
  }
}

export function unknownPluginError(managed: Managed): OnrampError {
  return new OnrampError(
    'PLUGIN_NOT_FOUND',
    `No connector plugin matches connector.class ${managed.stored.config['connector.class'] ?? '(missing)'}`,
  );
}

/** The registry owner of a connector's secrets (kept after deletion: late log lines stay clean). */
export function secretOwner(name: string): string {
  return `connector:${name}`;
}

export function sameConfig(
  a: Readonly<Record<string, string>>,
  b: Readonly<Record<string, string>>,
): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
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
