import type { SchemaAndValue } from '../plugin/index.ts';

// A single message transform works on what source and sink records share (topic, key, value), so
// the same transform serves both runners. It returns the record to pass on, or null to drop it.

export interface TransformableRecord {
  topic: string;
  key: SchemaAndValue | null;
  value: SchemaAndValue | null;
}

export type RecordTransform = (<R extends TransformableRecord>(record: R) => R | null) & {
  /** The class name users configure (shown in dead-letter headers and traces). */
  readonly className: string;
};

/** Settings of one configured transform (`transforms.<alias>.*` with the prefix removed). */
export type TransformSettings = Readonly<Record<string, string>>;

export function named(
  className: string,
  apply: <R extends TransformableRecord>(record: R) => R | null,
): RecordTransform {
  return Object.assign(apply, { className });
}
