import type mysql from 'mysql2/promise';

// How far the server's binlog has grown past a read position: the rest of the position's file plus
// every later file (SHOW BINARY LOGS lists them in order with their sizes; the last one's size is
// the server's current end). Needs REPLICATION CLIENT (MariaDB: BINLOG MONITOR), which binlog
// capture needs anyway.

/** Bytes after `file`:`pos`; undefined when the server no longer lists `file` (purged or renamed). */
export async function binlogBytesAfter(
  connection: mysql.Connection,
  file: string,
  pos: number,
): Promise<number | undefined> {
  const [rows] = await connection.query<mysql.RowDataPacket[]>('SHOW BINARY LOGS');
  return bytesAfter(
    rows.map((row) => ({ name: String(row.Log_name), size: Number(row.File_size) })),
    file,
    pos,
  );
}

export function bytesAfter(
  files: ReadonlyArray<{ name: string; size: number }>,
  file: string,
  pos: number,
): number | undefined {
  let bytes = 0;
  let found = false;
  for (const entry of files) {
    if (entry.name === file) {
      found = true;
      bytes += Math.max(0, entry.size - pos);
    } else if (found) bytes += entry.size;
  }
  return found ? bytes : undefined;
}
