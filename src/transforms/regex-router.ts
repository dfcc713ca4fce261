import { OnrampError } from '../plugin/index.ts';
import { named, type RecordTransform, type TransformSettings } from './transform.ts';

// Kafka's org.apache.kafka.connect.transforms.RegexRouter: when the whole topic matches `regex`, the
// topic becomes `replacement` ($1, ${name} refer to groups). Sinks use it to turn topic names into
// table names (e.g. strip the `<prefix>.<schema>.` part).

export const REGEX_ROUTER = 'org.apache.kafka.connect.transforms.RegexRouter';

/** Java's replacement syntax ($1, ${name}, \$) in JavaScript's ($1, $<name>, $$). */
function javaReplacement(replacement: string): string {
  return replacement.replace(
    /\\(.)|\$\{(\w+)\}|\$/g,
    (match, escaped: string | undefined, group: string | undefined) => {
      if (escaped !== undefined) return escaped === '$' ? '$$' : escaped;
      if (group !== undefined) return `$<${group}>`;
      return match;
    },
  );
}

export function regexRouter(settings: TransformSettings): RecordTransform {
  const regex = settings.regex;
  const replacement = settings.replacement;
  if (regex === undefined || regex === '')
    throw new OnrampError('INVALID_CONFIG', 'RegexRouter needs "regex"');
  if (replacement === undefined) throw new OnrampError('INVALID_CONFIG', 'RegexRouter needs "replacement"');
  let pattern: RegExp;
  try {
    pattern = new RegExp(`^(?:${regex})$`);
  } catch (error) {
    throw new OnrampError('INVALID_CONFIG', `RegexRouter: invalid regex ${regex}: ${String(error)}`);
  }
  const target = javaReplacement(replacement);
  const cache = new Map<string, string>();
  return named(REGEX_ROUTER, (record) => {
    let topic = cache.get(record.topic);
    if (topic === undefined) {
      topic = pattern.test(record.topic) ? record.topic.replace(pattern, target) : record.topic;
      cache.set(record.topic, topic);
    }
    return topic === record.topic ? record : { ...record, topic };
  });
}
