import { describe, expect, it } from 'vitest';
import { parsePgoutput, UNCHANGED_TOAST } from '../../../../connectors/postgres-source/pgoutput-parser.ts';

// Builds pgoutput protocol-1 messages byte by byte, as the walsender sends them.
class Writer {
  private readonly parts: Buffer[] = [];
  byte(value: number | string) {
    this.parts.push(Buffer.from([typeof value === 'string' ? value.charCodeAt(0) : value]));
    return this;
  }
  int16(value: number) {
    const buffer = Buffer.alloc(2);
    buffer.writeInt16BE(value);
    this.parts.push(buffer);
    return this;
  }
  int32(value: number) {
    const buffer = Buffer.alloc(4);
    buffer.writeInt32BE(value);
    this.parts.push(buffer);
    return this;
  }
  int64(value: bigint) {
    const buffer = Buffer.alloc(8);
    buffer.writeBigInt64BE(value);
    this.parts.push(buffer);
    return this;
  }
  string(value: string) {
    this.parts.push(Buffer.from(value), Buffer.from([0]));
    return this;
  }
  text(value: string) {
    const bytes = Buffer.from(value);
    return this.byte('t').int32(bytes.length).raw(bytes);
  }
  raw(bytes: Buffer) {
    this.parts.push(bytes);
    return this;
  }
  build() {
    return Buffer.concat(this.parts);
  }
}

const PG_EPOCH_OFFSET = 946_684_800_000_000n;

describe('pgoutput parser', () => {
  it('reads BEGIN and COMMIT with LSNs as bigint and times in Unix microseconds', () => {
    const begin = new Writer().byte('B').int64(0x16b374d848n).int64(1_000_000n).int32(771).build();
    expect(parsePgoutput(begin)).toEqual({
      tag: 'begin',
      finalLsn: 0x16b374d848n,
      commitTime: PG_EPOCH_OFFSET + 1_000_000n,
      xid: 771,
    });
    const commit = new Writer().byte('C').byte(0).int64(0x100n).int64(0x128n).int64(5n).build();
    expect(parsePgoutput(commit)).toEqual({
      tag: 'commit',
      commitLsn: 0x100n,
      endLsn: 0x128n,
      commitTime: PG_EPOCH_OFFSET + 5n,
    });
  });

  it('reads a RELATION with its columns', () => {
    const relation = new Writer()
      .byte('R')
      .int32(16385)
      .string('public')
      .string('users')
      .byte('f')
      .int16(2)
      .byte(1)
      .string('id')
      .int32(23)
      .int32(-1)
      .byte(0)
      .string('price')
      .int32(1700)
      .int32((10 << 16) + 6)
      .build();
    expect(parsePgoutput(relation)).toEqual({
      tag: 'relation',
      relationOid: 16385,
      schema: 'public',
      name: 'users',
      replicaIdentity: 'full',
      columns: [
        { flags: 1, name: 'id', typeOid: 23, typeMod: -1 },
        { flags: 0, name: 'price', typeOid: 1700, typeMod: (10 << 16) + 6 },
      ],
    });
  });

  it('keeps values as text, NULL as null and unchanged TOAST as a marker', () => {
    const insert = new Writer()
      .byte('I')
      .int32(16385)
      .byte('N')
      .int16(3)
      .text('42')
      .byte('n')
      .text('Zoë')
      .build();
    expect(parsePgoutput(insert)).toEqual({
      tag: 'insert',
      relationOid: 16385,
      newTuple: ['42', null, 'Zoë'],
    });
    const update = new Writer()
      .byte('U')
      .int32(16385)
      .byte('O')
      .int16(2)
      .text('1')
      .text('old')
      .byte('N')
      .int16(2)
      .text('1')
      .byte('u')
      .build();
    expect(parsePgoutput(update)).toEqual({
      tag: 'update',
      relationOid: 16385,
      keyTuple: null,
      oldTuple: ['1', 'old'],
      newTuple: ['1', UNCHANGED_TOAST],
    });
    const plainUpdate = new Writer().byte('U').int32(7).byte('N').int16(1).text('x').build();
    expect(parsePgoutput(plainUpdate)).toMatchObject({ keyTuple: null, oldTuple: null, newTuple: ['x'] });
    const keyUpdate = new Writer()
      .byte('U')
      .int32(7)
      .byte('K')
      .int16(1)
      .text('1')
      .byte('N')
      .int16(1)
      .text('2')
      .build();
    expect(parsePgoutput(keyUpdate)).toMatchObject({ keyTuple: ['1'], oldTuple: null, newTuple: ['2'] });
  });

  it('decodes text values as stored: a leading U+FEFF kept (as Debezium does), invalid UTF-8 as U+FFFD', () => {
    const insert = new Writer()
      .byte('I')
      .int32(16385)
      .byte('N')
      .int16(3)
      .text('\ufeffwith a BOM')
      .byte('t')
      .int32(4)
      .raw(Buffer.from([0x61, 0xff, 0xe2, 0x82]))
      .text('😀 ok')
      .build();
    expect(parsePgoutput(insert)).toEqual({
      tag: 'insert',
      relationOid: 16385,
      newTuple: ['\ufeffwith a BOM', 'a\ufffd\ufffd', '😀 ok'],
    });
    const truncated = new Writer()
      .byte('I')
      .int32(1)
      .byte('N')
      .int16(1)
      .byte('t')
      .int32(10)
      .raw(Buffer.from('abc'))
      .build();
    expect(() => parsePgoutput(truncated)).toThrow(/too short/);
  });

  it('reads DELETE by key or by old row, and TRUNCATE options', () => {
    const byKey = new Writer().byte('D').int32(9).byte('K').int16(2).text('5').byte('n').build();
    expect(parsePgoutput(byKey)).toEqual({
      tag: 'delete',
      relationOid: 9,
      keyTuple: ['5', null],
      oldTuple: null,
    });
    const byRow = new Writer().byte('D').int32(9).byte('O').int16(1).text('5').build();
    expect(parsePgoutput(byRow)).toEqual({ tag: 'delete', relationOid: 9, keyTuple: null, oldTuple: ['5'] });
    const truncate = new Writer().byte('T').int32(2).byte(3).int32(9).int32(10).build();
    expect(parsePgoutput(truncate)).toEqual({
      tag: 'truncate',
      cascade: true,
      restartIdentity: true,
      relationOids: [9, 10],
    });
  });

  it('reads TYPE, ORIGIN and logical MESSAGE, and rejects the unknown', () => {
    expect(
      parsePgoutput(new Writer().byte('Y').int32(50001).string('public').string('mood').build()),
    ).toEqual({
      tag: 'type',
      typeOid: 50001,
      schema: 'public',
      name: 'mood',
    });
    expect(parsePgoutput(new Writer().byte('O').int64(8n).string('node1').build())).toEqual({
      tag: 'origin',
      originLsn: 8n,
      name: 'node1',
    });
    const message = parsePgoutput(
      new Writer().byte('M').byte(1).int64(9n).string('wm').int32(2).raw(Buffer.from('hi')).build(),
    );
    expect(message).toMatchObject({ tag: 'message', transactional: true, lsn: 9n, prefix: 'wm' });
    expect(() => parsePgoutput(Buffer.from('S'))).toThrow(/unknown message type 'S'/);
    expect(() => parsePgoutput(new Writer().byte('I').int32(1).byte('N').int16(1).byte('b').build())).toThrow(
      /binary/,
    );
  });
});
