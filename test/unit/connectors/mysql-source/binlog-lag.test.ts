import { describe, expect, it } from 'vitest';
import { bytesAfter } from '../../../../connectors/mysql-source/binlog-lag.ts';

describe('binlog lag in bytes', () => {
  const files = [
    { name: 'mysql-bin.000007', size: 1_000 },
    { name: 'mysql-bin.000008', size: 5_000 },
    { name: 'mysql-bin.000009', size: 300 },
  ];
  it('sums the rest of the read file and every later file', () => {
    expect(bytesAfter(files, 'mysql-bin.000008', 4_000)).toBe(1_000 + 300);
    expect(bytesAfter(files, 'mysql-bin.000009', 300)).toBe(0);
    expect(bytesAfter(files, 'mysql-bin.000007', 4)).toBe(996 + 5_000 + 300);
  });
  it('is unknown for a file the server no longer lists', () => {
    expect(bytesAfter(files, 'mysql-bin.000002', 4)).toBeUndefined();
  });
});
