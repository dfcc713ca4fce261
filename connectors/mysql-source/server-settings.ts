import type mysql from 'mysql2/promise';
import type { FieldError } from '../../src/plugin/index.ts';
import type { MysqlSourceConfig } from './config.ts';

// The server variables row-based capture depends on, read once and checked in one place (by
// validation and by the task before it streams), each problem with the statement that fixes it.

export interface ServerSettings {
  version: string;
  mariadb: boolean;
  serverId: number;
  logBin: boolean;
  binlogFormat: string;
  binlogRowImage: string;
  /** undefined where the server has no such variable (MySQL before 8.0.1, MariaDB before 10.5). */
  binlogRowMetadata: string | undefined;
}

export async function readServerSettings(connection: mysql.Connection): Promise<ServerSettings> {
  const [rows] = await connection.query<mysql.RowDataPacket[]>(
    "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('version', 'server_id', 'log_bin', 'binlog_format', 'binlog_row_image', 'binlog_row_metadata')",
  );
  const variables = new Map(rows.map((row) => [String(row.Variable_name), String(row.Value)]));
  const version = variables.get('version') ?? '';
  return {
    version,
    mariadb: /mariadb/i.test(version),
    serverId: Number(variables.get('server_id') ?? 0),
    logBin: /^(on|1)$/i.test(variables.get('log_bin') ?? ''),
    binlogFormat: (variables.get('binlog_format') ?? '').toUpperCase(),
    binlogRowImage: (variables.get('binlog_row_image') ?? '').toUpperCase(),
    binlogRowMetadata: variables.get('binlog_row_metadata')?.toUpperCase(),
  };
}

/** Every setting that stops row-based capture, as a message naming the fix. */
export function serverProblems(settings: ServerSettings, config: MysqlSourceConfig): FieldError[] {
  const problems: FieldError[] = [];
  const push = (message: string, field = 'database.hostname') => problems.push({ field, message });
  const where = `${config['database.hostname']}:${config['database.port']}`;
  if (!settings.logBin) {
    push(
      `The binary log is off on ${where}: start the server with log_bin (e.g. log_bin=mysql-bin and server_id=1 in my.cnf) and restart it`,
    );
  }
  if (settings.binlogFormat !== 'ROW') {
    push(
      `binlog_format is ${settings.binlogFormat || 'unknown'} on ${where}, but change capture needs ROW: run SET GLOBAL binlog_format = 'ROW' (and set it in my.cnf)`,
    );
  }
  if (settings.binlogRowImage !== 'FULL') {
    push(
      `binlog_row_image is ${settings.binlogRowImage || 'unknown'} on ${where}, but events need full before/after rows: run SET GLOBAL binlog_row_image = 'FULL' (and set it in my.cnf)`,
    );
  }
  if (settings.binlogRowMetadata !== undefined && settings.binlogRowMetadata !== 'FULL') {
    push(
      `binlog_row_metadata is ${settings.binlogRowMetadata} on ${where}; rows decode reliably across ALTER TABLE only with FULL: run SET GLOBAL binlog_row_metadata = 'FULL' (and set it in my.cnf)`,
    );
  }
  if (settings.serverId === config['database.server.id']) {
    push(
      `database.server.id ${config['database.server.id']} is the server's own server_id: choose another id, unique among its replicas`,
      'database.server.id',
    );
  }
  return problems;
}
