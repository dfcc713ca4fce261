import type pg from 'pg';
import type { ConnectStruct, FieldError } from '../../src/plugin/index.ts';
import { quoteTable } from './connection.ts';

// Watermarks of incremental snapshots on PostgreSQL. With a signal table, Debezium's rows: INSERT
// INTO <signal> VALUES ('<chunk>-open', 'snapshot-window-open', '{...}') before a chunk is read
// and the '-close' row after (or, with insert_delete, the open row deleted). Either way the chunk's
// read transaction records its snapshot (txid_current_snapshot()): a streamed transaction it does
// not see (in progress for it, or newer) changed rows after the chunk read them.

export interface ReadSnapshot {
  xmin: bigint;
  xmax: bigint;
  inProgress: ReadonlySet<bigint>;
}

/** Parses txid_current_snapshot()'s text, "xmin:xmax:xip,xip,...". */
export function parseTxidSnapshot(text: string): ReadSnapshot {
  const [xmin, xmax, list] = text.split(':');
  if (xmin === undefined || xmax === undefined) throw new Error(`"${text}" is not a txid snapshot`);
  return {
    xmin: BigInt(xmin),
    xmax: BigInt(xmax),
    inProgress: new Set(
      list
        ? list
            .split(',')
            .filter((item) => item !== '')
            .map(BigInt)
        : [],
    ),
  };
}

const EPOCH = 1n << 32n;

/**
 * Whether `snapshot` sees transaction `xid`: pgoutput's xid has 32 bits, the snapshot's are
 * epoch-extended, so the xid is placed in the epoch that puts it at or before xmax.
 */
export function snapshotSees(xid: number, snapshot: ReadSnapshot): boolean {
  let full = (snapshot.xmax & ~(EPOCH - 1n)) | BigInt(xid >>> 0);
  if (full > snapshot.xmax) full -= EPOCH;
  if (full < snapshot.xmin) return true;
  return full < snapshot.xmax && !snapshot.inProgress.has(full);
}

/** Whether the chunk's transaction sees a streamed change (its source block names its xid). */
export function seesChange(source: ConnectStruct, snapshot: ReadSnapshot): boolean {
  const xid = source.txId;
  return typeof xid !== 'number' || snapshotSees(xid, snapshot);
}

/** The snapshot of the transaction `client` is in (its first statement takes it). */
export async function readSnapshot(client: pg.Client): Promise<ReadSnapshot> {
  const result = await client.query<{ snapshot: string }>('SELECT txid_current_snapshot()::text AS snapshot');
  return parseTxidSnapshot(result.rows[0]?.snapshot ?? '');
}

export async function insertSignal(
  client: pg.Client,
  table: [string, string],
  row: { id: string; type: string; data: string },
): Promise<void> {
  await client.query(`INSERT INTO ${quoteTable(...table)} VALUES ($1, $2, $3)`, [row.id, row.type, row.data]);
}

/** Deletes a window's open row (watermarking strategy insert_delete); the id is the table's first column. */
export async function deleteSignal(
  client: pg.Client,
  table: [string, string],
  id: string,
  idColumn: string,
): Promise<void> {
  await client.query(`DELETE FROM ${quoteTable(...table)} WHERE "${idColumn.replaceAll('"', '""')}" = $1`, [
    id,
  ]);
}

/**
 * Validation: the signal table exists with Debezium's three columns at least and, when Onramp
 * writes watermarks to it (not read.only), the user may insert into it (and delete, insert_delete).
 */
export async function probeSignalTable(
  client: pg.Client,
  table: [string, string] | undefined,
  writes: 'none' | 'insert' | 'insert_delete',
): Promise<FieldError[]> {
  if (!table) return [];
  const name = `${table[0]}.${table[1]}`;
  const result = await client.query<{ columns: number; can_insert: boolean; can_delete: boolean }>(
    `SELECT (SELECT count(*)::int FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
            has_table_privilege(c.oid, 'INSERT') AS can_insert, has_table_privilege(c.oid, 'DELETE') AS can_delete
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')`,
    table,
  );
  const row = result.rows[0];
  const field = 'signal.data.collection';
  if (!row)
    return [
      {
        field,
        message: `The signal table ${name} does not exist: create it with the columns id, type and data (varchar)`,
      },
    ];
  if (row.columns < 3)
    return [
      {
        field,
        message: `The signal table ${name} has ${row.columns} column(s): it needs id, type and data, its first three`,
      },
    ];
  if (writes !== 'none' && !row.can_insert)
    return [
      {
        field,
        message: `User may not INSERT into the signal table ${name}, where incremental snapshots write their watermarks: GRANT INSERT, or set read.only=true`,
      },
    ];
  if (writes === 'insert_delete' && !row.can_delete)
    return [
      {
        field,
        message: `User may not DELETE from the signal table ${name} (incremental.snapshot.watermarking.strategy=insert_delete): GRANT DELETE`,
      },
    ];
  return [];
}
