import type { ConnectField, ConnectSchema } from '../plugin/index.ts';
import type { CompatibilityLevel } from './product-model.ts';

// Which changes of a table's event schema break a published product's contract, judged on the row
// fields (`after`) of the Connect schema the connector sends, i.e. before any converter registers it:
//   dropped-column            a column consumers read is gone
//   renamed-column            a column is gone and a new one of the same type took its place
//   narrowed-type             int64 -> int32, float64 -> float32, a decimal with less precision or
//                             scale, or a nullable column that became NOT NULL
//   changed-type              a different type altogether (string -> int32, Date -> Timestamp...)
//   not-null-without-default  a new NOT NULL column whose field has no default (old events cannot
//                             be read with the new schema)
//   widened-type              int32 -> int64 and the like: breaking only when the product's
//                             compatibility keeps old readers working (FORWARD, FULL and their
//                             transitive forms), since a reader of the old schema cannot read it
// Adding a nullable column, or a NOT NULL one with a default, is not breaking.

export type BreakingRule =
  | 'dropped-column'
  | 'renamed-column'
  | 'narrowed-type'
  | 'changed-type'
  | 'not-null-without-default'
  | 'widened-type';

export interface BreakingChange {
  rule: BreakingRule;
  column: string;
  /** What changed, e.g. `int64 -> int32` or `renamed to full_name`. */
  detail: string;
}

const INTEGER_WIDTH: Partial<Record<ConnectSchema['type'], number>> = {
  int8: 1,
  int16: 2,
  int32: 3,
  int64: 4,
};
const FLOAT_WIDTH: Partial<Record<ConnectSchema['type'], number>> = { float32: 1, float64: 2 };
const DECIMAL = 'org.apache.kafka.connect.data.Decimal';

/** How a field's type reads in a message: `int64`, `int32 io.debezium.time.Date`, `bytes Decimal(12,2)`. */
export function typeLabel(field: ConnectSchema): string {
  if (field.name === DECIMAL)
    return `decimal(${field.parameters?.['connect.decimal.precision'] ?? '?'},${field.parameters?.scale ?? '0'})`;
  return field.name && field.type !== 'struct' ? `${field.type} ${field.name}` : field.type;
}

/** The breaking changes from `published` to `current` (both the row fields of a table's event schema). */
export function breakingChanges(
  published: readonly ConnectField[],
  current: readonly ConnectField[],
  compatibility: CompatibilityLevel,
): BreakingChange[] {
  const changes: BreakingChange[] = [];
  const now = new Map(current.map((field) => [field.field, field]));
  const before = new Set(published.map((field) => field.field));
  const oldReadersMatter = /^(FORWARD|FULL)/.test(compatibility);
  const renames = renamedColumns(published, current);
  const renamedTo = new Set(renames.values());
  const added = current.filter((field) => !before.has(field.field) && !renamedTo.has(field.field));
  for (const old of published) {
    const field = now.get(old.field);
    if (!field) {
      const renamed = renames.get(old.field);
      changes.push(
        renamed
          ? { rule: 'renamed-column', column: old.field, detail: `renamed to ${renamed}` }
          : { rule: 'dropped-column', column: old.field, detail: 'no longer in the table' },
      );
      continue;
    }
    const change = typeChange(old, field, oldReadersMatter);
    if (change) changes.push({ ...change, column: old.field });
    else if (old.optional && !field.optional)
      changes.push({ rule: 'narrowed-type', column: old.field, detail: 'nullable -> NOT NULL' });
  }
  for (const field of added)
    if (!field.optional && field.default === undefined)
      changes.push({
        rule: 'not-null-without-default',
        column: field.field,
        detail: `new NOT NULL ${typeLabel(field)} column without a default`,
      });
  return changes;
}

/**
 * Renames, as ALTER TABLE ... RENAME COLUMN makes them: a column is gone and a new one of the same
 * type stands in its place, i.e. between the same surviving columns, alone there. Where that is
 * ambiguous (two columns gone between the same neighbours) they count as dropped.
 */
function renamedColumns(
  published: readonly ConnectField[],
  current: readonly ConnectField[],
): Map<string, string> {
  const inCurrent = new Set(current.map((field) => field.field));
  const inPublished = new Set(published.map((field) => field.field));
  const gaps = (fields: readonly ConnectField[], kept: (name: string) => boolean) => {
    const byGap = new Map<string, ConnectField[]>();
    let previous = '';
    for (const field of fields) {
      if (kept(field.field)) {
        previous = field.field;
        continue;
      }
      byGap.set(previous, [...(byGap.get(previous) ?? []), field]);
    }
    return byGap;
  };
  const dropped = gaps(published, (name) => inCurrent.has(name));
  const added = gaps(current, (name) => inPublished.has(name));
  const renames = new Map<string, string>();
  for (const [gap, [old, ...others]] of dropped) {
    const [field, ...more] = added.get(gap) ?? [];
    if (old && field && others.length === 0 && more.length === 0 && typeLabel(old) === typeLabel(field))
      renames.set(old.field, field.field);
  }
  return renames;
}

function typeChange(
  old: ConnectSchema,
  field: ConnectSchema,
  oldReadersMatter: boolean,
): Omit<BreakingChange, 'column'> | undefined {
  const from = typeLabel(old);
  const to = typeLabel(field);
  if (from === to) return undefined;
  const detail = `${from} -> ${to}`;
  if (old.name === DECIMAL && field.name === DECIMAL) {
    const precision = (schema: ConnectSchema) =>
      Number(schema.parameters?.['connect.decimal.precision'] ?? Number.POSITIVE_INFINITY);
    const scale = (schema: ConnectSchema) => Number(schema.parameters?.scale ?? 0);
    if (precision(field) < precision(old) || scale(field) < scale(old))
      return { rule: 'narrowed-type', detail };
    return oldReadersMatter ? { rule: 'widened-type', detail } : undefined;
  }
  if (old.name === undefined && field.name === undefined) {
    for (const widths of [INTEGER_WIDTH, FLOAT_WIDTH]) {
      const a = widths[old.type];
      const b = widths[field.type];
      if (a === undefined || b === undefined) continue;
      if (b < a) return { rule: 'narrowed-type', detail };
      // int8/int16/int32 are all Avro ints: only int -> long (float -> double) changes the wire type.
      const wireChanged = (old.type === 'int64') !== (field.type === 'int64') || widths === FLOAT_WIDTH;
      return oldReadersMatter && wireChanged ? { rule: 'widened-type', detail } : undefined;
    }
  }
  return { rule: 'changed-type', detail };
}

/** `change` as people read it in a task's error: `column email: dropped-column (no longer in the table)`. */
export function describeChange(change: BreakingChange): string {
  return `column ${change.column}: ${change.rule} (${change.detail})`;
}

/** The row fields (`after`, else `before`) of a change event's envelope schema. */
export function rowFields(envelope: ConnectSchema | null | undefined): ConnectField[] | undefined {
  const row = envelope?.fields?.find((field) => field.field === 'after' || field.field === 'before');
  return row?.type === 'struct' ? row.fields : undefined;
}
