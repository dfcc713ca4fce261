import type { FieldError } from '../../src/plugin/index.ts';
import type { PostgresSourceConfig } from './config.ts';

// Which tables, columns and operations the connector captures, from Debezium's include/exclude
// lists: each entry is a regular expression matched case-insensitively against the whole name
// (`schema`, `schema.table`, `schema.table.column`).

/** Schemas that never hold user tables. */
const SYSTEM_SCHEMAS = /^(pg_catalog|information_schema|pg_toast|pg_temp_\d+|pg_toast_temp_\d+)$/;

type Operation = 'c' | 'u' | 'd' | 't';

function compile(patterns: readonly string[]): RegExp[] {
  return patterns.map((pattern) => new RegExp(`^(?:${pattern})$`, 'i'));
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
  private readonly schemaInclude: RegExp[];
  private readonly schemaExclude: RegExp[];
  private readonly tableInclude: RegExp[];
  private readonly tableExclude: RegExp[];
  private readonly columnInclude: RegExp[];
  private readonly columnExclude: RegExp[];
  private readonly keyOverrides: KeyOverride[];
  private readonly skipped: Set<string>;

  constructor(config: PostgresSourceConfig) {
    this.schemaInclude = compile(config['schema.include.list'] ?? []);
    this.schemaExclude = compile(config['schema.exclude.list'] ?? []);
    this.tableInclude = compile(config['table.include.list'] ?? []);
    this.tableExclude = compile(config['table.exclude.list'] ?? []);
    this.columnInclude = compile(config['column.include.list'] ?? []);
    this.columnExclude = compile(config['column.exclude.list'] ?? []);
    this.keyOverrides = parseKeyColumns(config['message.key.columns']);
    const skipped = config['skipped.operations'].map((operation) => operation.toLowerCase());
    this.skipped = new Set(skipped.includes('none') ? [] : skipped);
  }

  includesSchema(schema: string): boolean {
    if (SYSTEM_SCHEMAS.test(schema)) return false;
    if (this.schemaInclude.length > 0) return matchesAny(this.schemaInclude, schema);
    return !matchesAny(this.schemaExclude, schema);
  }

  includesTable(schema: string, table: string): boolean {
    if (!this.includesSchema(schema)) return false;
    const name = `${schema}.${table}`;
    if (this.tableInclude.length > 0) return matchesAny(this.tableInclude, name);
    return !matchesAny(this.tableExclude, name);
  }

  includesColumn(schema: string, table: string, column: string): boolean {
    const name = `${schema}.${table}.${column}`;
    if (this.columnInclude.length > 0) return matchesAny(this.columnInclude, name);
    return !matchesAny(this.columnExclude, name);
  }

  /** The message.key.columns override for a table, if one matches. */
  keyColumnsFor(schema: string, table: string): string[] | undefined {
    const name = `${schema}.${table}`;
    return this.keyOverrides.find((override) => override.table.test(name))?.columns;
  }

  skips(operation: Operation): boolean {
    return this.skipped.has(operation);
  }
}

/** Config errors in the filter settings: bad regular expressions, include and exclude together. */
export function checkFilters(config: PostgresSourceConfig): FieldError[] {
  const errors: FieldError[] = [];
  const pairs = [
    ['schema.include.list', 'schema.exclude.list'],
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
