// The data of Debezium's snapshot signals (ExecuteSnapshot, StopSnapshot, AbstractSnapshotSignal):
//   execute-snapshot {"type": "incremental"|"blocking" (default incremental),
//                     "data-collections": ["<regex>", ...],
//                     "additional-conditions": [{"data-collection": "<regex>", "filter": "<SQL>"}],
//                     "surrogate-key": "<column>"}
//   stop-snapshot    {"type": "incremental", "data-collections": [...]} (none or empty: all)
// Debezium also still reads the single "additional-condition" (a filter for every table) of 1.x.

export type SnapshotType = 'incremental' | 'blocking';

export interface AdditionalCondition {
  /** Matched case-insensitively against the whole data-collection id. */
  dataCollection: RegExp;
  filter: string;
}

export interface SnapshotRequest {
  type: SnapshotType;
  /** Regular expressions (or plain ids) of the tables, as given. */
  dataCollections: string[];
  additionalConditions: AdditionalCondition[];
  surrogateKey?: string;
}

export interface StopRequest {
  type: SnapshotType;
  /** Undefined: stop every table of the snapshot. */
  dataCollections?: string[];
}

export class SnapshotRequestError extends Error {}

function snapshotType(data: Record<string, unknown>): SnapshotType {
  const raw = data.type ?? 'incremental';
  const type = typeof raw === 'string' ? raw.toLowerCase() : raw;
  if (type !== 'incremental' && type !== 'blocking')
    throw new SnapshotRequestError(`"type" is ${JSON.stringify(raw)}: use "incremental" or "blocking"`);
  return type;
}

function collections(data: Record<string, unknown>, required: boolean): string[] | undefined {
  const raw = data['data-collections'];
  if (raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0)) {
    if (required) throw new SnapshotRequestError('"data-collections" is missing or empty: name the tables');
    return undefined;
  }
  if (!Array.isArray(raw) || raw.some((item) => typeof item !== 'string' || item.trim() === ''))
    throw new SnapshotRequestError('"data-collections" must be a list of table names (strings)');
  const names = raw.map((item) => (item as string).trim());
  for (const name of names) compile(name, '"data-collections"', '');
  return names;
}

function compile(pattern: string, field: string, flags: string): RegExp {
  try {
    return new RegExp(`^(?:${pattern})$`, flags);
  } catch (error) {
    throw new SnapshotRequestError(
      `${field}: "${pattern}" is not a regular expression (${(error as Error).message})`,
    );
  }
}

function conditions(data: Record<string, unknown>): AdditionalCondition[] {
  const result: AdditionalCondition[] = [];
  const legacy = data['additional-condition'];
  if (typeof legacy === 'string' && legacy.trim() !== '')
    result.push({ dataCollection: /^(?:.*)$/i, filter: legacy });
  const raw = data['additional-conditions'];
  if (raw === undefined || raw === null) return result;
  if (!Array.isArray(raw)) throw new SnapshotRequestError('"additional-conditions" must be a list');
  for (const entry of raw) {
    const fields = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    const collection = fields['data-collection'];
    const filter = fields.filter;
    if (
      typeof collection !== 'string' ||
      collection.trim() === '' ||
      typeof filter !== 'string' ||
      filter.trim() === ''
    )
      throw new SnapshotRequestError(
        'each of "additional-conditions" needs "data-collection" (a table regex) and "filter" (an SQL condition)',
      );
    result.push({ dataCollection: compile(collection.trim(), '"additional-conditions"', 'i'), filter });
  }
  return result;
}

export function parseSnapshotRequest(data: Record<string, unknown>): SnapshotRequest {
  const type = snapshotType(data);
  const surrogate = data['surrogate-key'];
  if (surrogate !== undefined && surrogate !== null && typeof surrogate !== 'string')
    throw new SnapshotRequestError('"surrogate-key" must be a column name');
  return {
    type,
    dataCollections: collections(data, true) as string[],
    additionalConditions: conditions(data),
    ...(typeof surrogate === 'string' && surrogate.trim() !== '' && { surrogateKey: surrogate.trim() }),
  };
}

export function parseStopRequest(data: Record<string, unknown>): StopRequest {
  const dataCollections = collections(data, false);
  return { type: snapshotType(data), ...(dataCollections && { dataCollections }) };
}

/** The tables among `known` each pattern names (the pattern itself when it names none, as Debezium). */
export function expandCollections(patterns: readonly string[], known: readonly string[]): string[] {
  const expanded = patterns.flatMap((pattern) => {
    const regex = new RegExp(`^(?:${pattern})$`);
    const matches = known.filter((id) => regex.test(id));
    return matches.length > 0 ? matches : [pattern];
  });
  return [...new Set(expanded)];
}

/** The first additional condition whose data-collection matches the table (Debezium's rule). */
export function conditionFor(id: string, conditions: readonly AdditionalCondition[]): string | undefined {
  return conditions.find((condition) => condition.dataCollection.test(id))?.filter;
}
