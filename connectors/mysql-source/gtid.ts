import type mysql from 'mysql2/promise';

// GTID resume. A stored offset's `gtids` names the transactions completed before its position;
// zongji can start a binlog stream from it (MariaDB: always; MySQL: with gtid_mode=ON), and the
// server then finds the transaction to continue from itself, on whichever server of the
// replication topology it is. Before that we check the position against the server: GTIDs the
// server never wrote mean it is not the server (or cluster) the offset came from, or it lost
// transactions in a failover; GTIDs it has purged mean the changes since are gone.

export type GtidVerdict =
  /** The server has every transaction up to the position and still keeps the ones after it. */
  { status: 'ok' } | { status: 'purged'; serverPurged: string } | { status: 'mismatch'; serverGtids: string };

export interface GtidCheck {
  /** Whether the server resumes a stream by GTID (MariaDB always; MySQL only with gtid_mode=ON). */
  resumable: boolean;
  verdict: GtidVerdict;
}

interface DomainPosition {
  server: string;
  seq: bigint;
}

/** A MariaDB GTID position ('0-1-25,1-3-7') by replication domain; throws on malformed text. */
export function parseMariadbGtids(text: string): Map<string, DomainPosition> {
  const result = new Map<string, DomainPosition>();
  for (const item of text.split(',')) {
    const gtid = item.trim();
    if (gtid === '') continue;
    const match = /^(\d+)-(\d+)-(\d+)$/.exec(gtid);
    if (!match) throw new Error(`"${gtid}" is not a MariaDB GTID (domain-server-sequence)`);
    const [, domain = '', server = '', seq = '0'] = match;
    result.set(domain, { server, seq: BigInt(seq) });
  }
  return result;
}

/**
 * Compares a stored MariaDB GTID position with the server's: `binlogPos` (@@gtid_binlog_pos, the
 * last transaction written per domain) and `oldestStart` (the position at the start of its oldest
 * binlog, i.e. everything before it is purged). Sequence numbers grow within a domain across
 * failovers (the server id changes), so only they are compared.
 */
export function checkMariadbGtids(stored: string, binlogPos: string, oldestStart: string): GtidVerdict {
  let ours: Map<string, DomainPosition>;
  try {
    ours = parseMariadbGtids(stored);
  } catch {
    // A MySQL GTID set, say: written by another kind of server.
    return { status: 'mismatch', serverGtids: binlogPos };
  }
  const written = parseMariadbGtids(binlogPos);
  for (const [domain, position] of ours) {
    const server = written.get(domain);
    if (!server || server.seq < position.seq) return { status: 'mismatch', serverGtids: binlogPos };
  }
  for (const [domain, first] of parseMariadbGtids(oldestStart)) {
    const position = ours.get(domain);
    // The oldest binlog starts after `first`: transactions up to it are gone, which loses changes
    // unless the stored position already covers them.
    if (!position || position.seq < first.seq) return { status: 'purged', serverPurged: oldestStart };
  }
  return { status: 'ok' };
}

async function scalar(connection: mysql.Connection, sql: string, values: unknown[] = []): Promise<unknown> {
  const [rows] = await connection.query<mysql.RowDataPacket[]>(sql, values);
  const row = rows[0];
  return row ? Object.values(row)[0] : undefined;
}

/** MariaDB: the GTID position of the transactions before `file`:`pos` (undefined if unknown). */
export async function mariadbGtidsAt(
  connection: mysql.Connection,
  file: string,
  pos: number,
): Promise<string | undefined> {
  const value = await scalar(connection, 'SELECT BINLOG_GTID_POS(?, ?)', [file, pos]);
  return typeof value === 'string' ? value : undefined;
}

/** Checks a stored offset's `gtids` against the server. */
export async function checkStoredGtids(
  connection: mysql.Connection,
  mariadb: boolean,
  gtids: string,
  oldestBinlog: string | undefined,
): Promise<GtidCheck> {
  if (mariadb) {
    const binlogPos = String((await scalar(connection, 'SELECT @@GLOBAL.gtid_binlog_pos')) ?? '');
    const oldestStart =
      oldestBinlog === undefined ? '' : ((await mariadbGtidsAt(connection, oldestBinlog, 4)) ?? '');
    return { resumable: true, verdict: checkMariadbGtids(gtids, binlogPos, oldestStart) };
  }
  const mode = String((await scalar(connection, 'SELECT @@GLOBAL.gtid_mode')) ?? 'OFF').toUpperCase();
  if (mode !== 'ON') return { resumable: false, verdict: { status: 'ok' } };
  // MySQL compares GTID sets itself: ours must be part of what it executed, and what it purged
  // must be part of ours.
  const [rows] = await connection.query<mysql.RowDataPacket[]>(
    'SELECT GTID_SUBSET(?, @@GLOBAL.gtid_executed) AS known, GTID_SUBSET(@@GLOBAL.gtid_purged, ?) AS kept, @@GLOBAL.gtid_executed AS executed, @@GLOBAL.gtid_purged AS purged',
    [gtids, gtids],
  );
  const row: Record<string, unknown> = rows[0] ?? {};
  const text = (value: unknown) => String(value ?? '').replaceAll('\n', '');
  if (Number(row.known) !== 1)
    return { resumable: true, verdict: { status: 'mismatch', serverGtids: text(row.executed) } };
  if (Number(row.kept) !== 1)
    return { resumable: true, verdict: { status: 'purged', serverPurged: text(row.purged) } };
  return { resumable: true, verdict: { status: 'ok' } };
}
