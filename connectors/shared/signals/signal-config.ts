import { type FieldError, field } from '../../../src/plugin/index.ts';

// Debezium's signal and incremental snapshot settings, shared by both source connectors (the same
// names and defaults as Debezium's CommonConnectorConfig, RelationalDatabaseConnectorConfig and
// KafkaSignalChannel).

const SNAPSHOT = 'Snapshot';

/** Channels Onramp reads signals from (the REST API stands in for Debezium's in-process and JMX). */
export const SIGNAL_CHANNELS = ['source', 'kafka'] as const;

export function signalFields(namespace: 'schema' | 'database') {
  return {
    'signal.data.collection': field.string({
      doc: `The signal table, <${namespace}>.<table>, with Debezium's three columns (id, type, data: the first three, by position): a row inserted there is a signal (execute-snapshot, stop-snapshot, pause-snapshot, resume-snapshot, log) and, unless read.only, incremental snapshots write their open/close-window watermark rows to it. It is captured (and published) with the other tables.`,
      group: SNAPSHOT,
    }),
    'signal.enabled.channels': field.list({
      doc: 'Where signals come from: source (rows of signal.data.collection) and/or kafka (messages on signal.kafka.topic keyed by topic.prefix). POST /connectors/{name}/snapshots works whatever this says.',
      default: ['source'],
      group: SNAPSHOT,
    }),
    'signal.kafka.topic': field.string({
      doc: 'The Kafka signal channel topic (partition 0 in Debezium; every partition here). Default: <topic.prefix>-signal.',
      group: SNAPSHOT,
    }),
    'signal.kafka.bootstrap.servers': field.string({
      doc: "The Kafka cluster of the signal topic. It must be the cluster the host writes to (Onramp reads it with the host's Kafka client settings, credentials included); leave it unset for that cluster.",
      group: SNAPSHOT,
    }),
    'signal.kafka.groupId': field.string({
      doc: 'The consumer group the Kafka signal channel reads (and commits) in.',
      default: 'kafka-signal',
      group: SNAPSHOT,
    }),
    'incremental.snapshot.chunk.size': field.int({
      doc: 'Rows per chunk of an incremental (and a blocking) snapshot: each chunk is one short read-only query ordered by the primary key, held in memory until its window closes.',
      default: 1024,
      group: SNAPSHOT,
      min: 1,
      max: 1_000_000,
    }),
    'incremental.snapshot.watermarking.strategy': field.enum(['insert_insert', 'insert_delete'] as const)({
      doc: "How a chunk's window is marked in the signal table: insert_insert writes an open and a close row; insert_delete writes the open row and deletes it to close (the table stays small).",
      default: 'insert_insert',
      group: SNAPSHOT,
    }),
    'read.only': field.boolean({
      doc: 'Incremental snapshots write nothing to the database: the window of each chunk is kept in memory (its open and close are the stream position while the chunk is read), and signals come from Kafka or the REST API.',
      default: false,
      group: SNAPSHOT,
    }),
  };
}

export interface SignalSettings {
  readonly 'signal.data.collection': string | undefined;
  readonly 'signal.enabled.channels': readonly string[];
  readonly 'signal.kafka.topic': string | undefined;
  readonly 'signal.kafka.bootstrap.servers': string | undefined;
  readonly 'signal.kafka.groupId': string;
  readonly 'incremental.snapshot.chunk.size': number;
  readonly 'read.only': boolean;
}

/** The signal table as [namespace, table], when the setting names one. */
export function signalTableName(settings: SignalSettings): [string, string] | undefined {
  const value = settings['signal.data.collection']?.trim();
  if (!value) return undefined;
  const parts = value.split('.');
  return parts.length === 2 && parts.every((part) => part !== '')
    ? [parts[0] as string, parts[1] as string]
    : undefined;
}

/** Cross-field rules of the signal settings. */
export function checkSignalSettings(
  settings: SignalSettings,
  namespace: 'schema' | 'database',
): FieldError[] {
  const errors: FieldError[] = [];
  const table = settings['signal.data.collection']?.trim();
  if (table && signalTableName(settings) === undefined) {
    errors.push({
      field: 'signal.data.collection',
      message: `Invalid signal.data.collection "${table}": name the signal table as <${namespace}>.<table>`,
    });
  }
  for (const channel of settings['signal.enabled.channels']) {
    if (!(SIGNAL_CHANNELS as readonly string[]).includes(channel.toLowerCase())) {
      errors.push({
        field: 'signal.enabled.channels',
        message: `Signal channel "${channel}" is not supported: use source and/or kafka (POST /connectors/{name}/snapshots takes the place of Debezium's in-process and jmx channels)`,
      });
    }
  }
  const topic = settings['signal.kafka.topic'];
  if (topic !== undefined && (topic.trim() === '' || /[^A-Za-z0-9._-]/.test(topic))) {
    errors.push({
      field: 'signal.kafka.topic',
      message: `Invalid signal.kafka.topic "${topic}": use letters, digits, '.', '_' or '-'`,
    });
  }
  if (settings['signal.kafka.groupId'].trim() === '') {
    errors.push({ field: 'signal.kafka.groupId', message: 'signal.kafka.groupId must not be empty' });
  }
  return errors;
}

export function channelEnabled(settings: SignalSettings, channel: (typeof SIGNAL_CHANNELS)[number]): boolean {
  return settings['signal.enabled.channels'].some((name) => name.toLowerCase() === channel);
}

/** signal.kafka.bootstrap.servers as a list of host:port. */
export function signalBootstrapServers(settings: SignalSettings): string[] | undefined {
  const value = settings['signal.kafka.bootstrap.servers'];
  if (value === undefined) return undefined;
  const servers = value
    .split(',')
    .map((server) => server.trim())
    .filter((server) => server !== '');
  return servers.length > 0 ? servers : undefined;
}

/** What incremental snapshots write to the signal table: nothing (none or read.only), or their watermarks. */
export function signalWrites(
  settings: SignalSettings & {
    'incremental.snapshot.watermarking.strategy': 'insert_insert' | 'insert_delete';
  },
): 'none' | 'insert' | 'insert_delete' {
  if (signalTableName(settings) === undefined || settings['read.only']) return 'none';
  return settings['incremental.snapshot.watermarking.strategy'] === 'insert_delete'
    ? 'insert_delete'
    : 'insert';
}
