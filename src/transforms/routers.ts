// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Kafka Connect and Debezium placeholders, not JavaScript templates
import { JavaDateFormat } from './java-date-format.ts';
import {
  javaReplacement,
  named,
  type RecordTransform,
  requiredSetting,
  SettingError,
  type TransformSettings,
  wholeMatch,
} from './transform.ts';

// Kafka's topic routers and Filter.
//   RegexRouter: when the whole topic matches `regex`, it becomes `replacement` ($1, ${name}).
//   TimestampRouter: `topic.format` with ${topic} and ${timestamp} (the record's timestamp in
//     `timestamp.format`, UTC); a source record without one uses the time it is routed.
//   Filter: drops every record; with a predicate, the records the predicate selects.

export const REGEX_ROUTER = 'org.apache.kafka.connect.transforms.RegexRouter';
export const REGEX_ROUTER_SETTINGS = ['regex', 'replacement'] as const;
export const TIMESTAMP_ROUTER = 'org.apache.kafka.connect.transforms.TimestampRouter';
export const TIMESTAMP_ROUTER_SETTINGS = ['topic.format', 'timestamp.format'] as const;
export const FILTER = 'org.apache.kafka.connect.transforms.Filter';

/** A topic renamer from a Java regex and replacement; the topic itself when it does not match. */
export function topicRenamer(
  regexSetting: string,
  regex: string,
  replacement: string,
): (topic: string) => string {
  const pattern = wholeMatch(regexSetting, regex);
  const target = javaReplacement(replacement);
  const cache = new Map<string, string>();
  return (topic) => {
    let renamed = cache.get(topic);
    if (renamed === undefined) {
      renamed = pattern.test(topic) ? topic.replace(pattern, target) : topic;
      if (cache.size > 10_000) cache.clear();
      cache.set(topic, renamed);
    }
    return renamed;
  };
}

export function regexRouter(settings: TransformSettings, className = REGEX_ROUTER): RecordTransform {
  const regex = requiredSetting(settings, 'regex');
  if (settings.replacement === undefined)
    throw new SettingError(
      'replacement',
      'Missing required configuration "replacement" which has no default value.',
    );
  const rename = topicRenamer('regex', settings.regex ?? regex, settings.replacement);
  return named(className, (record) => {
    const topic = rename(record.topic);
    return topic === record.topic ? record : { ...record, topic };
  });
}

export function timestampRouter(settings: TransformSettings, className = TIMESTAMP_ROUTER): RecordTransform {
  const topicFormat = settings['topic.format'] ?? '${topic}-${timestamp}';
  let format: JavaDateFormat;
  try {
    format = new JavaDateFormat(settings['timestamp.format'] ?? 'yyyyMMdd');
  } catch (error) {
    throw new SettingError(
      'timestamp.format',
      `Invalid value ${settings['timestamp.format']} for configuration timestamp.format: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return named(className, (record) => {
    const stamp = format.format(record.timestamp ?? Date.now());
    const topic = topicFormat.replaceAll('${topic}', record.topic).replaceAll('${timestamp}', stamp);
    return { ...record, topic };
  });
}

export function filter(_settings: TransformSettings, className = FILTER): RecordTransform {
  return named(className, () => null);
}
