import type { SinkRecord, TaskContext } from '../../src/plugin/index.ts';
import type { Change, FieldValue } from './change.ts';
import { columnKind } from './column-type.ts';
import { isOptional, type SqlValue } from './column-value.ts';
import { type JdbcSinkConfig, shouldAddColumns, shouldCreateTables } from './config.ts';
import { type ColumnDef, type Dialect, qualified, type SqlPool, type SqlSession } from './dialect.ts';
import { isUnavailable, JDBC_TABLE_MISSING, JDBC_WRITE_FAILED, rejected } from './errors.ts';
import { addColumn, createTable, deleteRows, insertRows, type Statement, updateRow } from './statements.ts';
import type { PendingChange, TableBatch } from './table-batch.ts';

// The engine: applies one table's reduced batch in one transaction with multi-row statements
// (truncate, then deletes, then inserts/upserts). Schema evolution (CREATE TABLE, ADD COLUMN) runs
// before, outside the transaction, since MySQL commits DDL implicitly. When the database rejects the
// batch, the same transaction is redone change by change under savepoints, so only the records it
// really rejects go to reportBadRecord (dead-letter queue, or a failed task) and the rest commit.

type Mode = JdbcSinkConfig['insert.mode'];

export class TableWriter {
  private readonly dialect: Dialect;
  private readonly pool: SqlPool;
  private readonly config: JdbcSinkConfig;
  private readonly context: TaskContext;
  /** Known columns per table (names as compared: lower case on MySQL). */
  private readonly columns = new Map<string, Set<string>>();

  constructor(dialect: Dialect, pool: SqlPool, config: JdbcSinkConfig, context: TaskContext) {
    this.dialect = dialect;
    this.pool = pool;
    this.config = config;
    this.context = context;
  }

  /**
   * Applies the batch; throws only when the database is unreachable (retriable). `alsoInTransaction`
   * runs in the batch's transaction (exactly-once offsets commit with the rows).
   */
  async write(batch: TableBatch, alsoInTransaction?: (session: SqlSession) => Promise<void>): Promise<void> {
    const started = performance.now();
    const changes = [...batch.pending.values()];
    try {
      if (!(await this.ensureTable(batch, changes))) return;
    } catch (error) {
      if (isUnavailable(error)) throw error;
      const code = error instanceof Error && 'code' in error && error.code === JDBC_TABLE_MISSING;
      const reason = rejected(code ? JDBC_TABLE_MISSING : JDBC_WRITE_FAILED, batch.label, error);
      for (const record of recordsOf(batch, changes)) await this.context.reportBadRecord(record, reason);
      return;
    }
    try {
      await this.pool.transaction(async (session) => {
        await this.apply(session, batch, batch.truncate, changes);
        await alsoInTransaction?.(session);
      });
    } catch (error) {
      if (isUnavailable(error)) throw error;
      await this.isolate(batch, changes, alsoInTransaction);
    }
    this.count(batch, changes, performance.now() - started);
  }

  private async apply(
    session: SqlSession,
    batch: TableBatch,
    truncate: Change | undefined,
    changes: readonly PendingChange[],
  ): Promise<void> {
    const { dialect } = this;
    const table = batch.table;
    if (truncate) await session.run(dialect.truncate(qualified(dialect, table)), []);
    const deletes = changes.filter((pending) => pending.deleteFirst || pending.change.op === 'delete');
    for (const group of groupBy(deletes, (pending) => names(pending.change.key))) {
      const keyColumns = group[0]?.change.key.map((field) => field.name) ?? [];
      for (const chunk of chunks(group, this.rowsPerStatement(keyColumns.length)))
        await run(
          session,
          deleteRows(
            dialect,
            table,
            keyColumns,
            chunk.map((p) => values(p.change.key)),
          ),
        );
    }
    const writes = changes
      .filter((pending) => pending.change.op === 'upsert')
      .map((pending) => pending.change);
    await this.writeRows(session, batch, writes, this.config['insert.mode']);
  }

  private async writeRows(
    session: SqlSession,
    batch: TableBatch,
    writes: Change[],
    mode: Mode,
  ): Promise<void> {
    const { dialect } = this;
    const table = batch.table;
    if (mode === 'update') {
      for (const change of writes)
        if (change.row.length > 0) await run(session, updateRow(dialect, table, change.row, change.key));
      return;
    }
    // Rows with an unavailable (TOAST) value update the row that exists and leave that column alone;
    // only when there is none is the row inserted without it.
    const partial = mode === 'upsert' ? writes.filter((change) => change.unavailable.length > 0) : [];
    for (const change of partial) {
      const matched =
        change.row.length > 0 ? await run(session, updateRow(dialect, table, change.row, change.key)) : 0;
      if (matched === 0) {
        const columns = [...change.key, ...change.row];
        await run(session, insertRows(dialect, table, names(columns), [values(columns)], keyNames(change)));
      }
    }
    const full = partial.length > 0 ? writes.filter((change) => change.unavailable.length === 0) : writes;
    for (const group of groupBy(full, (change) => `${names(change.key)}\u0001${names(change.row)}`)) {
      const first = group[0];
      if (!first) continue;
      const columns = [...names(first.key), ...names(first.row)];
      const upsertKeys = mode === 'upsert' ? names(first.key) : undefined;
      for (const chunk of chunks(group, this.rowsPerStatement(columns.length))) {
        const rows = chunk.map((change) => [...values(change.key), ...values(change.row)]);
        await run(session, insertRows(dialect, table, columns, rows, upsertKeys));
      }
    }
  }

  /** Redoes the batch change by change under savepoints; reports what the database rejects. */
  private async isolate(
    batch: TableBatch,
    changes: readonly PendingChange[],
    alsoInTransaction: ((session: SqlSession) => Promise<void>) | undefined,
  ): Promise<void> {
    await this.pool.transaction(async (session) => {
      const failures: Array<{ record: SinkRecord; error: unknown }> = [];
      const attempt = async (record: SinkRecord, work: () => Promise<void>) => {
        await session.run('SAVEPOINT onramp_change', []);
        try {
          await work();
          await session.run('RELEASE SAVEPOINT onramp_change', []);
        } catch (error) {
          if (isUnavailable(error)) throw error;
          await session.run('ROLLBACK TO SAVEPOINT onramp_change', []);
          failures.push({ record, error });
        }
      };
      const truncate = batch.truncate;
      if (truncate) await attempt(truncate.record, () => this.apply(session, batch, truncate, []));
      for (const pending of changes)
        await attempt(pending.change.record, () => this.apply(session, batch, undefined, [pending]));
      // Reported before COMMIT: with errors.tolerance=none this rejects and the whole batch rolls back.
      for (const { record, error } of failures)
        await this.context.reportBadRecord(record, rejected(JDBC_WRITE_FAILED, batch.label, error));
      await alsoInTransaction?.(session);
    });
  }

  /** Creates the table or adds columns as allowed; false when there is nothing to do (no table, no writes). */
  private async ensureTable(batch: TableBatch, changes: readonly PendingChange[]): Promise<boolean> {
    const id = `${batch.table.schema ?? ''}\u0000${batch.table.name}`;
    const wanted = columnDefs(changes);
    let known = this.columns.get(id);
    if (!known) {
      const existing = await this.pool.columns(batch.table);
      if (existing === undefined) {
        // Nothing to delete or truncate in a table that does not exist.
        if (wanted.length === 0) return false;
        if (!shouldCreateTables(this.config)) {
          throw Object.assign(
            new Error(
              `Table ${batch.label} does not exist; set schema.evolution=basic (or auto.create=true) to create it`,
            ),
            { code: JDBC_TABLE_MISSING },
          );
        }
        await this.pool.run(createTable(this.dialect, batch.table, wanted), []);
        this.context.log.info({ table: batch.label }, `created table ${batch.label}`);
        known = new Set(wanted.map((column) => this.compared(column.name)));
      } else {
        known = new Set(existing.map((name) => this.compared(name)));
      }
      this.columns.set(id, known);
    }
    if (shouldAddColumns(this.config)) {
      for (const column of wanted) {
        if (known.has(this.compared(column.name))) continue;
        await this.pool.run(addColumn(this.dialect, batch.table, column), []);
        this.context.log.info({ table: batch.label, column: column.name }, `added column ${column.name}`);
        known.add(this.compared(column.name));
      }
    }
    return true;
  }

  private compared(name: string): string {
    return this.dialect.caseInsensitiveColumns ? name.toLowerCase() : name;
  }

  private rowsPerStatement(columns: number): number {
    return Math.max(
      1,
      Math.min(this.config['batch.size'], Math.floor(this.dialect.maxParams / Math.max(columns, 1))),
    );
  }

  private count(batch: TableBatch, changes: readonly PendingChange[], elapsedMs: number): void {
    const { metrics } = this.context;
    const table = batch.label;
    const upserts = changes.filter((pending) => pending.change.op === 'upsert').length;
    if (batch.truncate) metrics.inc('sink_rows_applied_total', { table, op: 'truncate' });
    if (upserts > 0) metrics.inc('sink_rows_applied_total', { table, op: 'upsert' }, upserts);
    if (changes.length > upserts)
      metrics.inc('sink_rows_applied_total', { table, op: 'delete' }, changes.length - upserts);
    metrics.set('sink_batch_records', { table }, batch.records);
    metrics.observe('sink_apply_duration_seconds', { table }, elapsedMs / 1000);
  }
}

/** Every column the upserts write or hold back, keys first, first definition wins. */
function columnDefs(changes: readonly PendingChange[]): ColumnDef[] {
  const defs = new Map<string, ColumnDef>();
  for (const { change } of changes) {
    if (change.op !== 'upsert') continue;
    for (const field of change.key)
      if (!defs.has(field.name))
        defs.set(field.name, {
          name: field.name,
          kind: columnKind(field.schema),
          optional: false,
          isKey: true,
        });
    for (const field of [...change.row, ...change.unavailable])
      if (!defs.has(field.name))
        defs.set(field.name, {
          name: field.name,
          kind: columnKind(field.schema),
          optional: isOptional(field.schema),
          isKey: false,
        });
  }
  return [...defs.values()];
}

function recordsOf(batch: TableBatch, changes: readonly PendingChange[]): SinkRecord[] {
  const records = changes.map((pending) => pending.change.record);
  return batch.truncate ? [batch.truncate.record, ...records] : records;
}

function names(fields: readonly FieldValue[]): string[] {
  return fields.map((field) => field.name);
}

function values(fields: readonly FieldValue[]): SqlValue[] {
  return fields.map((field) => field.value);
}

function keyNames(change: Change): string[] | undefined {
  return change.key.length > 0 ? names(change.key) : undefined;
}

function run(session: SqlSession, statement: Statement): Promise<number> {
  return session.run(statement.sql, statement.params);
}

function groupBy<T>(items: readonly T[], by: (item: T) => string | string[]): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const raw = by(item);
    const id = Array.isArray(raw) ? raw.join('\u0000') : raw;
    const group = groups.get(id);
    if (group) group.push(item);
    else groups.set(id, [item]);
  }
  return [...groups.values()];
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let index = 0; index < items.length; index += size) result.push(items.slice(index, index + size));
  return result;
}
