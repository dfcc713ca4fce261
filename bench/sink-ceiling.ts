import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { ConnectStruct } from '../src/plugin/index.ts';
import { type CeilingPart, type CeilingResult, ceilingOf } from './lib/ceiling-run.ts';
import { consumerPerformance } from './lib/ceiling-tools.ts';
import { benchEnv } from './lib/env.ts';
import { round } from './lib/stats.ts';
import type { Workload } from './sink-workload.ts';

// The sink scenarios' ceiling in one round: Kafka's ConsumerPerformance reading the workload's topic
// (the records a sink must fetch), and the target database bulk-loading the table's final state
// (COPY FROM STDIN into PostgreSQL, LOAD DATA LOCAL INFILE into MariaDB; one transaction, into a
// fresh table with the primary key) — the least work that leaves the same rows. Both as the
// workload's records per second; the lower of the two.

const TABLE = 'bench_sink_ceiling';

/** Tab-separated text as COPY's text format and LOAD DATA's defaults read it (\N is NULL). */
function loadText(rows: readonly ConnectStruct[]): string {
  const text = (value: unknown): string =>
    value === null || value === undefined
      ? '\\N'
      : String(value).replaceAll('\\', '\\\\').replaceAll('\t', '\\t').replaceAll('\n', '\\n');
  const lines = rows.map((row) =>
    [
      row.id,
      row.customer,
      row.email,
      row.qty,
      row.amount,
      row.weight,
      row.paid === true ? 1 : 0,
      new Date(Number(row.created)).toISOString().replace('T', ' ').replace('Z', ''),
      row.note,
      row.version,
    ]
      .map(text)
      .join('\t'),
  );
  return `${lines.join('\n')}\n`;
}

async function postgresLoad(rows: readonly ConnectStruct[]): Promise<number> {
  const client = new pg.Client({ connectionString: benchEnv().pgUrl });
  await client.connect();
  try {
    await client.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await client.query(
      `CREATE TABLE ${TABLE} (id INTEGER PRIMARY KEY, customer TEXT NOT NULL, email TEXT, qty INTEGER NOT NULL, amount NUMERIC(12,2) NOT NULL, weight DOUBLE PRECISION, paid BOOLEAN NOT NULL, created TIMESTAMP(3) NOT NULL, note TEXT, version INTEGER NOT NULL)`,
    );
    // COPY reads 1/0 as booleans, like LOAD DATA: one text for both.
    const body = Buffer.from(loadText(rows));
    const started = performance.now();
    await client.query('BEGIN');
    await pipeline(Readable.from([body]), client.query(copyFrom(`COPY ${TABLE} FROM STDIN`)));
    await client.query('COMMIT');
    return (performance.now() - started) / 1000;
  } finally {
    await client.query(`DROP TABLE IF EXISTS ${TABLE}`).catch(() => undefined);
    await client.end();
  }
}

async function mariadbLoad(rows: readonly ConnectStruct[]): Promise<number> {
  const connection = await mysql.createConnection({ uri: benchEnv().mysqlUrl, flags: ['LOCAL_FILES'] });
  try {
    await connection.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await connection.query(
      `CREATE TABLE ${TABLE} (id INT PRIMARY KEY, customer LONGTEXT NOT NULL, email LONGTEXT NULL, qty INT NOT NULL, amount DECIMAL(12,2) NOT NULL, weight DOUBLE NULL, paid BOOLEAN NOT NULL, created DATETIME(3) NOT NULL, note LONGTEXT NULL, version INT NOT NULL) ENGINE=InnoDB`,
    );
    const body = Buffer.from(loadText(rows));
    const started = performance.now();
    await connection.query('START TRANSACTION');
    await connection.query({
      sql: `LOAD DATA LOCAL INFILE 'final-state.tsv' INTO TABLE ${TABLE}`,
      infileStreamFactory: () => Readable.from([body]),
    });
    await connection.query('COMMIT');
    return (performance.now() - started) / 1000;
  } finally {
    await connection.query(`DROP TABLE IF EXISTS ${TABLE}`).catch(() => undefined);
    await connection.end();
  }
}

export async function sinkCeiling(
  target: 'mysql' | 'postgres',
  topic: string,
  workload: Workload,
): Promise<CeilingResult> {
  const consumer = await consumerPerformance(topic, workload.records);
  const seconds =
    target === 'postgres' ? await postgresLoad(workload.finalRows) : await mariadbLoad(workload.finalRows);
  const load: CeilingPart = {
    perSec: round(workload.records / seconds, 0),
    measured: {
      rows: workload.finalRows.length,
      seconds: round(seconds, 3),
      rowsPerSec: round(workload.finalRows.length / seconds, 0),
      how:
        target === 'postgres'
          ? 'COPY FROM STDIN, one transaction'
          : 'LOAD DATA LOCAL INFILE, one transaction',
    },
  };
  return ceilingOf({
    kafka_consumer: { perSec: consumer.perSec, measured: consumer },
    [target === 'postgres' ? 'pg_copy_final_state' : 'mariadb_load_data_final_state']: load,
  });
}
