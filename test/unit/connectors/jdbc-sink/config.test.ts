// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${topic} and ${source.*} are the connector's own placeholders
import { describe, expect, it } from 'vitest';
import { jdbcSinkConfig } from '../../../../connectors/jdbc-sink/config.ts';
import { parseJdbcUrl } from '../../../../connectors/jdbc-sink/jdbc-url.ts';
import { parseConfig } from '../../../../src/plugin/index.ts';

describe('parseJdbcUrl', () => {
  it('reads MySQL, MariaDB and PostgreSQL URLs with defaults and parameters', () => {
    expect(parseJdbcUrl('jdbc:mysql://db.local:3307/shop?useSSL=true&user=app')).toEqual({
      dialect: 'mysql',
      scheme: 'mysql',
      host: 'db.local',
      port: 3307,
      database: 'shop',
      params: { useSSL: 'true', user: 'app' },
    });
    expect(parseJdbcUrl('jdbc:mariadb://127.0.0.1/inv')).toMatchObject({
      dialect: 'mysql',
      scheme: 'mariadb',
      port: 3306,
      database: 'inv',
    });
    expect(parseJdbcUrl('jdbc:postgresql://[::1]/app?sslmode=require')).toEqual({
      dialect: 'postgres',
      scheme: 'postgresql',
      host: '::1',
      port: 5432,
      database: 'app',
      params: { sslmode: 'require' },
    });
    expect(parseJdbcUrl('jdbc:postgresql:local')).toMatchObject({ host: 'localhost', database: 'local' });
  });

  it('rejects other schemes, missing databases and several hosts', () => {
    expect(() => parseJdbcUrl('jdbc:oracle:thin:@x:1521:db')).toThrow(/jdbc:mysql/);
    expect(() => parseJdbcUrl('jdbc:mysql://host:3306/')).toThrow(/no database/);
    expect(() => parseJdbcUrl('jdbc:mysql://a,b/db')).toThrow(/Multiple hosts/);
  });
});

const url = 'jdbc:postgresql://localhost:5432/app';

describe('JDBC sink config', () => {
  it("takes Debezium's keys with Debezium's defaults", () => {
    const { values, errors, unknown } = parseConfig(jdbcSinkConfig, {
      'connection.url': url,
      'connection.username': 'u',
      'primary.key.mode': 'record_key',
      'delete.enabled': 'true',
      'insert.mode': 'upsert',
      'schema.evolution': 'basic',
      'collection.name.format': 'sink_${topic}',
    });
    expect(errors).toEqual([]);
    expect(unknown).toEqual([]);
    expect(values).toMatchObject({
      'connection.username': 'u',
      'batch.size': 500,
      'insert.mode': 'upsert',
      'primary.key.mode': 'record_key',
      'collection.name.format': 'sink_${topic}',
      'truncate.enabled': false,
      'database.time_zone': 'UTC',
    });
  });

  it("takes Confluent's names for the same settings as aliases", () => {
    const { values, errors, unknown } = parseConfig(jdbcSinkConfig, {
      'connection.url': url,
      'connection.user': 'u',
      'pk.mode': 'record_value',
      'pk.fields': 'id,region',
      'auto.create': 'true',
      'auto.evolve': 'true',
      'table.name.format': 'kafka_${topic}',
      'fields.whitelist': 'a,b',
      'db.timezone': 'UTC',
      'max.retries': '3',
      'retry.backoff.ms': '250',
    });
    expect(errors).toEqual([]);
    expect(unknown).toEqual([]);
    expect(values).toMatchObject({
      'connection.username': 'u',
      'primary.key.mode': 'record_value',
      'primary.key.fields': ['id', 'region'],
      'auto.create': true,
      'collection.name.format': 'kafka_${topic}',
      'field.include.list': ['a', 'b'],
      'flush.max.retries': 3,
      'flush.retry.delay.ms': 250,
    });
  });

  it('checks: deletes need record_key, upsert needs a key, URL must parse, known time zones', () => {
    const fields = (raw: Record<string, string>) =>
      parseConfig(jdbcSinkConfig, { 'connection.url': url, ...raw }).errors.map((error) => error.field);
    expect(fields({ 'delete.enabled': 'true', 'primary.key.mode': 'record_value' })).toEqual([
      'delete.enabled',
    ]);
    expect(fields({ 'insert.mode': 'upsert' })).toEqual(['insert.mode']);
    expect(fields({ 'primary.key.mode': 'record_header' })).toEqual([]);
    expect(fields({ 'database.time_zone': 'Europe/Paris' })).toEqual([]);
    expect(fields({ 'db.timezone': '+05:30' })).toEqual([]);
    expect(fields({ 'database.time_zone': 'Mars/Olympus_Mons' })).toEqual(['database.time_zone']);
    expect(fields({ 'exactly.once.offsets.table': 'onramp_offsets' })).toEqual([]);
    expect(parseConfig(jdbcSinkConfig, { 'connection.url': 'jdbc:sqlite:x' }).errors).toEqual([
      {
        field: 'connection.url',
        message:
          'Invalid value jdbc:sqlite:x for configuration connection.url: Expected a jdbc:mysql://, jdbc:mariadb:// or jdbc:postgresql:// URL',
      },
    ]);
  });
});
