import { describe, expect, it } from 'vitest';
import { MIN_RANGE_PAGES, pageRanges } from '../../../../connectors/postgres-source/snapshot.ts';

describe('postgres snapshot page ranges', () => {
  it('reads a small table whole', () => {
    expect(pageRanges(0, 4)).toEqual([{ from: 0, to: undefined }]);
    expect(pageRanges(2 * MIN_RANGE_PAGES - 1, 4)).toEqual([{ from: 0, to: undefined }]);
    expect(pageRanges(100_000, 1)).toEqual([{ from: 0, to: undefined }]);
  });

  it('cuts a large table in contiguous ranges of at least MIN_RANGE_PAGES, the last open-ended', () => {
    expect(pageRanges(2 * MIN_RANGE_PAGES, 3)).toEqual([
      { from: 0, to: MIN_RANGE_PAGES },
      { from: MIN_RANGE_PAGES, to: undefined },
    ]);
    const ranges = pageRanges(10_001, 4);
    expect(ranges).toHaveLength(4);
    expect(ranges[0]?.from).toBe(0);
    for (let index = 1; index < ranges.length; index += 1)
      expect(ranges[index]?.from).toBe(ranges[index - 1]?.to);
    expect(ranges.at(-1)?.to).toBeUndefined();
  });
});
