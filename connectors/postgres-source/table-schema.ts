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
import { columnDefault } from './default-value.ts';
import type { CaptureFilters } from './filters.ts';
import { type Tuple, UNCHANGED_TOAST } from './pgoutput-parser.ts';
import { postgresSourceSchema } from './source-block.ts';
import { sourceColumnOf } from './source-column.ts';
import type { TypeLookup } from './type-catalog.ts';
import {
  fallbackValue,
  mapType,
  type TypeMapOptions,
  unavailableValue,
  type ValueMapping,
} from './type-map.ts';

// A captured table as events see it: key, value and envelope schemas, and how a row of text values
// (a pgoutput tuple or a COPY line, both in column order) becomes the key and value structs. Built
// once per table and per relation change, then reused for every row, so converters can cache by it.

export interface ColumnSpec {
  name: string;
  typeOid: number;
  typeMod: number;
  /** NOT NULL in the catalog; unknown columns count as nullable. */
  notNull: boolean;
  /** COMMENT ON COLUMN (the field's doc with include.schema.comments). */
  comment?: string;
  /** The default expression (pg_get_expr), its type's typname and whether that is an enum. */
  defaultExpression?: string;
  typeName?: string;
  isEnum?: boolean;
}

export interface TableSpec {
  oid: number;
  schema: string;
  name: string;
  /** In tuple order. */
  columns: ColumnSpec[];
  /** Key columns in key order: message.key.columns if set for the table, else the primary key. */
  keyColumns: string[];
}

interface ColumnPlan {
  name: string;
  /** Position in the tuple. */
  index: number;
  mapping: ValueMapping;
  field: ConnectField;
  /** A column mapper's change to converted values (value fields only, never the key's). */
  mapped?: (value: ConnectValue) => ConnectValue;
}

export interface SchemaSettings {
  topicPrefix: string;
  typeOptions: TypeMapOptions;
  placeholder: string;
  /** include.schema.comments: column comments become the fields' doc (keys' too, as in Debezium). */
  includeComments?: boolean;
  /** Debezium's column masks, truncation and source type parameters (value fields only). */
  columnMappers?: ColumnMappers;
}

export class TableSchema {
  readonly spec: TableSpec;
  readonly names: RecordNames;
  readonly keySchema: ConnectSchema | null;
  readonly valueSchema: ConnectSchema;
  readonly envelopeSchema: ConnectSchema;
  /** `schema.table`, as metrics name it. */
  readonly qualifiedName: string;
  /** Columns left out because their type has no mapping (include.unknown.datatypes=false). */
  readonly skippedColumns: string[];
  private readonly valueColumns: ColumnPlan[];
  private readonly keyColumns: ColumnPlan[];
  private readonly placeholder: string;
  /** Identifies the schemas, to tell whether a relation message changed anything. */
  readonly fingerprint: string;

  constructor(spec: TableSpec, lookup: TypeLookup, filters: CaptureFilters, settings: SchemaSettings) {
    this.spec = spec;
    this.placeholder = settings.placeholder;
    this.names = recordNames(settings.topicPrefix, spec.schema, spec.name);
    const plans = new Map<string, ColumnPlan>();
    this.skippedColumns = [];
    spec.columns.forEach((column, index) => {
      const mapping = mapType(lookup, column.typeOid, column.typeMod, settings.typeOptions);
      if (mapping === undefined) {
        this.skippedColumns.push(column.name);
        return;
      }
      const fieldDefault = columnDefault(
        column.defaultExpression,
        column.typeName,
        column.isEnum ?? false,
        mapping,
      );
      plans.set(column.name, {
        name: column.name,
        index,
        mapping,
        field: {
          field: column.name,
          ...mapping.schema,
          optional: !column.notNull,
          ...(fieldDefault !== undefined && { default: fieldDefault }),
          ...(settings.includeComments && column.comment !== undefined && { doc: column.comment }),
        },
      });
    });
    const mappers = settings.columnMappers ?? NO_COLUMN_MAPPERS;
    this.valueColumns = [...plans.values()]
      .filter((plan) => filters.includesColumn(spec.schema, spec.name, plan.name))
      .map((plan) => {
        if (!mappers.any) return plan;
        const column = spec.columns[plan.index] as ColumnSpec;
        const source = sourceColumnOf(column, lookup, settings.includeComments ?? false);
        const mapped = mappers.mappingFor(spec.schema, spec.name, source, plan.field);
        if (mapped === undefined) return plan;
        const parameters = { ...plan.field.parameters, ...mapped.parameters };
        return {
          ...plan,
          field: { ...plan.field, ...(Object.keys(parameters).length > 0 && { parameters }) },
          ...(mapped.convert && { mapped: mapped.convert }),
        };
      });
    this.keyColumns = spec.keyColumns.flatMap((name) => {
      const plan = plans.get(name);
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
    this.envelopeSchema = envelopeSchema(this.names.envelope, this.valueSchema, postgresSourceSchema);
    this.fingerprint = JSON.stringify([this.keySchema, this.valueSchema]);
    this.qualifiedName = `${spec.schema}.${spec.name}`;
  }

  /** The value struct of a row. Unchanged TOAST values come from `old` when it has them (REPLICA IDENTITY FULL). */
  valueOf(tuple: Tuple, old?: Tuple | null): ConnectStruct {
    const struct: ConnectStruct = {};
    for (const plan of this.valueColumns) struct[plan.name] = this.columnValue(plan, tuple, old);
    return struct;
  }

  /** The key struct of a row, or null when the table has no key. */
  keyOf(tuple: Tuple): ConnectStruct | null {
    if (this.keySchema === null) return null;
    const struct: ConnectStruct = {};
    for (const plan of this.keyColumns) struct[plan.name] = this.columnValue(plan, tuple, null);
    return struct;
  }

  /** True when both tuples carry key values and they differ (a primary key update). */
  keyChanged(before: Tuple, after: Tuple): boolean {
    return this.keyColumns.some((plan) => {
      const old = before[plan.index];
      return old !== null && old !== UNCHANGED_TOAST && old !== undefined && old !== after[plan.index];
    });
  }

  private columnValue(plan: ColumnPlan, tuple: Tuple, old: Tuple | null | undefined): ConnectValue {
    let raw = tuple[plan.index];
    if (raw === UNCHANGED_TOAST) raw = old?.[plan.index] ?? UNCHANGED_TOAST;
    let value: ConnectValue;
    if (raw === UNCHANGED_TOAST) {
      value = unavailableValue(plan.field, this.placeholder);
    } else if (raw === null || raw === undefined) {
      value = null;
    } else {
      try {
        value = plan.mapping.parse(raw);
      } catch (error) {
        throw new OnrampError(
          'CONVERSION_FAILED',
          `Cannot convert ${this.spec.schema}.${this.spec.name}.${plan.name} value "${raw.slice(0, 100)}": ${(error as Error).message}`,
          { cause: error },
        );
      }
    }
    // Debezium's rule: a required field without a value gets its type's zero value.
    if (value === null && !plan.field.optional) value = fallbackValue(plan.field);
    return plan.mapped ? plan.mapped(value) : value;
  }
}

/** The table spec for a set of columns and the catalog's primary key, honouring message.key.columns. */
export function tableSpec(
  table: { oid: number; schema: string; name: string },
  columns: ColumnSpec[],
  primaryKey: readonly string[],
  filters: CaptureFilters,
): TableSpec {
  const names = columns.map((column) => column.name);
  const override = filters.keyColumnsFor(table.schema, table.name, names);
  const present = new Set(names);
  const keyColumns = (override ?? primaryKey).filter((name) => present.has(name));
  return { oid: table.oid, schema: table.schema, name: table.name, columns, keyColumns };
}
