// Debezium stores an incremental snapshot's chunk position (incremental_snapshot_primary_key and
// incremental_snapshot_maximum_key) as the hex of a Java-serialized Object[] (ObjectOutputStream),
// so an offset Debezium wrote can be resumed here and ours by Debezium. This reads and writes that
// stream format for the values primary keys hold: Integer, Long, Short, Byte, Boolean, Double,
// Float, String, BigDecimal, BigInteger, UUID and byte[] (Java Object Serialization Specification,
// chapter 6). Other classes in a stored key are reported by name.

export type JavaValue =
  | null
  | { type: 'int' | 'short' | 'byte'; value: number }
  | { type: 'long'; value: bigint }
  | { type: 'boolean'; value: boolean }
  | { type: 'double' | 'float'; value: number }
  | { type: 'string'; value: string }
  /** A plain decimal text, e.g. "-12.50" (scale = digits after the point). */
  | { type: 'decimal'; value: string }
  | { type: 'biginteger'; value: bigint }
  /** Canonical 8-4-4-4-12 lower-case text. */
  | { type: 'uuid'; value: string }
  | { type: 'bytes'; value: Uint8Array };

const MAGIC = 0xaced;
const VERSION = 5;
const TC_NULL = 0x70;
const TC_REFERENCE = 0x71;
const TC_CLASSDESC = 0x72;
const TC_OBJECT = 0x73;
const TC_STRING = 0x74;
const TC_ARRAY = 0x75;
const TC_ENDBLOCKDATA = 0x78;
const TC_BLOCKDATA = 0x77;
const TC_BLOCKDATALONG = 0x7a;
const TC_LONGSTRING = 0x7c;
const BASE_HANDLE = 0x7e0000;
const SC_WRITE_METHOD = 0x01;
const SC_SERIALIZABLE = 0x02;

interface FieldDesc {
  typecode: string;
  name: string;
  /** Object and array fields: the JVM type signature, e.g. "Ljava/math/BigInteger;". */
  className?: string;
}

interface ClassDesc {
  name: string;
  suid: bigint;
  flags: number;
  fields: FieldDesc[];
  superclass: ClassDesc | null;
}

const NUMBER: ClassDesc = {
  name: 'java.lang.Number',
  suid: 0x86ac951d0b94e08bn,
  flags: SC_SERIALIZABLE,
  fields: [],
  superclass: null,
};

function boxed(name: string, suid: bigint, typecode: string, superclass: ClassDesc | null = NUMBER) {
  return { name, suid, flags: SC_SERIALIZABLE, fields: [{ typecode, name: 'value' }], superclass };
}

const CLASSES = {
  objectArray: {
    name: '[Ljava.lang.Object;',
    suid: 0x90ce589f1073296cn,
    flags: SC_SERIALIZABLE,
    fields: [],
    superclass: null,
  },
  byteArray: { name: '[B', suid: 0xacf317f8060854e0n, flags: SC_SERIALIZABLE, fields: [], superclass: null },
  int: boxed('java.lang.Integer', 0x12e2a0a4f7818738n, 'I'),
  long: boxed('java.lang.Long', 0x3b8be490cc8f23dfn, 'J'),
  short: boxed('java.lang.Short', 0x684d37133460da52n, 'S'),
  byte: boxed('java.lang.Byte', 0x9c4e6084ee50f51cn, 'B'),
  double: boxed('java.lang.Double', 0x80b3c24a296bfb04n, 'D'),
  float: boxed('java.lang.Float', 0xdaedc9a2db3cf0ecn, 'F'),
  boolean: boxed('java.lang.Boolean', 0xcd207280d59cfaeen, 'Z', null),
  biginteger: {
    name: 'java.math.BigInteger',
    suid: 0x8cfc9f1fa93bfb1dn,
    flags: SC_SERIALIZABLE | SC_WRITE_METHOD,
    fields: [
      { typecode: 'I', name: 'bitCount' },
      { typecode: 'I', name: 'bitLength' },
      { typecode: 'I', name: 'firstNonzeroByteNum' },
      { typecode: 'I', name: 'lowestSetBit' },
      { typecode: 'I', name: 'signum' },
      { typecode: '[', name: 'magnitude', className: '[B' },
    ],
    superclass: NUMBER,
  },
  decimal: {
    name: 'java.math.BigDecimal',
    suid: 0x54c71557f981284fn,
    flags: SC_SERIALIZABLE | SC_WRITE_METHOD,
    fields: [
      { typecode: 'I', name: 'scale' },
      { typecode: 'L', name: 'intVal', className: 'Ljava/math/BigInteger;' },
    ],
    superclass: NUMBER,
  },
  uuid: {
    name: 'java.util.UUID',
    suid: 0xbc9903f7986d852fn,
    flags: SC_SERIALIZABLE,
    fields: [
      { typecode: 'J', name: 'leastSigBits' },
      { typecode: 'J', name: 'mostSigBits' },
    ],
    superclass: null,
  },
} satisfies Record<string, ClassDesc>;

// --- modified UTF-8 (Java's DataOutput.writeUTF: NUL as C0 80, supplementary characters as
// surrogate pairs of three bytes each)

function encodeModifiedUtf8(text: string): Buffer {
  const bytes: number[] = [];
  for (let index = 0; index < text.length; index += 1) {
    const unit = text.charCodeAt(index);
    if (unit >= 0x01 && unit <= 0x7f) bytes.push(unit);
    else if (unit <= 0x7ff) bytes.push(0xc0 | (unit >> 6), 0x80 | (unit & 0x3f));
    else bytes.push(0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f));
  }
  return Buffer.from(bytes);
}

function decodeModifiedUtf8(bytes: Buffer): string {
  let text = '';
  for (let index = 0; index < bytes.length; ) {
    const first = bytes[index] as number;
    if (first < 0x80) {
      text += String.fromCharCode(first);
      index += 1;
    } else if ((first & 0xe0) === 0xc0) {
      text += String.fromCharCode(((first & 0x1f) << 6) | ((bytes[index + 1] as number) & 0x3f));
      index += 2;
    } else {
      text += String.fromCharCode(
        ((first & 0x0f) << 12) |
          (((bytes[index + 1] as number) & 0x3f) << 6) |
          ((bytes[index + 2] as number) & 0x3f),
      );
      index += 3;
    }
  }
  return text;
}

// --- writing

class StreamWriter {
  private readonly chunks: Buffer[] = [];
  private nextHandle = BASE_HANDLE;
  private readonly described = new Map<string, number>();

  u8(value: number): void {
    this.chunks.push(Buffer.from([value & 0xff]));
  }

  u16(value: number): void {
    const buffer = Buffer.alloc(2);
    buffer.writeUInt16BE(value);
    this.chunks.push(buffer);
  }

  i32(value: number): void {
    const buffer = Buffer.alloc(4);
    buffer.writeInt32BE(value);
    this.chunks.push(buffer);
  }

  i64(value: bigint): void {
    const buffer = Buffer.alloc(8);
    buffer.writeBigInt64BE(BigInt.asIntN(64, value));
    this.chunks.push(buffer);
  }

  raw(bytes: Uint8Array): void {
    this.chunks.push(Buffer.from(bytes));
  }

  utf(text: string): void {
    const bytes = encodeModifiedUtf8(text);
    this.u16(bytes.length);
    this.raw(bytes);
  }

  handle(): number {
    const handle = this.nextHandle;
    this.nextHandle += 1;
    return handle;
  }

  string(text: string): void {
    const bytes = encodeModifiedUtf8(text);
    if (bytes.length > 0xffff) {
      this.u8(TC_LONGSTRING);
      this.i64(BigInt(bytes.length));
    } else {
      this.u8(TC_STRING);
      this.u16(bytes.length);
    }
    this.raw(bytes);
    this.handle();
  }

  classDesc(desc: ClassDesc | null): void {
    if (desc === null) {
      this.u8(TC_NULL);
      return;
    }
    const known = this.described.get(desc.name);
    if (known !== undefined) {
      this.u8(TC_REFERENCE);
      this.i32(known);
      return;
    }
    this.u8(TC_CLASSDESC);
    this.utf(desc.name);
    this.i64(desc.suid);
    this.described.set(desc.name, this.handle());
    this.u8(desc.flags);
    this.u16(desc.fields.length);
    for (const field of desc.fields) {
      this.u8(field.typecode.charCodeAt(0));
      this.utf(field.name);
      if (field.className !== undefined) this.string(field.className);
    }
    this.u8(TC_ENDBLOCKDATA);
    this.classDesc(desc.superclass);
  }

  bytes(value: Uint8Array): void {
    this.u8(TC_ARRAY);
    this.classDesc(CLASSES.byteArray);
    this.handle();
    this.i32(value.length);
    this.raw(value);
  }

  value(value: JavaValue): void {
    if (value === null) {
      this.u8(TC_NULL);
      return;
    }
    switch (value.type) {
      case 'string':
        this.string(value.value);
        return;
      case 'bytes':
        this.bytes(value.value);
        return;
      case 'decimal': {
        const { unscaled, scale } = parseDecimal(value.value);
        this.object(CLASSES.decimal);
        this.i32(scale);
        this.bigInteger(unscaled);
        this.u8(TC_ENDBLOCKDATA);
        return;
      }
      case 'biginteger':
        this.bigInteger(value.value);
        return;
      case 'uuid': {
        const hex = value.value.replaceAll('-', '');
        if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`"${value.value}" is not a UUID`);
        this.object(CLASSES.uuid);
        this.i64(BigInt(`0x${hex.slice(16)}`));
        this.i64(BigInt(`0x${hex.slice(0, 16)}`));
        return;
      }
      default:
        this.boxed(value);
    }
  }

  private object(desc: ClassDesc): void {
    this.u8(TC_OBJECT);
    this.classDesc(desc);
    this.handle();
  }

  private bigInteger(value: bigint): void {
    this.object(CLASSES.biginteger);
    // BigInteger.writeObject: the deprecated cached fields as -1/-1/-2/-2, then signum and the
    // magnitude (big-endian, without a sign byte; empty for zero).
    this.i32(-1);
    this.i32(-1);
    this.i32(-2);
    this.i32(-2);
    this.i32(value === 0n ? 0 : value < 0n ? -1 : 1);
    const magnitude = value < 0n ? -value : value;
    const hex = magnitude === 0n ? '' : magnitude.toString(16);
    this.bytes(Buffer.from(hex.length % 2 === 1 ? `0${hex}` : hex, 'hex'));
    this.u8(TC_ENDBLOCKDATA);
  }

  private boxed(
    value: Exclude<JavaValue, null | { type: 'string' | 'bytes' | 'decimal' | 'biginteger' | 'uuid' }>,
  ): void {
    this.object(CLASSES[value.type]);
    switch (value.type) {
      case 'int':
        this.i32(value.value);
        return;
      case 'short':
        this.u16(value.value & 0xffff);
        return;
      case 'byte':
        this.u8(value.value);
        return;
      case 'long':
        this.i64(value.value);
        return;
      case 'boolean':
        this.u8(value.value ? 1 : 0);
        return;
      case 'double': {
        const buffer = Buffer.alloc(8);
        buffer.writeDoubleBE(value.value);
        this.raw(buffer);
        return;
      }
      case 'float': {
        const buffer = Buffer.alloc(4);
        buffer.writeFloatBE(value.value);
        this.raw(buffer);
        return;
      }
    }
  }

  bytesOut(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function parseDecimal(text: string): { unscaled: bigint; scale: number } {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!match || `${match[2]}${match[3] ?? ''}` === '') throw new Error(`"${text}" is not a decimal number`);
  const fraction = match[3] ?? '';
  const digits = `${match[2]}${fraction}` || '0';
  const unscaled = BigInt(digits);
  return { unscaled: match[1] === '-' ? -unscaled : unscaled, scale: fraction.length };
}

function formatDecimal(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  let digits = (negative ? -unscaled : unscaled).toString();
  if (scale < 0) digits += '0'.repeat(-scale);
  else if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  }
  return negative ? `-${digits}` : digits;
}

/** The hex Debezium stores for a key: an Object[] of these values through ObjectOutputStream. */
export function serializeKey(values: readonly JavaValue[]): string {
  const writer = new StreamWriter();
  writer.u16(MAGIC);
  writer.u16(VERSION);
  writer.u8(TC_ARRAY);
  writer.classDesc(CLASSES.objectArray);
  writer.handle();
  writer.i32(values.length);
  for (const value of values) writer.value(value);
  return writer.bytesOut().toString('hex');
}

// --- reading

interface JavaObject {
  className: string;
  fields: Map<string, unknown>;
}

class StreamReader {
  private offset = 0;
  private readonly handles: unknown[] = [];
  private readonly bytes: Buffer;

  constructor(bytes: Buffer) {
    this.bytes = bytes;
  }

  private need(count: number): void {
    if (this.offset + count > this.bytes.length) throw new Error('the serialized key ends early');
  }

  u8(): number {
    this.need(1);
    const value = this.bytes.readUInt8(this.offset);
    this.offset += 1;
    return value;
  }

  u16(): number {
    this.need(2);
    const value = this.bytes.readUInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  i32(): number {
    this.need(4);
    const value = this.bytes.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  i64(): bigint {
    this.need(8);
    const value = this.bytes.readBigInt64BE(this.offset);
    this.offset += 8;
    return value;
  }

  raw(count: number): Buffer {
    this.need(count);
    const value = this.bytes.subarray(this.offset, this.offset + count);
    this.offset += count;
    return value;
  }

  utf(): string {
    return decodeModifiedUtf8(this.raw(this.u16()));
  }

  private register(value: unknown): number {
    this.handles.push(value);
    return this.handles.length - 1;
  }

  private reference(): unknown {
    const handle = this.i32() - BASE_HANDLE;
    if (handle < 0 || handle >= this.handles.length) throw new Error(`unknown back reference ${handle}`);
    return this.handles[handle];
  }

  classDesc(): ClassDesc | null {
    const code = this.u8();
    if (code === TC_NULL) return null;
    if (code === TC_REFERENCE) return this.reference() as ClassDesc;
    if (code !== TC_CLASSDESC) throw new Error(`expected a class description, found 0x${code.toString(16)}`);
    const desc: ClassDesc = { name: this.utf(), suid: this.i64(), flags: 0, fields: [], superclass: null };
    this.register(desc);
    desc.flags = this.u8();
    const count = this.u16();
    for (let index = 0; index < count; index += 1) {
      const typecode = String.fromCharCode(this.u8());
      const name = this.utf();
      const field: FieldDesc = { typecode, name };
      if (typecode === 'L' || typecode === '[') field.className = this.content() as string;
      desc.fields.push(field);
    }
    this.skipAnnotations();
    desc.superclass = this.classDesc();
    return desc;
  }

  private skipAnnotations(): void {
    for (;;) {
      const code = this.bytes[this.offset];
      if (code === TC_ENDBLOCKDATA) {
        this.offset += 1;
        return;
      }
      if (code === TC_BLOCKDATA) {
        this.offset += 1;
        this.raw(this.u8());
      } else if (code === TC_BLOCKDATALONG) {
        this.offset += 1;
        this.raw(this.i32());
      } else this.content();
    }
  }

  content(): unknown {
    const code = this.u8();
    switch (code) {
      case TC_NULL:
        return null;
      case TC_REFERENCE:
        return this.reference();
      case TC_STRING: {
        const text = this.utf();
        this.register(text);
        return text;
      }
      case TC_LONGSTRING: {
        const text = decodeModifiedUtf8(this.raw(Number(this.i64())));
        this.register(text);
        return text;
      }
      case TC_ARRAY:
        return this.array();
      case TC_OBJECT:
        return this.object();
      default:
        throw new Error(`unsupported element 0x${code.toString(16)} in the serialized key`);
    }
  }

  private array(): unknown {
    const desc = this.classDesc();
    if (!desc) throw new Error('an array without a class');
    const handle = this.register(undefined);
    const length = this.i32();
    if (desc.name === '[B') {
      const value = new Uint8Array(this.raw(length));
      this.handles[handle] = value;
      return value;
    }
    if (!desc.name.startsWith('[L') && !desc.name.startsWith('[[')) {
      throw new Error(`unsupported array type ${desc.name} in the serialized key`);
    }
    const items: unknown[] = [];
    this.handles[handle] = items;
    for (let index = 0; index < length; index += 1) items.push(this.content());
    return items;
  }

  private object(): JavaObject {
    const desc = this.classDesc();
    if (!desc) throw new Error('an object without a class');
    const object: JavaObject = { className: desc.name, fields: new Map() };
    this.register(object);
    const chain: ClassDesc[] = [];
    for (let current: ClassDesc | null = desc; current; current = current.superclass) chain.unshift(current);
    for (const level of chain) {
      for (const field of level.fields) object.fields.set(field.name, this.fieldValue(field.typecode));
      if (level.flags & SC_WRITE_METHOD) this.skipAnnotations();
    }
    return object;
  }

  private fieldValue(typecode: string): unknown {
    switch (typecode) {
      case 'B':
        return this.bytes.readInt8(this.advance(1));
      case 'C':
        return this.u16();
      case 'S':
        return this.bytes.readInt16BE(this.advance(2));
      case 'I':
        return this.i32();
      case 'J':
        return this.i64();
      case 'Z':
        return this.u8() !== 0;
      case 'F':
        return this.bytes.readFloatBE(this.advance(4));
      case 'D':
        return this.bytes.readDoubleBE(this.advance(8));
      default:
        return this.content();
    }
  }

  private advance(count: number): number {
    this.need(count);
    const at = this.offset;
    this.offset += count;
    return at;
  }

  done(): boolean {
    return this.offset === this.bytes.length;
  }
}

function bigIntegerOf(object: unknown): bigint {
  const value = object as JavaObject | null;
  if (!value || value.className !== CLASSES.biginteger.name)
    throw new Error('BigDecimal without a BigInteger');
  const signum = value.fields.get('signum') as number;
  const magnitude = value.fields.get('magnitude') as Uint8Array;
  const unsigned = magnitude.length === 0 ? 0n : BigInt(`0x${Buffer.from(magnitude).toString('hex')}`);
  return signum < 0 ? -unsigned : unsigned;
}

function toJavaValue(item: unknown): JavaValue {
  if (item === null || item === undefined) return null;
  if (typeof item === 'string') return { type: 'string', value: item };
  if (item instanceof Uint8Array) return { type: 'bytes', value: item };
  const object = item as JavaObject;
  if (typeof object !== 'object' || !(object.fields instanceof Map))
    throw new Error('the serialized key holds a nested array');
  const field = object.fields.get('value');
  switch (object.className) {
    case CLASSES.int.name:
      return { type: 'int', value: field as number };
    case CLASSES.short.name:
      return { type: 'short', value: field as number };
    case CLASSES.byte.name:
      return { type: 'byte', value: field as number };
    case CLASSES.long.name:
      return { type: 'long', value: field as bigint };
    case CLASSES.boolean.name:
      return { type: 'boolean', value: field as boolean };
    case CLASSES.double.name:
      return { type: 'double', value: field as number };
    case CLASSES.float.name:
      return { type: 'float', value: field as number };
    case CLASSES.biginteger.name:
      return { type: 'biginteger', value: bigIntegerOf(object) };
    case CLASSES.decimal.name:
      return {
        type: 'decimal',
        value: formatDecimal(bigIntegerOf(object.fields.get('intVal')), object.fields.get('scale') as number),
      };
    case CLASSES.uuid.name: {
      const hex = (bits: unknown) =>
        BigInt.asUintN(64, bits as bigint)
          .toString(16)
          .padStart(16, '0');
      const text = `${hex(object.fields.get('mostSigBits'))}${hex(object.fields.get('leastSigBits'))}`;
      return {
        type: 'uuid',
        value: `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${text.slice(20)}`,
      };
    }
    default:
      throw new Error(`the serialized key holds a ${object.className}, which Onramp cannot read`);
  }
}

/** The values of a key Debezium (or Onramp) stored; throws naming what it cannot read. */
export function deserializeKey(hex: string): JavaValue[] {
  if (!/^(?:[0-9a-f]{2})+$/i.test(hex)) throw new Error('the serialized key is not hex');
  const reader = new StreamReader(Buffer.from(hex, 'hex'));
  if (reader.u16() !== MAGIC || reader.u16() !== VERSION) throw new Error('not a Java serialization stream');
  const items = reader.content();
  if (!Array.isArray(items)) throw new Error('the serialized key is not an Object[]');
  if (!reader.done()) throw new Error('the serialized key has trailing bytes');
  return items.map(toJavaValue);
}
