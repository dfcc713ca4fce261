// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${provider:...} placeholders are literal config values here
import { describe, expect, it } from 'vitest';
import { configProviders } from '../../../src/host/config-placeholders.ts';
import {
  changedAddressKeys,
  hideSecrets,
  invalidConfigMessage,
  isSecretSetting,
  restoreHiddenSecrets,
  validateConnectorConfig,
} from '../../../src/host/connector-config.ts';
import type { ConnectorPlugin } from '../../../src/plugin/index.ts';
import { defineConfig, field } from '../../../src/plugin/index.ts';

// Secrets in connector configs: URL passwords hidden like password fields, "[hidden]" sent back keeps
// the stored secret, and no validation message shows a resolved value or a secret.

const plugin = {
  name: 'demo',
  kind: 'sink',
  aliases: [],
  version: '1.0.0',
  config: defineConfig(
    {
      'connection.url': field.string({
        doc: 'URL',
        required: true,
        connectionTarget: true,
        validate: (value) => (value.startsWith('jdbc:') ? undefined : 'must start with jdbc:'),
      }),
      'database.hostname': field.string({ doc: 'Host', connectionTarget: true, aliases: ['db.host'] }),
      'database.port': field.int({ doc: 'Port', default: 5432, connectionTarget: true }),
      // Ends like an address, but the connector sends no secret there.
      'status.url': field.string({ doc: 'Where people look' }),
      'connection.password': field.password({ doc: 'Password' }),
      'database.dbname': field.string({
        doc: 'Database',
        validate: (value) => (/^[a-z_]+$/.test(value) ? undefined : 'must be a plain name'),
      }),
      'topic.prefix': field.string({ doc: 'Prefix' }),
    },
    {
      // A probe that echoes what it was given, as a database driver's error does.
      probe: async (config) => [
        {
          field: 'connection.url',
          message: `cannot connect to ${config['connection.url']} as ${config['connection.password']} (db ${config['topic.prefix']})`,
        },
      ],
    },
  ),
  planTasks: () => [{}],
  createTask: () => {
    throw new Error('not used');
  },
} as unknown as ConnectorPlugin;

const base = { name: 'a', 'connector.class': 'demo', topics: 't' };

describe('secrets in connector configs', () => {
  it('hides URL passwords in GET like password fields, leaving placeholders', () => {
    expect(
      hideSecrets(
        {
          'connection.url': 'jdbc:postgresql://db/app?user=u&password=s3cret',
          'other.url': 'postgres://u:pw@db/app',
          'env.url': 'jdbc:postgresql://db/app?password=${env:PW}',
          'connection.password': 'literal',
        },
        plugin,
      ),
    ).toEqual({
      'connection.url': 'jdbc:postgresql://db/app?user=u&password=[hidden]',
      'other.url': 'postgres://u:[hidden]@db/app',
      'env.url': 'jdbc:postgresql://db/app?password=${env:PW}',
      'connection.password': '[hidden]',
    });
    expect(isSecretSetting('connection.url', 'jdbc:mysql://h/d?password=x', plugin)).toBe(true);
    expect(isSecretSetting('connection.url', 'jdbc:mysql://h/d', plugin)).toBe(false);
    expect(isSecretSetting('connection.password', '${env:X}', plugin)).toBe(false);
  });

  it('keeps the stored secret where [hidden] comes back, and refuses [hidden] with nothing stored', () => {
    const stored = {
      'connection.url': 'jdbc:postgresql://db/app?user=u&password=s3cret',
      'connection.password': 'pw-stored',
    };
    const { config, errors } = restoreHiddenSecrets(
      { ...hideSecrets(stored, plugin), 'topic.prefix': 'changed' },
      stored,
      plugin,
    );
    expect(errors).toEqual([]);
    expect(config).toEqual({ ...stored, 'topic.prefix': 'changed' });

    const fresh = restoreHiddenSecrets(hideSecrets(stored, plugin), undefined, plugin);
    expect(fresh.errors.map((error) => error.field)).toEqual(['connection.url', 'connection.password']);
    expect(JSON.stringify(fresh.errors)).not.toContain('s3cret');
    // A non-secret key holding "[hidden]" is just a value.
    expect(restoreHiddenSecrets({ 'topic.prefix': '[hidden]' }, {}, plugin).errors).toEqual([]);
  });

  it('refuses [hidden] once an address changed, so a stored secret cannot be sent to another server', () => {
    const stored = {
      'connection.url': 'jdbc:postgresql://db:5432/app?user=u&password=s3cret&sslmode=require',
      'connection.password': 'pw-stored',
      'database.hostname': 'db',
      'producer.override.bootstrap.servers': 'k1:9092',
    };
    const shown = hideSecrets(stored, plugin);
    // The same addresses, another setting changed (or the URL's password given outright): kept.
    expect(restoreHiddenSecrets({ ...shown, 'batch.size': '10' }, stored, plugin).errors).toEqual([]);
    const newPassword = {
      ...shown,
      'connection.url': 'jdbc:postgresql://db:5432/app?user=u&password=new&sslmode=require',
    };
    expect(restoreHiddenSecrets(newPassword, stored, plugin).errors).toEqual([]);
    for (const [key, value] of [
      ['connection.url', 'jdbc:postgresql://evil:5432/app?user=u&password=[hidden]&sslmode=require'],
      ['database.hostname', 'evil'],
      ['db.host', 'evil'],
      ['database.port', '15432'],
      ['producer.override.bootstrap.servers', 'evil:9092'],
      ['admin.override.sasl.oauthbearer.token.endpoint.url', 'https://evil/token'],
      ['value.converter.schema.registry.url', 'http://evil:8081'],
    ] as const) {
      const moved = restoreHiddenSecrets({ ...shown, [key]: value }, stored, plugin);
      expect(moved.errors.map((error) => error.field).sort(), key).toEqual([
        'connection.password',
        'connection.url',
      ]);
      expect(moved.errors[0]?.message).toContain(`${key} changed`);
      expect(JSON.stringify(moved.errors)).not.toContain('s3cret');
    }
    // A new address with the secrets given outright is fine.
    const outright = { ...stored, 'database.hostname': 'db2' };
    expect(restoreHiddenSecrets(outright, stored, plugin).errors).toEqual([]);
    expect(
      changedAddressKeys(
        { 'connection.url': ' jdbc:x ', 'database.port': '1' },
        { 'connection.url': 'jdbc:x' },
        plugin,
      ),
    ).toEqual(['database.port']);
    // The plugin, converter and client declarations decide, not the key's ending: keys that only
    // look like addresses leave the stored secret in place.
    for (const [key, value] of [
      ['status.url', 'http://elsewhere'],
      ['undeclared.hostname', 'elsewhere'],
      ['producer.override.client.id', 'other'],
      ['value.converter.auto.register.schemas', 'false'],
    ] as const) {
      const kept = restoreHiddenSecrets({ ...shown, [key]: value }, stored, plugin);
      expect(kept.errors, key).toEqual([]);
      expect(kept.config['connection.password'], key).toBe('pw-stored');
      expect(kept.config['connection.url'], key).toBe(stored['connection.url']);
    }
  });

  it('shows no resolved value and no secret in any validation message or value', async () => {
    const env = {
      DB_SECRET: 'Resolved-Secret-Value',
      URL_SECRET: 'jdbc:postgresql://h/x?password=urlpw-123',
    };
    const outcome = await validateConnectorConfig({
      plugin,
      className: 'demo',
      raw: {
        ...base,
        'connection.url': 'jdbc:postgresql://db/app?password=literal-url-pw',
        'connection.password': 'literal-password',
        'database.dbname': '${env:DB_SECRET}',
        'topic.prefix': '${env:DB_SECRET}',
        'transforms.x.url': '${env:URL_SECRET}',
      },
      placeholders: { env, providers: configProviders({ enabled: ['env'] }) },
    });
    const text = JSON.stringify(outcome.infos);
    expect(text).toContain('Invalid value ${env:DB_SECRET} for configuration database.dbname');
    for (const secret of ['Resolved-Secret-Value', 'literal-url-pw', 'literal-password', 'urlpw-123'])
      expect(text).not.toContain(secret);
    expect(invalidConfigMessage(outcome.infos)).not.toContain('Resolved-Secret-Value');

    // The probe echoes the URL, the password and a resolved value: all replaced.
    const probed = await validateConnectorConfig({
      plugin,
      className: 'demo',
      raw: {
        ...base,
        'connection.url': 'jdbc:postgresql://db/app?password=literal-url-pw',
        'connection.password': 'literal-password',
        'topic.prefix': '${env:DB_SECRET}',
      },
      placeholders: { env, providers: configProviders({ enabled: ['env'] }) },
    });
    const probeErrors = probed.infos.configs.find((c) => c.value.name === 'connection.url')?.value.errors;
    expect(probeErrors).toEqual([
      'cannot connect to jdbc:postgresql://db/app?password=[hidden] as [hidden] (db ${env:DB_SECRET})',
    ]);
    expect(probed.infos.configs.find((c) => c.value.name === 'connection.url')?.value.value).toBe(
      'jdbc:postgresql://db/app?password=[hidden]',
    );
  });

  it('refuses placeholders of providers the host did not enable, naming the key', async () => {
    const outcome = await validateConnectorConfig({
      plugin,
      className: 'demo',
      raw: { ...base, 'connection.url': 'jdbc:x', 'database.dbname': '${dir:/etc:shadow}' },
      placeholders: { providers: configProviders({ enabled: [] }) },
    });
    const errors = outcome.infos.configs.find((c) => c.value.name === 'database.dbname')?.value.errors ?? [];
    expect(errors[0]).toContain('placeholder ${dir:/etc:shadow} uses the config provider "dir"');
    expect(outcome.infos.error_count).toBeGreaterThan(0);
  });
});
