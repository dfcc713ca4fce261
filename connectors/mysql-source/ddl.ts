// Which tables a DDL statement from the binlog touches, enough to know whose schema to re-read
// and which TRUNCATE to emit. Not a SQL parser: statements it does not recognise touch no table
// (they still reach the schema change topic).

export interface TableName {
  database: string;
  table: string;
}

export type DdlKind = 'create' | 'alter' | 'drop' | 'rename' | 'truncate' | 'other';

export interface DdlStatement {
  kind: DdlKind;
  tables: TableName[];
}

const NAME = String.raw`(?:\x60(?:[^\x60]|\x60\x60)+\x60|[\w$]+)(?:\s*\.\s*(?:\x60(?:[^\x60]|\x60\x60)+\x60|[\w$]+))?`;

function unquote(part: string): string {
  const trimmed = part.trim();
  return trimmed.startsWith('`') ? trimmed.slice(1, -1).replaceAll('``', '`') : trimmed;
}

export function parseTableName(text: string, defaultDatabase: string): TableName {
  const parts = text.match(/\x60(?:[^\x60]|\x60\x60)+\x60|[\w$]+/g) ?? [];
  if (parts.length >= 2) return { database: unquote(parts[0] as string), table: unquote(parts[1] as string) };
  return { database: defaultDatabase, table: unquote(parts[0] ?? '') };
}

/** Strips leading comments (`/* ... *\/`, `-- `, `#`) that clients and the server add to DDL. */
function stripLeadingComments(sql: string): string {
  let text = sql.trimStart();
  for (;;) {
    if (text.startsWith('/*')) {
      const end = text.indexOf('*/');
      if (end < 0) return text;
      text = text.slice(end + 2).trimStart();
    } else if (text.startsWith('--') || text.startsWith('#')) {
      const end = text.indexOf('\n');
      text = end < 0 ? '' : text.slice(end + 1).trimStart();
    } else {
      return text;
    }
  }
}

export function parseDdl(sql: string, defaultDatabase: string): DdlStatement {
  const text = stripLeadingComments(sql);
  const name = (raw: string | undefined) => parseTableName(raw ?? '', defaultDatabase);
  let match = new RegExp(`^TRUNCATE\\s+(?:TABLE\\s+)?(${NAME})`, 'i').exec(text);
  if (match) return { kind: 'truncate', tables: [name(match[1])] };
  match = new RegExp(
    `^CREATE\\s+(?:OR\\s+REPLACE\\s+)?(?:TEMPORARY\\s+)?TABLE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?(${NAME})`,
    'i',
  ).exec(text);
  if (match)
    return { kind: /TEMPORARY/i.test(text.slice(0, 40)) ? 'other' : 'create', tables: [name(match[1])] };
  match = new RegExp(
    `^ALTER\\s+(?:ONLINE\\s+)?(?:IGNORE\\s+)?TABLE\\s+(?:IF\\s+EXISTS\\s+)?(${NAME})`,
    'i',
  ).exec(text);
  if (match) {
    const tables = [name(match[1])];
    const renamed = new RegExp(`\\bRENAME\\s+(?:TO\\s+|AS\\s+)?(${NAME})\\s*$`, 'i').exec(text);
    if (renamed) tables.push(name(renamed[1]));
    return { kind: 'alter', tables };
  }
  match = /^DROP\s+(?:TEMPORARY\s+)?TABLE\s+(?:IF\s+EXISTS\s+)?(.+?)(?:\s+(?:RESTRICT|CASCADE))?\s*$/is.exec(
    text,
  );
  if (match) {
    const list = (match[1] ?? '').match(new RegExp(NAME, 'g')) ?? [];
    return { kind: 'drop', tables: list.map((item) => name(item)) };
  }
  match = /^RENAME\s+TABLES?\s+(.+)$/is.exec(text);
  if (match) {
    const list = (match[1] ?? '').match(new RegExp(NAME, 'g')) ?? [];
    return { kind: 'rename', tables: list.filter((item) => !/^to$/i.test(item)).map((item) => name(item)) };
  }
  return { kind: 'other', tables: [] };
}

/** True for statements that are not transaction control (BEGIN, COMMIT, ...) nor DML. */
export function isDdl(sql: string): boolean {
  return /^(CREATE|ALTER|DROP|RENAME|TRUNCATE)\b/i.test(stripLeadingComments(sql));
}
