import { randomUUID } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type HostProcess,
  mariadbSinkConfig,
  postgresSourceConfig,
  startHostProcess,
} from '../support/host-process.ts';
import { services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

// A PostgreSQL source and a MariaDB JDBC sink, each with a chain of transforms and predicates:
//   source: Filter + TopicNameMatches (the audit table never reaches Kafka), ExtractNewRecordState
//           (add.fields=op, deletes rewritten as rows with __deleted), MaskField$Value, RegexRouter,
//           InsertField$Value (static field), HeaderFrom$Value;
//   sink:   ReplaceField$Value (exclude + rename), Cast$Value, DropHeaders, InsertField$Value
//           with RecordIsTombstone negated.

const suffix = randomUUID().slice(0, 8);
const prefix = `tp${suffix}`;
const users = `tp_users_${suffix}`;
const audit = `tp_audit_${suffix}`;
const flatTopic = `${prefix}_flat_${users}`;

let host: HostProcess;
let db: pg.Client;
let target: mysql.Connection;

beforeAll(async () => {
  db = new pg.Client({ connectionString: services().pgUrl });
  await db.connect();
  await db.query(
    `CREATE TABLE public.${users} (id int PRIMARY KEY, name text NOT NULL, email text, secret text, score numeric(6,2))`,
  );
  // Deletes carry the whole row (rewritten into a row with __deleted=true by the unwrap).
  await db.query(`ALTER TABLE public.${users} REPLICA IDENTITY FULL`);
  await db.query(`CREATE TABLE public.${audit} (id int PRIMARY KEY, note text)`);
  await db.query(
    `INSERT INTO public.${users} VALUES (1, 'Ada', 'ada@x.io', 's1', 9.50), (2, 'Bob', 'bob@x.io', 's2', 7.25)`,
  );
  await db.query(`INSERT INTO public.${audit} VALUES (1, 'created users')`);
  target = await mysql.createConnection(services().mysqlUrl);
  host = await startHostProcess({ ONRAMP_KAFKA_CONSUMER_METADATA_MAX_AGE_MS: '1000' });
});

afterAll(async () => {
  await host?.call('DELETE', `/connectors/${prefix}-sink`).catch(() => undefined);
  await host?.call('DELETE', `/connectors/${prefix}`).catch(() => undefined);
  await host?.stop();
  await db.query(`DROP TABLE IF EXISTS public.${users}, public.${audit}`);
  await db.end();
  await target.query(`DROP TABLE IF EXISTS \`${flatTopic}\``).catch(() => undefined);
  await target.end();
});

describe('a source + sink pipeline with transforms and predicates on both sides', () => {
  it('filters, unwraps, masks, routes and stamps at the source; reshapes and casts at the sink', async () => {
    const source = await host.call('PUT', `/connectors/${prefix}/config`, {
      ...postgresSourceConfig(prefix, `public.${users},public.${audit}`),
      transforms: 'dropAudit,unwrap,mask,route,origin,nameHeader',
      'transforms.dropAudit.type': 'org.apache.kafka.connect.transforms.Filter',
      'transforms.dropAudit.predicate': 'isAudit',
      'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
      'transforms.unwrap.add.fields': 'op',
      'transforms.unwrap.delete.tombstone.handling.mode': 'rewrite',
      'transforms.mask.type': 'org.apache.kafka.connect.transforms.MaskField$Value',
      'transforms.mask.fields': 'email',
      'transforms.mask.replacement': 'hidden',
      'transforms.route.type': 'org.apache.kafka.connect.transforms.RegexRouter',
      'transforms.route.regex': '[^.]+\\.public\\.(.*)',
      'transforms.route.replacement': `${prefix}_flat_$1`,
      'transforms.origin.type': 'org.apache.kafka.connect.transforms.InsertField$Value',
      'transforms.origin.static.field': 'origin',
      'transforms.origin.static.value': 'onramp',
      'transforms.nameHeader.type': 'org.apache.kafka.connect.transforms.HeaderFrom$Value',
      'transforms.nameHeader.fields': 'name',
      'transforms.nameHeader.headers': 'user-name',
      'transforms.nameHeader.operation': 'copy',
      predicates: 'isAudit',
      'predicates.isAudit.type': 'org.apache.kafka.connect.transforms.predicates.TopicNameMatches',
      'predicates.isAudit.pattern': `.*\\.${audit}`,
    });
    expect(source.status, JSON.stringify(source.body)).toBe(201);
    expect(source.body.warnings).toBeUndefined();

    const sink = await host.call('PUT', `/connectors/${prefix}-sink/config`, {
      ...mariadbSinkConfig(flatTopic, { 'delete.enabled': 'false' }),
      transforms: 'reshape,cast,dropHeaders,stamp',
      'transforms.reshape.type': 'org.apache.kafka.connect.transforms.ReplaceField$Value',
      'transforms.reshape.exclude': 'secret',
      'transforms.reshape.renames': 'name:full_name,__op:last_op',
      'transforms.cast.type': 'org.apache.kafka.connect.transforms.Cast$Value',
      'transforms.cast.spec': 'score:float64',
      'transforms.dropHeaders.type': 'org.apache.kafka.connect.transforms.DropHeaders',
      'transforms.dropHeaders.headers': 'user-name',
      'transforms.stamp.type': 'org.apache.kafka.connect.transforms.InsertField$Value',
      'transforms.stamp.topic.field': 'from_topic',
      'transforms.stamp.predicate': 'tombstone',
      'transforms.stamp.negate': 'true',
      predicates: 'tombstone',
      'predicates.tombstone.type': 'org.apache.kafka.connect.transforms.predicates.RecordIsTombstone',
    });
    expect(sink.status, JSON.stringify(sink.body)).toBe(201);

    const rows = async () => {
      const [result] = await target.query(`SELECT * FROM \`${flatTopic}\` ORDER BY id`);
      return result as Array<Record<string, unknown>>;
    };
    await waitFor('the snapshot rows in MariaDB', async () => (await rows().catch(() => [])).length === 2, {
      timeoutMs: 60_000,
    });
    await db.query(`UPDATE public.${users} SET name = 'Ada L.' WHERE id = 1`);
    await db.query(`INSERT INTO public.${users} VALUES (3, 'Cy', 'cy@x.io', 's3', 1.00)`);
    await db.query(`DELETE FROM public.${users} WHERE id = 2`);
    await db.query(`INSERT INTO public.${audit} VALUES (2, 'more')`);
    await waitFor('the changes in MariaDB', async () => {
      const current = await rows();
      return current.length === 3 && current.find((row) => row.id === 2)?.__deleted === 'true';
    });

    const final = await rows();
    expect(
      final.map((row) => [
        row.id,
        row.full_name,
        row.email,
        row.last_op,
        row.__deleted,
        row.origin,
        row.from_topic,
      ]),
    ).toEqual([
      [1, 'Ada L.', 'hidden', 'u', 'false', 'onramp', flatTopic],
      [2, 'Bob', 'hidden', 'd', 'true', 'onramp', flatTopic],
      [3, 'Cy', 'hidden', 'c', 'false', 'onramp', flatTopic],
    ]);
    expect(Number(final[0]?.score)).toBe(9.5);
    expect(Object.keys(final[0] ?? {})).not.toContain('secret');
    expect(Object.keys(final[0] ?? {})).not.toContain('name');
    // The audit table's changes were filtered out before Kafka: only the routed users topic exists.
    const { body } = await host.call('GET', `/connectors/${prefix}/topics`);
    expect(body[prefix].topics).toEqual([flatTopic]);
  });
});
