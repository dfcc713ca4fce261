import type { SinkTarget, SinkTopic } from '../../src/plugin/index.ts';
import type { JdbcSinkConfig } from './config.ts';
import { parseJdbcUrl } from './jdbc-url.ts';

// For lineage: the table collection.name.format names for a topic, with ${source.*} filled from the
// source table the catalog knows for it (the records carry the same values). A name the format can
// only learn from a record (${source.*} for a topic with no known source) is left out.

export function sinkTargets(config: JdbcSinkConfig, topics: readonly SinkTopic[]): SinkTarget[] {
  let url: ReturnType<typeof parseJdbcUrl>;
  try {
    url = parseJdbcUrl(config['connection.url']);
  } catch {
    return [];
  }
  const targets: SinkTarget[] = [];
  for (const { topic, source } of topics) {
    const variables: Record<string, string | undefined> = {
      topic,
      'source.table': source?.table,
      'source.schema': source?.namespace,
      'source.db': source?.namespace,
    };
    let complete = true;
    const table = config['collection.name.format'].replace(/\$\{([\w.]+)\}/g, (_all, name: string) => {
      const value = variables[name];
      if (value === undefined) complete = false;
      return (value ?? '').replaceAll('.', '_');
    });
    if (!complete || table === '') continue;
    targets.push({
      topic,
      databaseType: url.dialect === 'postgres' ? 'postgresql' : 'mysql',
      database: url.database,
      table,
      host: url.host,
      port: url.port,
    });
  }
  return targets;
}
