// Kafka Connect's group subprotocols, byte for byte (ConnectProtocol, IncrementalCooperativeConnectProtocol
// and ConnectProtocolCompatibility in Connect 3.9), so an Onramp worker's JoinGroup metadata and
// SyncGroup assignments read as a Connect worker's do. Kafka's protocol types: INT16/INT32/INT64 big
// endian, STRING = INT16 length + UTF-8, BYTES = INT32 length (-1: null), ARRAY = INT32 count (-1: null).
//
// JoinGroup metadata (one per offered protocol; protocol type "connect"):
//   "default"    (eager, V0):  Version=0 | Url | ConfigOffset
//   "compatible" (V1) / "sessioned" (V2, KIP-507 signed internal requests):
//                Version | Url | ConfigOffset | Allocation (BYTES: this worker's current assignment, encoded as below)
// SyncGroup assignment:
//   Version | Error | Leader | LeaderUrl | ConfigOffset | Assignment [Connector | Tasks [INT32]]
//   and from V1: | Revoked [Connector | Tasks [INT32]] | ScheduledDelay (INT32 ms)
// A task id of -1 in a connector's list stands for the connector instance itself.

export const CONNECT_PROTOCOL_TYPE = 'connect';

export const CONNECT_PROTOCOLS = {
  default: 0,
  compatible: 1,
  sessioned: 2,
} as const;
export type ConnectProtocolName = keyof typeof CONNECT_PROTOCOLS;

/** Assignment errors. */
export const ASSIGNMENT_NO_ERROR = 0;
/** The leader was behind the config topic: members read to its end and rejoin. */
export const ASSIGNMENT_CONFIG_MISMATCH = 1;

const CONNECTOR_TASK = -1;

export interface ConnectorTaskId {
  connector: string;
  task: number;
}

export interface ConnectAssignment {
  /** 0 (eager), 1 (compatible), 2 (sessioned). */
  version: number;
  error: number;
  /** The leader's member id and REST URL. */
  leader: string;
  leaderUrl: string;
  /** The config-topic offset (next to read) the assignment was computed at. */
  configOffset: number;
  connectors: string[];
  tasks: ConnectorTaskId[];
  revokedConnectors: string[];
  revokedTasks: ConnectorTaskId[];
  /** Milliseconds until the leader's scheduled rebalance (lost tasks wait that long); 0: none. */
  delay: number;
}

export interface WorkerMetadata {
  version: number;
  /** The worker's advertised REST URL. */
  url: string;
  /** The config-topic offset this worker has read up to. */
  configOffset: number;
  /** What the worker runs now (incremental protocols; null on a fresh worker and in eager mode). */
  assignment: ConnectAssignment | null;
}

export class ConnectProtocolError extends Error {}

class Writer {
  private readonly chunks: Buffer[] = [];

  int16(value: number): this {
    const buffer = Buffer.alloc(2);
    buffer.writeInt16BE(value);
    this.chunks.push(buffer);
    return this;
  }

  int32(value: number): this {
    const buffer = Buffer.alloc(4);
    buffer.writeInt32BE(value);
    this.chunks.push(buffer);
    return this;
  }

  int64(value: number): this {
    const buffer = Buffer.alloc(8);
    buffer.writeBigInt64BE(BigInt(value));
    this.chunks.push(buffer);
    return this;
  }

  string(value: string): this {
    const bytes = Buffer.from(value, 'utf8');
    if (bytes.length > 0x7fff) throw new ConnectProtocolError(`string of ${bytes.length} bytes is too long`);
    this.int16(bytes.length);
    this.chunks.push(bytes);
    return this;
  }

  bytes(value: Buffer | null): this {
    if (value === null) return this.int32(-1);
    this.int32(value.length);
    this.chunks.push(value);
    return this;
  }

  done(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

class Reader {
  private offset = 0;
  private readonly buffer: Buffer;

  constructor(buffer: Buffer) {
    this.buffer = buffer;
  }

  get remaining(): number {
    return this.buffer.length - this.offset;
  }

  private need(bytes: number): void {
    if (this.remaining < bytes)
      throw new ConnectProtocolError(`truncated Connect protocol data (needs ${bytes} more bytes)`);
  }

  int16(): number {
    this.need(2);
    const value = this.buffer.readInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  int32(): number {
    this.need(4);
    const value = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  int64(): number {
    this.need(8);
    const value = this.buffer.readBigInt64BE(this.offset);
    this.offset += 8;
    return Number(value);
  }

  string(): string {
    const length = this.int16();
    if (length < 0) throw new ConnectProtocolError('null string where Connect requires one');
    this.need(length);
    const value = this.buffer.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  bytes(): Buffer | null {
    const length = this.int32();
    if (length < 0) return null;
    this.need(length);
    const value = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }
}

function connectorTasks(
  connectors: readonly string[],
  tasks: readonly ConnectorTaskId[],
): Map<string, number[]> {
  // Grouped per connector, the connector instance (-1) first, as Connect's asMap() groups them.
  const grouped = new Map<string, number[]>();
  for (const connector of connectors) {
    const list = grouped.get(connector) ?? [];
    if (!list.includes(CONNECTOR_TASK)) list.push(CONNECTOR_TASK);
    grouped.set(connector, list);
  }
  for (const { connector, task } of tasks) grouped.set(connector, [...(grouped.get(connector) ?? []), task]);
  return grouped;
}

function writeConnectorTasks(writer: Writer, grouped: Map<string, number[]>): void {
  writer.int32(grouped.size);
  for (const [connector, tasks] of grouped) {
    writer.string(connector).int32(tasks.length);
    for (const task of tasks) writer.int32(task);
  }
}

function readConnectorTasks(reader: Reader): { connectors: string[]; tasks: ConnectorTaskId[] } {
  const connectors: string[] = [];
  const tasks: ConnectorTaskId[] = [];
  const count = reader.int32();
  for (let i = 0; i < count; i++) {
    const connector = reader.string();
    const taskCount = reader.int32();
    for (let j = 0; j < taskCount; j++) {
      const task = reader.int32();
      if (task === CONNECTOR_TASK) connectors.push(connector);
      else tasks.push({ connector, task });
    }
  }
  return { connectors, tasks };
}

/** The protocol's version (the header every Connect structure starts with). */
export function protocolVersion(name: ConnectProtocolName): number {
  return CONNECT_PROTOCOLS[name];
}

export function protocolByName(name: string): ConnectProtocolName | undefined {
  const lower = name.toLowerCase();
  return lower in CONNECT_PROTOCOLS ? (lower as ConnectProtocolName) : undefined;
}

/** A SyncGroup assignment (the version decides the layout: 0 without revocations and delay). */
export function encodeAssignment(assignment: ConnectAssignment): Buffer {
  const writer = new Writer()
    .int16(assignment.version)
    .int16(assignment.error)
    .string(assignment.leader)
    .string(assignment.leaderUrl)
    .int64(assignment.configOffset);
  writeConnectorTasks(writer, connectorTasks(assignment.connectors, assignment.tasks));
  if (assignment.version >= CONNECT_PROTOCOLS.compatible) {
    writeConnectorTasks(writer, connectorTasks(assignment.revokedConnectors, assignment.revokedTasks));
    writer.int32(assignment.delay);
  }
  return writer.done();
}

export function decodeAssignment(buffer: Buffer): ConnectAssignment {
  const reader = new Reader(buffer);
  const version = reader.int16();
  if (version < 0) throw new ConnectProtocolError(`unsupported Connect protocol version ${version}`);
  const error = reader.int16();
  const leader = reader.string();
  const leaderUrl = reader.string();
  const configOffset = reader.int64();
  // Connect reads every version with the V1 schema and tolerates missing trailing fields.
  const assigned = reader.remaining > 0 ? readConnectorTasks(reader) : { connectors: [], tasks: [] };
  const revoked = reader.remaining > 0 ? readConnectorTasks(reader) : { connectors: [], tasks: [] };
  const delay = reader.remaining >= 4 ? reader.int32() : 0;
  return {
    version,
    error,
    leader,
    leaderUrl,
    configOffset,
    connectors: assigned.connectors,
    tasks: assigned.tasks,
    revokedConnectors: revoked.connectors,
    revokedTasks: revoked.tasks,
    delay,
  };
}

/** JoinGroup metadata for one protocol. */
export function encodeWorkerMetadata(
  protocol: ConnectProtocolName,
  state: { url: string; configOffset: number; assignment: ConnectAssignment | null },
): Buffer {
  const version = protocolVersion(protocol);
  const writer = new Writer().int16(version).string(state.url).int64(state.configOffset);
  if (version === CONNECT_PROTOCOLS.default) return writer.done();
  // The allocation carries the assignment with this protocol's version header.
  const allocation = state.assignment && encodeAssignment({ ...state.assignment, version });
  return writer.bytes(allocation).done();
}

export function decodeWorkerMetadata(buffer: Buffer): WorkerMetadata {
  const reader = new Reader(buffer);
  const version = reader.int16();
  if (version < 0) throw new ConnectProtocolError(`unsupported Connect protocol version ${version}`);
  const url = reader.string();
  const configOffset = reader.int64();
  const allocation = reader.remaining >= 4 ? reader.bytes() : null;
  return { version, url, configOffset, assignment: allocation && decodeAssignment(allocation) };
}

/**
 * The protocols a worker offers in JoinGroup, in order of preference, as Kafka Connect's
 * `connect.protocol` decides them: sessioned -> [sessioned, compatible, default];
 * compatible -> [compatible, default]; eager -> [default].
 */
export function joinGroupProtocols(
  mode: ConnectProtocolName,
  state: { url: string; configOffset: number; assignment: ConnectAssignment | null },
): { name: ConnectProtocolName; metadata: Buffer }[] {
  const offered: ConnectProtocolName[] =
    mode === 'sessioned'
      ? ['sessioned', 'compatible', 'default']
      : mode === 'compatible'
        ? ['compatible', 'default']
        : ['default'];
  return offered.map((name) => ({ name, metadata: encodeWorkerMetadata(name, state) }));
}
