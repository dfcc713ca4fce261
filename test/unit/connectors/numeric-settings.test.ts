import { describe, expect, it } from 'vitest';
import { connectorPlugins } from '../../../connectors/index.ts';
import { jdbcSinkConfig } from '../../../connectors/jdbc-sink/config.ts';
import { mysqlSourceConfig } from '../../../connectors/mysql-source/config.ts';
import { postgresSourceConfig } from '../../../connectors/postgres-source/config.ts';
import { type ConfigDef, parseConfig } from '../../../src/plugin/index.ts';

// Every numeric setting of the three connectors is range-checked at validation, by the field's
// declaration: a port outside 1..65535 or a negative size or interval is a validation error naming
// the key, never a value that reaches a socket or a timer.

const sources: Record<string, { def: ConfigDef; base: Record<string, string> }> = {
  postgres: {
    def: postgresSourceConfig as unknown as ConfigDef,
    base: { 'database.hostname': 'db', 'database.user': 'u', 'database.dbname': 'd', 'topic.prefix': 'p' },
  },
  mysql: {
    def: mysqlSourceConfig as unknown as ConfigDef,
    base: { 'database.hostname': 'db', 'database.user': 'u', 'database.server.id': '7', 'topic.prefix': 'p' },
  },
};

describe('numeric settings', () => {
  it('every INT, LONG and DOUBLE field of every connector declares at least a lower bound', () => {
    const unbounded = connectorPlugins.flatMap((plugin) =>
      Object.entries(plugin.config.fields)
        .filter(([, spec]) => ['INT', 'SHORT', 'LONG', 'DOUBLE'].includes(spec.type))
        .filter(([, spec]) => spec.range?.min === undefined)
        .map(([name]) => `${plugin.name}: ${name}`),
    );
    expect(unbounded).toEqual([]);
  });

  it.each(Object.entries(sources))('%s source: database.port outside 1..65535 names the key', (_, source) => {
    for (const port of ['70000', '-1', '0']) {
      expect(parseConfig(source.def, { ...source.base, 'database.port': port }).errors).toEqual([
        {
          field: 'database.port',
          message: `Invalid value ${port} for configuration database.port: Value must be between 1 and 65535`,
        },
      ]);
    }
    expect(parseConfig(source.def, { ...source.base, 'database.port': '65535' }).errors).toEqual([]);
  });

  it.each(Object.entries(sources))('%s source: -1 is refused for every numeric setting', (_, source) => {
    const numeric = Object.entries(source.def.fields)
      .filter(([, spec]) => spec.type === 'INT' || spec.type === 'LONG')
      .map(([name]) => name);
    expect(numeric.length).toBeGreaterThan(5);
    for (const name of numeric) {
      const { errors } = parseConfig(source.def, { ...source.base, [name]: '-1' });
      expect(errors.map((error) => error.field)).toContain(name);
      expect(errors.find((error) => error.field === name)?.message).toMatch(
        new RegExp(`^Invalid value -1 for configuration ${name.replaceAll('.', '\\.')}: Value must be`),
      );
    }
  });

  it('postgres source: the keepalive stays below wal_sender_timeout, money scale stays sane', () => {
    const base = sources.postgres?.base;
    const fields = (raw: Record<string, string>) =>
      parseConfig(postgresSourceConfig, { ...base, ...raw }).errors.map((error) => error.field);
    expect(fields({ 'status.update.interval.ms': '30001' })).toEqual(['status.update.interval.ms']);
    expect(fields({ 'money.fraction.digits': '2000000000' })).toEqual(['money.fraction.digits']);
    expect(fields({ 'heartbeat.interval.ms': '0' })).toEqual([]);
  });

  it('mysql source: the server id stays within 1..2^32-1', () => {
    const base = sources.mysql?.base;
    expect(
      parseConfig(mysqlSourceConfig, { ...base, 'database.server.id': '4294967296' }).errors[0]?.message,
    ).toBe(
      'Invalid value 4294967296 for configuration database.server.id: Value must be between 1 and 4294967295',
    );
  });

  it('JDBC sink: sizes, retries and the URL port are checked', () => {
    const base = { 'connection.url': 'jdbc:postgresql://db:5432/app' };
    const errors = (raw: Record<string, string>) => parseConfig(jdbcSinkConfig, { ...base, ...raw }).errors;
    expect(errors({ 'batch.size': '0' }).map((error) => error.field)).toEqual(['batch.size']);
    expect(errors({ 'connection.pool.max_size': '-1' }).map((error) => error.field)).toEqual([
      'connection.pool.max_size',
    ]);
    expect(errors({ 'flush.max.retries': '-1' }).map((error) => error.field)).toEqual(['flush.max.retries']);
    expect(errors({ 'retry.backoff.ms': '-5' }).map((error) => error.field)).toEqual([
      'flush.retry.delay.ms',
    ]);
    expect(errors({ 'flush.retry.delay.ms': '4294967296' }).map((error) => error.field)).toEqual([
      'flush.retry.delay.ms',
    ]);
    const [port] = errors({ 'connection.url': 'jdbc:mysql://db:70000/app' });
    expect(port?.field).toBe('connection.url');
    expect(port?.message).toMatch(/Port 70000 is out of range: must be between 1 and 65535/);
  });
});
