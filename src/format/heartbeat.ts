import type { ConnectSchema, SchemaAndValue } from '../plugin/record.ts';

// Debezium's heartbeat records (`__debezium-heartbeat.<prefix>`): they carry the source's latest
// position when the captured tables are quiet, so the offset (and the slot / binlog position behind
// it) keeps moving.

export const DEFAULT_HEARTBEAT_TOPICS_PREFIX = '__debezium-heartbeat';

export const heartbeatKeySchema: ConnectSchema = Object.freeze({
  type: 'struct',
  name: 'io.debezium.connector.common.ServerNameKey',
  version: 1,
  optional: false,
  fields: [{ field: 'serverName', type: 'string', optional: false }],
}) as ConnectSchema;

export const heartbeatValueSchema: ConnectSchema = Object.freeze({
  type: 'struct',
  name: 'io.debezium.connector.common.Heartbeat',
  version: 1,
  optional: false,
  fields: [{ field: 'ts_ms', type: 'int64', optional: false }],
}) as ConnectSchema;

export function heartbeatTopic(topicsPrefix: string, serverName: string): string {
  return `${topicsPrefix}.${serverName}`;
}

export function heartbeatKey(serverName: string): SchemaAndValue {
  return { schema: heartbeatKeySchema, value: { serverName } };
}

export function heartbeatValue(nowMs: number): SchemaAndValue {
  return { schema: heartbeatValueSchema, value: { ts_ms: nowMs } };
}
