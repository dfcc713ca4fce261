import { createHmac } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';

// The demo's "legacy" inventory database in PostgreSQL (schema `inventory`), its live workload, and
// the downstream MariaDB database the sink keeps in sync (`inventory_replica`).

export const TABLES = ['customers', 'products', 'orders'] as const;
export type Table = (typeof TABLES)[number];

const SCHEMA = `
  DROP SCHEMA IF EXISTS inventory CASCADE;
  CREATE SCHEMA inventory;
  CREATE TABLE inventory.customers (
    id serial PRIMARY KEY,
    first_name text NOT NULL,
    last_name text NOT NULL,
    email text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE TABLE inventory.products (
    id serial PRIMARY KEY,
    name text NOT NULL,
    description text,
    price numeric(10,2) NOT NULL,
    weight double precision,
    in_stock boolean NOT NULL DEFAULT true
  );
  CREATE TABLE inventory.orders (
    id serial PRIMARY KEY,
    customer_id int NOT NULL REFERENCES inventory.customers(id),
    product_id int NOT NULL REFERENCES inventory.products(id),
    quantity int NOT NULL,
    order_date date NOT NULL DEFAULT current_date,
    status text NOT NULL DEFAULT 'new'
  );
  COMMENT ON TABLE inventory.customers IS 'People who ordered from the shop';
  COMMENT ON COLUMN inventory.customers.email IS 'Login and receipts address';
  COMMENT ON TABLE inventory.products IS 'What the shop sells';
  COMMENT ON COLUMN inventory.products.price IS 'Unit price in EUR';
  COMMENT ON TABLE inventory.orders IS 'Orders as placed; status moves new -> shipped';
  INSERT INTO inventory.customers (first_name, last_name, email)
    SELECT 'first' || i, 'last' || i, 'customer' || i || '@example.com' FROM generate_series(1, 200) AS i;
  INSERT INTO inventory.products (name, description, price, weight)
    SELECT 'product ' || i, 'a fine product number ' || i, round((i * 3.17)::numeric, 2), i * 0.25
    FROM generate_series(1, 50) AS i;
  INSERT INTO inventory.orders (customer_id, product_id, quantity)
    SELECT 1 + (i * 7) % 200, 1 + (i * 3) % 50, 1 + i % 5 FROM generate_series(1, 500) AS i;
`;

/** Recreates the legacy database with seed rows, and an empty downstream database. */
export async function prepareDatabases(pgUrl: string, mysqlUrl: string, slot: string): Promise<void> {
  const source = new pg.Client({ connectionString: pgUrl });
  await source.connect();
  try {
    // A slot left by an interrupted run would hold WAL and block the new connector's slot.
    await source.query(
      'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active',
      [slot],
    );
    await source.query(SCHEMA);
  } finally {
    await source.end();
  }
  const target = await mysql.createConnection(mysqlUrl);
  try {
    await target.query('DROP DATABASE IF EXISTS inventory_replica');
    await target.query('CREATE DATABASE inventory_replica CHARACTER SET utf8mb4');
  } finally {
    await target.end();
  }
}

/** Random inserts, updates and deletes across the three tables until `signal` aborts. */
export async function runWorkload(
  pgUrl: string,
  signal: AbortSignal,
  changesPerSecond = 100,
): Promise<number> {
  const db = new pg.Client({ connectionString: pgUrl });
  await db.connect();
  let changes = 0;
  try {
    const pause = 1000 / changesPerSecond;
    while (!signal.aborted) {
      const dice = Math.random();
      if (dice < 0.4) {
        await db.query(
          `INSERT INTO inventory.orders (customer_id, product_id, quantity)
           SELECT c.id, p.id, 1 + floor(random() * 9)::int
           FROM (SELECT id FROM inventory.customers ORDER BY random() LIMIT 1) c,
                (SELECT id FROM inventory.products ORDER BY random() LIMIT 1) p`,
        );
      } else if (dice < 0.65) {
        await db.query(
          `UPDATE inventory.orders SET status = (ARRAY['paid','shipped','delivered'])[1 + floor(random() * 3)::int]
           WHERE id = (SELECT id FROM inventory.orders ORDER BY random() LIMIT 1)`,
        );
      } else if (dice < 0.8) {
        await db.query(
          `INSERT INTO inventory.customers (first_name, last_name, email)
           VALUES ('new', 'customer', 'new-' || gen_random_uuid() || '@example.com')`,
        );
      } else if (dice < 0.9) {
        await db.query(
          `UPDATE inventory.products SET price = round((price * (0.9 + random() * 0.2))::numeric, 2)
           WHERE id = 1 + floor(random() * 50)::int`,
        );
      } else {
        await db.query(
          'DELETE FROM inventory.orders WHERE id = (SELECT id FROM inventory.orders ORDER BY random() LIMIT 1)',
        );
      }
      changes++;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  } finally {
    await db.end();
  }
  return changes;
}

// The same rows, rendered the same way by both databases, for comparing upstream and downstream.
const UPSTREAM: Record<Table, string> = {
  customers: 'SELECT id, email FROM inventory.customers ORDER BY id',
  products: 'SELECT id, name, price::text AS price FROM inventory.products ORDER BY id',
  orders: 'SELECT id, customer_id, product_id, quantity, status FROM inventory.orders ORDER BY id',
};
const DOWNSTREAM: Record<Table, string> = {
  customers: 'SELECT id, email FROM inventory_replica.customers ORDER BY id',
  products: 'SELECT id, name, CAST(price AS CHAR) AS price FROM inventory_replica.products ORDER BY id',
  orders: 'SELECT id, customer_id, product_id, quantity, status FROM inventory_replica.orders ORDER BY id',
};

export interface TableState {
  table: Table;
  upstream: number;
  downstream: number;
  equal: boolean;
}

export class Comparer {
  private readonly source: pg.Client;
  private readonly target: mysql.Connection;
  private readonly hashSalt: string | undefined;

  private constructor(source: pg.Client, target: mysql.Connection, hashSalt: string | undefined) {
    this.source = source;
    this.target = target;
    this.hashSalt = hashSalt;
  }

  /**
   * `hashSalt`: the host's ONRAMP_PRODUCT_HASH_SALT when the published product hashes the customers'
   * email (then the upstream email is compared as the HMAC-SHA256 the product stage sends).
   */
  static async open(pgUrl: string, mysqlUrl: string, hashSalt?: string): Promise<Comparer> {
    const source = new pg.Client({ connectionString: pgUrl });
    await source.connect();
    return new Comparer(source, await mysql.createConnection(mysqlUrl), hashSalt);
  }

  async compare(): Promise<TableState[]> {
    const states: TableState[] = [];
    for (const table of TABLES) {
      let upstream = (await this.source.query(UPSTREAM[table])).rows;
      const salt = this.hashSalt;
      if (table === 'customers' && salt !== undefined)
        upstream = upstream.map((row: { id: number; email: string }) => ({
          ...row,
          email: createHmac('sha256', salt).update(row.email, 'utf8').digest('hex'),
        }));
      let downstream: unknown[] = [];
      try {
        [downstream] = (await this.target.query(DOWNSTREAM[table])) as [unknown[], unknown];
      } catch {
        // the sink has not created this table yet
      }
      states.push({
        table,
        upstream: upstream.length,
        downstream: downstream.length,
        equal: JSON.stringify(upstream) === JSON.stringify(downstream),
      });
    }
    return states;
  }

  async close(): Promise<void> {
    await this.source.end();
    await this.target.end();
  }
}
