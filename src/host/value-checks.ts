import type { FieldError, Fields } from '../plugin/index.ts';
import { MAX_TOPIC_NAME_LENGTH, sanitizeTopicName, topicNameProblem } from '../plugin/index.ts';

// Checks on values every connector config gets, whatever its plugin declares: no NUL character in
// any key or value (drivers write strings as C strings, where one cuts the value short), and the
// topic names a connector writes or reads obey Kafka's rules — `topic.prefix` starts every topic
// a source writes, so a prefix Kafka refuses fails every record; a sink's `topics` and dead letter
// queue are subscribed to and produced to as given.

/** A value for messages: long ones cut (a value may be a megabyte), control characters escaped. */
function shown(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value);
}

function nulErrors(config: Readonly<Record<string, string>>): FieldError[] {
  const errors: FieldError[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (key.includes('\u0000'))
      errors.push({ field: key, message: `Configuration key ${shown(key)} contains a NUL character` });
    else if (value.includes('\u0000'))
      errors.push({
        field: key,
        message: `Invalid value for configuration ${key}: it contains a NUL character (\\u0000)`,
      });
  }
  return errors;
}

/** The key a field takes its value from: its own name or one of its aliases. */
function keyOf(config: Readonly<Record<string, string>>, name: string, fields: Fields): string | undefined {
  return [name, ...(fields[name]?.aliases ?? [])].find((candidate) => Object.hasOwn(config, candidate));
}

/**
 * Debezium's check of topic.prefix (CommonConnectorConfig.validateTopicName), plus Kafka's length
 * limit. `shownAs` is how a message names the value (never a placeholder's resolved value).
 */
export function topicPrefixProblem(prefix: string, shownAs = shown(prefix)): string | undefined {
  if (sanitizeTopicName(prefix) !== prefix)
    return `${shownAs} has invalid format (only the underscore, hyphen, dot and alphanumeric characters are allowed)`;
  if (prefix.length > MAX_TOPIC_NAME_LENGTH)
    return `Invalid value for configuration topic.prefix: ${prefix.length} characters, but a Kafka topic name has at most ${MAX_TOPIC_NAME_LENGTH} and every topic starts with the prefix`;
  if (prefix === '.' || prefix === '..')
    return 'Invalid value for configuration topic.prefix: "." and ".." cannot be topic names';
  return undefined;
}

function topicErrors(
  kind: 'source' | 'sink',
  raw: Readonly<Record<string, string>>,
  config: Readonly<Record<string, string>>,
  fields: Fields,
): FieldError[] {
  const errors: FieldError[] = [];
  if (kind === 'source') {
    const key = keyOf(config, 'topic.prefix', fields);
    const prefix = key === undefined ? undefined : config[key];
    // An empty or missing prefix is the plugin's "required" error.
    if (key === undefined || prefix === undefined || prefix.trim() === '') return errors;
    const given = raw[key] ?? '';
    const shownAs = given === prefix ? shown(prefix) : `The value of ${shown(given)}`;
    const problem = topicPrefixProblem(prefix, shownAs);
    if (problem !== undefined) errors.push({ field: 'topic.prefix', message: problem });
    return errors;
  }
  // Kafka's messages name the topic; one that came out of a placeholder is not shown.
  const check = (key: string, topic: string) => {
    const problem = topicNameProblem(topic);
    if (problem === undefined) return;
    const literal = raw[key] === config[key];
    errors.push({
      field: key,
      message: literal
        ? problem
        : `A topic in the value of ${shown(raw[key] ?? '')} is not a legal Kafka topic name`,
    });
  };
  for (const topic of (config.topics ?? '').split(',')) {
    if (topic.trim() !== '') check('topics', topic.trim());
  }
  const dlq = config['errors.deadletterqueue.topic.name']?.trim() ?? '';
  if (dlq !== '') check('errors.deadletterqueue.topic.name', dlq);
  return errors;
}

/**
 * The errors of `raw` (as given) and `resolved` (placeholders resolved) that no plugin field
 * reports: NUL characters and illegal topic names. `fields` are the plugin's, for aliases.
 */
export function commonValueErrors(
  kind: 'source' | 'sink',
  raw: Readonly<Record<string, string>>,
  resolved: Readonly<Record<string, string>>,
  fields: Fields,
): FieldError[] {
  const errors = nulErrors(raw);
  const given = new Set(errors.map((error) => error.field));
  errors.push(...nulErrors(resolved).filter((error) => !given.has(error.field)));
  errors.push(...topicErrors(kind, raw, resolved, fields));
  return errors;
}
