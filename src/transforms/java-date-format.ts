// The subset of Java's SimpleDateFormat that timestamp transforms use, always in UTC (as Kafka
// Connect's TimestampConverter and TimestampRouter set it): y, M, d, H, h, a, m, s, S, E, D, Z, X,
// z and 'quoted text'. Used to format and to parse.

type Token = { letter: string; width: number } | { text: string };

const LETTERS = /[GyYMLwWDdFEuaHkKhmsSzZX]/;
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function tokenize(pattern: string): Token[] {
  const tokens: Token[] = [];
  for (let index = 0; index < pattern.length; ) {
    const char = pattern[index] ?? '';
    if (char === "'") {
      const end = pattern.indexOf("'", index + 1);
      if (end === index + 1) {
        tokens.push({ text: "'" });
        index += 2;
        continue;
      }
      if (end < 0) throw new Error(`Unterminated quote in date pattern ${pattern}`);
      tokens.push({ text: pattern.slice(index + 1, end) });
      index = end + 1;
    } else if (LETTERS.test(char)) {
      let width = 1;
      while (pattern[index + width] === char) width++;
      tokens.push({ letter: char, width });
      index += width;
    } else if (/[a-zA-Z]/.test(char)) {
      throw new Error(`Illegal pattern character '${char}'`);
    } else {
      tokens.push({ text: char });
      index++;
    }
  }
  return tokens;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

export class JavaDateFormat {
  readonly pattern: string;
  private readonly tokens: Token[];
  private parser?: { regex: RegExp; letters: string[] };

  /** Throws when the pattern is not one SimpleDateFormat accepts (in the supported subset). */
  constructor(pattern: string) {
    this.pattern = pattern;
    this.tokens = tokenize(pattern);
  }

  format(millis: number): string {
    const date = new Date(millis);
    return this.tokens
      .map((token) => {
        if ('text' in token) return token.text;
        const { letter, width } = token;
        switch (letter) {
          case 'y':
          case 'Y':
          case 'u':
            return width === 2 ? pad(date.getUTCFullYear() % 100, 2) : pad(date.getUTCFullYear(), width);
          case 'M':
          case 'L':
            if (width >= 4) return MONTHS[date.getUTCMonth()] ?? '';
            if (width === 3) return (MONTHS[date.getUTCMonth()] ?? '').slice(0, 3);
            return pad(date.getUTCMonth() + 1, width);
          case 'd':
            return pad(date.getUTCDate(), width);
          case 'D': {
            const start = Date.UTC(date.getUTCFullYear(), 0, 1);
            return pad(Math.floor((millis - start) / 86_400_000) + 1, width);
          }
          case 'E':
            return width >= 4 ? (DAYS[date.getUTCDay()] ?? '') : (DAYS[date.getUTCDay()] ?? '').slice(0, 3);
          case 'H':
            return pad(date.getUTCHours(), width);
          case 'k':
            return pad(date.getUTCHours() || 24, width);
          case 'h':
            return pad(date.getUTCHours() % 12 || 12, width);
          case 'K':
            return pad(date.getUTCHours() % 12, width);
          case 'a':
            return date.getUTCHours() < 12 ? 'AM' : 'PM';
          case 'm':
            return pad(date.getUTCMinutes(), width);
          case 's':
            return pad(date.getUTCSeconds(), width);
          case 'S':
            return pad(date.getUTCMilliseconds(), width);
          case 'Z':
            return '+0000';
          case 'X':
            return 'Z';
          case 'z':
            return width >= 4 ? 'Coordinated Universal Time' : 'UTC';
          default:
            return '';
        }
      })
      .join('');
  }

  /** Milliseconds since the epoch, or undefined when `text` does not match the pattern. */
  parse(text: string): number | undefined {
    if (!this.parser) {
      const letters: string[] = [];
      const source = this.tokens
        .map((token) => {
          if ('text' in token) return token.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          letters.push(token.letter);
          switch (token.letter) {
            case 'M':
              return token.width >= 3 ? '([A-Za-z]+)' : '(\\d{1,2})';
            case 'E':
            case 'a':
            case 'z':
              return '([A-Za-z ]+?)';
            case 'Z':
              return '([+-]\\d{4})';
            case 'X':
              return '(Z|[+-]\\d{2}(?::?\\d{2})?)';
            default:
              return token.width > 1 ? `(\\d{${token.width},})` : '(\\d+)';
          }
        })
        .join('');
      this.parser = { regex: new RegExp(`^${source}`), letters };
    }
    const match = this.parser.regex.exec(text);
    if (!match) return undefined;
    let [year, month, day, hour, minute, second, milli, offset] = [1970, 0, 1, 0, 0, 0, 0, 0];
    let pm = false;
    let twelveHour = false;
    this.parser.letters.forEach((letter, index) => {
      const raw = match[index + 1] ?? '';
      const number = Number(raw);
      switch (letter) {
        case 'y':
        case 'Y':
        case 'u':
          year = raw.length === 2 ? 2000 + number : number;
          break;
        case 'M':
        case 'L':
          month = /^\d+$/.test(raw)
            ? number - 1
            : MONTHS.findIndex((name) => name.toLowerCase().startsWith(raw.toLowerCase().slice(0, 3)));
          break;
        case 'd':
          day = number;
          break;
        case 'H':
        case 'k':
          hour = number % 24;
          break;
        case 'h':
        case 'K':
          hour = number % 12;
          twelveHour = true;
          break;
        case 'a':
          pm = raw.toUpperCase() === 'PM';
          break;
        case 'm':
          minute = number;
          break;
        case 's':
          second = number;
          break;
        case 'S':
          milli = number;
          break;
        case 'Z':
        case 'X':
          if (raw !== 'Z') {
            const sign = raw.startsWith('-') ? -1 : 1;
            const digits = raw.slice(1).replace(':', '');
            offset = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
          }
          break;
        default:
          break;
      }
    });
    if (twelveHour && pm) hour += 12;
    if (month < 0) return undefined;
    return Date.UTC(year, month, day, hour, minute, second, milli) - offset * 60_000;
  }
}
