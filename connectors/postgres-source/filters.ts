import type { FieldError } from '../../src/plugin/index.ts';
import { checkFilterLists, CaptureFilters as SharedCaptureFilters } from '../shared/capture-filters.ts';
import type { PostgresSourceConfig } from './config.ts';

// Debezium's PostgreSQL filters: schema.*, table.* and column.* include/exclude lists (namespaces are
// schemas), message.key.columns and skipped.operations.

/** Schemas that never hold user tables. */
const SYSTEM_SCHEMAS = /^(pg_catalog|information_schema|pg_toast|pg_temp_\d+|pg_toast_temp_\d+)$/;

export class CaptureFilters extends SharedCaptureFilters {
  constructor(config: PostgresSourceConfig) {
    super(
      {
        namespaceInclude: config['schema.include.list'],
        namespaceExclude: config['schema.exclude.list'],
        tableInclude: config['table.include.list'],
        tableExclude: config['table.exclude.list'],
        columnInclude: config['column.include.list'],
        columnExclude: config['column.exclude.list'],
        keyColumns: config['message.key.columns'],
        skippedOperations: config['skipped.operations'],
        signalTable: config['signal.data.collection'],
      },
      SYSTEM_SCHEMAS,
    );
  }
}

export function checkFilters(config: PostgresSourceConfig): FieldError[] {
  return checkFilterLists(
    [
      ['schema.include.list', 'schema.exclude.list'],
      ['table.include.list', 'table.exclude.list'],
      ['column.include.list', 'column.exclude.list'],
    ],
    config,
    config['message.key.columns'],
  );
}
