// Parsers for PostgreSQL's text formats that are more than one value: array literals, hstore, and
// rows of COPY ... TO STDOUT (text format).

/**
 * The elements of an array literal like `{1,NULL,"a \"b\""}` or `[0:1]={x,y}`. Multi-dimensional
 * arrays are flattened in row-major order (Connect arrays have one dimension).
 */
export function parseArrayLiteral(text: string, delimiter = ','): (string | null)[] {
  let position = 0;
  if (text.startsWith('[')) {
    const equals = text.indexOf('=');
    if (equals < 0) throw new Error(`"${text}" is not an array literal`);
    position = equals + 1;
  }
  if (text[position] !== '{') throw new Error(`"${text}" is not an array literal`);
  const elements: (string | null)[] = [];
  let depth = 0;
  while (position < text.length) {
    const char = text[position];
    if (char === '{') {
      depth += 1;
      position += 1;
    } else if (char === '}') {
      depth -= 1;
      position += 1;
      if (depth === 0) break;
    } else if (char === delimiter || char === ' ') {
      position += 1;
    } else if (char === '"') {
      let value = '';
      position += 1;
      while (position < text.length && text[position] !== '"') {
        if (text[position] === '\\') position += 1;
        value += text[position] ?? '';
        position += 1;
      }
      position += 1;
      elements.push(value);
    } else {
      const start = position;
      while (position < text.length && text[position] !== delimiter && text[position] !== '}') position += 1;
      const value = text.slice(start, position).trim();
      elements.push(value.toUpperCase() === 'NULL' ? null : value);
    }
  }
  if (depth !== 0) throw new Error(`"${text}" is not a complete array literal`);
  return elements;
}

/** An hstore value (`"a"=>"1", "b"=>NULL`) as key/value pairs in their order. */
export function parseHstore(text: string): [string, string | null][] {
  const pairs: [string, string | null][] = [];
  let position = 0;
  const skipSpace = () => {
    while (position < text.length && /[\s,]/.test(text[position] as string)) position += 1;
  };
  const readToken = (): string | null => {
    if (text[position] === '"') {
      let value = '';
      position += 1;
      while (position < text.length && text[position] !== '"') {
        if (text[position] === '\\') position += 1;
        value += text[position] ?? '';
        position += 1;
      }
      position += 1;
      return value;
    }
    const start = position;
    while (position < text.length && !/[\s,=]/.test(text[position] as string)) position += 1;
    const value = text.slice(start, position);
    return value.toUpperCase() === 'NULL' ? null : value;
  };
  skipSpace();
  while (position < text.length) {
    const key = readToken();
    while (text[position] === ' ') position += 1;
    if (text.slice(position, position + 2) !== '=>') throw new Error(`"${text}" is not an hstore value`);
    position += 2;
    while (text[position] === ' ') position += 1;
    const value = readToken();
    pairs.push([key ?? '', value]);
    skipSpace();
  }
  return pairs;
}

const COPY_ESCAPES: Record<string, string> = {
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
};

function unescapeCopy(field: string): string {
  if (!field.includes('\\')) return field;
  let out = '';
  for (let index = 0; index < field.length; index += 1) {
    const char = field[index] as string;
    if (char !== '\\') {
      out += char;
      continue;
    }
    const next = field[index + 1] ?? '';
    if (next in COPY_ESCAPES) {
      out += COPY_ESCAPES[next];
      index += 1;
    } else if (/[0-7]/.test(next)) {
      const octal = /^[0-7]{1,3}/.exec(field.slice(index + 1))?.[0] ?? '';
      out += String.fromCharCode(Number.parseInt(octal, 8));
      index += octal.length;
    } else if (next === 'x' && /^[0-9A-Fa-f]/.test(field[index + 2] ?? '')) {
      const hex = /^[0-9A-Fa-f]{1,2}/.exec(field.slice(index + 2))?.[0] ?? '';
      out += String.fromCharCode(Number.parseInt(hex, 16));
      index += 1 + hex.length;
    } else {
      out += next;
      index += 1;
    }
  }
  return out;
}

/** One line of COPY text output (without its newline) to its column values; `\N` is NULL. */
export function parseCopyLine(line: string): (string | null)[] {
  return line.split('\t').map((field) => (field === '\\N' ? null : unescapeCopy(field)));
}

/**
 * Splits a stream of COPY output chunks into lines. A row never contains a raw newline (COPY
 * escapes them), so splitting on 0x0A is safe, also in the middle of multi-byte characters.
 */
export class CopyLineSplitter {
  private rest: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): string[] {
    const data = this.rest.length === 0 ? chunk : Buffer.concat([this.rest, chunk]);
    const lines: string[] = [];
    let start = 0;
    for (let newline = data.indexOf(0x0a, start); newline >= 0; newline = data.indexOf(0x0a, start)) {
      // Decoded in place (no Buffer view per row); a leading U+FEFF is kept, as in the stream.
      lines.push(data.toString('utf8', start, newline));
      start = newline + 1;
    }
    this.rest = Buffer.from(data.subarray(start));
    return lines;
  }

  /** Whatever is left at the end (COPY always ends its last row with a newline, so normally nothing). */
  end(): string[] {
    const rest = this.rest.length > 0 ? [this.rest.toString('utf8')] : [];
    this.rest = Buffer.alloc(0);
    return rest;
  }
}
