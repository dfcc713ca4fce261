import { describe, expect, it } from 'vitest';
import { decimalText, formatTimestamp } from '../../../../connectors/jdbc-sink/column-value.ts';
import { mysqlDialect } from '../../../../connectors/jdbc-sink/dialects/mysql.ts';
import { postgresDialect } from '../../../../connectors/jdbc-sink/dialects/postgres.ts';
import {
  addColumn,
  createTable,
  deleteRows,
  insertRows,
  updateRow,
} from '../../../../connectors/jdbc-sink/statements.ts';
import { UTC } from '../../../../connectors/jdbc-sink/time-zone.ts';

const table = { name: 'we"ird`name' };

describe('statements', () => {
  it('multi-row upserts: MariaDB VALUES() form and PostgreSQL ON CONFLICT, values only as parameters', () => {
    const rows = [
      [1, 'a'],
      [2, "b'); DROP TABLE x; --"],
    ];
    expect(insertRows(mysqlDialect, table, ['id', 'name'], rows, ['id'])).toEqual({
      sql: 'INSERT INTO `we"ird``name` (`id`,`name`) VALUES (?,?),(?,?) ON DUPLICATE KEY UPDATE `name`=VALUES(`name`)',
      params: [1, 'a', 2, "b'); DROP TABLE x; --"],
    });
    expect(insertRows(postgresDialect, { schema: 's', name: 't' }, ['id', 'name'], rows, ['id']).sql).toBe(
      'INSERT INTO "s"."t" ("id","name") VALUES ($1,$2),($3,$4) ON CONFLICT ("id") DO UPDATE SET "name"=EXCLUDED."name"',
    );
    expect(insertRows(postgresDialect, { name: 't' }, ['id'], [[1]], ['id']).sql).toMatch(/DO NOTHING$/);
    expect(insertRows(mysqlDialect, { name: 't' }, ['id'], [[1]], ['id']).sql).toMatch(
      /UPDATE `id`=VALUES\(`id`\)$/,
    );
  });

  it('multi-row deletes by single and composite keys; updates by key', () => {
    expect(deleteRows(postgresDialect, { name: 't' }, ['id'], [[1], [2]])).toEqual({
      sql: 'DELETE FROM "t" WHERE "id" IN ($1,$2)',
      params: [1, 2],
    });
    expect(
      deleteRows(
        mysqlDialect,
        { name: 't' },
        ['a', 'b'],
        [
          [1, 'x'],
          [2, 'y'],
        ],
      ).sql,
    ).toBe('DELETE FROM `t` WHERE (`a`,`b`) IN ((?,?),(?,?))');
    expect(
      updateRow(postgresDialect, { name: 't' }, [{ name: 'n', value: 'v' }], [{ name: 'id', value: 1 }]),
    ).toEqual({
      sql: 'UPDATE "t" SET "n"=$1 WHERE "id"=$2',
      params: ['v', 1],
    });
  });

  it('DDL: types per dialect, key as primary key, added columns nullable', () => {
    const columns = [
      { name: 'id', kind: { kind: 'string' as const }, optional: false, isKey: true },
      {
        name: 'amount',
        kind: { kind: 'decimal' as const, precision: 10, scale: 2 },
        optional: true,
        isKey: false,
      },
      {
        name: 'at',
        kind: { kind: 'timestamp' as const, unit: 'us' as const },
        optional: false,
        isKey: false,
      },
    ];
    expect(createTable(mysqlDialect, { name: 't' }, columns)).toBe(
      'CREATE TABLE IF NOT EXISTS `t` (`id` VARCHAR(255) NOT NULL, `amount` DECIMAL(10,2) NULL, `at` DATETIME(6) NOT NULL, PRIMARY KEY (`id`))',
    );
    expect(createTable(postgresDialect, { name: 't' }, columns)).toBe(
      'CREATE TABLE IF NOT EXISTS "t" ("id" TEXT NOT NULL, "amount" NUMERIC(10,2) NULL, "at" TIMESTAMP(6) NOT NULL, PRIMARY KEY ("id"))',
    );
    expect(
      addColumn(postgresDialect, { name: 't' }, { ...columns[2], name: 'x' } as (typeof columns)[number]),
    ).toBe('ALTER TABLE "t" ADD COLUMN "x" TIMESTAMP(6) NULL');
  });
});

describe('column values', () => {
  it('formats timestamps (before the epoch too) and decimals', () => {
    expect(formatTimestamp(1_700_000_000_123_456n, 6)).toBe('2023-11-14 22:13:20.123456');
    expect(formatTimestamp(-1n, 6)).toBe('1969-12-31 23:59:59.999999');
    expect(decimalText(-1230n, 2)).toBe('-12.30');
    expect(decimalText(5n, 3)).toBe('0.005');
    expect(mysqlDialect.zonedTimestamp('2024-01-02T03:04:05.123456+02:00', UTC)).toBe(
      '2024-01-02 01:04:05.123456',
    );
  });
});
