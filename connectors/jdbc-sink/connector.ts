import { ONRAMP_VERSION, type SinkPlugin, type TaskConfig } from '../../src/plugin/index.ts';
import { type JdbcSinkConfig, type JdbcSinkFields, jdbcSinkConfig } from './config.ts';
import { jdbcSinkOriginalKeys } from './original-keys.ts';
import { sinkTargets } from './targets.ts';
import { JdbcSinkTask } from './task.ts';

// The JDBC sink plugin, selected by either connector class (Debezium's or Confluent's). Tasks share
// the consumer group, so Kafka spreads the topic partitions over them.

export const JDBC_SINK_VERSION = ONRAMP_VERSION;

export const jdbcSinkPlugin: SinkPlugin<JdbcSinkFields> = {
  name: 'jdbc-sink',
  originalKeys: jdbcSinkOriginalKeys,
  aliases: [
    'io.debezium.connector.jdbc.JdbcSinkConnector',
    'io.confluent.connect.jdbc.JdbcSinkConnector',
    'JdbcSinkConnector',
  ],
  kind: 'sink',
  version: JDBC_SINK_VERSION,
  config: jdbcSinkConfig,

  planTasks(_config: JdbcSinkConfig, maxTasks: number): TaskConfig[] {
    return Array.from({ length: Math.max(1, maxTasks) }, () => ({}));
  },

  createTask() {
    return new JdbcSinkTask();
  },

  targets: sinkTargets,
};
