import { describe, expect, it } from 'vitest';
import { effectiveSnapshotMode, mysqlSourceConfig } from '../../../../connectors/mysql-source/config.ts';
import { mysqlSourcePlugin } from '../../../../connectors/mysql-source/index.ts';
import { needsSnapshot } from '../../../../connectors/mysql-source/task.ts';
import { parseConfig } from '../../../../src/plugin/index.ts';

const base = {
  'connector.class': 'io.debezium.connector.mysql.MySqlConnector',
  'database.hostname': 'db',
  'database.user': 'debezium',
  'database.password': 'secret',
  'database.server.id': '184054',
  'topic.prefix': 'shop',
};

describe('mysql source config', () => {
  it('accepts Debezium MySQL config with its defaults and schema history keys', () => {
    const parsed = parseConfig(mysqlSourceConfig, {
      ...base,
      'schema.history.internal.kafka.topic': 'schema-changes.shop',
      'schema.history.internal.kafka.bootstrap.servers': 'kafka:9092',
    });
    expect(parsed.errors).toEqual([]);
    expect(parsed.unknown).toEqual(['connector.class']);
    expect(parsed.values).toMatchObject({
      'database.port': 3306,
      'database.server.id': 184054,
      'snapshot.mode': 'initial',
      'snapshot.locking.mode': 'minimal',
      'time.precision.mode': 'adaptive_time_microseconds',
      'bigint.unsigned.handling.mode': 'long',
      'decimal.handling.mode': 'precise',
      'include.schema.changes': true,
      'tombstones.on.delete': true,
      'skipped.operations': ['t'],
    });
    expect(mysqlSourcePlugin.aliases).toContain('io.debezium.connector.mariadb.MariaDbConnector');
  });

  it('names each bad field', () => {
    const parsed = parseConfig(mysqlSourceConfig, {
      ...base,
      'max.queue.size': '10',
      'table.include.list': 'shop\\.a',
      'table.exclude.list': 'shop\\.b',
      'skipped.operations': 'x',
      'message.key.columns': 'nocolon',
    });
    expect(parsed.errors.map((error) => error.field).sort()).toEqual([
      'max.queue.size',
      'message.key.columns',
      'skipped.operations',
      'table.exclude.list',
    ]);
  });

  it('rejects a server id outside 1..2^32-1', () => {
    const parsed = parseConfig(mysqlSourceConfig, { ...base, 'database.server.id': '0' });
    expect(parsed.errors).toEqual([
      {
        field: 'database.server.id',
        message:
          'Invalid value 0 for configuration database.server.id: Value must be between 1 and 4294967295',
      },
    ]);
  });

  it('folds renamed snapshot modes and decides when to snapshot', () => {
    expect(effectiveSnapshotMode('schema_only')).toBe('no_data');
    expect(effectiveSnapshotMode('schema_only_recovery')).toBe('recovery');
    const done = { file: 'b.1', pos: 4, event: 0, row: 0 };
    const midSnapshot = { ...done, snapshot: true };
    expect(needsSnapshot('initial', undefined, false)).toBe(true);
    expect(needsSnapshot('initial', done, false)).toBe(false);
    expect(needsSnapshot('initial', midSnapshot, false)).toBe(true);
    expect(needsSnapshot('when_needed', done, true)).toBe(true);
    expect(needsSnapshot('initial', done, true)).toBe(false);
    expect(needsSnapshot('no_data', undefined, false)).toBe(false);
    expect(needsSnapshot('always', done, false)).toBe(true);
  });
});
