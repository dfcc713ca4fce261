import { describe, expect, it } from 'vitest';
import { decimalText, formatTimestamp, sqlValue } from '../../../../connectors/jdbc-sink/column-value.ts';
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

  it('PostgreSQL bulk statements: one typed array per column, text fixed whatever the row count', () => {
    const bulkInsert = postgresDialect.bulkInsert;
    const bulkDelete = postgresDialect.bulkDelete;
    if (!bulkInsert || !bulkDelete) throw new Error('PostgreSQL has bulk statements');
    const columns = [
      { name: 'id', type: 'integer' },
      { name: 'we"ird', type: 'numeric' },
      { name: 'at', type: 'timestamp without time zone' },
    ];
    const rows = [
      [1, '12.30', '2024-01-02 03:04:05.000000'],
      [2, null, "x'); DROP TABLE t; --"],
    ];
    expect(bulkInsert('"s"."t"', columns, rows, ['id'])).toEqual({
      sql: 'INSERT INTO "s"."t" ("id","we""ird","at") SELECT * FROM unnest($1::integer[],$2::numeric[],$3::timestamp without time zone[]) ON CONFLICT ("id") DO UPDATE SET "we""ird"=EXCLUDED."we""ird","at"=EXCLUDED."at"',
      params: ['{1,2}', '{"12.30",NULL}', '{"2024-01-02 03:04:05.000000","x\'); DROP TABLE t; --"}'],
    });
    // Array literal elements: quotes and backslashes escaped, bytea as hex, booleans as the driver sends them.
    expect(
      bulkInsert('"t"', [{ name: 'v', type: 'text' }], [['a"b\\c'], [Buffer.from([1, 255])], [true], [-1.5]])
        .params,
    ).toEqual(['{"a\\"b\\\\c","\\\\x01ff",true,-1.5}']);
    expect(bulkInsert('"t"', columns, rows.slice(0, 1)).sql).toBe(
      bulkInsert('"t"', columns, rows).sql.replace(/ ON CONFLICT.*$/, ''),
    );
    expect(bulkDelete('"t"', [{ name: 'id', type: 'bigint' }], [[1], [2]])).toEqual({
      sql: 'DELETE FROM "t" WHERE "id" = ANY($1::bigint[])',
      params: ['{1,2}'],
    });
    expect(
      bulkDelete(
        '"t"',
        [
          { name: 'a', type: 'integer' },
          { name: 'b', type: 'text' },
        ],
        [
          [1, 'x'],
          [2, 'y'],
        ],
      ).sql,
    ).toBe('DELETE FROM "t" WHERE ("a","b") IN (SELECT * FROM unnest($1::integer[],$2::text[]))');
    expect(mysqlDialect.bulkInsert).toBeUndefined();
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
  it('writes timestamps within ±2^53 µs by plain arithmetic exactly as the BigInt path does', () => {
    const ms = { kind: 'timestamp' as const, unit: 'ms' as const };
    const us = { kind: 'timestamp' as const, unit: 'us' as const };
    const same = (iso: string) => iso;
    for (const value of [0, -1, -86_400_001, 1_700_000_000_123, 253_402_300_799_999, -62_135_596_800_000])
      expect(sqlValue(ms, value, same, UTC)).toBe(formatTimestamp(BigInt(value) * 1000n, 3));
    for (const value of [0, -1, 999_999, -1_000_000, 1_700_000_000_123_456, 2 ** 53 - 1])
      expect(sqlValue(us, value, same, UTC)).toBe(formatTimestamp(BigInt(value), 6));
    expect(sqlValue(us, 1_700_000_000_123_456, same, UTC)).toBe('2023-11-14 22:13:20.123456');
  });

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
