import type { SinkOffset } from '../kafka/types.ts';
import type { ConnectorPlugin, SinkRecord } from '../plugin/index.ts';
import { parseConfig } from '../plugin/index.ts';
import { configuredTransforms } from '../transforms/index.ts';
import type { KeyWarning } from './key-policy.ts';

// A sink config change that sends topics to other tables (collection.name.format, a RegexRouter,
// another database) leaves the consumer group's committed offsets where they were: the new tables
// only get what comes after them. Kafka Connect says nothing; Onramp says so in the response and
// in /status, with how to copy the earlier records too.

export interface SinkConfigChange {
  name: string;
  groupId: string;
  before: { plugin: ConnectorPlugin; config: Readonly<Record<string, string>> };
  after: { plugin: ConnectorPlugin; config: Readonly<Record<string, string>> };
  /** The group's committed offsets (those of topics it has read). */
  committed: readonly SinkOffset[];
}

/** The topic a record of `topic` reaches the sink with, after the config's transforms. */
function routedTopic(config: Readonly<Record<string, string>>, topic: string): string {
  const { transforms } = configuredTransforms(config);
  let record: SinkRecord | null = {
    topic,
    kafkaPartition: 0,
    kafkaOffset: '0',
    timestamp: Date.now(),
    key: null,
    value: { schema: null, value: {} },
    headers: [],
  };
  for (const transform of transforms) {
    try {
      const next: SinkRecord | null = record && transform(record);
      if (next) record = next;
    } catch {
      // A transform that needs real data (a struct, a field) does not rename topics.
    }
  }
  return record?.topic ?? topic;
}

/** Where `plugin` writes `topic` under `config`, or undefined when it cannot say without a record. */
function targetOf(
  plugin: ConnectorPlugin,
  config: Readonly<Record<string, string>>,
  topic: string,
): string | undefined {
  if (plugin.kind !== 'sink' || !plugin.targets) return undefined;
  const parsed = parseConfig(plugin.config, config);
  if (parsed.errors.length > 0) return undefined;
  const [target] = plugin.targets(parsed.values, [{ topic: routedTopic(config, topic) }]);
  return target ? `${target.database}.${target.table}` : undefined;
}

const ROUTING_KEYS = ['collection.name.format', 'table.name.format', 'transforms', 'connection.url'];

/** Warnings for each read topic whose records would now go to another table. */
export function remapWarnings(change: SinkConfigChange): KeyWarning[] {
  const changedKey =
    ROUTING_KEYS.find((key) => change.before.config[key] !== change.after.config[key]) ?? 'topics';
  const byTopic = new Map<string, SinkOffset[]>();
  for (const offset of change.committed)
    byTopic.set(offset.topic, [...(byTopic.get(offset.topic) ?? []), offset]);
  const warnings: KeyWarning[] = [];
  for (const [topic, offsets] of byTopic) {
    const before = targetOf(change.before.plugin, change.before.config, topic);
    const after = targetOf(change.after.plugin, change.after.config, topic);
    if (before === undefined || after === undefined || before === after) continue;
    const positions = offsets
      .sort((a, b) => a.partition - b.partition)
      .map(({ partition, offset }) => `partition ${partition} at offset ${offset}`)
      .join(', ');
    const path = `/connectors/${encodeURIComponent(change.name)}`;
    warnings.push({
      name: changedKey,
      message:
        `Topic ${topic} now goes to table ${after} (was ${before}), but consumer group ${change.groupId} has committed offsets for it (${positions}): ` +
        `${after} gets only the records after them. To copy the earlier records too, reset the offsets: PUT ${path}/stop, ` +
        `DELETE ${path}/offsets (or PATCH ${path}/offsets to choose positions), then PUT ${path}/resume.`,
    });
  }
  return warnings;
}
