import { describe, expect, it } from 'vitest';
import {
  CopyLineSplitter,
  parseArrayLiteral,
  parseCopyLine,
  parseHstore,
} from '../../../../connectors/postgres-source/pg-text.ts';

describe('array literals', () => {
  it('reads plain, quoted, escaped and NULL elements', () => {
    expect(parseArrayLiteral('{1,NULL,3}')).toEqual(['1', null, '3']);
    expect(parseArrayLiteral('{"a b","c\\"d",NULL,"NULL","x\\\\y"}')).toEqual([
      'a b',
      'c"d',
      null,
      'NULL',
      'x\\y',
    ]);
    expect(parseArrayLiteral('{}')).toEqual([]);
    expect(parseArrayLiteral('{""}')).toEqual(['']);
  });

  it('flattens multi-dimensional arrays and skips explicit bounds', () => {
    expect(parseArrayLiteral('{{1,2},{3,4}}')).toEqual(['1', '2', '3', '4']);
    expect(parseArrayLiteral('[0:1]={7,8}')).toEqual(['7', '8']);
  });

  it('honours the type delimiter', () => {
    expect(parseArrayLiteral('{(1,1),(0,0);(2,2),(1,1)}', ';')).toEqual(['(1,1),(0,0)', '(2,2),(1,1)']);
  });

  it('rejects what is not an array', () => {
    expect(() => parseArrayLiteral('1,2')).toThrow(/not an array literal/);
    expect(() => parseArrayLiteral('{1,2')).toThrow(/not a complete array literal/);
  });
});

describe('hstore', () => {
  it('reads quoted pairs with NULL values and escapes', () => {
    expect(parseHstore('"a"=>"1", "b"=>NULL, "c\\"q"=>"x y"')).toEqual([
      ['a', '1'],
      ['b', null],
      ['c"q', 'x y'],
    ]);
    expect(parseHstore('')).toEqual([]);
  });
});

describe('COPY text rows', () => {
  it('splits on tabs, unescapes, and reads \\N as NULL', () => {
    expect(parseCopyLine('1\tAda\\tTab\\nLine\t\\N\tback\\\\slash')).toEqual([
      '1',
      'Ada\tTab\nLine',
      null,
      'back\\slash',
    ]);
    expect(parseCopyLine('')).toEqual(['']);
  });

  it('splits chunks into lines, across chunk and multi-byte boundaries', () => {
    const splitter = new CopyLineSplitter();
    const bytes = Buffer.from('1\tüñí\n2\tx\n3\t');
    const lines = [
      ...splitter.push(bytes.subarray(0, 4)),
      ...splitter.push(bytes.subarray(4, 12)),
      ...splitter.push(bytes.subarray(12)),
    ];
    expect(lines).toEqual(['1\tüñí', '2\tx']);
    expect(splitter.end()).toEqual(['3\t']);
    // A row whose first column starts with U+FEFF keeps it (TextDecoder would drop it as a BOM).
    expect(new CopyLineSplitter().push(Buffer.from('\ufeffa\tb\n'))).toEqual(['\ufeffa\tb']);
  });
});
