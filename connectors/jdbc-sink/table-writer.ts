import type { SinkRecord, TaskContext } from '../../src/plugin/index.ts';
import type { Change, FieldValue } from './change.ts';
import { columnKind } from './column-type.ts';
import { isOptional, type SqlValue } from './column-value.ts';
import { type JdbcSinkConfig, shouldAddColumns, shouldCreateTables } from './config.ts';
import {
  type ColumnDef,
  type Dialect,
  qualified,
  type SqlPool,
  type SqlSession,
  type TableColumn,
  type TableName,
  type TypedColumn,
} from './dialect.ts';
import { isUnavailable, JDBC_TABLE_MISSING, JDBC_WRITE_FAILED, rejected } from './errors.ts';
import { addColumn, createTable, deleteRows, insertRows, type Statement, updateRow } from './statements.ts';
import type { PendingChange, TableBatch } from './table-batch.ts';

// The engine: applies one table's reduced batch in one transaction with multi-row statements
// (truncate, then deletes, then inserts/upserts). Schema evolution (CREATE TABLE, ADD COLUMN) runs
// before, outside the transaction, since MySQL commits DDL implicitly. When the database rejects the
// batch, the same transaction is redone change by change under savepoints, so only the records it
// really rejects go to reportBadRecord (dead-letter queue, or a failed task) and the rest commit.
// Where the dialect has bulk statements (PostgreSQL's unnest of one typed array per column) the
// rows and deletes of a batch go in one prepared statement each, typed by the table's own column
// types as read from the database; the redo change by change uses plain statements, and a rejected
// batch makes the next one read the types again (someone may have altered the table).

type Mode = JdbcSinkConfig['insert.mode'];

export class TableWriter {
  private readonly dialect: Dialect;
  private readonly pool: SqlPool;
  private readonly config: JdbcSinkConfig;
  private readonly context: TaskContext;
  /** Known columns per table, by name as compared (lower case on MySQL). */
  private readonly columns = new Map<string, Map<string, TableColumn>>();

  constructor(dialect: Dialect, pool: SqlPool, config: JdbcSinkConfig, context: TaskContext) {
    this.dialect = dialect;
    this.pool = pool;
    this.config = config;
    this.context = context;
  }

  /**
   * Applies the batch; throws only when the database is unreachable (retriable). `alsoInTransaction`
   * runs in the batch's transaction (exactly-once offsets commit with the rows); `durable: false`
   * lets its commit return before it is on disk (see SqlPool.transaction). Resolves with whether a
   * transaction committed (not when there was nothing to do or every record was reported).
   */
  async write(
    batch: TableBatch,
    alsoInTransaction?: (session: SqlSession) => Promise<void>,
    options: { durable?: boolean } = {},
  ): Promise<boolean> {
    const started = performance.now();
    const changes = [...batch.pending.values()];
    try {
      if (!(await this.ensureTable(batch, changes))) return false;
    } catch (error) {
      if (isUnavailable(error)) throw error;
      const code = error instanceof Error && 'code' in error && error.code === JDBC_TABLE_MISSING;
      const reason = rejected(code ? JDBC_TABLE_MISSING : JDBC_WRITE_FAILED, batch.label, error);
      for (const record of recordsOf(batch, changes)) await this.context.reportBadRecord(record, reason);
      return false;
    }
    try {
      await this.pool.transaction(async (session) => {
        await this.apply(session, batch, batch.truncate, changes, true);
        await alsoInTransaction?.(session);
      }, options);
    } catch (error) {
      if (isUnavailable(error)) throw error;
      this.columns.delete(tableId(batch.table));
      await this.isolate(batch, changes, alsoInTransaction, options);
    }
    this.count(batch, changes, performance.now() - started);
    return true;
  }

  /** `bulk`: use the dialect's bulk statements where the columns allow (not when redoing change by change). */
  private async apply(
    session: SqlSession,
    batch: TableBatch,
    truncate: Change | undefined,
    changes: readonly PendingChange[],
    bulk: boolean,
  ): Promise<void> {
    const { dialect } = this;
    const table = batch.table;
    if (truncate) await session.run(dialect.truncate(qualified(dialect, table)), []);
    const deletes = changes.filter((pending) => pending.deleteFirst || pending.change.op === 'delete');
    for (const group of groupBy(deletes, (pending) => names(pending.change.key))) {
      const keyColumns = group[0]?.change.key.map((field) => field.name) ?? [];
      const keys = group.map((pending) => values(pending.change.key));
      const typed = bulk && dialect.bulkDelete ? this.typed(table, keyColumns) : undefined;
      if (typed && dialect.bulkDelete) {
        await run(session, { ...dialect.bulkDelete(qualified(dialect, table), typed, keys), prepare: true });
        continue;
      }
      for (const chunk of chunks(keys, this.rowsPerStatement(keyColumns.length)))
        await run(session, deleteRows(dialect, table, keyColumns, chunk));
    }
    const writes = changes
      .filter((pending) => pending.change.op === 'upsert')
      .map((pending) => pending.change);
    await this.writeRows(session, batch, writes, this.config['insert.mode'], bulk);
  }

  private async writeRows(
    session: SqlSession,
    batch: TableBatch,
    writes: Change[],
    mode: Mode,
    bulk: boolean,
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
    for (const group of groupByColumns(full)) {
      const first = group[0];
      if (!first) continue;
      const columns = [...names(first.key), ...names(first.row)];
      const upsertKeys = mode === 'upsert' ? names(first.key) : undefined;
      const rows = group.map(rowValues);
      const typed = bulk && dialect.bulkInsert ? this.typed(table, columns) : undefined;
      if (typed && dialect.bulkInsert) {
        const statement = dialect.bulkInsert(qualified(dialect, table), typed, rows, upsertKeys);
        await run(session, { ...statement, prepare: true });
        continue;
      }
      for (const chunk of chunks(rows, this.rowsPerStatement(columns.length)))
        await run(session, insertRows(dialect, table, columns, chunk, upsertKeys));
    }
  }

  /** Redoes the batch change by change under savepoints; reports what the database rejects. */
  private async isolate(
    batch: TableBatch,
    changes: readonly PendingChange[],
    alsoInTransaction: ((session: SqlSession) => Promise<void>) | undefined,
    options: { durable?: boolean },
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
      if (truncate) await attempt(truncate.record, () => this.apply(session, batch, truncate, [], false));
      for (const pending of changes)
        await attempt(pending.change.record, () => this.apply(session, batch, undefined, [pending], false));
      // Reported before COMMIT: with errors.tolerance=none this rejects and the whole batch rolls back.
      for (const { record, error } of failures)
        await this.context.reportBadRecord(record, rejected(JDBC_WRITE_FAILED, batch.label, error));
      await alsoInTransaction?.(session);
    }, options);
  }

  /** Creates the table or adds columns as allowed; false when there is nothing to do (no table, no writes). */
  private async ensureTable(batch: TableBatch, changes: readonly PendingChange[]): Promise<boolean> {
    const id = tableId(batch.table);
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
        known = await this.readColumns(batch.table, wanted);
      } else {
        known = this.byName(existing);
      }
      this.columns.set(id, known);
    }
    if (shouldAddColumns(this.config)) {
      let added = false;
      for (const column of wanted) {
        if (known.has(this.compared(column.name))) continue;
        await this.pool.run(addColumn(this.dialect, batch.table, column), []);
        this.context.log.info({ table: batch.label, column: column.name }, `added column ${column.name}`);
        known.set(this.compared(column.name), { name: column.name, bulk: false });
        added = true;
      }
      // The added columns' types, as the database spells them, for the bulk statements.
      if (added) this.columns.set(id, await this.readColumns(batch.table, wanted));
    }
    return true;
  }

  /** The table's columns as the database has them (just created or altered: `wanted` if unreadable). */
  private async readColumns(
    table: TableName,
    wanted: readonly ColumnDef[],
  ): Promise<Map<string, TableColumn>> {
    const read = await this.pool.columns(table);
    return this.byName(read ?? wanted.map((column) => ({ name: column.name, bulk: false })));
  }

  private byName(columns: readonly TableColumn[]): Map<string, TableColumn> {
    return new Map(columns.map((column) => [this.compared(column.name), column]));
  }

  /** `names` with their types when every one of them can go into a bulk statement, else undefined. */
  private typed(table: TableName, names: readonly string[]): TypedColumn[] | undefined {
    const known = this.columns.get(tableId(table));
    const typed: TypedColumn[] = [];
    for (const name of names) {
      const column = known?.get(this.compared(name));
      if (!column?.bulk || column.type === undefined) return undefined;
      typed.push({ name, type: column.type });
    }
    return typed;
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
  let previous: Change | undefined;
  for (const { change } of changes) {
    if (change.op !== 'upsert') continue;
    // Most changes of a batch have the columns of the one before: nothing new to learn from them.
    if (previous && sameColumns(previous, change)) continue;
    previous = change;
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

/**
 * Changes grouped by their key and row column names (one statement per group), in first-seen
 * order; a change with the columns of the one before joins its group without building a key.
 */
function groupByColumns(changes: readonly Change[]): Change[][] {
  const groups = new Map<string, Change[]>();
  let previous: { change: Change; group: Change[] } | undefined;
  for (const change of changes) {
    if (
      previous &&
      sameNames(previous.change.key, change.key) &&
      sameNames(previous.change.row, change.row)
    ) {
      previous.group.push(change);
      continue;
    }
    const id = `${names(change.key)}\u0001${names(change.row)}`;
    let group = groups.get(id);
    if (!group) {
      group = [];
      groups.set(id, group);
    }
    group.push(change);
    previous = { change, group };
  }
  return [...groups.values()];
}

function sameNames(x: readonly FieldValue[], y: readonly FieldValue[]): boolean {
  return x.length === y.length && x.every((field, index) => field.name === y[index]?.name);
}

/** Key values, then row values. */
function rowValues(change: Change): SqlValue[] {
  const row: SqlValue[] = [];
  for (const field of change.key) row.push(field.value);
  for (const field of change.row) row.push(field.value);
  return row;
}

/** Whether two changes have the same key, row and held-back columns, with the same schemas. */
function sameColumns(a: Change, b: Change): boolean {
  const same = (x: readonly FieldValue[], y: readonly FieldValue[]) =>
    x.length === y.length &&
    x.every((field, index) => field.name === y[index]?.name && field.schema === y[index]?.schema);
  return same(a.key, b.key) && same(a.row, b.row) && same(a.unavailable, b.unavailable);
}

function tableId(table: TableName): string {
  return `${table.schema ?? ''}\u0000${table.name}`;
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

function run(session: SqlSession, statement: Statement & { prepare?: boolean }): Promise<number> {
  return session.run(statement.sql, statement.params, statement.prepare ? { prepare: true } : undefined);
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
