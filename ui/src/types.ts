// The REST API's shapes, as far as the console reads them.

export interface CapturedColumn {
  name: string;
  position: number;
  physicalType: string;
  logicalType: string;
  nullable: boolean;
  default?: string;
  comment?: string;
  enumValues?: string[];
  primaryKeyPosition?: number;
}

export interface CapturedTable {
  namespace: string;
  name: string;
  topic: string;
  comment?: string;
  columns: CapturedColumn[];
}

export interface Classification {
  column: string;
  category: string;
  reason: string;
  state: 'suggested' | 'confirmed' | 'rejected';
  treatment?: 'hash' | 'mask' | 'drop';
}

export interface Product {
  id: string;
  domain: string;
  name: string;
  owner?: string;
  description?: string;
  status: 'draft' | 'published' | 'deprecated';
  slaTier: string;
  quality: string;
  tags: string[];
  version: string;
  outputPorts: Array<{
    topic: string;
    keySubject: string;
    valueSubject: string;
    format: string;
    connector?: string;
    table?: string;
  }>;
  inputPorts: Array<{ kind: string; connector: string; table?: string; product?: string; database?: string }>;
  consumers: Array<{ connector: string; group: string; topics: string[]; domain?: string; product?: string }>;
  sources: string[];
  captured: Record<
    string,
    { databaseType: string; database: string; tables: CapturedTable[]; error?: string; describedAt: string }
  >;
  classifications: Classification[];
  policy: {
    compatibility: string;
    personalData: 'hash' | 'mask' | 'drop';
    breakingChange: string;
    maxLagMs?: number;
    /** Undecided personal-data columns of a published product: sent as is (default) or protected. */
    undecided?: 'send' | 'protect';
  };
  created: string;
  updated: string;
  publishedAt?: string;
}

export interface FreshnessReading {
  topic: string;
  lastEventTime: string;
  lagMs?: number;
  idleMs: number;
  sloMs?: number;
  sloViolated: boolean;
}

export interface Health {
  status: 'green' | 'amber' | 'red';
  problems: string[];
  connectors: Array<{ name: string; role: string; state: string; tasks: string[] }>;
  freshness: FreshnessReading[];
  freshnessHistory?: Array<{
    topic: string;
    minutes: Array<{ minute: string; maxLagMs?: number; events: number }>;
  }>;
  maxLagMs?: number;
}

export interface Domain {
  name: string;
  products: string[];
  owners: string[];
  connectors: string[];
}

export interface ConnectorStatus {
  name: string;
  connector: { state: string; worker_id: string; trace?: string };
  tasks: Array<{ id: number; state: string; worker_id: string; trace?: string }>;
  type: string;
}

export interface ConnectorInfo {
  name: string;
  config: Record<string, string>;
  tasks: Array<{ connector: string; task: number }>;
  type: string;
}

export interface ConfigKeyInfo {
  name: string;
  type: string;
  required: boolean;
  default_value: string | null;
  importance: string;
  documentation: string;
  group: string;
  order: number;
  width: string;
  display_name: string;
}

export interface ConfigInfos {
  name: string;
  error_count: number;
  groups: string[];
  configs: Array<{
    definition: ConfigKeyInfo;
    value: {
      name: string;
      value: string | null;
      recommended_values: string[];
      errors: string[];
      visible: boolean;
    };
  }>;
}
