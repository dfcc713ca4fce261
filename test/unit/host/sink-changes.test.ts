// biome-ignore-all lint/suspicious/noTemplateCurlyInString: collection.name.format placeholders
import { describe, expect, it } from 'vitest';
import { keylessRecord } from '../../../connectors/jdbc-sink/change.ts';
import { jdbcSinkPlugin } from '../../../connectors/jdbc-sink/connector.ts';
import { formatTrace } from '../../../src/host/connect-entities.ts';
import { ToleranceExceededError } from '../../../src/host/error-policy.ts';
import { remapWarnings } from '../../../src/host/sink-remap.ts';
import type { ConnectorPlugin } from '../../../src/plugin/index.ts';
import { OnrampError } from '../../../src/plugin/index.ts';

// Sinks as an operator meets them: a config change that sends topics to other tables while the
// group's offsets stay, and a record without a key, each said once with what to do.

const sink = jdbcSinkPlugin as ConnectorPlugin;
const base = {
  name: 'copy',
  'connector.class': 'io.debezium.connector.jdbc.JdbcSinkConnector',
  topics: 'shop.public.orders,shop.public.users',
  'connection.url': 'jdbc:postgresql://db:5432/replica',
  'primary.key.mode': 'record_key',
};

describe('remapped sink topics', () => {
  const committed = [
    { topic: 'shop.public.orders', partition: 1, offset: '7' },
    { topic: 'shop.public.orders', partition: 0, offset: '42' },
    { topic: 'shop.public.users', partition: 0, offset: '3' },
  ];

  it('warns for each topic with committed offsets that now goes to another table, saying how to reset', () => {
    const warnings = remapWarnings({
      name: 'copy',
      groupId: 'connect-copy',
      before: { plugin: sink, config: base },
      after: {
        plugin: sink,
        config: {
          ...base,
          transforms: 'route',
          'transforms.route.type': 'org.apache.kafka.connect.transforms.RegexRouter',
          'transforms.route.regex': 'shop\\.public\\.(orders)',
          'transforms.route.replacement': 'archive_$1',
        },
      },
      committed,
    });
    expect(warnings).toEqual([
      {
        name: 'transforms',
        message:
          'Topic shop.public.orders now goes to table replica.archive_orders (was replica.shop_public_orders), but consumer group connect-copy has committed offsets for it (partition 0 at offset 42, partition 1 at offset 7): ' +
          'replica.archive_orders gets only the records after them. To copy the earlier records too, reset the offsets: PUT /connectors/copy/stop, DELETE /connectors/copy/offsets (or PATCH /connectors/copy/offsets to choose positions), then PUT /connectors/copy/resume.',
      },
    ]);
  });

  it('says nothing when the tables stay the same or nothing was committed', () => {
    const renamed = { ...base, 'collection.name.format': 'copy_${topic}' };
    expect(
      remapWarnings({
        name: 'copy',
        groupId: 'g',
        before: { plugin: sink, config: base },
        after: { plugin: sink, config: base },
        committed,
      }),
    ).toEqual([]);
    expect(
      remapWarnings({
        name: 'copy',
        groupId: 'g',
        before: { plugin: sink, config: base },
        after: { plugin: sink, config: renamed },
        committed: [],
      }),
    ).toEqual([]);
    const warned = remapWarnings({
      name: 'copy',
      groupId: 'g',
      before: { plugin: sink, config: base },
      after: { plugin: sink, config: renamed },
      committed,
    });
    expect(
      warned.map((warning) => [warning.name, /now goes to table (\S+) /.exec(warning.message)?.[1]]),
    ).toEqual([
      ['collection.name.format', 'replica.copy_shop_public_orders'],
      ['collection.name.format', 'replica.copy_shop_public_users'],
    ]);
  });
});

describe('a record without a key', () => {
  it('fails with one actionable message and no stack traces in the status trace', () => {
    const cause = keylessRecord('shop.public.audit');
    const failure = new ToleranceExceededError(
      cause.code,
      `Tolerance exceeded in error handler: TASK_PUT failed in io.debezium.connector.jdbc.JdbcSinkConnector for record shop.public.audit/0/5: ${cause.message}`,
      { cause, retriable: false },
    );
    const trace = formatTrace(new OnrampError(cause.code, failure.message, { cause: failure }));
    expect(trace.split('\n')).toHaveLength(1);
    expect(trace).not.toMatch(/\n\s+at /);
    for (const fix of [
      'primary key',
      'message.key.columns',
      'primary.key.mode=record_value',
      'topics / topics.regex',
      'errors.deadletterqueue.topic.name',
    ])
      expect(trace).toContain(fix);
    expect(trace).toContain('shop.public.audit/0/5');
    expect(trace.endsWith('[JDBC_WRITE_FAILED]')).toBe(true);
    // Other failures keep their stacks and causes.
    expect(formatTrace(new OnrampError('INTERNAL', 'boom', { cause: new Error('inner') }))).toContain(
      'Caused by: Error: inner',
    );
  });
});
