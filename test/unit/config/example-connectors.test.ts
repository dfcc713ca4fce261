import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectorPlugins } from '../../../connectors/index.ts';
import { validateConnectorConfig } from '../../../src/host/connector-config.ts';
import { PluginRegistry } from '../../../src/host/plugin-registry.ts';
import type { ConnectorPlugin } from '../../../src/plugin/index.ts';

// The example connector configs (config/connectors for the demo and the local stack,
// config/compose for docker compose) validate without errors or warnings and keep passwords out of
// the JSON. None sets slot.drop.on.stop (it loses changes across a restart): deleting a connector
// drops the slot it created (slot.drop.on.delete), which is all the demo needs to clean up.

const root = join(import.meta.dirname, '..', '..', '..', 'config');
const registry = new PluginRegistry(connectorPlugins);
const examples = ['connectors', 'compose'].flatMap((folder) =>
  readdirSync(join(root, folder))
    .filter((file) => file.endsWith('.json'))
    .map((file) => `${folder}/${file}`),
);

describe('example connector configs', () => {
  it.each(examples)('%s validates, with passwords from the environment', async (example) => {
    const raw = JSON.parse(readFileSync(join(root, example), 'utf8')) as Record<string, string>;
    expect(raw['slot.drop.on.stop']).toBeUndefined();
    for (const [key, value] of Object.entries(raw))
      if (key.endsWith('password')) expect(value, key).toMatch(/^\$\{env:[A-Z_]+\}$/);
    const plugin = registry.resolve(raw['connector.class'] ?? '');
    if (!plugin) throw new Error(`no plugin for ${example}`);
    const { probe: _probe, ...config } = plugin.config;
    const outcome = await validateConnectorConfig({
      plugin: { ...plugin, config } as ConnectorPlugin,
      className: raw['connector.class'] ?? '',
      raw: { name: 'example', ...raw },
      placeholders: { env: { PGPASSWORD: 'secret', MYSQL_PASSWORD: 'secret' } },
    });
    const errors = outcome.infos.configs.flatMap((entry) => entry.value.errors);
    expect(errors).toEqual([]);
    expect(outcome.warnings).toEqual([]);
    if (example.startsWith('compose/')) {
      const hosts = [raw['database.hostname'], raw['connection.url']].filter((value) => value !== undefined);
      for (const host of hosts) expect(host).toMatch(/postgres|mysql:/);
    }
  });
});
