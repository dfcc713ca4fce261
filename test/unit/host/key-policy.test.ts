import { describe, expect, it } from 'vitest';
import { jdbcSinkPlugin } from '../../../connectors/jdbc-sink/connector.ts';
import { mysqlSourcePlugin } from '../../../connectors/mysql-source/connector.ts';
import { postgresSourcePlugin } from '../../../connectors/postgres-source/connector.ts';
import { validateConnectorConfig } from '../../../src/host/connector-config.ts';
import { definesKey } from '../../../src/host/key-policy.ts';
import type { ConnectorPlugin } from '../../../src/plugin/index.ts';

// No key is silently ignored: a key Debezium or Kafka Connect defines that Onramp does not
// implement is refused by name (with an alternative where there is one), renamed legacy keys get a
// hint, and keys nobody defines come back as warnings in ConfigInfos.

/** The plugin without its connectivity probe (no database in unit tests). */
function offline(plugin: ConnectorPlugin): ConnectorPlugin {
  const { probe: _probe, ...config } = plugin.config;
  return { ...plugin, config } as ConnectorPlugin;
}

const postgres = {
  name: 'shop',
  'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
  'database.hostname': 'db',
  'database.user': 'u',
  'database.password': 'p',
  'database.dbname': 'shop',
  'topic.prefix': 'shop',
};

async function validate(plugin: ConnectorPlugin, raw: Record<string, string>) {
  const outcome = await validateConnectorConfig({ plugin: offline(plugin), className: 'X', raw });
  const errors = Object.fromEntries(
    outcome.infos.configs
      .filter((config) => config.value.errors.length > 0)
      .map((config) => [config.value.name, config.value.errors]),
  );
  return { outcome, errors };
}

describe('undeclared keys', () => {
  it('refuses Debezium keys Onramp does not implement, naming them with an alternative', async () => {
    const { outcome, errors } = await validate(postgresSourcePlugin as ConnectorPlugin, {
      ...postgres,
      converters: 'boolean',
      'snapshot.include.collection.list': 'public.users',
      'topic.naming.strategy': 'io.example.Strategy',
      'post.processors': 'reselector',
    });
    expect(Object.keys(errors).sort()).toEqual([
      'converters',
      'post.processors',
      'snapshot.include.collection.list',
      'topic.naming.strategy',
    ]);
    expect(errors.converters?.[0]).toMatch(
      /^converters is a setting of the Debezium PostgreSQL connector .* that Onramp does not implement \(it would be ignored, so it is refused\): custom converters are Java classes; .*Cast\$Value/,
    );
    expect(errors['topic.naming.strategy']?.[0]).toMatch(/RegexRouter/);
    expect(outcome.infos.error_count).toBe(4);
  });

  it('hints the new name of renamed keys (database.server.name -> topic.prefix)', async () => {
    const { topic: _topic, ...raw } = { ...postgres, topic: '' };
    const { errors } = await validate(postgresSourcePlugin as ConnectorPlugin, {
      ...Object.fromEntries(Object.entries(raw).filter(([key]) => key !== 'topic.prefix')),
      'database.server.name': 'shop',
      'table.whitelist': 'public.users',
    });
    expect(errors['database.server.name']).toEqual([
      'database.server.name was renamed: use topic.prefix instead',
    ]);
    expect(errors['table.whitelist']).toEqual([
      'table.whitelist was renamed: use table.include.list instead',
    ]);
    expect(errors['topic.prefix']?.[0]).toMatch(/Missing required configuration "topic.prefix"/);
  });

  it('refuses Kafka Connect keys Onramp does not implement, unless their value is what Onramp does anyway', async () => {
    const { outcome, errors } = await validate(postgresSourcePlugin as ConnectorPlugin, {
      ...postgres,
      'topic.creation.default.partitions': '3',
      'topic.creation.default.cleanup.policy': 'compact',
      'topic.creation.groups': 'compacted',
      'exactly.once.support': 'required',
      'transaction.boundary': 'poll',
      'include.schema.changes': 'false',
      'snapshot.locking.mode': 'shared',
    });
    expect(Object.keys(errors).sort()).toEqual([
      'exactly.once.support',
      'snapshot.locking.mode',
      'topic.creation.default.cleanup.policy',
      'topic.creation.groups',
    ]);
    expect(errors['exactly.once.support']?.[0]).toMatch(
      /Kafka Connect setting Onramp does not implement.*KIP-618/,
    );
    expect(outcome.warnings.map((warning) => warning.name).sort()).toEqual([
      'include.schema.changes',
      'transaction.boundary',
    ]);
  });

  it('keeps keys nobody defines, and tuning-only Debezium keys, as warnings in ConfigInfos', async () => {
    const { outcome, errors } = await validate(postgresSourcePlugin as ConnectorPlugin, {
      ...postgres,
      'snapshot.fetch.size': '20000',
      'my.team.note': 'x',
      transforms: 'route',
      'transforms.route.type': 'RegexRouter',
      'transforms.route.regex': '(.*)',
      'transforms.route.replacement': 'x.$1',
      'transforms.route.flavour': 'mint',
    });
    expect(errors).toEqual({});
    expect(outcome.infos.error_count).toBe(0);
    expect(outcome.infos.warnings).toEqual([
      {
        name: 'snapshot.fetch.size',
        message: expect.stringMatching(/^snapshot.fetch.size has no effect in Onramp: /),
      },
      {
        name: 'my.team.note',
        message:
          'my.team.note is not a setting of this connector, of the Debezium PostgreSQL connector (io.debezium.connector.postgresql.PostgresConnector) or of Kafka Connect; it is kept but has no effect',
      },
      { name: 'transforms.route.flavour', message: expect.stringMatching(/not a setting of this transform/) },
    ]);
    // Without warnings, the response is Kafka Connect's ConfigInfos exactly.
    const clean = await validate(postgresSourcePlugin as ConnectorPlugin, postgres);
    expect(Object.keys(clean.outcome.infos)).toEqual(['name', 'error_count', 'groups', 'configs']);
  });

  it('knows the MySQL and JDBC sink keys, patterns included', async () => {
    const mysql = await validate(mysqlSourcePlugin as ConnectorPlugin, {
      name: 'inv',
      'connector.class': 'MySqlConnector',
      'database.hostname': 'db',
      'database.user': 'u',
      'database.password': 'p',
      'database.server.id': '5',
      'topic.prefix': 'inv',
      'database.history.kafka.topic': 'history',
      'schema.history.internal.producer.security.protocol': 'SSL',
      'gtid.source.includes': 'abc',
    });
    expect(mysql.errors['database.history.kafka.topic']).toEqual([
      'database.history.kafka.topic was renamed: use schema.history.internal.kafka.topic instead',
    ]);
    expect(mysql.errors['gtid.source.includes']?.[0]).toMatch(/GTID filtering is not implemented/);
    expect(mysql.outcome.warnings.map((warning) => warning.name)).toEqual([
      'schema.history.internal.producer.security.protocol',
    ]);
    const sink = await validate(jdbcSinkPlugin as ConnectorPlugin, {
      name: 'copy',
      'connector.class': 'JdbcSinkConnector',
      topics: 'a',
      'connection.url': 'jdbc:postgresql://db/shop',
      'pk.mode': 'record_key',
      'hibernate.c3p0.max_size': '10',
      'collection.naming.style': 'snake_case',
    });
    // Confluent's names are aliases here; pool tuning has no effect.
    expect(sink.errors['pk.mode']).toBeUndefined();
    expect(sink.outcome.warnings.map((warning) => warning.name)).toEqual(['hibernate.c3p0.max_size']);
    expect(sink.errors['collection.naming.style']?.[0]).toMatch(/use collection.name.format/);
    const original = postgresSourcePlugin.originalKeys;
    if (!original) throw new Error('no original keys');
    expect(definesKey(original, 'column.mask.hash.SHA-256.with.salt.pepper.and.more')).toBe(true);
    expect(definesKey(original, 'column.truncate.to.20.chars')).toBe(true);
    expect(definesKey(original, 'nobody.defines.this')).toBe(false);
  });
});
