import { type ClientOverrides, clientOverrides } from '../kafka/client-properties.ts';
import type { Cluster, SinkOffset } from '../kafka/types.ts';
import type { ConnectorPlugin, SourceOffset, SourcePartition } from '../plugin/index.ts';
import { OnrampError, topicNameProblem } from '../plugin/index.ts';
import type { OffsetStore } from '../stores/stores.ts';
import type { ConnectorOffsets } from './connect-entities.ts';

// KIP-875 (GET/PATCH/DELETE /connectors/{n}/offsets): source offsets live in the offset store, a
// sink's in its consumer group. Request bodies and messages use Kafka Connect's wording so scripts
// that match on it keep working.

/** Where a connector's offsets are kept. */
export interface OffsetHomes {
  offsets: OffsetStore;
  cluster: Cluster;
}

/** A connector whose offsets are read or changed: its name, kind and raw config. */
export interface OffsetOwner {
  name: string;
  kind: ConnectorPlugin['kind'] | undefined;
  config: Readonly<Record<string, string>>;
  /** The config with its placeholders resolved (an admin.override.* secret may come from a provider). */
  resolve?: () => Readonly<Record<string, string>>;
}

/**
 * The connector's client settings a sink's group offsets are read and changed with: as in Kafka
 * Connect, the connector's admin client (the host's admin settings with its admin.override.* on top).
 */
function sinkClients(owner: OffsetOwner): ClientOverrides {
  return clientOverrides(owner.resolve?.() ?? owner.config);
}

export async function readOffsets(homes: OffsetHomes, owner: OffsetOwner): Promise<ConnectorOffsets> {
  if (owner.kind === 'sink') {
    const groupId = sinkGroupId(owner.name, owner.config);
    return sinkOffsetsBody(await homes.cluster.groupOffsets(groupId, sinkClients(owner)));
  }
  return { offsets: homes.offsets.get(owner.name) };
}

/** PATCH, with the body's entries (offsetEntries). */
export async function alterOffsets(
  homes: OffsetHomes,
  owner: OffsetOwner,
  entries: readonly RawEntry[],
): Promise<void> {
  if (owner.kind === 'sink') {
    const offsets = parseSinkOffsets(entries);
    for (const { topic } of offsets) {
      const problem = topicNameProblem(topic);
      if (problem !== undefined) throw new OnrampError('INVALID_OFFSETS', problem);
    }
    await homes.cluster.alterGroupOffsets(sinkGroupId(owner.name, owner.config), offsets, sinkClients(owner));
  } else {
    await homes.offsets.put(owner.name, parseSourceOffsets(entries));
  }
}

export async function resetOffsets(homes: OffsetHomes, owner: OffsetOwner): Promise<void> {
  if (owner.kind === 'sink')
    await homes.cluster.resetGroupOffsets(sinkGroupId(owner.name, owner.config), sinkClients(owner));
  else await homes.offsets.reset(owner.name);
}

export const notStoppedMessage = (name: string) =>
  'Connectors must be in the STOPPED state before their offsets can be modified. This can be done ' +
  `for the specified connector by issuing a 'PUT' request to the '/connectors/${name}/stop' endpoint`;

// Our plugins have no hook to alter offsets they keep elsewhere, so the caveat always applies.
export const ALTERED_MESSAGE =
  'The Connect framework-managed offsets for this connector have been altered successfully. However, if this ' +
  'connector manages offsets externally, they will need to be manually altered in the system that the connector uses.';
export const RESET_MESSAGE =
  'The Connect framework-managed offsets for this connector have been reset successfully. However, if this ' +
  'connector manages offsets externally, they will need to be manually reset in the system that the connector uses.';

/** Sink connectors keep their offsets in this consumer group (Kafka Connect's default and override). */
export function sinkGroupId(name: string, config: Readonly<Record<string, string>>): string {
  return config['consumer.override.group.id'] ?? `connect-${name}`;
}

const invalid = (message: string) => new OnrampError('INVALID_OFFSETS', message);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface RawEntry {
  partition: unknown;
  offset: unknown;
}

/** The body's `offsets` array; 400 unless it is a non-empty list of objects. */
export function offsetEntries(body: unknown): RawEntry[] {
  if (body === undefined || body === null) {
    throw invalid('Partitions / offsets need to be provided for an alter offsets request');
  }
  if (!isObject(body)) throw invalid('The request body must be an object of the form {"offsets": [...]}');
  const unknownKeys = Object.keys(body).filter((key) => key !== 'offsets');
  if (unknownKeys.length > 0)
    throw invalid(`Unrecognized field(s) ${unknownKeys.map((key) => `"${key}"`).join(', ')}`);
  const { offsets } = body;
  if (offsets === undefined || offsets === null || (Array.isArray(offsets) && offsets.length === 0)) {
    throw invalid('Partitions / offsets need to be provided for an alter offsets request');
  }
  if (!Array.isArray(offsets)) throw invalid('"offsets" must be a list of {"partition", "offset"} objects');
  return offsets.map((entry) => {
    if (!isObject(entry))
      throw invalid('Each entry of "offsets" must be an object with "partition" and "offset"');
    const extra = Object.keys(entry).filter((key) => key !== 'partition' && key !== 'offset');
    if (extra.length > 0)
      throw invalid(`Unrecognized field(s) ${extra.map((key) => `"${key}"`).join(', ')} in an offsets entry`);
    return { partition: entry.partition, offset: entry.offset };
  });
}

function integer(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return BigInt(value.trim()).toString();
  return undefined;
}

export function parseSinkOffsets(
  entries: readonly RawEntry[],
): Array<Omit<SinkOffset, 'offset'> & { offset: string | null }> {
  return entries.map(({ partition, offset }) => {
    if (partition === undefined || partition === null) {
      throw invalid('The partition for a sink connector offset cannot be null or missing');
    }
    if (
      !isObject(partition) ||
      partition.kafka_topic === undefined ||
      partition.kafka_partition === undefined
    ) {
      throw invalid(
        "The partition for a sink connector offset must contain the keys 'kafka_topic' and 'kafka_partition'",
      );
    }
    if (typeof partition.kafka_topic !== 'string' || partition.kafka_topic === '') {
      throw invalid('Topic names for sink connector offsets must be non-empty strings');
    }
    const kafkaPartition = integer(partition.kafka_partition);
    if (kafkaPartition === undefined)
      throw invalid('Partition values for sink connectors need to be integers');
    if (Number(kafkaPartition) < 0)
      throw invalid('Partition values for sink connectors must not be negative');
    if (offset === undefined || offset === null) {
      return { topic: partition.kafka_topic, partition: Number(kafkaPartition), offset: null };
    }
    if (!isObject(offset) || offset.kafka_offset === undefined) {
      throw invalid(
        "The offset for a sink connector should either be null or contain the key 'kafka_offset'",
      );
    }
    const kafkaOffset = integer(offset.kafka_offset);
    if (kafkaOffset === undefined) throw invalid('Offset values for sink connectors need to be integers');
    if (kafkaOffset.startsWith('-')) throw invalid('Offset values for sink connectors must not be negative');
    return { topic: partition.kafka_topic, partition: Number(kafkaPartition), offset: kafkaOffset };
  });
}

export function parseSourceOffsets(
  entries: readonly RawEntry[],
): Array<{ partition: SourcePartition; offset: SourceOffset | null }> {
  return entries.map(({ partition, offset }) => {
    if (partition === undefined || partition === null) {
      throw invalid('The partition for a source connector offset cannot be null or missing');
    }
    if (!isObject(partition)) throw invalid('The partition for a source connector offset must be an object');
    for (const [key, value] of Object.entries(partition)) {
      if (typeof value !== 'string' && typeof value !== 'number') {
        throw invalid(
          `Source partition values must be strings or numbers, but "${key}" is ${JSON.stringify(value)}`,
        );
      }
    }
    if (offset === undefined || offset === null)
      return { partition: partition as SourcePartition, offset: null };
    if (!isObject(offset))
      throw invalid('The offset for a source connector should either be null or an object');
    return { partition: partition as SourcePartition, offset: offset as SourceOffset };
  });
}

/** Committed consumer-group offsets as KIP-875 shows them for sink connectors. */
export function sinkOffsetsBody(offsets: readonly SinkOffset[]): ConnectorOffsets {
  return {
    offsets: offsets.map((entry) => ({
      partition: { kafka_topic: entry.topic, kafka_partition: entry.partition },
      offset: { kafka_offset: Number(entry.offset) },
    })),
  };
}
