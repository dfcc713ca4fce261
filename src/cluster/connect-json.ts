import type { JsonValue } from '../plugin/index.ts';

// JSON exactly as Kafka Connect's internal converter writes it (JsonConverter with
// schemas.enable=false, on Jackson 2.16 in Connect 3.9): compact; `"` and `\` escaped; \b \t \n \f \r
// as short escapes and the other control characters as \u00XX with upper-case hex; a character
// outside the BMP as its two escaped surrogates (\uD83D\uDE00); everything else (DEL, U+2028, é) as
// raw UTF-8. Byte equality matters for the offsets topic: a key is compacted, and hashed to its
// partition, by its bytes, so the same source partition must serialize to what Connect wrote.
// Numbers: integers as digits; any other finite number as Java's Double.toString writes it (1.5,
// 100.0 never occurs from JS, 1.0E10, 1.0E-7).

const SHORT_ESCAPES: Readonly<Record<number, string>> = {
  8: '\\b',
  9: '\\t',
  10: '\\n',
  12: '\\f',
  13: '\\r',
  34: '\\"',
  92: '\\\\',
};

/** Characters Jackson escapes: control characters, quote, backslash and every UTF-16 surrogate. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this matches
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

function unicodeEscape(code: number): string {
  return `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

function quote(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return `"${text}"`;
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const short = SHORT_ESCAPES[code];
    if (short !== undefined) out += short;
    else if (code < 0x20 || (code >= 0xd800 && code <= 0xdfff)) out += unicodeEscape(code);
    else out += text[i];
  }
  return `${out}"`;
}

/** Java's Double.toString for a finite, non-integer double (the shortest digits that round-trip). */
function javaDouble(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    const plain = String(value);
    return plain.includes('.') ? plain : `${plain}.0`;
  }
  // JS: 1.234e-7 / 1e+21; Java: 1.234E-7 / 1.0E21.
  const [mantissa = '', exponent = '0'] = value.toExponential().split('e');
  const digits = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  return `${digits}E${Number(exponent)}`;
}

function number(value: number): string {
  if (!Number.isFinite(value)) throw new TypeError(`${value} cannot be written as JSON`);
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return BigInt(value).toString();
  return javaDouble(value);
}

/** The JSON text Kafka Connect's internal JsonConverter writes for this value. */
export function connectJson(value: JsonValue | undefined): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      return number(value);
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      if (Array.isArray(value)) return `[${value.map((item) => connectJson(item)).join(',')}]`;
      return `{${Object.entries(value)
        .map(([key, item]) => `${quote(key)}:${connectJson(item)}`)
        .join(',')}}`;
  }
}

export function connectJsonBytes(value: JsonValue): Buffer {
  return Buffer.from(connectJson(value), 'utf8');
}

/** Parses a record value or key of an internal topic; undefined when it is not JSON. */
export function parseConnectJson(bytes: Buffer): JsonValue | undefined {
  try {
    return JSON.parse(bytes.toString('utf8')) as JsonValue;
  } catch {
    return undefined;
  }
}

export function isJsonObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
