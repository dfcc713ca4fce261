import type { PersonalDataTreatment } from './product-model.ts';

// Column-level lineage: what happens to a table's columns on their way through a connector, read
// from what the connector is configured to do (not guessed from data). On a source connector, a
// published product's personal-data policy comes first (the product stage runs before the
// connector's transforms: hashed, masked, dropped), then its `transforms=...` chain: once
// ExtractNewRecordState has made the row the record value, ReplaceField$Value renames
// (`renames=old:new`) and drops (`exclude`, or not in `include`) columns and MaskField$Value masks
// them (before it, those transforms act on the change event's envelope, not on columns). A sink's
// transforms work the same way, and the JDBC sink's `field.include.list`/`field.exclude.list` keep
// columns out of the target table. Only columns something happens to are listed.

export type ColumnChange = 'renamed' | 'dropped' | 'masked' | 'hashed';

export interface ColumnStep {
  change: ColumnChange;
  /** What does it: `transform <name>`, `product policy`, or a connector setting. */
  by: string;
  /** For a rename: the new name. */
  to?: string;
  /** The transform applies only when its predicate matches (`transforms.<name>.predicate`). */
  when?: string;
}

export interface ColumnMapping {
  /** The column (field) as it enters the connector. */
  from: string;
  /** Its name where the connector writes it; null when it is dropped. */
  to: string | null;
  steps: ColumnStep[];
}

const UNWRAP = /(^|\.)ExtractNewRecordState$/;
const REPLACE_VALUE = /(^|\.)ReplaceField\$Value$/;
const MASK_VALUE = /(^|\.)MaskField\$Value$/;

function list(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

interface Tracked {
  from: string;
  name: string;
  dropped: boolean;
  steps: ColumnStep[];
}

/**
 * The column mappings of one connector for the given columns (in their order). `treatments` are a
 * published product's personal-data decisions for these columns (source connectors); `topic` names
 * the topic for the JDBC sink's `<topic>:<field>` entries.
 */
export function columnMappings(
  config: Readonly<Record<string, string>>,
  columns: readonly string[],
  options: { treatments?: ReadonlyMap<string, PersonalDataTreatment>; topic?: string } = {},
): ColumnMapping[] {
  const tracked: Tracked[] = columns.map((column) => ({
    from: column,
    name: column,
    dropped: false,
    steps: [],
  }));
  const alive = () => tracked.filter((entry) => !entry.dropped);
  for (const entry of tracked) {
    const treatment = options.treatments?.get(entry.from);
    if (treatment === undefined) continue;
    const change: ColumnChange =
      treatment === 'hash' ? 'hashed' : treatment === 'mask' ? 'masked' : 'dropped';
    entry.steps.push({ change, by: 'product policy' });
    if (change === 'dropped') entry.dropped = true;
  }

  let unwrapped = false;
  for (const name of list(config.transforms)) {
    const prefix = `transforms.${name}.`;
    const type = config[`${prefix}type`] ?? '';
    const predicate = config[`${prefix}predicate`];
    const step = (change: ColumnChange, to?: string): ColumnStep => ({
      change,
      by: `transform ${name}`,
      ...(to !== undefined && { to }),
      ...(predicate !== undefined && predicate !== '' && { when: predicate }),
    });
    if (UNWRAP.test(type)) {
      unwrapped = true;
      continue;
    }
    if (!unwrapped) continue;
    if (REPLACE_VALUE.test(type)) {
      const exclude = new Set(list(config[`${prefix}exclude`] ?? config[`${prefix}blacklist`]));
      const include = new Set(list(config[`${prefix}include`] ?? config[`${prefix}whitelist`]));
      const renames = new Map(
        list(config[`${prefix}renames`]).flatMap((mapping) => {
          const [from, to] = mapping.split(':');
          return from !== undefined && to !== undefined ? [[from, to] as const] : [];
        }),
      );
      for (const entry of alive()) {
        if (exclude.has(entry.name) || (include.size > 0 && !include.has(entry.name))) {
          entry.steps.push(step('dropped'));
          if (predicate === undefined) entry.dropped = true;
          continue;
        }
        const to = renames.get(entry.name);
        if (to !== undefined) {
          entry.steps.push(step('renamed', to));
          if (predicate === undefined) entry.name = to;
        }
      }
    } else if (MASK_VALUE.test(type)) {
      const masked = new Set(list(config[`${prefix}fields`]));
      for (const entry of alive()) if (masked.has(entry.name)) entry.steps.push(step('masked'));
    }
  }

  const include = list(config['field.include.list'] ?? config['fields.whitelist']);
  const exclude = list(config['field.exclude.list']);
  const listed = (entries: string[], field: string) =>
    entries.includes(field) || (options.topic !== undefined && entries.includes(`${options.topic}:${field}`));
  for (const entry of alive()) {
    if (listed(exclude, entry.name)) {
      entry.steps.push({ change: 'dropped', by: 'field.exclude.list' });
      entry.dropped = true;
    } else if (include.length > 0 && !listed(include, entry.name)) {
      entry.steps.push({ change: 'dropped', by: 'field.include.list' });
      entry.dropped = true;
    }
  }

  return tracked
    .filter((entry) => entry.steps.length > 0)
    .map((entry) => ({ from: entry.from, to: entry.dropped ? null : entry.name, steps: entry.steps }));
}
