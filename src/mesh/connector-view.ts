import { type PlaceholderSources, resolvePlaceholdersRedacting } from '../host/config-placeholders.ts';
import { sinkGroupId } from '../host/connector-offsets.ts';
import type { PluginRegistry } from '../host/plugin-registry.ts';
import { secretRegistry } from '../host/secret-redaction.ts';
import type { SinkTarget, SinkTopic, SourceDescription } from '../plugin/index.ts';
import { errorMessage, OnrampError, parseConfig } from '../plugin/index.ts';
import { withWorkerConverters } from '../schema/converter-config.ts';

// What the catalog needs to know about a connector, read from its stored config: whose product it
// is (product.*), its kind, the topics a sink reads, and, through the plugin's optional describe()
// and targets() hooks, the tables a source captures and where a sink writes. Placeholders are
// resolved with the host's enabled providers; what they resolved to never leaves in an error.

export interface ConnectorFacts {
  name: string;
  kind: 'source' | 'sink' | 'unknown';
  domain: string | undefined;
  product: string | undefined;
  owner: string | undefined;
  description: string | undefined;
  /** 'avro' or 'json' (the value converter). */
  format: string;
  /** Sinks: the topics listed in `topics` (a topics.regex sink is matched by `topicsRegex`). */
  topics: string[];
  topicsRegex: RegExp | undefined;
  group: string | undefined;
}

export class ConnectorView {
  private readonly plugins: PluginRegistry;
  private readonly placeholders: PlaceholderSources;

  private readonly workerConverters: Readonly<Record<string, string>> | undefined;

  /** `workerConverters`: the host config's key.converter / value.converter keys (a connector naming none takes them). */
  constructor(
    plugins: PluginRegistry,
    placeholders: PlaceholderSources,
    workerConverters?: Readonly<Record<string, string>>,
  ) {
    this.plugins = plugins;
    this.placeholders = placeholders;
    this.workerConverters = workerConverters;
  }

  facts(name: string, config: Readonly<Record<string, string>>): ConnectorFacts {
    const plugin = this.plugins.resolve(config['connector.class']?.trim() ?? '');
    const text = (key: string) => config[key]?.trim() || undefined;
    const kind = plugin?.kind ?? 'unknown';
    let topicsRegex: RegExp | undefined;
    const regex = text('topics.regex');
    if (kind === 'sink' && regex) {
      try {
        topicsRegex = new RegExp(`^(?:${regex})$`);
      } catch {
        topicsRegex = undefined;
      }
    }
    return {
      name,
      kind,
      domain: text('product.domain'),
      product: text('product.name'),
      owner: text('product.owner'),
      description: text('product.description'),
      format: /json/i.test(withWorkerConverters(config, this.workerConverters)['value.converter'] ?? '')
        ? 'json'
        : 'avro',
      topics:
        kind === 'sink'
          ? (config.topics ?? '')
              .split(',')
              .map((topic) => topic.trim())
              .filter((topic) => topic !== '')
          : [],
      topicsRegex,
      group: kind === 'sink' ? sinkGroupId(name, config) : undefined,
    };
  }

  /** The source's captured tables; rejects with a redacted error when the database cannot be read. */
  async describe(config: Readonly<Record<string, string>>): Promise<SourceDescription | undefined> {
    const plugin = this.plugins.resolve(config['connector.class']?.trim() ?? '');
    if (plugin?.kind !== 'source' || !plugin.describe) return undefined;
    try {
      return await plugin.describe(this.parsed(plugin, config));
    } catch (error) {
      throw new OnrampError('DATABASE_ERROR', secretRegistry.redact(errorMessage(error)));
    }
  }

  /** Where a sink writes these topics (empty when the plugin cannot tell without records). */
  targets(config: Readonly<Record<string, string>>, topics: readonly SinkTopic[]): SinkTarget[] {
    const plugin = this.plugins.resolve(config['connector.class']?.trim() ?? '');
    if (plugin?.kind !== 'sink' || !plugin.targets) return [];
    try {
      return plugin.targets(this.parsed(plugin, config), topics);
    } catch {
      return [];
    }
  }

  private parsed(
    plugin: NonNullable<ReturnType<PluginRegistry['resolve']>>,
    config: Readonly<Record<string, string>>,
  ) {
    const { config: resolved } = resolvePlaceholdersRedacting(config, this.placeholders);
    const parsed = parseConfig(plugin.config, resolved);
    if (parsed.errors.length > 0)
      throw new OnrampError('INVALID_CONFIG', parsed.errors.map((error) => error.message).join('; '));
    return parsed.values;
  }
}
