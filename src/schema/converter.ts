import type { SchemaAndValue } from '../plugin/record.ts';

// A converter turns Connect data into Kafka bytes and back, selected by the Kafka Connect class
// names in `key.converter` / `value.converter`. Tombstones pass through: null data <-> null bytes.
export interface Converter {
  /** The Kafka Connect class name it answers to (shown in DLQ headers and errors). */
  readonly className: string;
  fromConnect(topic: string, isKey: boolean, data: SchemaAndValue | null): Promise<Buffer | null>;
  toConnect(topic: string, isKey: boolean, bytes: Buffer | null): Promise<SchemaAndValue | null>;
}
