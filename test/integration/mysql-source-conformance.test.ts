// The MySQL source (against MariaDB) through the shared source conformance suite: its own database,
// captured through database.include.list and table.include.list.
import type mysql from 'mysql2/promise';
import { type SuiteRow, sourceConformance } from '../conformance/source-suite.ts';
import { connectionSettings, createTestDatabase, serverId } from '../fixtures/mysql/task-harness.ts';
import { services } from '../support/services.ts';

const DATABASE = `onramp_mysrc_conformance_${process.pid}`;

sourceConformance('mysql', () => {
  let client: mysql.Connection;
  let drop: (() => Promise<void>) | undefined;
  const values = (row: SuiteRow) => [row.name, row.price, row.created, row.note, row.id];
  return {
    fixtures: 'mysql',
    connector: 'mysql',
    db: DATABASE,
    table: 'items',
    volatile: { [DATABASE]: '<database>' },
    async setUp(rows) {
      ({ client, drop } = await createTestDatabase(services().mysqlUrl, DATABASE));
      await client.query(
        'CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(64) NOT NULL, price DECIMAL(10,2), created DATETIME(6), note TEXT)',
      );
      for (const row of rows) await this.insert(row);
    },
    async insert(row) {
      await client.query(
        'INSERT INTO items (name, price, created, note, id) VALUES (?, ?, ?, ?, ?)',
        values(row),
      );
    },
    async update(row) {
      await client.query(
        'UPDATE items SET name = ?, price = ?, created = ?, note = ? WHERE id = ?',
        values(row),
      );
    },
    async delete(id) {
      await client.query('DELETE FROM items WHERE id = ?', [id]);
    },
    async execute(sql) {
      await client.query(sql);
    },
    connectorConfig(prefix) {
      return {
        'connector.class': 'io.debezium.connector.mysql.MySqlConnector',
        ...connectionSettings(services().mysqlUrl),
        'database.server.id': serverId(61),
        'topic.prefix': prefix,
        'database.include.list': DATABASE,
        'table.include.list': `${DATABASE}\\.items`,
        'snapshot.mode': 'initial',
      };
    },
    topic: (prefix) => `${prefix}.${DATABASE}.items`,
    async tearDown() {
      await drop?.();
    },
  };
});
