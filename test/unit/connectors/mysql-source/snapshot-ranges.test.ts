import { describe, expect, it } from 'vitest';
import type { TableDefinition } from '../../../../connectors/mysql-source/catalog.ts';
import {
  integerKey,
  keyRanges,
  MIN_RANGE_ROWS,
  rangeCount,
} from '../../../../connectors/mysql-source/snapshot.ts';

const column = (name: string, dataType: string) => ({
  name,
  dataType,
  columnType: dataType,
  nullable: false,
});

describe('mysql snapshot key ranges', () => {
  it('cuts only a single integer primary key', () => {
    const table = (primaryKey: string[], types: Record<string, string>): TableDefinition => ({
      database: 'shop',
      name: 'orders',
      primaryKey,
      columns: Object.entries(types).map(([name, type]) => column(name, type)),
    });
    expect(integerKey(table(['id'], { id: 'bigint', note: 'varchar' }))).toBe('id');
    expect(integerKey(table(['id'], { id: 'INT' }))).toBe('id');
    expect(integerKey(table(['code'], { code: 'varchar' }))).toBeUndefined();
    expect(integerKey(table(['a', 'b'], { a: 'int', b: 'int' }))).toBeUndefined();
    expect(integerKey(table([], { a: 'int' }))).toBeUndefined();
    expect(integerKey(undefined)).toBeUndefined();
  });

  it('splits by the row estimate, at most one range per connection', () => {
    expect(rangeCount(2 * MIN_RANGE_ROWS - 1, 4)).toBe(1);
    expect(rangeCount(2 * MIN_RANGE_ROWS, 4)).toBe(2);
    expect(rangeCount(100 * MIN_RANGE_ROWS, 4)).toBe(4);
    expect(rangeCount(100 * MIN_RANGE_ROWS, 1)).toBe(1);
  });

  it('covers every key: the first range open below, the last open above, no gaps', () => {
    expect(keyRanges(1n, 120_000n, 2)).toEqual([{ to: 60_001n }, { from: 60_001n }]);
    expect(keyRanges(5n, 5n, 3)).toEqual([{}]);
    expect(keyRanges(1n, 2n, 3)).toEqual([{ to: 2n }, { from: 2n }]);
    const big = keyRanges(-(2n ** 63n), 2n ** 64n - 1n, 4);
    expect(big).toHaveLength(4);
    for (let index = 1; index < big.length; index += 1) expect(big[index]?.from).toBe(big[index - 1]?.to);
  });
});
