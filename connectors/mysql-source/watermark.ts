import type mysql from 'mysql2/promise';
import type { ConnectStruct, FieldError } from '../../src/plugin/index.ts';
import { quoteIdent, quoteTable } from './connection.ts';

// Watermarks of incremental snapshots on MySQL and MariaDB. With a signal table, Debezium's rows:
// INSERT INTO <signal> VALUES ('<chunk>-open', 'snapshot-window-open', '{...}') before a chunk is
// read and the '-close' row after (or, with insert_delete, the open row deleted). Each chunk is
// read in a consistent-snapshot transaction; MariaDB says which binlog position that snapshot is
// consistent with (Binlog_snapshot_file/_position), so a streamed change at or after it is one the
// chunk did not see. MySQL does not say (every change counts as seen): there, commits in binlog
// order (binlog_order_commits, on by default) and the open-window row written first give the same.

export interface SnapshotPosition {
  file: string;
  pos: number;
}

/** The binlog file's sequence number (mysql-bin.000042 → 42), to order files. */
function fileNumber(file: string): number {
  const match = /\.(\d+)$/.exec(file);
  return match ? Number(match[1]) : Number.NaN;
}

/** Whether a change at `file`/`pos` comes before `position` in the binlog. */
export function precedes(file: string, pos: number, position: SnapshotPosition): boolean {
  const [mine, theirs] = [fileNumber(file), fileNumber(position.file)];
  if (file !== position.file)
    return Number.isNaN(mine) || Number.isNaN(theirs) ? file < position.file : mine < theirs;
  return pos < position.pos;
}

/** Whether the chunk read at `position` sees a streamed change (its source block has file and pos). */
export function seesChange(source: ConnectStruct, position: SnapshotPosition | undefined): boolean {
  if (position === undefined) return true;
  const { file, pos } = source;
  return typeof file !== 'string' || typeof pos !== 'number' || precedes(file, pos, position);
}

/** Opens the chunk's read-only consistent snapshot; MariaDB also says where in the binlog it is. */
export async function beginChunk(
  connection: mysql.Connection,
  mariadb: boolean,
): Promise<SnapshotPosition | undefined> {
  await connection.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  await connection.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
  if (!mariadb) return undefined;
  const [rows] = await connection.query<mysql.RowDataPacket[]>("SHOW STATUS LIKE 'binlog_snapshot_%'");
  const status = new Map(rows.map((row) => [String(row.Variable_name).toLowerCase(), String(row.Value)]));
  const file = status.get('binlog_snapshot_file') ?? '';
  const pos = Number(status.get('binlog_snapshot_position'));
  return file !== '' && Number.isInteger(pos) ? { file, pos } : undefined;
}

export async function insertSignal(
  connection: mysql.Connection,
  table: [string, string],
  row: { id: string; type: string; data: string },
): Promise<void> {
  await connection.query(`INSERT INTO ${quoteTable(...table)} VALUES (?, ?, ?)`, [
    row.id,
    row.type,
    row.data,
  ]);
}

/** Deletes a window's open row (watermarking strategy insert_delete); the id is the first column. */
export async function deleteSignal(
  connection: mysql.Connection,
  table: [string, string],
  id: string,
  idColumn: string,
): Promise<void> {
  await connection.query(`DELETE FROM ${quoteTable(...table)} WHERE ${quoteIdent(idColumn)} = ?`, [id]);
}

/**
 * Validation: the signal table exists with Debezium's three columns at least and, when Onramp
 * writes watermarks to it (not read.only), the user may insert into it (and delete, insert_delete).
 */
export async function probeSignalTable(
  connection: mysql.Connection,
  table: [string, string] | undefined,
  writes: 'none' | 'insert' | 'insert_delete',
): Promise<FieldError[]> {
  if (!table) return [];
  const name = `${table[0]}.${table[1]}`;
  const field = 'signal.data.collection';
  const [rows] = await connection.query<mysql.RowDataPacket[]>(
    'SELECT count(*) AS columns FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    table,
  );
  const columns = Number(rows[0]?.columns ?? 0);
  if (columns === 0)
    return [
      {
        field,
        message: `The signal table ${name} does not exist: create it with the columns id, type and data (varchar)`,
      },
    ];
  if (columns < 3)
    return [
      {
        field,
        message: `The signal table ${name} has ${columns} column(s): it needs id, type and data, its first three`,
      },
    ];
  if (writes === 'none') return [];
  // A statement that would write nothing tells whether the user may write at all.
  for (const [privilege, statement] of [
    ['INSERT', `INSERT INTO ${quoteTable(...table)} SELECT * FROM ${quoteTable(...table)} WHERE 1 = 0`],
    ...(writes === 'insert_delete' ? [['DELETE', `DELETE FROM ${quoteTable(...table)} WHERE 1 = 0`]] : []),
  ] as const) {
    try {
      await connection.query(statement);
    } catch (error) {
      if ((error as { errno?: number }).errno === 1142)
        return [
          {
            field,
            message: `User may not ${privilege} ${privilege === 'INSERT' ? 'into' : 'from'} the signal table ${name}, where incremental snapshots write their watermarks: GRANT ${privilege}${privilege === 'INSERT' ? ', or set read.only=true' : ''}`,
          },
        ];
      throw error;
    }
  }
  return [];
}
