// Kafka's rules for topic names (org.apache.kafka.common.internals.Topic.validate) and Debezium's
// way of meeting them for names built from database identifiers
// (AbstractTopicNamingStrategy.sanitizedTopicName): every character outside [a-zA-Z0-9._-] becomes
// `_`. Counted in UTF-16 code units, as Java does, so a character outside the BMP becomes `__`.

/** Kafka's limit on a topic name's length. */
export const MAX_TOPIC_NAME_LENGTH = 249;

const ILLEGAL_CHARACTERS = /[^a-zA-Z0-9._-]/g;

/** The name with every character Kafka does not allow replaced by `_` (Debezium's replacement). */
export function sanitizeTopicName(name: string): string {
  return name.replace(ILLEGAL_CHARACTERS, '_');
}

/** A name for messages: long ones are cut, control characters shown escaped. */
function shown(name: string): string {
  const cut = name.length > 60 ? `${name.slice(0, 60)}... (${name.length} characters)` : name;
  return JSON.stringify(cut);
}

/** Why `name` is not a legal Kafka topic name, or undefined when it is (Kafka's own wording). */
export function topicNameProblem(name: string): string | undefined {
  if (name === '') return "Topic name is illegal, it can't be empty";
  if (name === '.' || name === '..') return 'Topic name cannot be "." or ".."';
  if (name.length > MAX_TOPIC_NAME_LENGTH)
    return `Topic name is illegal, it can't be longer than ${MAX_TOPIC_NAME_LENGTH} characters, topic name: ${shown(name)}`;
  if (sanitizeTopicName(name) !== name)
    return `Topic name ${shown(name)} is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`;
  return undefined;
}
