import type { Logger, RecordNames } from '../../src/plugin/index.ts';

// A table whose name is not a legal topic name (a space, a quote, a backslash, a semicolon...) is
// captured into the sanitized topic recordNames() gives it. Like Debezium
// (AbstractTopicNamingStrategy), the task says so once per table, as a warning with both names;
// the topic itself appears in GET /connectors/{name}/topics once written.

export class TopicRenames {
  private readonly logged = new Set<string>();
  private readonly log: Logger;

  constructor(log: Logger) {
    this.log = log;
  }

  /** Logs the mapping the first time a renamed table is seen. */
  note(names: RecordNames): void {
    const requested = names.unsanitizedTopic;
    if (requested === undefined || this.logged.has(requested)) return;
    this.logged.add(requested);
    this.log.warn(
      { topic: requested, sanitizedTopic: names.topic },
      `Topic ${JSON.stringify(requested)} isn't a valid topic name, replacing it with ${JSON.stringify(names.topic)}`,
    );
  }
}
