import {
  type ConnectStruct,
  OP,
  type Op,
  type RecordHeader,
  type SourceRecord,
  tombstoneOf,
} from '../../src/plugin/index.ts';
import { type ChangePosition, changeRecord, keyHeader, type ServerInfo } from './events.ts';
import type { CaptureFilters } from './filters.ts';
import type { DeleteMessage, InsertMessage, Tuple, UpdateMessage } from './pgoutput-parser.ts';
import type { TableSchema } from './table-schema.ts';

// One pgoutput change message to the records Debezium emits for it (offsets are set by the caller):
// insert → c; update → u, or for a primary key change d (+ tombstone) and c with the old/new key
// in headers; delete → d (+ tombstone); truncate → one t per table, without key.

export interface EventSettings {
  filters: CaptureFilters;
  server: ServerInfo;
  tombstones: boolean;
  /** Counts an emitted event (metrics). */
  count(table: string, op: Op): void;
}

type Rows = { before: ConnectStruct | null; after: ConnectStruct | null; key: ConnectStruct | null };

export function rowChangeRecords(
  table: TableSchema,
  message: InsertMessage | UpdateMessage | DeleteMessage,
  position: ChangePosition,
  settings: EventSettings,
): SourceRecord[] {
  const { filters } = settings;
  const records: SourceRecord[] = [];
  const add = (op: Op, rows: Rows, headers?: RecordHeader[]) => {
    const record = changeRecord(settings.server, table, op, rows, position, {}, headers);
    records.push(record);
    settings.count(table.qualifiedName, op);
    if (op === OP.delete && settings.tombstones) records.push(tombstoneOf(record));
  };
  if (message.tag === 'insert') {
    if (!filters.skips('c'))
      add(OP.create, {
        before: null,
        after: table.valueOf(message.newTuple),
        key: table.keyOf(message.newTuple),
      });
    return records;
  }
  if (message.tag === 'delete') {
    const old = message.oldTuple ?? message.keyTuple;
    if (old && !filters.skips('d'))
      add(OP.delete, { before: table.valueOf(old), after: null, key: table.keyOf(old) });
    return records;
  }
  const old: Tuple | null = message.oldTuple ?? message.keyTuple;
  const key = table.keyOf(message.newTuple);
  const after = table.valueOf(message.newTuple, message.oldTuple);
  if (old && table.keyChanged(old, message.newTuple)) {
    // A primary key update is, for keyed consumers, the old key's delete and the new key's create.
    const oldKey = table.keyOf(old);
    if (!filters.skips('d')) {
      add(OP.delete, { before: table.valueOf(old), after: null, key: oldKey }, [
        keyHeader('__debezium.newkey', key),
      ]);
    }
    if (!filters.skips('c'))
      add(OP.create, { before: null, after, key }, [keyHeader('__debezium.oldkey', oldKey)]);
    return records;
  }
  if (!filters.skips('u')) add(OP.update, { before: old ? table.valueOf(old) : null, after, key });
  return records;
}

export function truncateRecords(
  tables: readonly TableSchema[],
  position: ChangePosition,
  settings: EventSettings,
): SourceRecord[] {
  if (settings.filters.skips('t')) return [];
  return tables.map((table) => {
    settings.count(table.qualifiedName, OP.truncate);
    return changeRecord(
      settings.server,
      table,
      OP.truncate,
      { before: null, after: null, key: null },
      position,
      {},
    );
  });
}
