// The PostgreSQL source through the shared source conformance suite: its own database (so the
// publication and slot see nothing else), a table with REPLICA IDENTITY FULL for full before images.
import type pg from 'pg';
import { type SuiteRow, sourceConformance } from '../conformance/source-suite.ts';
import { connectionSettings, createTestDatabase } from '../fixtures/postgres/task-harness.ts';
import { services } from '../support/services.ts';

const DATABASE = `onramp_pgsrc_conformance_${process.pid}`;

sourceConformance('postgres', () => {
  let client: pg.Client;
  let drop: (() => Promise<void>) | undefined;
  const values = (row: SuiteRow) => [row.id, row.name, row.price, row.created, row.note];
  return {
    fixtures: 'postgres',
    connector: 'postgresql',
    db: DATABASE,
    table: 'items',
    volatile: { [DATABASE]: '<database>' },
    async setUp(rows) {
      ({ client, drop } = await createTestDatabase(services().pgUrl, DATABASE));
      await client.query(
        'CREATE TABLE items (id int PRIMARY KEY, name varchar(64) NOT NULL, price numeric(10,2), created timestamp(6), note text)',
      );
      await client.query('ALTER TABLE items REPLICA IDENTITY FULL');
      for (const row of rows) await this.insert(row);
    },
    async insert(row) {
      await client.query('INSERT INTO items VALUES ($1, $2, $3, $4, $5)', values(row));
    },
    async update(row) {
      await client.query(
        'UPDATE items SET name = $2, price = $3, created = $4, note = $5 WHERE id = $1',
        values(row),
      );
    },
    async delete(id) {
      await client.query('DELETE FROM items WHERE id = $1', [id]);
    },
    async execute(sql) {
      await client.query(sql);
    },
    connectorConfig(prefix) {
      return {
        'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
        ...connectionSettings(services().pgUrl, DATABASE),
        'topic.prefix': prefix,
        'plugin.name': 'pgoutput',
        'table.include.list': 'public.items',
        'slot.name': prefix,
        'publication.name': prefix,
        'publication.autocreate.mode': 'filtered',
        'snapshot.mode': 'initial',
      };
    },
    topic: (prefix) => `${prefix}.public.items`,
    async tearDown() {
      await drop?.();
    },
  };
});
