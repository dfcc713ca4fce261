import type pg from 'pg';
import { OnrampError } from '../../src/plugin/index.ts';
import { quoteIdent } from './connection.ts';
import { databaseError, PG_SLOT_IN_USE } from './errors.ts';
import { type Lsn, parseLsn } from './lsn.ts';

// The logical replication slot: look it up, create it (with an exported snapshot when a snapshot
// follows, so the rows read and the stream meet exactly), drop it.

export interface SlotInfo {
  name: string;
  plugin: string;
  database: string;
  active: boolean;
  activePid: number | null;
  confirmedFlushLsn: Lsn | null;
  restartLsn: Lsn | null;
}

interface SlotRow {
  slot_name: string;
  plugin: string;
  database: string;
  active: string;
  active_pid: string | null;
  confirmed_flush_lsn: string | null;
  restart_lsn: string | null;
}

export async function findSlot(client: pg.Client, name: string): Promise<SlotInfo | undefined> {
  const result = await client.query<SlotRow>(
    `SELECT slot_name, plugin, database, active, active_pid, confirmed_flush_lsn::text, restart_lsn::text
       FROM pg_replication_slots WHERE slot_name = $1`,
    [name],
  );
  const row = result.rows[0];
  if (!row) return undefined;
  return {
    name: row.slot_name,
    plugin: row.plugin,
    database: row.database,
    active: row.active === 't' || row.active === 'true',
    activePid: row.active_pid === null ? null : Number(row.active_pid),
    confirmedFlushLsn: row.confirmed_flush_lsn === null ? null : parseLsn(row.confirmed_flush_lsn),
    restartLsn: row.restart_lsn === null ? null : parseLsn(row.restart_lsn),
  };
}

export function slotInUse(slot: SlotInfo): OnrampError {
  return new OnrampError(
    PG_SLOT_IN_USE,
    `Replication slot "${slot.name}" is in use by server process ${slot.activePid}: another connector (or a previous run still timing out) streams from it`,
  );
}

export interface ExportedSlot {
  consistentPoint: Lsn;
  snapshotName: string;
}

/**
 * Creates the slot on a replication connection and exports its snapshot. The snapshot stays
 * importable only while `replication` is open and idle, so the caller keeps it so until every
 * snapshot reader ran SET TRANSACTION SNAPSHOT.
 */
export async function createSlotWithSnapshot(replication: pg.Client, name: string): Promise<ExportedSlot> {
  try {
    const result = await replication.query<{ consistent_point: string; snapshot_name: string }>(
      `CREATE_REPLICATION_SLOT ${quoteIdent(name)} LOGICAL pgoutput EXPORT_SNAPSHOT`,
    );
    const row = result.rows[0];
    if (!row) throw new Error('CREATE_REPLICATION_SLOT returned no row');
    return { consistentPoint: parseLsn(row.consistent_point), snapshotName: row.snapshot_name };
  } catch (error) {
    throw databaseError(error, `creating replication slot "${name}"`);
  }
}

/**
 * A temporary slot exporting a snapshot, for a snapshot taken again while the connector's own slot
 * keeps its position: the server drops it when `replication` closes (or the process dies). Like
 * createSlotWithSnapshot, the snapshot stays importable only while `replication` is open and idle.
 */
export async function createTemporarySlotWithSnapshot(
  replication: pg.Client,
  slotName: string,
): Promise<ExportedSlot & { name: string }> {
  const suffix = `_snap_${Math.floor(Math.random() * 0xffffffff)
    .toString(16)
    .padStart(8, '0')}`;
  const name = `${slotName.slice(0, 63 - suffix.length)}${suffix}`;
  try {
    const result = await replication.query<{ consistent_point: string; snapshot_name: string }>(
      `CREATE_REPLICATION_SLOT ${quoteIdent(name)} TEMPORARY LOGICAL pgoutput EXPORT_SNAPSHOT`,
    );
    const row = result.rows[0];
    if (!row) throw new Error('CREATE_REPLICATION_SLOT returned no row');
    return { name, consistentPoint: parseLsn(row.consistent_point), snapshotName: row.snapshot_name };
  } catch (error) {
    throw databaseError(error, `creating the temporary replication slot "${name}"`);
  }
}

/** Creates the slot without a snapshot; returns the LSN streaming starts from. */
export async function createSlot(client: pg.Client, name: string): Promise<Lsn> {
  try {
    const result = await client.query<{ lsn: string }>(
      "SELECT lsn::text FROM pg_create_logical_replication_slot($1, 'pgoutput')",
      [name],
    );
    return parseLsn(result.rows[0]?.lsn ?? '0/0');
  } catch (error) {
    throw databaseError(error, `creating replication slot "${name}"`);
  }
}

/**
 * The slot once no server process streams from it (a walsender exits a moment after its client
 * disconnects, and until then the slot cannot be used or dropped); still active if that takes
 * longer than `timeoutMs`; undefined if there is no such slot.
 */
export async function releasedSlot(
  client: pg.Client,
  name: string,
  timeoutMs = 10_000,
): Promise<SlotInfo | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const slot = await findSlot(client, name);
    if (!slot?.active || Date.now() > deadline) return slot;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Drops the slot, waiting up to `timeoutMs` for a walsender that is still shutting down to let go
 * of it. Does nothing if the slot does not exist.
 */
export async function dropSlot(client: pg.Client, name: string, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const slot = await releasedSlot(client, name, Math.max(0, deadline - Date.now()));
    if (!slot) return false;
    if (slot.active) throw slotInUse(slot);
    try {
      await client.query('SELECT pg_drop_replication_slot($1)', [name]);
      return true;
    } catch (error) {
      // Raced with a reconnecting walsender or a concurrent drop; look again.
      if (Date.now() > deadline) throw databaseError(error, `dropping replication slot "${name}"`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface SlotWal {
  active: boolean;
  /** pg_current_wal_lsn() - restart_lsn: the WAL PostgreSQL keeps on disk for this slot. */
  retainedBytes: number;
  /** pg_current_wal_lsn() - confirmed_flush_lsn: what the connector has not confirmed yet. */
  lagBytes: number;
  /** pg_replication_slots.wal_status (PostgreSQL 13+): reserved, extended, unreserved or lost. */
  walStatus: string | null;
  /** Bytes left before max_slot_wal_keep_size invalidates the slot; null when unlimited. */
  safeBytes: number | null;
  /** The server's max_slot_wal_keep_size in bytes; null when unlimited (-1). */
  keepSizeBytes: number | null;
}

/** How much WAL the slot holds back, and how close it is to max_slot_wal_keep_size. */
export async function slotWal(client: pg.Client, name: string): Promise<SlotWal | undefined> {
  const result = await client.query<{
    active: string;
    retained: string | null;
    lag: string | null;
    wal_status: string | null;
    safe: string | null;
    keep: string;
  }>(
    `SELECT active, (pg_current_wal_lsn() - restart_lsn)::text AS retained,
            (pg_current_wal_lsn() - confirmed_flush_lsn)::text AS lag, wal_status, safe_wal_size::text AS safe,
            (SELECT setting::bigint * (CASE unit WHEN 'MB' THEN 1048576 WHEN 'kB' THEN 1024 ELSE 1 END)
               FROM pg_settings WHERE name = 'max_slot_wal_keep_size')::text AS keep
       FROM pg_replication_slots WHERE slot_name = $1`,
    [name],
  );
  const row = result.rows[0];
  if (!row) return undefined;
  const keep = Number(row.keep);
  return {
    active: row.active === 't' || row.active === 'true',
    retainedBytes: Math.max(0, Number(row.retained ?? 0)),
    lagBytes: Math.max(0, Number(row.lag ?? 0)),
    walStatus: row.wal_status,
    safeBytes: row.safe === null ? null : Number(row.safe),
    keepSizeBytes: keep < 0 ? null : keep,
  };
}

/** Why the slot's retained WAL needs attention, or undefined while it does not. */
export function walWarning(name: string, wal: SlotWal, thresholdBytes: number): string | undefined {
  const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;
  if (wal.walStatus === 'lost')
    return `Replication slot "${name}" lost WAL it needed (max_slot_wal_keep_size): changes are missing; re-snapshot (snapshot.mode=when_needed)`;
  if (wal.keepSizeBytes !== null && wal.safeBytes !== null && wal.safeBytes < wal.keepSizeBytes / 2)
    return `Replication slot "${name}" retains ${mb(wal.retainedBytes)} of WAL; ${mb(Math.max(0, wal.safeBytes))} more and max_slot_wal_keep_size (${mb(wal.keepSizeBytes)}) invalidates it`;
  if (thresholdBytes > 0 && wal.retainedBytes > thresholdBytes)
    return `Replication slot "${name}" retains ${mb(wal.retainedBytes)} of WAL, more than slot.retained.wal.warning.bytes (${mb(thresholdBytes)}): is the connector keeping up, and is heartbeat.interval.ms set for a database whose captured tables are quiet?`;
  return undefined;
}
