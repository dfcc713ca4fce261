// message.key.columns as Debezium reads it (Key.CustomKeyMapper): `<table>:<column>,<column>;...`
// where each `<table>.<column>` pair is one regular expression, matched case-insensitively against
// the whole `<namespace>.<table>.<column>` name. A table's key is every column some entry matches
// (entry by entry, in table order); a table no entry matches keeps its primary key.

/** Debezium's format of one entry (Key.CustomKeyMapper.MSG_KEY_COLUMNS_PATTERN). */
const ENTRY = /^\s*([^:]+):([^:,]+(,[^:,]+)*)\s*$/;

/** The `;`-separated entries, as Java's String.split gives them (trailing empty ones dropped). */
function entriesOf(text: string): string[] {
  const entries = text.split(';');
  while (entries.length > 0 && entries[entries.length - 1] === '') entries.pop();
  return entries;
}

/** Every problem of a message.key.columns value, each naming the entry; empty when it is valid. */
export function keyColumnsProblems(text: string): string[] {
  if (text.trim() === '') return ['message.key.columns must not be empty'];
  const problems: string[] = [];
  for (const entry of entriesOf(text)) {
    if (!ENTRY.test(entry)) {
      problems.push(
        `"${entry}" has an invalid format: expected <table>:<column>[,<column>...] (${ENTRY.source})`,
      );
      continue;
    }
    for (const pattern of entryPatterns(entry)) {
      try {
        new RegExp(pattern);
      } catch (error) {
        problems.push(`"${entry}": invalid regular expression "${pattern}": ${(error as Error).message}`);
      }
    }
  }
  return problems;
}

/** `<table>.<column>` regular expressions of one well-formed entry. */
function entryPatterns(entry: string): string[] {
  const colon = entry.indexOf(':');
  const table = entry.slice(0, colon).trim();
  return entry
    .slice(colon + 1)
    .split(',')
    .map((column) => `${table}.${column.trim()}`);
}

export class MessageKeyColumns {
  private readonly patterns: RegExp[];

  /** `text` must be valid (see keyColumnsProblems); undefined or blank means no override. */
  constructor(text: string | undefined) {
    this.patterns =
      text === undefined || text.trim() === ''
        ? []
        : entriesOf(text)
            .filter((entry) => ENTRY.test(entry))
            .flatMap(entryPatterns)
            .map((pattern) => new RegExp(`^(?:${pattern})$`, 'i'));
  }

  /**
   * The key columns message.key.columns gives a table with these columns (in table order), or
   * undefined when no entry matches any of them (the table keeps its primary key).
   */
  keyColumnsFor(namespace: string, table: string, columns: readonly string[]): string[] | undefined {
    if (this.patterns.length === 0) return undefined;
    const chosen: string[] = [];
    for (const pattern of this.patterns) {
      for (const column of columns) {
        // Debezium would add a column twice when two entries match it; a key field appears once.
        if (pattern.test(`${namespace}.${table}.${column}`) && !chosen.includes(column)) chosen.push(column);
      }
    }
    return chosen.length > 0 ? chosen : undefined;
  }
}
