import { describe, expect, it } from 'vitest';
import { chunkQuery, javaValueOf, parameterOf } from '../../../../connectors/mysql-source/chunk-query.ts';
import { precedes, seesChange } from '../../../../connectors/mysql-source/watermark.ts';

// The chunk SQL Debezium's DefaultChunkQueryBuilder writes (bounds spelled out column by column),
// key values as Java types, and which streamed changes a chunk read at a binlog position saw.

describe('MySQL chunk queries', () => {
  const table = { database: 'shop', table: 'orders' };
  const column = (name: string, dataType: string, columnType = dataType) => ({ name, dataType, columnType });

  it('bounds a composite key term by term', () => {
    const query = chunkQuery(
      table,
      '`tenant`, `id`, `total`',
      [column('tenant', 'varchar'), column('id', 'bigint')],
      {
        after: [
          { type: 'string', value: 'acme' },
          { type: 'long', value: 5n },
        ],
        upTo: [
          { type: 'string', value: 'zed' },
          { type: 'long', value: 12n },
        ],
        limit: 500,
        condition: 'total > 10',
      },
    );
    expect(query).toEqual({
      sql: 'SELECT `tenant`, `id`, `total` FROM `shop`.`orders` WHERE ((`tenant` > ?) OR (`tenant` = ? AND `id` > ?)) AND ((`tenant` < ?) OR (`tenant` = ? AND `id` <= ?)) AND (total > 10) ORDER BY `tenant`, `id` LIMIT 500',
      values: ['acme', 'acme', '5', 'zed', 'zed', '12'],
    });
  });

  it('bounds a single column key with two comparisons', () => {
    const query = chunkQuery(table, '`id`', [column('id', 'int')], {
      after: undefined,
      upTo: [{ type: 'int', value: 99 }],
      limit: 10,
    });
    expect(query).toEqual({
      sql: 'SELECT `id` FROM `shop`.`orders` WHERE ((`id` <= ?)) ORDER BY `id` LIMIT 10',
      values: [99],
    });
  });

  it("reads driver values as the Java types Debezium's driver gives", () => {
    expect(javaValueOf(42, column('id', 'int'))).toEqual({ type: 'int', value: 42 });
    expect(javaValueOf(42, column('id', 'int', 'int(10) unsigned'))).toEqual({ type: 'long', value: 42n });
    expect(javaValueOf('18446744073709551615', column('id', 'bigint', 'bigint(20) unsigned'))).toEqual({
      type: 'biginteger',
      value: 18446744073709551615n,
    });
    expect(javaValueOf('12.50', column('price', 'decimal'))).toEqual({ type: 'decimal', value: '12.50' });
    expect(javaValueOf(Buffer.from([1, 2]), column('raw', 'varbinary'))).toEqual({
      type: 'bytes',
      value: new Uint8Array([1, 2]),
    });
    expect(parameterOf({ type: 'bytes', value: new Uint8Array([1, 2]) })).toEqual(Buffer.from([1, 2]));
  });
});

describe('a chunk read at a binlog snapshot position', () => {
  const position = { file: 'mysql-bin.000012', pos: 4000 };

  it('saw the changes before the position, also in earlier files, and none after', () => {
    expect(precedes('mysql-bin.000012', 3999, position)).toBe(true);
    expect(precedes('mysql-bin.000012', 4000, position)).toBe(false);
    expect(precedes('mysql-bin.000009', 999_999, position)).toBe(true);
    expect(precedes('mysql-bin.000100', 4, position)).toBe(false);
    expect(seesChange({ file: 'mysql-bin.000013', pos: 4 }, position)).toBe(false);
  });

  it('counts every change as seen where the server reports no position (MySQL)', () => {
    expect(seesChange({ file: 'mysql-bin.000013', pos: 4 }, undefined)).toBe(true);
  });
});
