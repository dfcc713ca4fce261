// A parser for pgoutput protocol version 1 messages that keeps column values as the server's text.
// pg-logical-replication's own parser runs values through pg's global type parsers (timestamps
// become JS Dates, losing microseconds) and turns unchanged TOAST values into `undefined` only
// sometimes; this one returns raw text, `null` for NULL and UNCHANGED_TOAST for unchanged values.

/** A column value PostgreSQL did not send because it is TOASTed and did not change. */
export const UNCHANGED_TOAST: unique symbol = Symbol('unchanged-toast');
export type TupleValue = string | null | typeof UNCHANGED_TOAST;
export type Tuple = TupleValue[];

/** Microseconds between 1970-01-01 and PostgreSQL's epoch 2000-01-01. */
const POSTGRES_EPOCH_MICROS = 946_684_800_000_000n;

export interface RelationColumn {
  /** Bit 1: part of the replica identity. */
  flags: number;
  name: string;
  typeOid: number;
  typeMod: number;
}

export interface BeginMessage {
  tag: 'begin';
  /** LSN of the commit record. */
  finalLsn: bigint;
  /** Microseconds since the Unix epoch. */
  commitTime: bigint;
  xid: number;
}
export interface CommitMessage {
  tag: 'commit';
  commitLsn: bigint;
  /** End of the commit record: where the next transaction may start, the LSN to confirm. */
  endLsn: bigint;
  commitTime: bigint;
}
export interface RelationMessage {
  tag: 'relation';
  relationOid: number;
  schema: string;
  name: string;
  replicaIdentity: 'default' | 'nothing' | 'full' | 'index';
  columns: RelationColumn[];
}
export interface TypeMessage {
  tag: 'type';
  typeOid: number;
  schema: string;
  name: string;
}
export interface InsertMessage {
  tag: 'insert';
  relationOid: number;
  newTuple: Tuple;
}
export interface UpdateMessage {
  tag: 'update';
  relationOid: number;
  /** Old values of the replica identity columns (others null), sent when they changed. */
  keyTuple: Tuple | null;
  /** The whole old row, under REPLICA IDENTITY FULL. */
  oldTuple: Tuple | null;
  newTuple: Tuple;
}
export interface DeleteMessage {
  tag: 'delete';
  relationOid: number;
  keyTuple: Tuple | null;
  oldTuple: Tuple | null;
}
export interface TruncateMessage {
  tag: 'truncate';
  cascade: boolean;
  restartIdentity: boolean;
  relationOids: number[];
}
export interface OriginMessage {
  tag: 'origin';
  originLsn: bigint;
  name: string;
}
export interface LogicalMessage {
  tag: 'message';
  transactional: boolean;
  lsn: bigint;
  prefix: string;
  content: Buffer;
}

export type PgoutputMessage =
  | BeginMessage
  | CommitMessage
  | RelationMessage
  | TypeMessage
  | InsertMessage
  | UpdateMessage
  | DeleteMessage
  | TruncateMessage
  | OriginMessage
  | LogicalMessage;

const REPLICA_IDENTITY: Record<string, RelationMessage['replicaIdentity']> = {
  d: 'default',
  n: 'nothing',
  f: 'full',
  i: 'index',
};

class Reader {
  private position = 0;
  private readonly buffer: Buffer;

  constructor(buffer: Buffer) {
    this.buffer = buffer;
  }

  byte(): number {
    const value = this.buffer.readUInt8(this.position);
    this.position += 1;
    return value;
  }

  int16(): number {
    const value = this.buffer.readInt16BE(this.position);
    this.position += 2;
    return value;
  }

  int32(): number {
    const value = this.buffer.readInt32BE(this.position);
    this.position += 4;
    return value;
  }

  uint32(): number {
    const value = this.buffer.readUInt32BE(this.position);
    this.position += 4;
    return value;
  }

  uint64(): bigint {
    const value = this.buffer.readBigUInt64BE(this.position);
    this.position += 8;
    return value;
  }

  time(): bigint {
    const value = this.buffer.readBigInt64BE(this.position);
    this.position += 8;
    return value + POSTGRES_EPOCH_MICROS;
  }

  string(): string {
    const end = this.buffer.indexOf(0, this.position);
    if (end < 0) throw new Error('pgoutput: unterminated string');
    const value = this.buffer.toString('utf8', this.position, end);
    this.position = end + 1;
    return value;
  }

  /**
   * `length` bytes of UTF-8 as a string, decoded in place: no Buffer view per column (half the cost
   * of TextDecoder.decode(subarray) per row), and a leading U+FEFF is kept as PostgreSQL stored it
   * (TextDecoder drops it as a byte order mark; Debezium keeps it). Invalid bytes become U+FFFD as
   * with TextDecoder.
   */
  text(length: number): string {
    if (length < 0 || this.position + length > this.buffer.length)
      throw new Error('pgoutput: message too short');
    const value = this.buffer.toString('utf8', this.position, this.position + length);
    this.position += length;
    return value;
  }

  bytes(length: number): Buffer {
    if (this.position + length > this.buffer.length) throw new Error('pgoutput: message too short');
    const value = this.buffer.subarray(this.position, this.position + length);
    this.position += length;
    return value;
  }

  tuple(): Tuple {
    const count = this.int16();
    const values: Tuple = new Array(count);
    for (let index = 0; index < count; index += 1) {
      const kind = this.byte();
      switch (kind) {
        case 0x6e: // 'n'
          values[index] = null;
          break;
        case 0x75: // 'u'
          values[index] = UNCHANGED_TOAST;
          break;
        case 0x74: // 't'
          values[index] = this.text(this.int32());
          break;
        default:
          throw new Error(
            `pgoutput: unsupported column kind ${String.fromCharCode(kind)} (binary mode is not used)`,
          );
      }
    }
    return values;
  }
}

export function parsePgoutput(buffer: Buffer): PgoutputMessage {
  const reader = new Reader(buffer);
  const tag = String.fromCharCode(reader.byte());
  switch (tag) {
    case 'B':
      return { tag: 'begin', finalLsn: reader.uint64(), commitTime: reader.time(), xid: reader.uint32() };
    case 'C': {
      reader.byte(); // flags, unused
      return {
        tag: 'commit',
        commitLsn: reader.uint64(),
        endLsn: reader.uint64(),
        commitTime: reader.time(),
      };
    }
    case 'O':
      return { tag: 'origin', originLsn: reader.uint64(), name: reader.string() };
    case 'R': {
      const relationOid = reader.uint32();
      const schema = reader.string();
      const name = reader.string();
      const replicaIdentity = REPLICA_IDENTITY[String.fromCharCode(reader.byte())] ?? 'default';
      const count = reader.int16();
      const columns: RelationColumn[] = [];
      for (let index = 0; index < count; index += 1) {
        columns.push({
          flags: reader.byte(),
          name: reader.string(),
          typeOid: reader.uint32(),
          typeMod: reader.int32(),
        });
      }
      return { tag: 'relation', relationOid, schema, name, replicaIdentity, columns };
    }
    case 'Y':
      return { tag: 'type', typeOid: reader.uint32(), schema: reader.string(), name: reader.string() };
    case 'I': {
      const relationOid = reader.uint32();
      reader.byte(); // 'N'
      return { tag: 'insert', relationOid, newTuple: reader.tuple() };
    }
    case 'U': {
      const relationOid = reader.uint32();
      let keyTuple: Tuple | null = null;
      let oldTuple: Tuple | null = null;
      const kind = String.fromCharCode(reader.byte());
      if (kind === 'K') keyTuple = reader.tuple();
      if (kind === 'O') oldTuple = reader.tuple();
      if (kind !== 'N') reader.byte(); // the 'N' before the new tuple
      return { tag: 'update', relationOid, keyTuple, oldTuple, newTuple: reader.tuple() };
    }
    case 'D': {
      const relationOid = reader.uint32();
      const kind = String.fromCharCode(reader.byte());
      const tuple = reader.tuple();
      return {
        tag: 'delete',
        relationOid,
        keyTuple: kind === 'K' ? tuple : null,
        oldTuple: kind === 'O' ? tuple : null,
      };
    }
    case 'T': {
      const count = reader.uint32();
      const options = reader.byte();
      const relationOids: number[] = [];
      for (let index = 0; index < count; index += 1) relationOids.push(reader.uint32());
      return {
        tag: 'truncate',
        cascade: (options & 1) !== 0,
        restartIdentity: (options & 2) !== 0,
        relationOids,
      };
    }
    case 'M': {
      const flags = reader.byte();
      const lsn = reader.uint64();
      const prefix = reader.string();
      return {
        tag: 'message',
        transactional: (flags & 1) !== 0,
        lsn,
        prefix,
        content: reader.bytes(reader.int32()),
      };
    }
    default:
      throw new Error(`pgoutput: unknown message type '${tag}'`);
  }
}
