import type { ConnectSchema } from '../plugin/record.ts';

// Kafka Connect's built-in logical types: the names converters recognise on a schema.
export const DECIMAL = 'org.apache.kafka.connect.data.Decimal';
export const DATE = 'org.apache.kafka.connect.data.Date';
export const TIME = 'org.apache.kafka.connect.data.Time';
export const TIMESTAMP = 'org.apache.kafka.connect.data.Timestamp';
/** Debezium's parameter carrying a decimal column's precision. */
export const DECIMAL_PRECISION_PARAMETER = 'connect.decimal.precision';

export function isDecimal(schema: ConnectSchema): boolean {
  return schema.type === 'bytes' && schema.name === DECIMAL;
}

export function decimalScale(schema: ConnectSchema): number {
  const scale = Number(schema.parameters?.scale ?? '0');
  return Number.isInteger(scale) ? scale : 0;
}
