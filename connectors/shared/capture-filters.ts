import type { FieldError } from '../../src/plugin/index.ts';
import { keyColumnsProblems, MessageKeyColumns } from './message-key-columns.ts';

// Which namespaces (PostgreSQL schemas, MySQL databases), tables, columns and operations a source
// connector captures, from Debezium's include/exclude lists: each entry is a regular expression
// matched case-insensitively against the whole name (`ns`, `ns.table`, `ns.table.column`).

export type Operation = 'c' | 'u' | 'd' | 't';

export interface FilterLists {
  namespaceInclude: readonly string[] | undefined;
  namespaceExclude: readonly string[] | undefined;
  tableInclude: readonly string[] | undefined;
  tableExclude: readonly string[] | undefined;
  columnInclude: readonly string[] | undefined;
  columnExclude: readonly string[] | undefined;
  /** message.key.columns */
  keyColumns: string | undefined;
  /** skipped.operations */
  skippedOperations: readonly string[];
  /**
   * signal.data.collection (<namespace>.<table>): captured whatever the lists say, as Debezium
   * adds it to its table filter, so its rows (signals, watermarks) are streamed.
   */
  signalTable?: string | undefined;
}

function compile(patterns: readonly string[] | undefined): RegExp[] {
  return (patterns ?? []).map((pattern) => new RegExp(`^(?:${pattern})$`, 'i'));
}

function matchesAny(patterns: readonly RegExp[], name: string): boolean {
  return patterns.some((pattern) => pattern.test(name));
}

export class CaptureFilters {
  private readonly systemNamespaces: RegExp;
  private readonly namespaceInclude: RegExp[];
  private readonly namespaceExclude: RegExp[];
  private readonly tableInclude: RegExp[];
  private readonly tableExclude: RegExp[];
  private readonly columnInclude: RegExp[];
  private readonly columnExclude: RegExp[];
  private readonly keyColumns: MessageKeyColumns;
  private readonly skipped: Set<string>;
  private readonly signalTable: string | undefined;

  /** `systemNamespaces` never hold captured tables (pg_catalog, mysql, information_schema, ...). */
  constructor(lists: FilterLists, systemNamespaces: RegExp) {
    this.systemNamespaces = systemNamespaces;
    this.namespaceInclude = compile(lists.namespaceInclude);
    this.namespaceExclude = compile(lists.namespaceExclude);
    this.tableInclude = compile(lists.tableInclude);
    this.tableExclude = compile(lists.tableExclude);
    this.columnInclude = compile(lists.columnInclude);
    this.columnExclude = compile(lists.columnExclude);
    this.keyColumns = new MessageKeyColumns(lists.keyColumns);
    const skipped = lists.skippedOperations.map((operation) => operation.toLowerCase());
    this.skipped = new Set(skipped.includes('none') ? [] : skipped);
    this.signalTable = lists.signalTable?.trim() || undefined;
  }

  includesNamespace(namespace: string): boolean {
    if (this.systemNamespaces.test(namespace)) return false;
    if (this.namespaceInclude.length > 0) return matchesAny(this.namespaceInclude, namespace);
    return !matchesAny(this.namespaceExclude, namespace);
  }

  includesTable(namespace: string, table: string): boolean {
    if (this.signalTable === `${namespace}.${table}`) return true;
    if (!this.includesNamespace(namespace)) return false;
    const name = `${namespace}.${table}`;
    if (this.tableInclude.length > 0) return matchesAny(this.tableInclude, name);
    return !matchesAny(this.tableExclude, name);
  }

  includesColumn(namespace: string, table: string, column: string): boolean {
    const name = `${namespace}.${table}.${column}`;
    if (this.columnInclude.length > 0) return matchesAny(this.columnInclude, name);
    return !matchesAny(this.columnExclude, name);
  }

  /** The key columns message.key.columns gives a table of these columns, if any entry matches. */
  keyColumnsFor(namespace: string, table: string, columns: readonly string[]): string[] | undefined {
    return this.keyColumns.keyColumnsFor(namespace, table, columns);
  }

  skips(operation: Operation): boolean {
    return this.skipped.has(operation);
  }
}

/**
 * Config errors in the filter settings: bad regular expressions, include and exclude together.
 * `config` holds each include/exclude key's parsed list.
 */
export function checkFilterLists(
  pairs: ReadonlyArray<readonly [include: string, exclude: string]>,
  config: Readonly<Record<string, unknown>>,
  keyColumns: string | undefined,
): FieldError[] {
  const list = (key: string): readonly string[] => {
    const value = config[key];
    return Array.isArray(value) ? value : [];
  };
  const errors: FieldError[] = [];
  for (const [include, exclude] of pairs) {
    for (const name of [include, exclude]) {
      for (const pattern of list(name)) {
        try {
          new RegExp(pattern);
        } catch (error) {
          errors.push({
            field: name,
            message: `Invalid regular expression "${pattern}": ${(error as Error).message}`,
          });
        }
      }
    }
    if (list(include).length > 0 && list(exclude).length > 0) {
      errors.push({
        field: exclude,
        message: `${include} and ${exclude} cannot both be set; use one of them`,
      });
    }
  }
  if (keyColumns !== undefined) {
    for (const problem of keyColumnsProblems(keyColumns))
      errors.push({ field: 'message.key.columns', message: `Invalid message.key.columns: ${problem}` });
  }
  return errors;
}
