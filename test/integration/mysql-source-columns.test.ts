// Debezium's column keys against the real MariaDB, in the snapshot and in the stream: masks (n
// characters, hash v1 and v2), truncation, source type parameters, message.key.columns and
// binary.handling.mode; the snapshot's DDL on the schema change topic; and a Debezium user's
// connector JSON with column masks, registered unchanged through the REST API, whose records and
// registered Avro schemas carry the masks.
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashMask } from '../../connectors/shared/column-hash.ts';
import type { ConnectField, ConnectStruct, SourceRecord } from '../../src/plugin/index.ts';
import { ConverterFactory } from '../../src/schema/converter-factory.ts';
import {
  afterImage,
  beforeImage,
  connectionSettings,
  createTestDatabase,
  envelope,
  onTopic,
  op,
  serverId,
  source,
  sourceConfig,
  TaskDriver,
} from '../fixtures/mysql/task-harness.ts';
import { type HostProcess, startHostProcess } from '../support/host-process.ts';
import { readTopic } from '../support/runtime/kafka-reader.ts';
import { services } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

const DATABASE = `onramp_mysrc_columns_${process.pid}`;

const email = (text: string) => hashMask('SHA-256', 'pepper', 'v1')(text);
// CHAR(11): the hash is cut to the column's length.
const ssn = (text: string) => hashMask('MD5', 'pepper', 'v2')(text).slice(0, 11);

function fieldsOf(
  record: SourceRecord | undefined,
  part: 'after' | 'before' = 'after',
): Map<string, ConnectField> {
  const row = record?.value?.schema?.fields?.find((field) => field.field === part);
  return new Map((row?.fields ?? []).map((field) => [field.field, field]));
}

describe('mysql source column keys', () => {
  let client: mysql.Connection;
  let drop: () => Promise<void>;
  let settings: Record<string, string>;

  beforeAll(async () => {
    const { mysqlUrl } = services();
    ({ client, drop } = await createTestDatabase(mysqlUrl, DATABASE));
    settings = connectionSettings(mysqlUrl);
    await client.query(`CREATE TABLE customers (
      id INT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(64), ssn CHAR(11), notes TEXT, tag VARCHAR(40),
      photo VARBINARY(16), price DECIMAL(10,2), customer_id INT NOT NULL, order_no INT NOT NULL)`);
    await client.query(
      "INSERT INTO customers VALUES (1, 'ann@example.com', '123-45-6789', 'likes cats', 'abcdefgh', x'0102030405', 12.50, 7, 1)",
    );
  });

  afterAll(async () => {
    await drop?.();
  });

  const keys = () => ({
    'column.mask.with.6.chars': `${DATABASE}.customers.notes`,
    'column.mask.hash.SHA-256.with.salt.pepper': `${DATABASE}.customers.email`,
    'column.mask.hash.v2.MD5.with.salt.pepper': `${DATABASE}.customers.ssn`,
    'column.truncate.to.4.chars': `${DATABASE}\\.customers\\.(tag|photo)`,
    'column.propagate.source.type': `${DATABASE}.customers.price`,
    'datatype.propagate.source.type': '.+\\.INT',
    'message.key.columns': `${DATABASE}.customers:customer_id,order_no`,
  });

  it('mask, hash, truncate and annotate value fields alike in snapshot and stream; message.key.columns keys', async () => {
    const driver = new TaskDriver(
      sourceConfig({
        ...settings,
        'database.server.id': serverId(11),
        'topic.prefix': 'cols',
        'database.include.list': DATABASE,
        'include.schema.changes': 'false',
        ...keys(),
      }),
    );
    const topic = `cols.${DATABASE}.customers`;
    await driver.start();
    try {
      const [snapshot] = await driver.pollUntil(1);
      expect(op(snapshot)).toBe('r');
      const first = {
        id: 1,
        email: email('ann@example.com'),
        ssn: ssn('123-45-6789'),
        notes: '******',
        tag: 'abcd',
        photo: Buffer.from([1, 2, 3, 4]),
        price: '12.50',
        customer_id: 7,
        order_no: 1,
      };
      expect(afterImage(snapshot)).toEqual(first);
      expect(snapshot?.key).toEqual({
        schema: {
          type: 'struct',
          name: `${topic}.Key`,
          optional: false,
          fields: [
            { field: 'customer_id', type: 'int32', optional: false },
            { field: 'order_no', type: 'int32', optional: false },
          ],
        },
        value: { customer_id: 7, order_no: 1 },
      });
      const fields = fieldsOf(snapshot);
      expect(fields.get('email')?.parameters).toEqual({ masked: 'true' });
      expect(fields.get('ssn')?.parameters).toEqual({ masked: 'true' });
      expect(fields.get('notes')?.parameters).toEqual({ masked: 'true' });
      expect(fields.get('tag')?.parameters).toEqual({ truncateLength: '4' });
      expect(fields.get('photo')?.parameters).toEqual({ truncateLength: '4' });
      expect(fields.get('price')?.parameters).toEqual({
        scale: '2',
        'connect.decimal.precision': '10',
        '__debezium.source.column.type': 'DECIMAL',
        '__debezium.source.column.length': '10',
        '__debezium.source.column.scale': '2',
        '__debezium.source.column.name': 'price',
      });
      // MariaDB writes int(11): the length is the display width, as Debezium reads SHOW CREATE TABLE.
      expect(fields.get('customer_id')?.parameters).toEqual({
        '__debezium.source.column.type': 'INT',
        '__debezium.source.column.length': '11',
        '__debezium.source.column.name': 'customer_id',
      });

      await client.query(
        "INSERT INTO customers VALUES (2, 'bob@example.com', '987-65-4321', NULL, 'xy', x'09', 1.00, 8, 2)",
      );
      await client.query("UPDATE customers SET notes = 'new', tag = 'abcdefgh2' WHERE id = 2");
      await client.query('DELETE FROM customers WHERE id = 2');
      const records = await driver.pollFor('the delete', (all) =>
        onTopic(all, topic).some((r) => op(r) === 'd'),
      );
      const [, create, update, del] = onTopic(records, topic);
      const second = {
        id: 2,
        email: email('bob@example.com'),
        ssn: ssn('987-65-4321'),
        // A null is masked too, as Debezium's MaskingValueConverter does.
        notes: '******',
        tag: 'xy',
        photo: Buffer.from([9]),
        price: '1.00',
        customer_id: 8,
        order_no: 2,
      };
      expect(afterImage(create)).toEqual(second);
      expect(beforeImage(update)).toEqual(second);
      expect(afterImage(update)).toEqual({ ...second, tag: 'abcd' });
      expect(beforeImage(del)).toEqual({ ...second, tag: 'abcd' });
      expect(del?.key?.value).toEqual({ customer_id: 8, order_no: 2 });
      // One schema for snapshot and stream.
      expect(create?.value?.schema).toEqual(snapshot?.value?.schema);
      expect(create?.key?.schema).toEqual(snapshot?.key?.schema);
    } finally {
      await driver.stop();
    }
  });

  it('binary.handling.mode encodes binary values before truncation, as Debezium converts then maps', async () => {
    const driver = new TaskDriver(
      sourceConfig({
        ...settings,
        'database.server.id': serverId(12),
        'topic.prefix': 'colsb',
        'database.include.list': DATABASE,
        'include.schema.changes': 'false',
        'snapshot.mode': 'initial_only',
        'binary.handling.mode': 'base64',
        'column.truncate.to.6.chars': `${DATABASE}.customers.photo`,
      }),
    );
    await driver.start();
    try {
      const [snapshot] = await driver.pollUntil(1);
      expect(fieldsOf(snapshot).get('photo')).toMatchObject({
        type: 'string',
        parameters: { truncateLength: '6' },
      });
      // AQIDBAU= cut to six characters.
      expect(afterImage(snapshot)?.photo).toBe('AQIDBA');
    } finally {
      await driver.stop();
    }
  });

  it("publishes the snapshot's DDL to the schema change topic before the rows, as Debezium does", async () => {
    const driver = new TaskDriver(
      sourceConfig({
        ...settings,
        'database.server.id': serverId(13),
        'topic.prefix': 'colsddl',
        'database.include.list': DATABASE,
      }),
    );
    await driver.start();
    try {
      const records = await driver.pollFor('the snapshot row', (all) =>
        all.some((record) => op(record) === 'r'),
      );
      const changes = records.slice(
        0,
        records.findIndex((record) => op(record) === 'r'),
      );
      expect(changes.every((record) => record.topic === 'colsddl')).toBe(true);
      const values = changes.map((record) => record.value?.value as ConnectStruct);
      const ddl = values.map((value) => value.ddl as string);
      expect(ddl.slice(0, -1)).toEqual([
        expect.stringMatching(/^SET character_set_server=\w+, collation_server=\w+;$/),
        `DROP TABLE IF EXISTS \`${DATABASE}\`.\`customers\``,
        `DROP DATABASE IF EXISTS \`${DATABASE}\``,
        `CREATE DATABASE \`${DATABASE}\` CHARSET utf8mb4 COLLATE utf8mb4_general_ci`,
        `USE \`${DATABASE}\``,
      ]);
      expect(ddl.at(-1)).toMatch(/^CREATE TABLE `customers` \(\n {2}`id` int\(11\) NOT NULL AUTO_INCREMENT,/);
      expect(changes.map((record) => record.key?.value)).toEqual([
        { databaseName: '' },
        ...Array.from({ length: 5 }, () => ({ databaseName: DATABASE })),
      ]);
      expect(values[1]?.tableChanges).toEqual([
        { type: 'DROP', id: `"${DATABASE}"."customers"`, table: null },
      ]);
      const created = (values.at(-1)?.tableChanges as ConnectStruct[])[0] as {
        type: string;
        id: string;
        table: { primaryKeyColumnNames: string[]; columns: ConnectStruct[] };
      };
      expect(created.type).toBe('CREATE');
      expect(created.id).toBe(`"${DATABASE}"."customers"`);
      expect(created.table.primaryKeyColumnNames).toEqual(['id']);
      expect(created.table.columns.map((column) => column.name)).toEqual([
        'id',
        'email',
        'ssn',
        'notes',
        'tag',
        'photo',
        'price',
        'customer_id',
        'order_no',
      ]);
      expect(created.table.columns[1]).toMatchObject({ typeName: 'VARCHAR', length: 64, jdbcType: 12 });
      expect(created.table.columns[6]).toMatchObject({ typeName: 'DECIMAL', length: 10, scale: 2 });
      for (const change of changes) {
        expect(source(change)).toMatchObject({ snapshot: 'true', connector: 'mysql', name: 'colsddl' });
        expect(change.sourceOffset).toMatchObject({ snapshot: true });
        expect(change.sourceOffset.snapshot_completed).toBeUndefined();
      }
      expect(source(changes.at(-1)).table).toBe('customers');
      // The rows follow, marked as before.
      expect(source(records[changes.length]).snapshot).toBe('first');
      expect(envelope(records[changes.length]).op).toBe('r');
    } finally {
      await driver.stop();
    }
  });
});

describe("a Debezium user's MySQL connector JSON with column masks", () => {
  let host: HostProcess;
  let client: mysql.Connection;
  let drop: () => Promise<void>;
  const database = `${DATABASE}_rest`;
  const name = `masks-${process.pid}`;
  const prefix = `masks${process.pid}`;

  beforeAll(async () => {
    const { mysqlUrl } = services();
    ({ client, drop } = await createTestDatabase(mysqlUrl, database));
    await client.query(
      'CREATE TABLE customers (id INT PRIMARY KEY, first_name VARCHAR(255), email VARCHAR(255))',
    );
    await client.query("INSERT INTO customers VALUES (1001, 'Sally', 'sally.thomas@acme.com')");
    host = await startHostProcess();
  });

  afterAll(async () => {
    await host?.call('DELETE', `/connectors/${name}`).catch(() => undefined);
    await host?.stop();
    await drop?.();
  });

  it('registers unchanged, runs, and masks in the records and the registered schemas', async () => {
    const { mysqlUrl, schemaRegistryUrl } = services();
    const url = new URL(mysqlUrl);
    // Debezium's tutorial connector (debezium-examples tutorial/register-mysql.json) plus the
    // column keys as Debezium's MySQL connector documentation writes them.
    const config = {
      'connector.class': 'io.debezium.connector.mysql.MySqlConnector',
      'tasks.max': '1',
      'database.hostname': url.hostname,
      'database.port': url.port || '3306',
      'database.user': decodeURIComponent(url.username),
      'database.password': decodeURIComponent(url.password),
      'database.server.id': serverId(14),
      'topic.prefix': prefix,
      'database.include.list': database,
      'schema.history.internal.kafka.bootstrap.servers': 'kafka:9092',
      'schema.history.internal.kafka.topic': `schema-changes.${database}`,
      'column.mask.with.12.chars': `${database}.customers.email`,
      'column.mask.hash.SHA-256.with.salt.CzQMA0cB5K': `${database}.customers.first_name`,
      'column.truncate.to.3.chars': `${database}.customers.nothing`,
      'key.converter': 'io.confluent.connect.avro.AvroConverter',
      'key.converter.schema.registry.url': schemaRegistryUrl,
      'value.converter': 'io.confluent.connect.avro.AvroConverter',
      'value.converter.schema.registry.url': schemaRegistryUrl,
    };
    const validated = await host.call(
      'PUT',
      '/connector-plugins/io.debezium.connector.mysql.MySqlConnector/config/validate',
      { ...config, name },
    );
    expect(validated.status).toBe(200);
    expect(
      validated.body.configs.flatMap((entry: { value: { errors: string[] } }) => entry.value.errors),
    ).toEqual([]);
    expect(validated.body.error_count).toBe(0);
    expect(validated.body.warnings ?? []).toEqual([]);
    const created = await host.call('PUT', `/connectors/${name}/config`, config);
    expect(created.status).toBe(201);
    const topic = `${prefix}.${database}.customers`;
    await waitFor('the connector running', async () => {
      const { body } = await host.call('GET', `/connectors/${name}/status`);
      return body?.tasks?.[0]?.state === 'RUNNING';
    });
    await client.query("INSERT INTO customers VALUES (1002, 'George', 'gbailey@foobar.com')");
    const messages = await readTopic(topic, 2);
    const converters = new ConverterFactory({ schemaRegistryUrl }).forConfig({});
    const values = [];
    for (const message of messages)
      values.push((await converters.value.toConnect(topic, false, message.value))?.value);
    const after = values.map((value) => (value as ConnectStruct).after as ConnectStruct);
    expect(after).toEqual([
      {
        id: 1001,
        first_name: hashMask('SHA-256', 'CzQMA0cB5K', 'v1')('Sally'),
        email: '************',
      },
      {
        id: 1002,
        first_name: hashMask('SHA-256', 'CzQMA0cB5K', 'v1')('George'),
        email: '************',
      },
    ]);
    const registered = await fetch(`${schemaRegistryUrl}/subjects/${topic}-value/versions/latest`);
    const schema = JSON.parse(((await registered.json()) as { schema: string }).schema) as {
      fields: { name: string; type: unknown }[];
    };
    // `before` defines the row record (`after` refers to it by name).
    const row = (schema.fields.find((field) => field.name === 'before')?.type as unknown[]).find(
      (branch) => typeof branch === 'object' && branch !== null,
    ) as { fields: { name: string; type: unknown }[] };
    const emailType = row.fields.find((field) => field.name === 'email')?.type as unknown[];
    expect(emailType).toContainEqual({ type: 'string', 'connect.parameters': { masked: 'true' } });
    // The snapshot's DDL went to the schema change topic <topic.prefix> as well.
    const ddl = await readTopic(prefix, 6);
    expect(ddl).toHaveLength(6);
  });
});
