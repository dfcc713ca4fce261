import type { ConfigDef, ConnectorPlugin } from '../plugin/index.ts';
import { defineConfig, field, ONRAMP_VERSION } from '../plugin/index.ts';
import { CONVERTER_CONFIGS } from '../schema/converter-config.ts';
import { transformPlugins } from '../transforms/index.ts';

// Resolves `connector.class` the way Kafka Connect does: the full class name, any alias the plugin
// declares, or a simple class name with or without its "Connector" suffix
// ("io.debezium.connector.postgresql.PostgresConnector", "PostgresConnector" and "Postgres" are the
// same plugin). Our own short name ("postgres-source") works too. A derived (simple-name) alias that
// two plugins share selects neither, as in Kafka Connect.

export type PluginType =
  | 'source'
  | 'sink'
  | 'converter'
  | 'header_converter'
  | 'transformation'
  | 'predicate';

/** A non-connector plugin we ship, listed by GET /connector-plugins?connectorsOnly=false. */
export interface OtherPlugin {
  className: string;
  type: Exclude<PluginType, 'source' | 'sink'>;
  version: string;
  config: ConfigDef;
}

export interface PluginListing {
  class: string;
  type: PluginType;
  version?: string;
}

function simpleName(className: string): string {
  return className.slice(className.lastIndexOf('.') + 1);
}

/** The class name shown for a plugin: its first fully qualified alias, else its short name. */
export function pluginClassName(plugin: ConnectorPlugin): string {
  return plugin.aliases.find((alias) => alias.includes('.')) ?? plugin.name;
}

export class PluginRegistry {
  private readonly plugins: readonly ConnectorPlugin[];
  private readonly others: readonly OtherPlugin[];
  private readonly exact = new Map<string, ConnectorPlugin>();
  private readonly derived = new Map<string, ConnectorPlugin | null>();

  constructor(plugins: readonly ConnectorPlugin[], others: readonly OtherPlugin[] = builtInOtherPlugins) {
    this.plugins = plugins;
    this.others = others;
    for (const plugin of plugins) {
      for (const name of [plugin.name, ...plugin.aliases]) {
        if (this.exact.has(name) && this.exact.get(name) !== plugin) {
          throw new Error(
            `Connector plugins ${this.exact.get(name)?.name} and ${plugin.name} both claim ${name}`,
          );
        }
        this.exact.set(name, plugin);
      }
    }
    for (const plugin of plugins) {
      for (const alias of plugin.aliases) {
        const simple = simpleName(alias);
        for (const name of new Set([simple, simple.replace(/Connector$/, '')])) {
          if (name === '' || this.exact.has(name)) continue;
          const known = this.derived.get(name);
          this.derived.set(name, known === undefined || known === plugin ? plugin : null);
        }
      }
    }
  }

  /** The plugin a `connector.class` value selects, or undefined. */
  resolve(className: string): ConnectorPlugin | undefined {
    const name = className.trim();
    const exact = this.exact.get(name);
    if (exact) return exact;
    // A fully qualified name we do not know may still end in a known simple name (e.g. a class moved
    // packages between versions); Kafka Connect resolves those through its alias table too.
    return this.derived.get(name) ?? this.derived.get(simpleName(name)) ?? undefined;
  }

  /** A non-connector plugin by class name or simple name. */
  resolveOther(className: string): OtherPlugin | undefined {
    const name = className.trim();
    return this.others.find((other) => other.className === name || simpleName(other.className) === name);
  }

  connectors(): readonly ConnectorPlugin[] {
    return this.plugins;
  }

  list(connectorsOnly: boolean): PluginListing[] {
    const listed: PluginListing[] = this.plugins.map((plugin) => ({
      class: pluginClassName(plugin),
      type: plugin.kind,
      version: plugin.version,
    }));
    if (!connectorsOnly) {
      listed.push(
        ...this.others.map((other) => ({ class: other.className, type: other.type, version: other.version })),
      );
    }
    return listed.sort((a, b) => (a.class < b.class ? -1 : a.class > b.class ? 1 : 0));
  }
}

// The converters the runtime (src/schema) implements, selected by Kafka Connect class names in
// key.converter / value.converter, with the settings their ConfigDefs declare.
const CONVERTER_VERSION = ONRAMP_VERSION;

export const builtInOtherPlugins: readonly OtherPlugin[] = [
  ...Object.entries(CONVERTER_CONFIGS).map(
    ([className, config]): OtherPlugin => ({
      className,
      type: 'converter',
      version: CONVERTER_VERSION,
      config,
    }),
  ),
  // The single message transforms and predicates src/transforms implements, for sources and sinks.
  ...transformPlugins().map(
    ({ className, type, settings }): OtherPlugin => ({
      className,
      type,
      version: CONVERTER_VERSION,
      config: defineConfig(
        Object.fromEntries(
          settings.map((setting) => [
            setting,
            field.string({ doc: `Setting ${setting} of ${className}.`, group: 'Transform' }),
          ]),
        ),
      ),
    }),
  ),
];
