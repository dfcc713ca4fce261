import { describe, expect, it } from 'vitest';
import { JDBC_SINK_VERSION } from '../../../connectors/jdbc-sink/connector.ts';
import { CONNECTOR_VERSION as MYSQL_VERSION } from '../../../connectors/mysql-source/version.ts';
import { CONNECTOR_VERSION as POSTGRES_VERSION } from '../../../connectors/postgres-source/version.ts';
import packageJson from '../../../package.json' with { type: 'json' };
import { builtInOtherPlugins } from '../../../src/host/plugin-registry.ts';
import { ONRAMP_VERSION } from '../../../src/plugin/index.ts';

// One version, package.json's: the plugin listing and every event's source.version report it.
describe('versions', () => {
  it('come from package.json for the connectors and the converters', () => {
    expect(ONRAMP_VERSION).toBe(packageJson.version);
    expect([POSTGRES_VERSION, MYSQL_VERSION, JDBC_SINK_VERSION]).toEqual(Array(3).fill(packageJson.version));
    for (const plugin of builtInOtherPlugins) expect(plugin.version).toBe(packageJson.version);
  });
});
