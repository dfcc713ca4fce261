import type { ConnectSchema, ConnectStruct, ConnectValue, SchemaAndValue } from '../plugin/index.ts';
import { isStruct } from './record-parts.ts';
import { transformFailure } from './transform.ts';

// Kafka Connect's transforms/util/Requirements: what a transform needs the data to be, with its messages.

function typeName(value: ConnectValue | undefined): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Uint8Array) return 'bytes';
  return typeof value;
}

/** The struct and its schema, or a failure naming what was found instead. */
export function requireStruct(
  className: string,
  data: SchemaAndValue,
  purpose: string,
): { schema: ConnectSchema; value: ConnectStruct } {
  const { schema, value } = data;
  if (schema?.type !== 'struct' || !isStruct(value))
    throw transformFailure(
      className,
      `Only Struct objects supported for [${purpose}], found: ${schema ? schema.type : typeName(value)}`,
    );
  return { schema, value };
}

/** A schemaless map value, or a failure naming what was found instead. */
export function requireMap(className: string, value: ConnectValue, purpose: string): ConnectStruct {
  if (!isStruct(value))
    throw transformFailure(
      className,
      `Only Map objects supported in absence of schema for [${purpose}], found: ${typeName(value)}`,
    );
  return value;
}

/** Kafka's requireSinkRecord: offsets exist only on records read from Kafka. */
export function requireOffset(className: string, offset: string | undefined, purpose: string): string {
  if (offset === undefined)
    throw transformFailure(className, `Only SinkRecord supported for [${purpose}], found: SourceRecord`);
  return offset;
}
