import { describe, expect, it } from 'vitest';
import { PluginRegistry, pluginClassName } from '../../../src/host/plugin-registry.ts';
import type { ConnectorPlugin } from '../../../src/plugin/index.ts';
import { defineConfig } from '../../../src/plugin/index.ts';

function plugin(name: string, kind: 'source' | 'sink', aliases: string[]): ConnectorPlugin {
  return {
    name,
    kind,
    aliases,
    version: '1.0.0',
    config: defineConfig({}),
    planTasks: () => [{}],
    createTask: () => {
      throw new Error('not used');
    },
  } as ConnectorPlugin;
}

const postgres = plugin('postgres-source', 'source', ['io.debezium.connector.postgresql.PostgresConnector']);
const mysql = plugin('mysql-source', 'source', [
  'io.debezium.connector.mysql.MySqlConnector',
  'MySqlConnector',
]);
const jdbcDebezium = plugin('jdbc-sink', 'sink', [
  'io.debezium.connector.jdbc.JdbcSinkConnector',
  'io.confluent.connect.jdbc.JdbcSinkConnector',
]);
const registry = new PluginRegistry([postgres, mysql, jdbcDebezium]);

describe('PluginRegistry.resolve', () => {
  it('finds a plugin by short name, full class name and declared alias', () => {
    expect(registry.resolve('postgres-source')).toBe(postgres);
    expect(registry.resolve('io.debezium.connector.postgresql.PostgresConnector')).toBe(postgres);
    expect(registry.resolve('MySqlConnector')).toBe(mysql);
    expect(registry.resolve('io.confluent.connect.jdbc.JdbcSinkConnector')).toBe(jdbcDebezium);
  });

  it('derives simple names with and without the Connector suffix, as Kafka Connect does', () => {
    expect(registry.resolve('PostgresConnector')).toBe(postgres);
    expect(registry.resolve('Postgres')).toBe(postgres);
    expect(registry.resolve('MySql')).toBe(mysql);
    expect(registry.resolve('JdbcSink')).toBe(jdbcDebezium);
    expect(registry.resolve('  PostgresConnector ')).toBe(postgres);
  });

  it('resolves an unknown package by its simple class name, and nothing else', () => {
    expect(registry.resolve('com.example.moved.PostgresConnector')).toBe(postgres);
    expect(registry.resolve('NoSuchConnector')).toBeUndefined();
    expect(registry.resolve('')).toBeUndefined();
    expect(registry.resolve('postgres')).toBeUndefined();
  });

  it('drops a derived alias two plugins share, but keeps their full names', () => {
    const a = plugin('a', 'source', ['com.a.SharedConnector']);
    const b = plugin('b', 'sink', ['com.b.SharedConnector']);
    const shared = new PluginRegistry([a, b]);
    expect(shared.resolve('SharedConnector')).toBeUndefined();
    expect(shared.resolve('Shared')).toBeUndefined();
    expect(shared.resolve('com.a.SharedConnector')).toBe(a);
    expect(shared.resolve('com.b.SharedConnector')).toBe(b);
  });

  it('refuses two plugins claiming the same full name', () => {
    expect(
      () => new PluginRegistry([postgres, plugin('other', 'source', [postgres.aliases[0] ?? ''])]),
    ).toThrow(/both claim/);
  });
});

describe('PluginRegistry listing', () => {
  it('lists connectors by their fully qualified class name, sorted, and converters on request', () => {
    expect(pluginClassName(postgres)).toBe('io.debezium.connector.postgresql.PostgresConnector');
    expect(pluginClassName(plugin('bare', 'source', []))).toBe('bare');
    expect(registry.list(true)).toEqual([
      { class: 'io.debezium.connector.jdbc.JdbcSinkConnector', type: 'sink', version: '1.0.0' },
      { class: 'io.debezium.connector.mysql.MySqlConnector', type: 'source', version: '1.0.0' },
      { class: 'io.debezium.connector.postgresql.PostgresConnector', type: 'source', version: '1.0.0' },
    ]);
    const all = registry.list(false).map((entry) => `${entry.type}:${entry.class}`);
    expect(all).toContain('converter:io.confluent.connect.avro.AvroConverter');
    expect(all).toContain('converter:org.apache.kafka.connect.json.JsonConverter');
    expect(all).toContain('converter:org.apache.kafka.connect.storage.StringConverter');
    expect(registry.resolveOther('JsonConverter')?.className).toBe(
      'org.apache.kafka.connect.json.JsonConverter',
    );
  });
});
