import {
  type ConnectField,
  type ConnectSchema,
  type ConnectStruct,
  type ConnectValue,
  envelopeSchema,
  OnrampError,
  type RecordNames,
  recordNames,
} from '../../src/plugin/index.ts';
import { type ColumnMappers, NO_COLUMN_MAPPERS } from '../shared/column-mappers.ts';
import type { ColumnDefinition, TableDefinition } from './catalog.ts';
import { quoteIdent } from './connection.ts';
import { columnDefault } from './default-value.ts';
import type { CaptureFilters } from './filters.ts';
import { isSpatial } from './geometry.ts';
import { mysqlSourceSchema } from './source-block.ts';
import { sourceColumnOf } from './source-column.ts';
import { fallbackValue, mapColumnType, type TypeMapOptions, type ValueMapping } from './type-map.ts';

// A captured table as events see it: key, value and envelope schemas, and how a row (column name →
// driver value, from a snapshot SELECT or a binlog row image) becomes the key and value structs.
// Built once per table and per DDL, then reused for every row, so converters can cache by it.

interface ColumnPlan {
  name: string;
  column: ColumnDefinition;
  mapping: ValueMapping;
  field: ConnectField;
  /** A column mapper's change to converted values (value fields only, never the key's). */
  mapped?: (value: ConnectValue) => ConnectValue;
}

export interface SchemaSettings {
  topicPrefix: string;
  typeOptions: TypeMapOptions;
  /** include.schema.comments: column comments become the fields' doc (keys' too, as in Debezium). */
  includeComments?: boolean;
  /** Debezium's column masks, truncation and source type parameters (value fields only). */
  columnMappers?: ColumnMappers;
}

export type Row = Record<string, unknown>;

export class TableSchema {
  readonly definition: TableDefinition;
  readonly names: RecordNames;
  readonly keySchema: ConnectSchema | null;
  readonly valueSchema: ConnectSchema;
  readonly envelopeSchema: ConnectSchema;
  /** Columns left out because their type has no mapping. */
  readonly skippedColumns: string[] = [];
  /** The columns read from the table (selected in snapshots). */
  readonly columnNames: string[];
  /** What a snapshot SELECTs: the columns, spatial ones as their SRID and WKB bytes. */
  readonly selectList: string;
  private readonly valueColumns: ColumnPlan[];
  private readonly keyColumns: ColumnPlan[];

  constructor(definition: TableDefinition, filters: CaptureFilters, settings: SchemaSettings) {
    this.definition = definition;
    const { database, name } = definition;
    this.names = recordNames(settings.topicPrefix, database, name);
    const plans = new Map<string, ColumnPlan>();
    for (const column of definition.columns) {
      const mapping = mapColumnType(column, settings.typeOptions);
      if (mapping === undefined) {
        this.skippedColumns.push(column.name);
        continue;
      }
      const fieldDefault = columnDefault(column.defaultValue, mapping);
      plans.set(column.name, {
        name: column.name,
        column,
        mapping,
        field: {
          field: column.name,
          ...mapping.schema,
          // Debezium's Geometry schema is optional whatever the column says.
          optional: column.nullable || mapping.schema.optional === true,
          ...(fieldDefault !== undefined && { default: fieldDefault }),
          ...(settings.includeComments && column.comment !== undefined && { doc: column.comment }),
        },
      });
    }
    this.columnNames = [...plans.keys()];
    this.selectList =
      [...plans.values()]
        .map(({ name, column }) =>
          isSpatial(column.dataType)
            ? `CAST(${quoteIdent(name)} AS BINARY) AS ${quoteIdent(name)}`
            : quoteIdent(name),
        )
        .join(', ') || 'NULL';
    const mappers = settings.columnMappers ?? NO_COLUMN_MAPPERS;
    this.valueColumns = [...plans.values()]
      .filter((plan) => filters.includesColumn(database, name, plan.name))
      .map((plan) => {
        if (!mappers.any) return plan;
        const source = sourceColumnOf(plan.column, settings.includeComments ?? false);
        const mapped = mappers.mappingFor(database, name, source, plan.field);
        if (mapped === undefined) return plan;
        const parameters = { ...plan.field.parameters, ...mapped.parameters };
        return {
          ...plan,
          field: { ...plan.field, ...(Object.keys(parameters).length > 0 && { parameters }) },
          ...(mapped.convert && { mapped: mapped.convert }),
        };
      });
    const keyNames =
      filters.keyColumnsFor(
        database,
        name,
        definition.columns.map((column) => column.name),
      ) ?? definition.primaryKey;
    this.keyColumns = keyNames.flatMap((column) => {
      const plan = plans.get(column);
      return plan ? [plan] : [];
    });
    this.keySchema =
      this.keyColumns.length === 0
        ? null
        : {
            type: 'struct',
            name: this.names.key,
            optional: false,
            fields: this.keyColumns.map((plan) => plan.field),
          };
    this.valueSchema = {
      type: 'struct',
      name: this.names.value,
      optional: true,
      fields: this.valueColumns.map((plan) => plan.field),
    };
    this.envelopeSchema = envelopeSchema(this.names.envelope, this.valueSchema, mysqlSourceSchema);
  }

  get database(): string {
    return this.definition.database;
  }

  get table(): string {
    return this.definition.name;
  }

  valueOf(row: Row): ConnectStruct {
    const struct: ConnectStruct = {};
    for (const plan of this.valueColumns) struct[plan.name] = this.columnValue(plan, row);
    return struct;
  }

  /** The key struct of a row, or null when the table has no key. */
  keyOf(row: Row): ConnectStruct | null {
    if (this.keySchema === null) return null;
    const struct: ConnectStruct = {};
    for (const plan of this.keyColumns) struct[plan.name] = this.columnValue(plan, row);
    return struct;
  }

  /** True when an update changed a key column (a primary key update). */
  keyChanged(before: Row, after: Row): boolean {
    return this.keyColumns.some((plan) => !sameValue(before[plan.name], after[plan.name]));
  }

  private columnValue(plan: ColumnPlan, row: Row): ConnectValue {
    const raw = row[plan.name];
    let value: ConnectValue;
    if (raw === null || raw === undefined) {
      value = null;
    } else {
      try {
        value = plan.mapping.convert(raw);
      } catch (error) {
        throw new OnrampError(
          'CONVERSION_FAILED',
          `Cannot convert ${this.database}.${this.table}.${plan.name} value ${String(raw).slice(0, 100)}: ${(error as Error).message}`,
          { cause: error },
        );
      }
    }
    if (value === null && !plan.field.optional) value = fallbackValue(plan.field);
    return plan.mapped ? plan.mapped(value) : value;
  }
}

function sameValue(left: unknown, right: unknown): boolean {
  if (Buffer.isBuffer(left) && Buffer.isBuffer(right)) return left.equals(right);
  return String(left) === String(right);
}
