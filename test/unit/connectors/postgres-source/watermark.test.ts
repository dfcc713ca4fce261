import { describe, expect, it } from 'vitest';
import {
  chunkQuery,
  javaValueOf,
  keyText,
  maximumKeyQuery,
} from '../../../../connectors/postgres-source/chunk-query.ts';
import { parseTxidSnapshot, snapshotSees } from '../../../../connectors/postgres-source/watermark.ts';

// Which streamed transactions a chunk's snapshot sees (pgoutput's 32-bit xids against the
// epoch-extended txid_current_snapshot()), and the chunk SQL with its key values.

describe('a chunk snapshot and streamed xids', () => {
  const snapshot = parseTxidSnapshot('1000:1010:1003,1007');

  it('sees what committed before it, not what was in progress or came after', () => {
    expect(snapshotSees(999, snapshot)).toBe(true);
    expect(snapshotSees(1002, snapshot)).toBe(true);
    expect(snapshotSees(1003, snapshot)).toBe(false);
    expect(snapshotSees(1007, snapshot)).toBe(false);
    expect(snapshotSees(1010, snapshot)).toBe(false);
  });

  it('places a 32-bit xid in the epoch of the snapshot, across a wraparound', () => {
    // Epoch 1: xmin 2^32 + 5; a streamed xid 4294967290 belongs to epoch 0 (committed long before).
    const wrapped = parseTxidSnapshot(`${2 ** 32 + 5}:${2 ** 32 + 20}:${2 ** 32 + 8}`);
    expect(snapshotSees(4_294_967_290, wrapped)).toBe(true);
    expect(snapshotSees(8, wrapped)).toBe(false);
    expect(snapshotSees(9, wrapped)).toBe(true);
    expect(snapshotSees(25, wrapped)).toBe(true);
  });

  it('parses a snapshot without transactions in progress', () => {
    expect(parseTxidSnapshot('42:42:')).toEqual({ xmin: 42n, xmax: 42n, inProgress: new Set() });
  });
});

describe('PostgreSQL chunk queries', () => {
  const table = { schema: 'public', name: 'orders' };
  const key = [
    { name: 'tenant', typeOid: 25 },
    { name: 'id', typeOid: 20 },
  ];

  it('bounds a composite key with row values and binds the key texts', () => {
    const query = chunkQuery(table, ['tenant', 'id', 'total'], key, {
      after: [
        { type: 'string', value: "o'hara" },
        { type: 'long', value: 9007199254740993n },
      ],
      upTo: [
        { type: 'string', value: 'zed' },
        { type: 'long', value: 12n },
      ],
      limit: 1024,
      condition: 'total > 10',
    });
    expect(query).toEqual({
      text: 'SELECT "tenant", "id", "total" FROM "public"."orders" WHERE ("tenant", "id") > ($1, $2) AND ("tenant", "id") <= ($3, $4) AND (total > 10) ORDER BY "tenant", "id" LIMIT 1024',
      values: ["o'hara", '9007199254740993', 'zed', '12'],
    });
  });

  it('asks for the largest key with aliases, so ORDER BY sorts the column and not its text', () => {
    expect(maximumKeyQuery(table, key, undefined)).toBe(
      'SELECT "tenant"::text AS key0, "id"::text AS key1 FROM "public"."orders" ORDER BY "tenant" DESC, "id" DESC LIMIT 1',
    );
  });

  it("reads key texts as the Java values Debezium's driver gives, and back", () => {
    const cases: Array<[string, number, unknown]> = [
      ['7', 21, { type: 'short', value: 7 }],
      ['-42', 23, { type: 'int', value: -42 }],
      ['9007199254740993', 20, { type: 'long', value: 9007199254740993n }],
      ['12.50', 1700, { type: 'decimal', value: '12.50' }],
      ['NaN', 1700, { type: 'double', value: Number.NaN }],
      ['t', 16, { type: 'boolean', value: true }],
      [
        '123E4567-E89B-12D3-A456-426614174000',
        2950,
        { type: 'uuid', value: '123e4567-e89b-12d3-a456-426614174000' },
      ],
      ['\\x01ff', 17, { type: 'bytes', value: new Uint8Array([1, 255]) }],
      ['2024-01-01 10:00:00', 1114, { type: 'string', value: '2024-01-01 10:00:00' }],
    ];
    for (const [text, oid, value] of cases) {
      const java = javaValueOf(text, oid);
      expect(java).toEqual(value);
      if (oid !== 2950 && oid !== 16) expect(keyText(java)).toBe(text);
    }
    expect(keyText(javaValueOf('t', 16))).toBe('true');
  });
});
