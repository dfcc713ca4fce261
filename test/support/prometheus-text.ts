// A small parser of Prometheus' text exposition format (what GET /metrics answers), so tests check
// metric families, HELP texts, types and labelled samples instead of matching substrings.

export interface Sample {
  /** The sample's own name (a histogram's `_bucket`, `_sum` or `_count` included). */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  help: string;
  type: string;
  samples: Sample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function unescaped(text: string): string {
  return text.replace(/\\(.)/g, (_, char: string) => (char === 'n' ? '\n' : char));
}

function parseValue(text: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

/** Families by name; samples of a histogram or summary belong to their family. */
export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const family = (name: string): Family => {
    let entry = families.get(name);
    if (!entry) {
      entry = { name, help: '', type: 'untyped', samples: [] };
      families.set(name, entry);
    }
    return entry;
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const comment = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (comment) {
      const [, kind, name = '', rest = ''] = comment;
      if (kind === 'HELP') family(name).help = unescaped(rest);
      else family(name).type = rest;
      continue;
    }
    if (line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not an exposition line: ${line}`);
    const [, name = '', labelText = '', value = ''] = match;
    const labels: Record<string, string> = {};
    for (const [, label = '', labelValue = ''] of labelText.matchAll(LABEL))
      labels[label] = unescaped(labelValue);
    const owner = families.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '');
    family(owner).samples.push({ name, labels, value: parseValue(value) });
  }
  return families;
}
