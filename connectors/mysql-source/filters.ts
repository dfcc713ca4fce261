import type { FieldError } from '../../src/plugin/index.ts';

// Which databases, tables, columns and operations the connector captures, from Debezium's
// include/exclude lists: each entry is a regular expression matched case-insensitively against the
// whole name (`database`, `database.table`, `database.table.column`).

/** Databases that never hold captured tables. */
const SYSTEM_DATABASES = /^(mysql|information_schema|performance_schema|sys)$/i;

export type Operation = 'c' | 'u' | 'd' | 't';

export interface FilterSettings {
  'database.include.list'?: readonly string[] | undefined;
  'database.exclude.list'?: readonly string[] | undefined;
  'table.include.list'?: readonly string[] | undefined;
  'table.exclude.list'?: readonly string[] | undefined;
  'column.include.list'?: readonly string[] | undefined;
  'column.exclude.list'?: readonly string[] | undefined;
  'message.key.columns'?: string | undefined;
  'skipped.operations': readonly string[];
}

function compile(patterns: readonly string[] | undefined): RegExp[] {
  return (patterns ?? []).map((pattern) => new RegExp(`^(?:${pattern})$`, 'i'));
}

function matchesAny(patterns: readonly RegExp[], name: string): boolean {
  return patterns.some((pattern) => pattern.test(name));
}

interface KeyOverride {
  table: RegExp;
  columns: string[];
}

/** Parses message.key.columns: `<table regex>:<column>,<column>;<table regex>:<column>...`. */
export function parseKeyColumns(text: string | undefined): KeyOverride[] {
  if (text === undefined || text.trim() === '') return [];
  return text
    .split(';')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const colon = entry.lastIndexOf(':');
      if (colon <= 0 || colon === entry.length - 1) {
        throw new Error(`"${entry}" is not <table>:<column>[,<column>...]`);
      }
      const columns = entry
        .slice(colon + 1)
        .split(',')
        .map((column) => column.trim())
        .filter((column) => column !== '');
      if (columns.length === 0) throw new Error(`"${entry}" names no columns`);
      return { table: new RegExp(`^(?:${entry.slice(0, colon).trim()})$`, 'i'), columns };
    });
}

export class CaptureFilters {
  private readonly databaseInclude: RegExp[];
  private readonly databaseExclude: RegExp[];
  private readonly tableInclude: RegExp[];
  private readonly tableExclude: RegExp[];
  private readonly columnInclude: RegExp[];
  private readonly columnExclude: RegExp[];
  private readonly keyOverrides: KeyOverride[];
  private readonly skipped: Set<string>;

  constructor(config: FilterSettings) {
    this.databaseInclude = compile(config['database.include.list']);
    this.databaseExclude = compile(config['database.exclude.list']);
    this.tableInclude = compile(config['table.include.list']);
    this.tableExclude = compile(config['table.exclude.list']);
    this.columnInclude = compile(config['column.include.list']);
    this.columnExclude = compile(config['column.exclude.list']);
    this.keyOverrides = parseKeyColumns(config['message.key.columns']);
    const skipped = config['skipped.operations'].map((operation) => operation.toLowerCase());
    this.skipped = new Set(skipped.includes('none') ? [] : skipped);
  }

  includesDatabase(database: string): boolean {
    if (SYSTEM_DATABASES.test(database)) return false;
    if (this.databaseInclude.length > 0) return matchesAny(this.databaseInclude, database);
    return !matchesAny(this.databaseExclude, database);
  }

  includesTable(database: string, table: string): boolean {
    if (!this.includesDatabase(database)) return false;
    const name = `${database}.${table}`;
    if (this.tableInclude.length > 0) return matchesAny(this.tableInclude, name);
    return !matchesAny(this.tableExclude, name);
  }

  includesColumn(database: string, table: string, column: string): boolean {
    const name = `${database}.${table}.${column}`;
    if (this.columnInclude.length > 0) return matchesAny(this.columnInclude, name);
    return !matchesAny(this.columnExclude, name);
  }

  /** The message.key.columns override for a table, if one matches. */
  keyColumnsFor(database: string, table: string): string[] | undefined {
    const name = `${database}.${table}`;
    return this.keyOverrides.find((override) => override.table.test(name))?.columns;
  }

  skips(operation: Operation): boolean {
    return this.skipped.has(operation);
  }
}

/** Config errors in the filter settings: bad regular expressions, include and exclude together. */
export function checkFilters(config: FilterSettings): FieldError[] {
  const errors: FieldError[] = [];
  const pairs = [
    ['database.include.list', 'database.exclude.list'],
    ['table.include.list', 'table.exclude.list'],
    ['column.include.list', 'column.exclude.list'],
  ] as const;
  for (const [include, exclude] of pairs) {
    for (const name of [include, exclude]) {
      for (const pattern of config[name] ?? []) {
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
    if ((config[include] ?? []).length > 0 && (config[exclude] ?? []).length > 0) {
      errors.push({
        field: exclude,
        message: `${include} and ${exclude} cannot both be set; use one of them`,
      });
    }
  }
  try {
    parseKeyColumns(config['message.key.columns']);
  } catch (error) {
    errors.push({
      field: 'message.key.columns',
      message: `Invalid message.key.columns: ${(error as Error).message}`,
    });
  }
  return errors;
}
