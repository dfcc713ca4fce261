// Kafka's sasl.jaas.config value, parsed as Kafka's JaasConfig does (java.io.StreamTokenizer):
//   <LoginModuleClass> <required|requisite|sufficient|optional> key=value ... ;
// Values are words or strings quoted with " or ' (StreamTokenizer's two quote characters; Confluent
// Cloud's generated client configs use '...') with backslash escapes. A client takes exactly one
// login module. Messages never repeat a value (they are passwords).

export interface JaasLogin {
  loginModule: string;
  controlFlag: string;
  options: Record<string, string>;
}

const CONTROL_FLAGS = new Set(['required', 'requisite', 'sufficient', 'optional']);
const WORD = /[^\s=;"']/;

type Token = { kind: 'word' | 'quoted'; text: string } | { kind: '=' | ';' };

function tokenize(text: string): Token[] | string {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i] as string;
    if (/\s/.test(char)) {
      i++;
    } else if (char === '=' || char === ';') {
      tokens.push({ kind: char });
      i++;
    } else if (char === '"' || char === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) return `a quoted value is not closed (missing ${char})`;
        const next = text[i] as string;
        if (next === char) break;
        if (next === '\\' && i + 1 < text.length) {
          const escaped = text[i + 1] as string;
          value += escaped === 'n' ? '\n' : escaped === 't' ? '\t' : escaped === 'r' ? '\r' : escaped;
          i += 2;
        } else {
          value += next;
          i++;
        }
      }
      i++;
      tokens.push({ kind: 'quoted', text: value });
    } else {
      let word = '';
      while (i < text.length && WORD.test(text[i] as string)) word += text[i++];
      tokens.push({ kind: 'word', text: word });
    }
  }
  return tokens;
}

export function parseJaasConfig(text: string): JaasLogin | { error: string } {
  const tokens = tokenize(text);
  if (typeof tokens === 'string') return { error: tokens };
  const logins: JaasLogin[] = [];
  let i = 0;
  while (i < tokens.length) {
    const module = tokens[i];
    const flag = tokens[i + 1];
    if (module?.kind !== 'word') return { error: 'expected a login module class name' };
    if (flag?.kind !== 'word' || !CONTROL_FLAGS.has(flag.text.toLowerCase()))
      return {
        error: `expected a control flag (required, requisite, sufficient or optional) after ${module.text}`,
      };
    i += 2;
    const options: Record<string, string> = Object.create(null);
    for (;;) {
      const token = tokens[i];
      if (token === undefined) return { error: 'the login module is not terminated by ;' };
      if (token.kind === ';') {
        i++;
        break;
      }
      const equals = tokens[i + 1];
      const value = tokens[i + 2];
      if (
        token.kind !== 'word' ||
        equals?.kind !== '=' ||
        (value?.kind !== 'word' && value?.kind !== 'quoted')
      )
        return { error: `expected key=value options after ${module.text}` };
      options[token.text] = value.text;
      i += 3;
    }
    logins.push({ loginModule: module.text, controlFlag: flag.text.toLowerCase(), options: { ...options } });
  }
  if (logins.length !== 1) return { error: `must contain exactly one login module, found ${logins.length}` };
  return logins[0] as JaasLogin;
}
