import type { ConnectSchema } from '../../src/plugin/index.ts';

// What a Connect field is, as far as a SQL column is concerned: Connect's and Debezium's semantic
// names decide the column type (dialects map the kind to SQL) and how the value is written.

export type ColumnKind =
  | { kind: 'int8' | 'int16' | 'int32' | 'int64' | 'float32' | 'float64' | 'boolean' | 'bytes' }
  | { kind: 'string' }
  | { kind: 'decimal'; precision?: number; scale?: number }
  | { kind: 'date' }
  | { kind: 'time'; unit: 'ms' | 'us' | 'ns' }
  | { kind: 'timestamp'; unit: 'ms' | 'us' | 'ns' }
  | { kind: 'zoned-timestamp' }
  | { kind: 'zoned-time' }
  | { kind: 'json'; binary: boolean }
  | { kind: 'uuid' }
  /** arrays, maps, structs and schemaless values: stored as JSON text */
  | { kind: 'structured' };

export function columnKind(schema: ConnectSchema | null): ColumnKind {
  if (schema === null) return { kind: 'string' };
  switch (schema.name) {
    case 'org.apache.kafka.connect.data.Decimal': {
      const scale = Number(schema.parameters?.scale ?? '0');
      const precision = Number(schema.parameters?.['connect.decimal.precision']);
      return {
        kind: 'decimal',
        scale,
        ...(Number.isInteger(precision) && precision > 0 && precision >= scale && { precision }),
      };
    }
    case 'io.debezium.data.VariableScaleDecimal':
      return { kind: 'decimal' };
    case 'org.apache.kafka.connect.data.Date':
    case 'io.debezium.time.Date':
      return { kind: 'date' };
    case 'org.apache.kafka.connect.data.Time':
    case 'io.debezium.time.Time':
      return { kind: 'time', unit: 'ms' };
    case 'io.debezium.time.MicroTime':
      return { kind: 'time', unit: 'us' };
    case 'io.debezium.time.NanoTime':
      return { kind: 'time', unit: 'ns' };
    case 'org.apache.kafka.connect.data.Timestamp':
    case 'io.debezium.time.Timestamp':
      return { kind: 'timestamp', unit: 'ms' };
    case 'io.debezium.time.MicroTimestamp':
      return { kind: 'timestamp', unit: 'us' };
    case 'io.debezium.time.NanoTimestamp':
      return { kind: 'timestamp', unit: 'ns' };
    case 'io.debezium.time.ZonedTimestamp':
      return { kind: 'zoned-timestamp' };
    case 'io.debezium.time.ZonedTime':
      return { kind: 'zoned-time' };
    case 'io.debezium.data.Json':
      return { kind: 'json', binary: false };
    case 'io.debezium.data.JsonB':
      return { kind: 'json', binary: true };
    case 'io.debezium.data.Uuid':
      return { kind: 'uuid' };
  }
  switch (schema.type) {
    case 'array':
    case 'map':
    case 'struct':
      return { kind: 'structured' };
    default:
      return { kind: schema.type };
  }
}
