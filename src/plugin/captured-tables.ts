// What a connector tells the host's data-product catalog about the data it moves, read from the
// database's own catalog: a source describes the tables it captures (columns, keys, comments, enum
// values, foreign keys) and the topic each goes to; a sink names the table each topic lands in. The
// host turns these into products' ports, ODCS contracts and lineage; connectors never see the catalog.

/** ODCS v3 logical types. */
export type LogicalType = 'string' | 'date' | 'number' | 'integer' | 'object' | 'array' | 'boolean';

export interface CapturedColumn {
  name: string;
  /** 1-based position in the table. */
  position: number;
  /** The database's own type, e.g. `character varying(255)`, `numeric(12,2)`, `enum('a','b')`. */
  physicalType: string;
  logicalType: LogicalType;
  nullable: boolean;
  /** The column default as the database shows it (an expression), when there is one. */
  default?: string;
  /** PostgreSQL COMMENT ON COLUMN / MySQL COLUMN_COMMENT. */
  comment?: string;
  /** Allowed values of an enum type. */
  enumValues?: string[];
  /** 1-based position in the primary key; absent when not part of it. */
  primaryKeyPosition?: number;
  /** Part of a single-column unique constraint. */
  unique?: boolean;
}

export interface CapturedForeignKey {
  name: string;
  columns: string[];
  /** The referenced table as `<schema or database>.<table>`. */
  referencedTable: string;
  referencedColumns: string[];
}

export interface CapturedTable {
  /** PostgreSQL schema or MySQL database. */
  namespace: string;
  name: string;
  /** The topic the connector writes this table's changes to. */
  topic: string;
  /** PostgreSQL COMMENT ON TABLE / MySQL TABLE_COMMENT. */
  comment?: string;
  /** The database's owner of the table (PostgreSQL), a hint for the product's owner. */
  owner?: string;
  columns: CapturedColumn[];
  foreignKeys: CapturedForeignKey[];
}

/** What a source captures: the database (for lineage and contract servers) and its tables. */
export interface SourceDescription {
  /** 'postgresql' | 'mysql' (ODCS server types). */
  databaseType: 'postgresql' | 'mysql';
  host: string;
  port: number;
  database: string;
  tables: CapturedTable[];
}

/** A topic a sink reads, with the source table behind it when the catalog knows one. */
export interface SinkTopic {
  topic: string;
  source?: { namespace: string; table: string };
}

/** Where a sink writes a topic's records. */
export interface SinkTarget {
  topic: string;
  databaseType: 'postgresql' | 'mysql';
  database: string;
  /** `<schema>.<table>` or `<table>` as the sink will name it. */
  table: string;
  /** Where the database is (lineage names datasets by it). */
  host?: string;
  port?: number;
}
