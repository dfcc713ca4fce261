import type { FieldError } from '../../src/plugin/index.ts';
import { checkFilterLists, CaptureFilters as SharedCaptureFilters } from '../shared/capture-filters.ts';

export type { Operation } from '../shared/capture-filters.ts';

// Debezium's MySQL filters: database.*, table.* and column.* include/exclude lists (namespaces are
// databases), message.key.columns and skipped.operations.

/** Databases that never hold captured tables. */
const SYSTEM_DATABASES = /^(mysql|information_schema|performance_schema|sys)$/i;

export type FilterSettings = {
  'database.include.list'?: readonly string[] | undefined;
  'database.exclude.list'?: readonly string[] | undefined;
  'table.include.list'?: readonly string[] | undefined;
  'table.exclude.list'?: readonly string[] | undefined;
  'column.include.list'?: readonly string[] | undefined;
  'column.exclude.list'?: readonly string[] | undefined;
  'message.key.columns'?: string | undefined;
  'skipped.operations': readonly string[];
  'signal.data.collection'?: string | undefined;
};

export class CaptureFilters extends SharedCaptureFilters {
  constructor(config: FilterSettings) {
    super(
      {
        namespaceInclude: config['database.include.list'],
        namespaceExclude: config['database.exclude.list'],
        tableInclude: config['table.include.list'],
        tableExclude: config['table.exclude.list'],
        columnInclude: config['column.include.list'],
        columnExclude: config['column.exclude.list'],
        keyColumns: config['message.key.columns'],
        skippedOperations: config['skipped.operations'],
        signalTable: config['signal.data.collection'],
      },
      SYSTEM_DATABASES,
    );
  }
}

export function checkFilters(config: FilterSettings): FieldError[] {
  return checkFilterLists(
    [
      ['database.include.list', 'database.exclude.list'],
      ['table.include.list', 'table.exclude.list'],
      ['column.include.list', 'column.exclude.list'],
    ],
    config,
    config['message.key.columns'],
  );
}
