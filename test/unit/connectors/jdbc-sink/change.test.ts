// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${topic} and ${source.*} are the connector's own placeholders
import { describe, expect, it } from 'vitest';
import { ChangeReader } from '../../../../connectors/jdbc-sink/change.ts';
import { type JdbcSinkConfig, jdbcSinkConfig } from '../../../../connectors/jdbc-sink/config.ts';
import { mysqlDialect } from '../../../../connectors/jdbc-sink/dialects/mysql.ts';
import { postgresDialect } from '../../../../connectors/jdbc-sink/dialects/postgres.ts';
import { ChangeBuffer } from '../../../../connectors/jdbc-sink/table-batch.ts';
import type { ConnectStruct, SinkRecord } from '../../../../src/plugin/index.ts';
import { envelopeSchema as envelopeOf, parseConfig } from '../../../../src/plugin/index.ts';
import { keySchema, rowSchema, sourceSchema } from '../../../support/runtime/debezium-sample.ts';

const envelopeSchema = envelopeOf('dbserver1.inventory.customers.Envelope', rowSchema, sourceSchema);

function config(raw: Record<string, string> = {}): JdbcSinkConfig {
  const parsed = parseConfig(jdbcSinkConfig, {
    'connection.url': 'jdbc:postgresql://localhost/app',
    'primary.key.mode': 'record_key',
    'delete.enabled': 'true',
    'truncate.enabled': 'true',
    'insert.mode': 'upsert',
    ...raw,
  });
  expect(parsed.errors).toEqual([]);
  return parsed.values;
}

function row(id: number, extra: Partial<ConnectStruct> = {}): ConnectStruct {
  return {
    id,
    first_name: `n${id}`,
    email: null,
    price: '1.50',
    created: 1_700_000_000_123_456,
    tiny: 1,
    ...extra,
  };
}

let offset = 0;
function event(
  op: string,
  id: number | null,
  after: ConnectStruct | null = null,
  topic = 'shop.public.users',
): SinkRecord {
  return {
    topic,
    kafkaPartition: 0,
    kafkaOffset: String(offset++),
    timestamp: 0,
    headers: [],
    key: id === null ? null : { schema: keySchema, value: { id } },
    value: {
      schema: envelopeSchema,
      value: {
        before: op === 'd' ? row(id ?? 0) : null,
        after,
        source: {
          version: 'x',
          connector: 'postgresql',
          name: 'shop',
          ts_ms: 0,
          snapshot: 'false',
          db: 'app',
          schema: 'public',
          table: 'users',
        },
        op,
        ts_ms: 0,
        ts_us: null,
        ts_ns: null,
        transaction: null,
      },
    },
  };
}

describe('ChangeReader', () => {
  const reader = new ChangeReader(config(), postgresDialect);

  it('upserts the after row of c/r/u events, key columns from the record key, values bound per type', () => {
    const change = reader.read(event('c', 7, row(7)));
    expect(change?.op).toBe('upsert');
    expect(change?.table).toEqual({ name: 'shop_public_users' });
    expect(change?.key.map((field) => [field.name, field.value])).toEqual([['id', 7]]);
    expect(change?.row.map((field) => [field.name, field.value])).toEqual([
      ['first_name', 'n7'],
      ['email', null],
      ['price', '1.50'],
      ['created', '2023-11-14 22:13:20.123456'],
      ['tiny', 1],
    ]);
  });

  it('deletes by key on op=d and on tombstones; truncates on op=t; skips them when disabled', () => {
    expect(reader.read(event('d', 7))?.op).toBe('delete');
    expect(reader.read({ ...event('c', 7, row(7)), value: null })?.op).toBe('delete');
    expect(reader.read(event('t', null))?.op).toBe('truncate');
    const off = new ChangeReader(
      config({
        'delete.enabled': 'false',
        'truncate.enabled': 'false',
        'primary.key.mode': 'record_value',
        'primary.key.fields': 'id',
      }),
      postgresDialect,
    );
    expect(off.read(event('d', 7))).toBeNull();
    expect(off.read({ ...event('c', 7, row(7)), value: null })).toBeNull();
    expect(off.read(event('t', null))).toBeNull();
  });

  it('leaves TOAST placeholders out of the row, and reads flat records', () => {
    const change = reader.read(event('u', 7, row(7, { email: '__debezium_unavailable_value' })));
    expect(change?.row.map((field) => field.name)).not.toContain('email');
    expect(change?.unavailable.map((field) => field.name)).toEqual(['email']);
    const flat = reader.read({ ...event('c', 8, null), value: { schema: rowSchema, value: row(8) } });
    expect(flat?.op).toBe('upsert');
    expect(flat?.row).toHaveLength(5);
  });

  it('resolves collection.name.format with ${source.*}; a literal dot qualifies; PostgreSQL folds when quoting is off', () => {
    const custom = new ChangeReader(
      config({
        'collection.name.format': 'Archive.${source.schema}_${source.table}',
        'quote.identifiers': 'false',
      }),
      postgresDialect,
    );
    expect(custom.read(event('c', 1, row(1)))?.table).toEqual({ schema: 'archive', name: 'public_users' });
    const kept = new ChangeReader(config({ 'collection.name.format': 'Archive.T' }), mysqlDialect);
    expect(kept.read(event('c', 1, row(1)))?.table).toEqual({ schema: 'Archive', name: 'T' });
  });

  it('deletes a tombstone from the table its topic last wrote to when the name needs ${source.*}', () => {
    const named = new ChangeReader(config({ 'collection.name.format': '${source.table}' }), postgresDialect);
    const tombstone = { ...event('c', 7, row(7)), value: null };
    expect(named.read(tombstone)).toBeNull(); // nothing known yet: the delete event before it did the work
    expect(named.read(event('d', 7))?.table).toEqual({ name: 'users' });
    const deleted = named.read({ ...event('c', 7, row(7)), value: null });
    expect(deleted?.op).toBe('delete');
    expect(deleted?.table).toEqual({ name: 'users' });
  });

  it('rejects records it cannot apply with a reason', () => {
    expect(() => reader.read({ ...event('c', null, row(1)) })).toThrow(/no key/);
    expect(() =>
      reader.read(event('c', 1, row(1, { price: 12 as unknown as string, created: 'soon' }))),
    ).toThrow(/created/);
  });

  it('kafka primary key mode: topic, partition and offset columns', () => {
    const kafka = new ChangeReader(
      config({ 'primary.key.mode': 'kafka', 'delete.enabled': 'false' }),
      mysqlDialect,
    );
    const change = kafka.read(event('c', 1, row(1)));
    expect(change?.key.map((field) => field.name)).toEqual([
      '__connect_topic',
      '__connect_partition',
      '__connect_offset',
    ]);
    expect(change?.row.map((field) => field.name)).toContain('id');
  });

  it('record_header primary key mode: header values (text, bytes as UTF-8) are the key columns', () => {
    const headers = new ChangeReader(
      config({ 'primary.key.mode': 'record_header', 'delete.enabled': 'false' }),
      mysqlDialect,
    );
    const record = {
      ...event('c', 1, row(1)),
      headers: [
        { key: 'tenant', value: 'acme' },
        { key: 'seq', value: Buffer.from('42') },
        { key: 'absent', value: null },
      ],
    };
    const change = headers.read(record);
    expect(change?.key.map((field) => [field.name, field.value, field.schema?.type])).toEqual([
      ['tenant', 'acme', 'string'],
      ['seq', '42', 'string'],
    ]);
    const picked = new ChangeReader(
      config({ 'primary.key.mode': 'record_header', 'primary.key.fields': 'seq', 'delete.enabled': 'false' }),
      mysqlDialect,
    ).read(record);
    expect(picked?.key.map((field) => field.name)).toEqual(['seq']);
    expect(() => headers.read(event('c', 2, row(2)))).toThrow(/record has no headers/);
  });

  it('writes timestamps as wall-clock time in database.time_zone; dates stay as they are', () => {
    const berlin = (dialect: typeof mysqlDialect) =>
      new ChangeReader(config({ 'database.time_zone': 'Europe/Berlin' }), dialect);
    const created = (reader: ChangeReader, micros: number) =>
      reader.read(event('c', 1, row(1, { created: micros })))?.row.find((field) => field.name === 'created')
        ?.value;
    // 2023-11-14 22:13:20 UTC is 23:13:20 in Berlin (winter, +01:00); 2024-07-01 12:00 UTC is 14:00 (+02:00).
    expect(created(berlin(postgresDialect), 1_700_000_000_123_456)).toBe('2023-11-14 23:13:20.123456');
    expect(created(berlin(mysqlDialect), 1_719_835_200_000_000)).toBe('2024-07-01 14:00:00.000000');
    const offset = new ChangeReader(config({ 'db.timezone': '-03:30' }), mysqlDialect);
    expect(created(offset, 1_700_000_000_123_456)).toBe('2023-11-14 18:43:20.123456');
  });
});

describe('ChangeBuffer', () => {
  const reader = new ChangeReader(config(), postgresDialect);
  const read = (record: SinkRecord) => {
    const change = reader.read(record);
    if (!change) throw new Error('no change');
    return change;
  };

  it('keeps the last change per key in order; a delete superseded by an insert deletes first', () => {
    const buffer = new ChangeBuffer();
    for (const record of [
      event('c', 1, row(1)),
      event('c', 2, row(2)),
      event('u', 1, row(1, { first_name: 'v2' })),
      event('d', 2),
      event('c', 2, row(2, { first_name: 'again' })),
      event('d', 3),
    ])
      buffer.add(read(record));
    expect(buffer.size).toBe(6);
    const [batch] = buffer.drain();
    expect(buffer.size).toBe(0);
    const pending = [...(batch?.pending.values() ?? [])];
    expect(pending.map((entry) => [entry.change.op, entry.change.key[0]?.value, entry.deleteFirst])).toEqual([
      ['upsert', 1, false],
      ['upsert', 2, true],
      ['delete', 3, false],
    ]);
    expect(pending[0]?.change.row.find((field) => field.name === 'first_name')?.value).toBe('v2');
  });

  it('a truncate drops what came before it; a TOAST placeholder takes the value of the superseded change', () => {
    const buffer = new ChangeBuffer();
    buffer.add(read(event('c', 1, row(1))));
    buffer.add(read(event('t', null)));
    buffer.add(read(event('c', 2, row(2, { email: 'kept@x' }))));
    buffer.add(read(event('u', 2, row(2, { email: '__debezium_unavailable_value', first_name: 'v2' }))));
    const [batch] = buffer.drain();
    expect(batch?.truncate?.op).toBe('truncate');
    const pending = [...(batch?.pending.values() ?? [])];
    expect(pending).toHaveLength(1);
    expect(pending[0]?.change.unavailable).toEqual([]);
    expect(pending[0]?.change.row.find((field) => field.name === 'email')?.value).toBe('kept@x');
  });
});
